"""The app's memos of values derived from the served content (see ``terminology.memo``).

They live on the app (``app.extensions["terminology.memos"]``), one set per app, and key on
the content generation of the app's ``Services``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from terminology.codec.outputs import LookupMemo
from terminology.codec.summary import ConceptCountMemo
from terminology.memo import ContentMemo, IdentityMemo

EXTENSION = "terminology.memos"
#: Distinct base URLs (host names) a deployment answers under.
METADATA_LIMIT = 64
LOOKUP_LIMIT = 4096
CONCEPT_COUNT_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class AppMemos:
    #: ``$lookup`` Parameters of the results the operation cached.
    lookups: LookupMemo
    #: Concept counts of stored CodeSystems (search lists large ones without their concepts).
    concept_counts: ConceptCountMemo
    #: Encoded ``/metadata`` and ``$versions`` bodies, by kind and the parts of the base URL.
    metadata: ContentMemo[tuple[str, ...], bytes]

    @classmethod
    def build(cls, generation: Callable[[], int]) -> AppMemos:
        return cls(
            lookups=IdentityMemo(LOOKUP_LIMIT, generation),
            concept_counts=IdentityMemo(CONCEPT_COUNT_LIMIT, generation),
            metadata=ContentMemo(METADATA_LIMIT, generation),
        )


def memos() -> AppMemos:
    """The memos of the app serving the current request."""
    found: AppMemos = current_app.extensions[EXTENSION]
    return found
