"""``/metadata`` (CapabilityStatement or TerminologyCapabilities) and ``$versions``.

The bodies depend only on the loaded content (and, for the CapabilityStatement, on the base URL
the client used), so they are built at start-up and encoded once per base URL, in the app's
memo (keyed on the content generation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, request

from terminology.api.http import (
    FHIR_VERSION_KEY,
    base_path,
    base_url,
    encode,
    fhir_bytes,
)
from terminology.api.memos import memos
from terminology.api.negotiation import FHIR_JSON
from terminology.api.snapshot import snapshot

bp = Blueprint("metadata", __name__)


def _bodies() -> Mapping[str, Any]:
    return snapshot().metadata


def _encoded(kind: str) -> bytes:
    environ = request.environ
    media = environ.get("terminology.media", FHIR_JSON)
    version = environ.get(FHIR_VERSION_KEY, "")
    # Keyed by what the base URL is made of, so a known body needs no URL building, and by
    # the reply's media type and FHIR version (JSON and XML, R4 and R5 are memoised apart).
    key = (
        (
            kind,
            media,
            version,
            environ.get("PATH_INFO", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("wsgi.url_scheme", ""),
            environ.get("SCRIPT_NAME", ""),
        )
        if kind == "capability"
        else (kind, media, version)
    )
    encoded = memos().metadata
    found = encoded.get(key)
    if found is None:
        base = base_url()
        body = _bodies()[kind]
        if kind == "capability":
            body = {**body, "implementation": {**body["implementation"], "url": base}}
        found = encode(body)
        encoded.put(key, found)
    return found


@bp.get("/metadata")
def metadata() -> Response:
    query = request.environ.get("QUERY_STRING", "")
    wants_terminology = "mode" in query and request.args.get("mode") == "terminology"
    kind = "terminology" if wants_terminology else "capability"
    return fhir_bytes(_encoded(kind))


@bp.get("/$versions")
def versions() -> Response:
    # Both versions; the default is the base's own (an R4 base asked for R5 in Accept stays R4).
    r5 = base_path() != current_app.config["FHIR_BASE_PATH"]
    return fhir_bytes(_encoded("versions_r5" if r5 else "versions"))
