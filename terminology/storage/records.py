"""The plain records both content stores read and write."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from terminology.errors import TerminologyError

#: A concept as stored: code, display, parent (or None), child codes (space-separated, in
#: order) and the rest of its FHIR JSON (properties, designations, definition) or None.
ConceptRow = tuple[str, str | None, str | None, str, str | None]


@dataclass(frozen=True, slots=True)
class ConceptRecord:
    """A concept handed to the store, in the code system's order (parents before children)."""

    code: str
    display: str | None
    parent: str | None
    #: The concept's other FHIR JSON elements (``property``, ``designation``, ``definition``).
    extra: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StoredCodeSystem:
    key: int
    url: str
    version: str | None
    resource_id: str
    concept_count: int


@dataclass(frozen=True, slots=True)
class StoredResource:
    resource_type: str
    body: dict[str, Any]
    origin: str


#: How long the concepts of a replaced code-system version stay readable (in-flight requests
#: of the previous content use them); workers look for new content every second or so.
RETIRED_GRACE_SECONDS = 300.0

#: Progress callback: (done, total) concepts written.
Progress = Callable[[int, int], None]


def words_of(display: str | None, extra: str | None) -> str:
    """The text a concept is found by in the full-text index: its display and designations."""
    texts = [display or ""]
    if extra:
        texts += [d.get("value", "") for d in json.loads(extra).get("designation", ())]
    return " ".join(texts)


class NumberedConcept(NamedTuple):
    """A concept as a store writes it: ``ord`` is its place in the code system's order and
    ``last`` the ``ord`` of its subtree's last concept (its descendants are
    ``ord < n <= last``); ``children`` is the child codes, space-separated, in order; ``extra``
    is ``ConceptRecord.extra`` as JSON."""

    code: str
    ord: int
    last: int
    display: str | None
    parent: str | None
    children: str
    extra: str | None


def number_subtrees(
    records: Iterable[ConceptRecord],
    label: str,
    *,
    total: int,
) -> list[NumberedConcept]:
    """Number ``records`` (parents first, each subtree contiguous) for a store, refusing a
    code listed twice, a concept before or outside its parent's subtree, and a count other
    than ``total``. ``label`` (url|version) starts each error message. Every backend writes
    what this returns, so the rule of what a stored code system may be exists once."""
    rows: list[list[Any]] = []
    by_code: dict[str, list[Any]] = {}
    path: list[list[Any]] = []  # the open subtrees, root first
    for ord_, record in enumerate(records):
        if record.code in by_code:
            raise TerminologyError(f"{label}: code {record.code} appears twice")
        while path and path[-1][0] != record.parent:
            path.pop()
        if record.parent is not None and not path:
            if record.parent not in by_code:
                raise TerminologyError(
                    f"{label}: {record.code} comes before or without its parent {record.parent}"
                )
            raise TerminologyError(
                f"{label}: {record.code} is not listed directly under its parent "
                f"{record.parent}'s subtree"
            )
        extra = json.dumps(record.extra, ensure_ascii=False) if record.extra else None
        row = [record.code, ord_, ord_, record.display, record.parent, [], extra]
        if path:
            path[-1][5].append(record.code)
        for open_row in path:
            open_row[2] = ord_
        path.append(row)
        by_code[record.code] = row
        rows.append(row)
    if len(rows) != total:
        raise TerminologyError(f"{label}: {len(rows)} concepts, expected {total}")
    return [
        NumberedConcept(code, ord_, last, display, parent, " ".join(kids), extra)
        for code, ord_, last, display, parent, kids, extra in rows
    ]


def stored_header(header: Mapping[str, Any], total: int) -> dict[str, Any]:
    """The resource a stored code-system version is served as: its header, saying the
    ``total`` concepts are not in it (they are in the store's concept table)."""
    body = {k: v for k, v in header.items() if k != "concept"}
    body["content"] = "not-present"
    body["count"] = total
    return body
