"""The plain records both content stores read and write."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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


#: Progress callback: (done, total) concepts written.
Progress = Callable[[int, int], None]


def words_of(display: str | None, extra: str | None) -> str:
    """The text a concept is found by in the full-text index: its display and designations."""
    texts = [display or ""]
    if extra:
        texts += [d.get("value", "") for d in json.loads(extra).get("designation", ())]
    return " ".join(texts)
