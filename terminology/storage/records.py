"""The plain records both content stores read and write."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    #: Parents besides ``parent``, in a polyhierarchy (SNOMED CT: a concept is-a several
    #: others). ``parent`` places the concept in the stored order; subsumption follows all.
    more_parents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredCodeSystem:
    key: int
    url: str
    version: str | None
    resource_id: str
    concept_count: int
    #: Stored with several parents per concept (``ConceptRecord.more_parents``): its
    #: ``parent`` column lists them all, space-separated, and the store keeps its is-a links
    #: and each concept's ancestors (``ContentStore.ancestors``).
    polyhierarchy: bool = False


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


@dataclass(frozen=True, slots=True)
class NumberedCodeSystem:
    """What a store writes for one code-system version: its numbered concepts and, for a
    polyhierarchy, its is-a links and the ancestors of each concept."""

    rows: list[NumberedConcept]
    polyhierarchy: bool
    label: str = ""

    def links(self) -> Iterator[tuple[str, str]]:
        """(parent, child) for every is-a link of a polyhierarchy (none for a tree, whose
        ``ord``/``last`` numbering answers is-a)."""
        if not self.polyhierarchy:
            return
        for row in self.rows:
            if row.parent:
                for parent in row.parent.split(" "):
                    yield parent, row.code

    def ancestors(self) -> Iterator[tuple[str, str]]:
        """(code, its ancestors space-separated) for every concept of a polyhierarchy that has
        any: the transitive closure, one row per concept (SNOMED CT: ~20-30 codes each), so a
        membership test is one read. Ancestor sets are kept (as sorted tuples of indexes) only
        for concepts with children; a leaf's is made from its parents' when written."""
        if not self.polyhierarchy:
            return
        index = {row.code: i for i, row in enumerate(self.rows)}
        parents: list[tuple[int, ...]] = [
            tuple(index[p] for p in row.parent.split(" ")) if row.parent else ()
            for row in self.rows
        ]
        kept: dict[int, tuple[int, ...]] = {}
        codes = [row.code for row in self.rows]

        def above(i: int) -> tuple[int, ...]:
            found = kept.get(i)
            if found is not None:
                return found
            # Iterative depth-first walk up: every parent's set is made before its child's;
            # the stack is the path walked, so a parent already on it closes a cycle.
            stack, on_path = [i], {i}
            while stack:
                top = stack[-1]
                missing = next((p for p in parents[top] if p not in kept), None)
                if missing is not None:
                    if missing in on_path:
                        cycle = " -> ".join(codes[n] for n in stack[stack.index(missing) :])
                        raise TerminologyError(f"{self.label}: is-a cycle {cycle}")
                    stack.append(missing)
                    on_path.add(missing)
                    continue
                stack.pop()
                on_path.discard(top)
                union: set[int] = set(parents[top])
                for p in parents[top]:
                    union.update(kept[p])
                kept[top] = tuple(sorted(union))
            return kept.pop(i) if not self.rows[i].children else kept[i]

        for i, row in enumerate(self.rows):
            if parents[i]:
                yield row.code, " ".join(codes[a] for a in above(i))


def number_subtrees(
    records: Iterable[ConceptRecord],
    label: str,
    *,
    total: int,
) -> NumberedCodeSystem:
    """Number ``records`` (parents first, each subtree contiguous) for a store, refusing a
    code listed twice, a concept before or outside its parent's subtree, and a count other
    than ``total``. ``label`` (url|version) starts each error message. Every backend writes
    what this returns, so the rule of what a stored code system may be exists once.

    In a polyhierarchy (records with ``more_parents``) the order and the ``ord``/``last``
    numbering follow each concept's first parent; its other parents must be listed too
    (anywhere), its ``parent`` column lists every parent and ``children`` every child."""
    rows: list[list[Any]] = []
    by_code: dict[str, list[Any]] = {}
    path: list[list[Any]] = []  # the open subtrees, root first
    more: list[tuple[list[Any], tuple[str, ...]]] = []
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
        if record.more_parents:
            more.append((row, record.more_parents))
    if len(rows) != total:
        raise TerminologyError(f"{label}: {len(rows)} concepts, expected {total}")
    for row, others in more:
        for parent in others:
            parent_row = by_code.get(parent)
            if parent_row is None:
                raise TerminologyError(f"{label}: {row[0]}'s parent {parent} is not listed")
            if parent != row[4] and row[0] not in parent_row[5]:
                parent_row[5].append(row[0])
                row[4] = f"{row[4]} {parent}"
    return NumberedCodeSystem(
        [
            NumberedConcept(code, ord_, last, display, parent, " ".join(kids), extra)
            for code, ord_, last, display, parent, kids, extra in rows
        ],
        bool(more),
        label,
    )


def indexed_properties(header: Mapping[str, Any]) -> frozenset[str]:
    """The properties a stored version keeps an index of (value -> codes): those its
    ``CodeSystem.filter`` offers with the ``=`` operator, so a value set's ``modality = CT``
    reads the matching codes instead of every concept (LOINC: ~100,000)."""
    return frozenset(
        str(f["code"])
        for f in header.get("filter", ())
        if "=" in f.get("operator", ()) and f.get("code") not in ("concept", "code")
    )


def property_rows(
    rows: Iterable[NumberedConcept], properties: frozenset[str]
) -> Iterator[tuple[str, str, str]]:
    """(property, value as filters compare it, code) for each indexed property value; a
    Coding's value is its code, a boolean's ``true``/``false``."""
    if not properties:
        return
    for row in rows:
        if not row.extra:
            continue
        seen: set[tuple[str, str]] = set()
        for prop in json.loads(row.extra).get("property", ()):
            if prop.get("code") not in properties:
                continue
            for key, value in prop.items():
                if not key.startswith("value"):
                    continue
                if isinstance(value, bool):
                    text = "true" if value else "false"
                elif isinstance(value, dict):
                    text = str(value.get("code") or "")
                else:
                    text = str(value)
                pair = (prop["code"], text)
                if pair not in seen:
                    seen.add(pair)
                    yield prop["code"], text, row.code


def stored_header(header: Mapping[str, Any], total: int) -> dict[str, Any]:
    """The resource a stored code-system version is served as: its header, saying the
    ``total`` concepts are not in it (they are in the store's concept table)."""
    body = {k: v for k, v in header.items() if k != "concept"}
    body["content"] = "not-present"
    body["count"] = total
    return body
