"""The embedded content store: one SQLite file holding every resource and the concepts of the
large code systems (ICD-10-CM, and whatever a loader adds), with the indexes providers need.

Why SQLite: the file is mapped into memory, so every worker shares its pages through the OS
page cache instead of holding its own Python dict of ~100,000 concepts per fiscal year; a
point look-up costs a few microseconds; and a load is one transaction, so readers keep seeing
the previous content until it commits (WAL mode), never half of a code system.

Layout:
- ``resources``: every CodeSystem, ValueSet and ConceptMap as FHIR JSON. A code system whose
  concepts live in ``concepts`` is stored as its header (``content = not-present``, ``count``).
- ``code_systems``: one row per stored code-system version, with the key its concepts use.
  Each load takes a new key, so concepts of two loads of one version never mix; a replaced
  version is retired, and its concepts purged by a write some minutes later.
- ``concepts``: one row per concept, in the code system's own order (depth first). ``ord`` and
  ``last`` number each subtree (a concept's descendants are ``ord < n <= last``), so is-a is a
  range query; ``children`` is the child codes, space-separated, in order.
- ``concept_words``: a full-text index of displays for ``$expand``'s ``filter``.
- ``is_a`` and ``ancestry``, for a polyhierarchy only (SNOMED CT: a concept has several
  parents, so no one numbering makes every subtree a range): every is-a link, indexed by
  parent (descendants are a recursive query over it), and each concept's ancestors, the
  transitive closure computed at load, one row per concept (membership is one read).
- ``property_indexes`` and ``concept_properties``: for the properties a version's
  ``CodeSystem.filter`` offers with ``=`` (LOINC's Playbook attributes), each (property,
  value, code), so ``modality = CT`` reads its codes, not every concept. A store written before
  they existed has none, and filters then read every concept, as they always did.
- ``meta``: the content generation (bumped by every change) and the built-in seed's fingerprint.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from terminology.errors import TerminologyError
from terminology.storage.records import (
    ConceptRow,
    StoredCodeSystem,
    StoredResource,
)
from terminology.storage.sqlite_writer import StoreWriter
from terminology.storage.store import generation_stamp

log = logging.getLogger(__name__)

#: Words as the full-text index's unicode61 tokenizer sees them (letters and digits).
_WORDS = re.compile(r"[^\W_]+")

SCHEMA_VERSION = "3"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources (
    resource_type TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    version TEXT,
    origin TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (resource_type, id)
);
CREATE TABLE IF NOT EXISTS code_systems (
    cs INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    version TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    concept_count INTEGER NOT NULL,
    -- When a newer load replaced it (unix time); NULL while it is served.
    retired_at REAL,
    -- 1 when concepts may have several parents (is_a and ancestry hold its hierarchy).
    polyhierarchy INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS concepts (
    cs INTEGER NOT NULL,
    code TEXT NOT NULL,
    ord INTEGER NOT NULL,
    last INTEGER NOT NULL,
    display TEXT,
    parent TEXT,
    children TEXT NOT NULL,
    extra TEXT,
    PRIMARY KEY (cs, code)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS concepts_by_ord ON concepts (cs, ord);
CREATE TABLE IF NOT EXISTS is_a (
    cs INTEGER NOT NULL,
    parent TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (cs, parent, code)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ancestry (
    cs INTEGER NOT NULL,
    code TEXT NOT NULL,
    ancestors TEXT NOT NULL,
    PRIMARY KEY (cs, code)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS property_indexes (
    cs INTEGER NOT NULL,
    prop TEXT NOT NULL,
    PRIMARY KEY (cs, prop)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS concept_properties (
    cs INTEGER NOT NULL,
    prop TEXT NOT NULL,
    value TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (cs, prop, value, code)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS concept_words USING fts5 (
    display, cs UNINDEXED, code UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'
);
"""


class SqliteStore:
    """One store file. Reads use one connection per thread; writes go through ``writer()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self._local = threading.local()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            found = self._prepare()
            if found != SCHEMA_VERSION and self._holds_only_builtin_content():
                # Nothing in it but what the server rebuilds on start: start it afresh.
                log.warning("content store %s has schema %s; rebuilding it", path, found)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                found = self._prepare()
        except (OSError, sqlite3.Error) as exc:
            raise TerminologyError(f"content store {path} cannot be opened ({exc})") from exc
        if found != SCHEMA_VERSION:
            raise TerminologyError(
                f"content store {path} has schema {found}, this server needs "
                f"{SCHEMA_VERSION}: move it aside (the built-in content is rebuilt on start) "
                "and load what you had loaded into it again"
            )

    def _prepare(self) -> str:
        """Create what is missing; the schema version the file has."""
        db = self._connect()
        try:
            db.executescript(_SCHEMA)
            db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema', ?), ('generation', '0')",
                (SCHEMA_VERSION,),
            )
            found: str = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
            if found == "2":
                # Schema 2 lacks only what a polyhierarchy needs (its tables were just created):
                # what was loaded into it stays.
                with db:
                    db.execute(
                        "ALTER TABLE code_systems "
                        "ADD COLUMN polyhierarchy INTEGER NOT NULL DEFAULT 0"
                    )
                    db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
                found = SCHEMA_VERSION
            return found
        finally:
            db.close()

    def _holds_only_builtin_content(self) -> bool:
        db = self._connect()
        try:
            others = db.execute("SELECT COUNT(*) FROM resources WHERE origin != 'builtin'")
            return bool(others.fetchone()[0] == 0)
        except sqlite3.Error:
            return False
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        # Map the file: workers then share its pages through the page cache.
        db.execute("PRAGMA mmap_size = 1073741824")
        return db

    @property
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            self._local.db = db
        return db

    # -- metadata ----------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    # -- resources ---------------------------------------------------------------------------
    def resources(self) -> list[StoredResource]:
        rows = self._db.execute(
            "SELECT resource_type, body, origin FROM resources ORDER BY resource_type, id"
        ).fetchall()
        return [StoredResource(rtype, json.loads(body), origin) for rtype, body, origin in rows]

    def code_systems(self) -> list[StoredCodeSystem]:
        rows = self._db.execute(
            "SELECT cs, url, version, resource_id, concept_count, polyhierarchy "
            "FROM code_systems WHERE retired_at IS NULL ORDER BY cs"
        ).fetchall()
        return [
            StoredCodeSystem(key, url, version or None, rid, count, bool(poly))
            for key, url, version, rid, count, poly in rows
        ]

    # -- concepts ----------------------------------------------------------------------------
    def concept(self, key: int, code: str) -> ConceptRow | None:
        row: ConceptRow | None = self._db.execute(
            "SELECT code, display, parent, children, extra FROM concepts WHERE cs = ? AND code = ?",
            (key, code),
        ).fetchone()
        return row

    def concepts(self, key: int) -> Iterator[ConceptRow]:
        """Every concept of one stored version, in its order."""
        cursor = self._db.execute(
            "SELECT code, display, parent, children, extra FROM concepts WHERE cs = ? ORDER BY ord",
            (key,),
        )
        yield from cursor

    def subtree(self, key: int, code: str) -> Iterator[ConceptRow]:
        """``code`` and the concepts below it, in order: in a polyhierarchy, along every
        is-a link (a recursive query; UNION visits a concept reached twice once)."""
        poly = self._db.execute(
            "SELECT polyhierarchy FROM code_systems WHERE cs = ?", (key,)
        ).fetchone()
        if poly and poly[0]:
            cursor = self._db.execute(
                "WITH RECURSIVE below(code) AS (SELECT ? UNION "
                "SELECT l.code FROM is_a l JOIN below b ON l.cs = ? AND l.parent = b.code) "
                "SELECT c.code, c.display, c.parent, c.children, c.extra FROM below "
                "JOIN concepts c ON c.cs = ? AND c.code = below.code ORDER BY c.ord",
                (code, key, key),
            )
            yield from cursor
            return
        cursor = self._db.execute(
            "SELECT d.code, d.display, d.parent, d.children, d.extra FROM concepts c "
            "JOIN concepts d ON d.cs = c.cs AND d.ord >= c.ord AND d.ord <= c.last "
            "WHERE c.cs = ? AND c.code = ? ORDER BY d.ord",
            (key, code),
        )
        yield from cursor

    def ancestors(self, key: int, code: str) -> frozenset[str]:
        """Every code above ``code`` in a polyhierarchy, from its stored closure."""
        row = self._db.execute(
            "SELECT ancestors FROM ancestry WHERE cs = ? AND code = ?", (key, code)
        ).fetchone()
        return frozenset(row[0].split(" ")) if row else frozenset()

    def indexed_properties(self, key: int) -> frozenset[str]:
        rows = self._db.execute("SELECT prop FROM property_indexes WHERE cs = ?", (key,))
        return frozenset(prop for (prop,) in rows)

    def with_properties(self, key: int, pairs: Sequence[tuple[str, str]]) -> Iterator[ConceptRow]:
        """The concepts whose indexed properties have every (property, value), in order."""
        if not pairs:
            return
        each = "SELECT code FROM concept_properties WHERE cs = ? AND prop = ? AND value = ?"
        cursor = self._db.execute(
            "SELECT code, display, parent, children, extra FROM concepts WHERE cs = ? AND code "
            "IN (" + " INTERSECT ".join([each] * len(pairs)) + ") ORDER BY ord",
            [key, *(x for prop, value in pairs for x in (key, prop, value))],
        )
        yield from cursor

    def search(self, key: int, text: str) -> Iterator[ConceptRow]:
        """Concepts with a display or designation word starting with each word of ``text``,
        or whose code starts with ``text`` (either case), in order. The word rule is the
        full-text index's (Unicode word characters), so the caller applies its own exact
        rule to what comes back: this may return more, never less."""
        words = [w for w in _WORDS.findall(text.casefold()) if w]
        prefix = text.strip()
        parts, args = [], []
        if words:
            parts.append(
                "SELECT code, display, parent, children, extra, ord FROM concepts WHERE cs = ? "
                "AND code IN (SELECT code FROM concept_words WHERE concept_words MATCH ? "
                "AND cs = ?)"
            )
            args += [key, " AND ".join('"' + w + '"*' for w in words), key]
        for spelling in {prefix, prefix.upper(), prefix.lower()} - {""}:
            parts.append(
                "SELECT code, display, parent, children, extra, ord FROM concepts WHERE cs = ? "
                "AND code >= ? AND code < ?"
            )
            args += [key, spelling, spelling + "\U0010ffff"]
        if not parts:
            return iter(())
        cursor = self._db.execute(
            "SELECT code, display, parent, children, extra FROM ("
            + " UNION ".join(parts)
            + ") ORDER BY ord",
            args,
        )
        return iter(cursor)

    # -- writing -----------------------------------------------------------------------------
    @contextmanager
    def writer(self) -> Iterator[StoreWriter]:
        """One write transaction: everything it does is visible at once when the block ends,
        or not at all when it raises. Other writers wait (SQLite's write lock)."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            writer = StoreWriter(db)
            writer.purge_retired()
            try:
                yield writer
            except BaseException:
                db.execute("ROLLBACK")
                raise
            if writer.changed:
                db.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
                )
                db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [(k, v) for k, v in generation_stamp(time.time()).items()],
                )
            db.execute("COMMIT")
        finally:
            db.close()
