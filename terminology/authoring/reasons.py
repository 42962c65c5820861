"""Our CodeSystem of validation reasons: the codes ``$validate`` of an order or a claim puts
in each issue's ``details.coding``, from the one table the checks use
(``terminology/checks/reasons.py``)."""

from __future__ import annotations

from terminology.authoring.common import CONTENT_VERSION, DATE, PUBLISHER
from terminology.authoring.fhir import Resource
from terminology.checks.reasons import REASONS
from terminology.uris import VALIDATION_REASON


def build() -> list[Resource]:
    return [
        {
            "resourceType": "CodeSystem",
            "id": "validation-reason",
            "url": VALIDATION_REASON,
            "version": CONTENT_VERSION,
            "name": "ValidationReason",
            "title": "Reasons for order and claim validation issues",
            "status": "active",
            "experimental": False,
            "date": DATE,
            "publisher": PUBLISHER,
            "description": (
                "Why ServiceRequest/$validate, Claim/$validate or Bundle/$validate reported an "
                "issue. Each OperationOutcome issue carries one of these codes in "
                "details.coding, so a claim scrubber can act on the reason without reading "
                "the text; the text says how to fix the problem."
            ),
            "copyright": "Chest Imaging Terminology Project; free to use.",
            "caseSensitive": True,
            "content": "complete",
            "count": len(REASONS),
            "concept": [
                {"code": code, "display": display, "definition": definition}
                for code, (display, definition) in REASONS.items()
            ],
        }
    ]
