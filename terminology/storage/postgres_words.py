"""How the PostgreSQL store splits text into the words its full-text index holds, so that a
search finds what SQLite's unicode61 tokenizer finds: the same word characters, folded case,
diacritics removed."""

from __future__ import annotations

import re
import unicodedata

from terminology.storage.records import words_of

#: Words as the caller's text filter and SQLite's unicode61 tokenizer see them.
WORDS = re.compile(r"[^\W_]+")

#: Characters of a word kept in the index and in a query: a longer query word is cut to the
#: same length, so a prefix still matches (a tsvector lexeme may not exceed 2,047 bytes).
WORD_LIMIT = 200


def fold_word(word: str) -> str:
    """A word as indexed and searched: without diacritics, cut to ``WORD_LIMIT``."""
    if not word.isascii():
        decomposed = unicodedata.normalize("NFD", word)
        word = unicodedata.normalize(
            "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        )
    return word[:WORD_LIMIT]


def index_words(display: str | None, extra: str | None) -> list[str]:
    """The distinct folded words of a concept's display and designations."""
    text = words_of(display, extra) if extra else display or ""
    found = {fold_word(w) for w in WORDS.findall(text.casefold())}
    found.discard("")
    return sorted(found)


def prefix_query(text: str) -> str | None:
    """A ``tsquery`` matching concepts with a word starting with each word of ``text``."""
    words = {fold_word(w) for w in WORDS.findall(text.casefold())} - {""}
    if not words:
        return None
    # Lexemes are quoted (a quote doubled, a backslash escaped), though words hold only
    # letters and digits; the query is then passed as a parameter.
    return " & ".join(
        "'" + w.replace("\\", "\\\\").replace("'", "''") + "':*" for w in sorted(words)
    )
