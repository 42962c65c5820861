"""``/metadata`` (CapabilityStatement or TerminologyCapabilities) and ``$versions``.

The bodies depend only on the loaded content, so they are built once, at start-up.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request

from terminology.api.http import base_url, fhir_json

bp = Blueprint("metadata", __name__)


def _bodies() -> dict[str, Any]:
    return current_app.extensions["terminology.metadata"]


@bp.get("/metadata")
def metadata() -> Response:
    bodies = _bodies()
    if request.args.get("mode") == "terminology":
        return fhir_json(bodies["terminology"])
    statement = dict(bodies["capability"])
    statement["implementation"] = {**statement["implementation"], "url": base_url()}
    return fhir_json(statement)


@bp.get("/$versions")
def versions() -> Response:
    return fhir_json(_bodies()["versions"])
