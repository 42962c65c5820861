"""Writes over REST: create, update, conditional update and delete of CodeSystem, ValueSet and
ConceptMap (FHIR http.html), for content maintained by a few people with write tokens.

- ``POST [type]`` creates with a server-assigned id (``If-None-Exist: url=…&version=…`` makes
  it conditional: a match is answered 200 with the stored resource and nothing is written);
  ``PUT [type]/[id]`` updates or creates (200/201); ``PUT [type]?url=…&version=…`` is a
  conditional update (no match creates, one updates, more than one is 412); ``DELETE
  [type]/[id]`` is 204, also for an id that is not stored (FHIR allows 200/204 or 404; 204
  keeps a retried delete harmless).
- ``If-Match`` takes the ETag of a read (``W/"r…"``, any reply format) and is 412 when the
  stored resource is another (or none); a write without it is allowed (last writer wins),
  as FHIR allows, so simple clients stay simple.
- Only content written over REST (origin ``rest``) may be replaced or deleted: the built-in
  content and what ``terminology load`` loaded is 403, by ``url|version`` and for new versions
  of their urls too, so a REST write cannot make a new default version of ICD-10-CM.
- Every resource is checked before anything is stored: the R4B model (400, one issue per
  problem, with its FHIRPath), the parts the server reads (400), and what would make it
  unservable (422: no url, a value set that includes itself, duplicate codes, a hierarchy the
  providers refuse). Nothing is written then.
- Each write is one store transaction (the store serialises writers: SQLite's write lock,
  PostgreSQL's advisory lock), in which it reads what it replaces, so checks and write are
  atomic across threads, workers and replicas. It bumps the store's generation; this worker
  serves it from the next request on, the replica's other workers too (``LiveContent.written``)
  and other replicas within ``TERMINOLOGY_RELOAD_INTERVAL``.

We keep no history, so ``Location`` is ``[base]/[type]/[id]`` (which reads the resource), not
``…/_history/[vid]`` (which would 404); ``meta.versionId`` still counts the resource's writes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.routing import BaseConverter

from terminology.api import auth
from terminology.api.caching import content_hash, read_etag
from terminology.api.http import FHIR_VERSION_KEY, base_url, body_resource, fhir_json
from terminology.api.snapshot import EXTENSION as LIVE
from terminology.api.snapshot import LiveContent
from terminology.api.write_checks import Rejected, check_written
from terminology.codec.outcome import issue, operation_outcome
from terminology.codec.r5 import R4, R5
from terminology.errors import TerminologyError
from terminology.messages import msg, shorten
from terminology.storage.records import StoredResource
from terminology.storage.store import ContentStore, ContentWriter

bp = Blueprint("writes", __name__)

#: The origin of what REST writes store (``terminology load`` stores ``loaded``, the seed
#: ``builtin``): the only origin a REST write may replace or delete.
REST = "rest"
#: The app extension holding the content store writes go to.
STORE = "terminology.store"

_TYPES = "any(CodeSystem, ValueSet, ConceptMap)"
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
#: Reply variants a read's ETag may have been made for (``If-Match`` takes any of them).
_VARIANTS = tuple(
    f"{media};{version}"
    for media in (
        "application/fhir+json",
        "application/json",
        "application/fhir+xml",
        "application/xml",
        "text/xml",
    )
    for version in (R4, R5)
)


class FhirIdConverter(BaseConverter):
    """A FHIR id in a path: so ``PUT [type]/$lookup`` is no update but a 405, as before."""

    regex = r"[A-Za-z0-9\-.]{1,64}"


def register(app: Flask, base_path: str) -> None:
    """The write routes, at the R4 base only (writes take R4 resources); call only when writes
    are enabled, so a server without a write token answers PUT and DELETE with the 405 it
    always did, and ``OPTIONS`` lists no method it would refuse."""
    app.url_map.converters["fhir_id"] = FhirIdConverter
    app.register_blueprint(bp, url_prefix=base_path)


def _store() -> ContentStore:
    found: ContentStore = current_app.extensions[STORE]
    return found


def _authorise() -> None:
    """401 without a write token."""
    auth.require_writer()


# -- the body ----------------------------------------------------------------------------------


def _read_body(rtype: str) -> dict[str, Any]:
    if FHIR_VERSION_KEY in request.environ:
        raise TerminologyError(msg("WRITE_R5_REFUSED"), status=415, code="not-supported")
    resource = body_resource()
    if not isinstance(resource, dict):
        raise TerminologyError(msg("WRITE_NOT_RESOURCE", type=rtype), code="structure")
    actual = resource.get("resourceType")
    if actual != rtype:
        raise TerminologyError(
            msg("WRONG_RESOURCE_TYPE", expected=rtype, actual=shorten(str(actual), 60)),
            code="structure",
        )
    return resource


# -- the write, in one transaction ------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    status: int
    resource: Mapping[str, Any] | None


def _canonical(body: Mapping[str, Any]) -> str:
    version = body.get("version")
    return f"{body.get('url')}|{version}" if version is not None else str(body.get("url"))


def _read_only(stored: StoredResource) -> TerminologyError:
    return TerminologyError(
        msg(
            "WRITE_READ_ONLY",
            type=stored.resource_type,
            canonical=shorten(_canonical(stored.body)),
            origin=stored.origin,
        ),
        status=403,
        code="forbidden",
    )


def _etags(resource: Mapping[str, Any]) -> set[str]:
    """The ETags a read of ``resource`` may have had, opaque parts only."""
    hashed = content_hash(resource)
    return {read_etag(hashed, variant).removeprefix("W/") for variant in _VARIANTS}


def _check_if_match(rtype: str, rid: str, stored: StoredResource | None) -> None:
    asked = request.headers.get("If-Match")
    if asked is None:
        return
    current = _etags(stored.body) if stored is not None else set()
    wanted = {tag.strip().removeprefix("W/") for tag in asked.split(",")}
    if "*" in wanted and stored is not None:
        return
    if not wanted & current:
        raise TerminologyError(
            msg(
                "WRITE_PRECONDITION_FAILED",
                asked=shorten(asked, 80),
                type=rtype,
                id=rid,
                current="not stored" if stored is None else "another version",
            ),
            status=412,
            code="conflict",
        )


def _stamp(resource: dict[str, Any], rid: str, previous: StoredResource | None) -> dict[str, Any]:
    """The resource as stored: its id, and ``meta.versionId`` and ``meta.lastUpdated`` set by
    the server."""
    count = 0
    if previous is not None:
        old = previous.body.get("meta") or {}
        count = int(old["versionId"]) if str(old.get("versionId", "")).isdigit() else 0
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    meta = {**(resource.get("meta") or {}), "versionId": str(count + 1), "lastUpdated": now}
    stored = {"resourceType": resource["resourceType"], "id": rid}
    stored.update((k, v) for k, v in resource.items() if k not in ("resourceType", "id", "meta"))
    stored["meta"] = meta
    return _ordered(stored)


def _ordered(resource: dict[str, Any]) -> dict[str, Any]:
    """resourceType, id, meta first, as FHIR JSON usually has them."""
    head = ("resourceType", "id", "meta")
    return {
        **{k: resource[k] for k in head},
        **{k: v for k, v in resource.items() if k not in head},
    }


def _put(
    writer: ContentWriter, resource: dict[str, Any], rid: str, *, check_if_match: bool = True
) -> Outcome:
    """Store ``resource`` as ``[type]/[rid]``, replacing only REST content."""
    rtype, url = str(resource["resourceType"]), str(resource["url"])
    version = resource.get("version")
    rows = writer.resources_like(rtype, rid, url)
    existing = next((r for r in rows if r.body.get("id") == rid), None)
    if existing is not None and existing.origin != REST:
        raise _read_only(existing)
    if check_if_match:
        _check_if_match(rtype, rid, existing)
    for row in rows:
        if row.body.get("id") == rid or row.body.get("url") != url:
            continue
        if row.origin != REST:
            if row.body.get("version") == version:
                raise _read_only(row)
            versions = sorted(str(r.body.get("version")) for r in rows if r.body.get("url") == url)
            raise TerminologyError(
                msg(
                    "WRITE_URL_READ_ONLY",
                    url=shorten(url),
                    origin=row.origin,
                    versions=", ".join(versions),
                ),
                status=403,
                code="forbidden",
            )
        if row.body.get("version") == version:
            raise TerminologyError(
                msg(
                    "WRITE_CANONICAL_TAKEN",
                    type=rtype,
                    canonical=shorten(_canonical(row.body)),
                    id=str(row.body.get("id")),
                ),
                status=409,
                code="duplicate",
            )
    stored = _stamp(resource, rid, existing)
    writer.put_resource(stored, REST)
    return Outcome(201 if existing is None else 200, stored)


def _matches(rows: list[StoredResource], url: str, version: str | None) -> list[StoredResource]:
    return [
        r
        for r in rows
        if r.body.get("url") == url and (version is None or r.body.get("version") == version)
    ]


def _condition(query: str, what: str) -> tuple[str, str | None]:
    """``url`` and optional ``version`` of a conditional create or update."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "_format"]
    names = [k for k, _ in pairs]
    values = dict(pairs)
    if (
        not values.get("url")
        or len(names) != len(set(names))
        or not set(names) <= {"url", "version"}
    ):
        raise TerminologyError(
            msg("WRITE_BAD_CONDITION", what=what, query=shorten(query, 120)),
            code="invalid",
        )
    return values["url"], values.get("version") or None


def _several(rtype: str, found: list[StoredResource], what: str) -> TerminologyError:
    ids = ", ".join(sorted(str(r.body.get("id")) for r in found)[:10])
    return TerminologyError(
        msg("WRITE_SEVERAL_MATCHES", what=what, count=len(found), type=rtype, ids=ids),
        status=412,
        code="multiple-matches",
    )


def _commit(action: Callable[[ContentWriter], Outcome]) -> Outcome:
    """Run ``action`` in one write transaction, then serve what it committed at once."""
    with _store().writer() as writer:
        outcome = action(writer)
        committed = writer.changed
    if committed:
        live: LiveContent = current_app.extensions[LIVE]
        live.written()
    return outcome


# -- the reply --------------------------------------------------------------------------------


def _reply(rtype: str, outcome: Outcome) -> Response:
    resource = outcome.resource
    assert resource is not None
    rid = str(resource["id"])
    location = f"{base_url()}/{rtype}/{rid}"
    media = f"{request.environ.get('terminology.media', 'application/fhir+json')};{R4}"
    headers = {
        "ETag": read_etag(content_hash(resource), media),
        "Location": location,
        "Content-Location": location,
    }
    meta = resource.get("meta") or {}
    if "lastUpdated" in meta:
        modified = datetime.fromisoformat(str(meta["lastUpdated"]).replace("Z", "+00:00"))
        headers["Last-Modified"] = modified.strftime("%a, %d %b %Y %H:%M:%S GMT")
    prefer = request.headers.get("Prefer", "")
    if "return=minimal" in prefer:
        response = Response(status=outcome.status, headers=headers)
        del response.headers["Content-Type"]
        return response
    if "return=OperationOutcome" in prefer:
        text = f"{rtype}/{rid} {'created' if outcome.status == 201 else 'stored'}"
        body = operation_outcome([issue("information", "informational", text)])
        return fhir_json(body, status=outcome.status, headers=headers)
    return fhir_json(resource, status=outcome.status, headers=headers)


def _rejected(error: Rejected) -> Response:
    return fhir_json(operation_outcome(error.issues), status=error.status)


# -- the views --------------------------------------------------------------------------------


@bp.post(f"/<{_TYPES}:rtype>")
def create(rtype: str) -> Response:
    _authorise()
    resource = _read_body(rtype)
    try:
        check_written(resource)
    except Rejected as error:
        return _rejected(error)
    condition = request.headers.get("If-None-Exist")
    wanted = _condition(condition, "create") if condition is not None else None

    def action(writer: ContentWriter) -> Outcome:
        if wanted is not None:
            found = _matches(writer.resources_like(rtype, None, wanted[0]), *wanted)
            if len(found) > 1:
                raise _several(rtype, found, "create")
            if found:
                return Outcome(200, found[0].body)
        # The id in a create's body is ignored (FHIR http.html#create); the server names it.
        return _put(writer, resource, str(uuid.uuid4()), check_if_match=False)

    return _reply(rtype, _commit(action))


@bp.put(f"/<{_TYPES}:rtype>/<fhir_id:rid>")
def update(rtype: str, rid: str) -> Response:
    _authorise()
    resource = _read_body(rtype)
    body_id = resource.get("id")
    if body_id is None:
        raise TerminologyError(msg("WRITE_ID_MISSING", url=rid), code="required")
    if body_id != rid:
        raise TerminologyError(
            msg("WRITE_ID_MISMATCH", body=shorten(str(body_id), 80), url=rid), code="invalid"
        )
    try:
        check_written(resource)
    except Rejected as error:
        return _rejected(error)
    return _reply(rtype, _commit(lambda writer: _put(writer, resource, rid)))


@bp.put(f"/<{_TYPES}:rtype>")
def conditional_update(rtype: str) -> Response:
    _authorise()
    url, version = _condition(request.environ.get("QUERY_STRING", ""), "update")
    resource = _read_body(rtype)
    body_id = resource.get("id")
    if body_id is not None and not (isinstance(body_id, str) and _ID.fullmatch(body_id)):
        raise TerminologyError(msg("WRITE_BAD_ID", id=shorten(str(body_id), 80)), code="invalid")
    for element, asked in (("url", url), ("version", version)):
        if asked is not None and resource.get(element) != asked:
            raise TerminologyError(
                msg(
                    "WRITE_CONDITION_MISMATCH",
                    element=element,
                    body=shorten(str(resource.get(element)), 80),
                    query=shorten(asked, 80),
                ),
                code="invalid",
            )
    try:
        check_written(resource)
    except Rejected as error:
        return _rejected(error)

    def action(writer: ContentWriter) -> Outcome:
        found = _matches(writer.resources_like(rtype, None, url), url, version)
        if len(found) > 1:
            raise _several(rtype, found, "update")
        if found:
            rid = str(found[0].body["id"])
            if body_id is not None and body_id != rid:
                raise TerminologyError(
                    msg("WRITE_ID_MISMATCH", body=shorten(str(body_id), 80), url=rid),
                    code="invalid",
                )
        else:
            rid = str(body_id) if body_id is not None else str(uuid.uuid4())
        return _put(writer, resource, rid)

    return _reply(rtype, _commit(action))


@bp.delete(f"/<{_TYPES}:rtype>/<fhir_id:rid>")
def delete(rtype: str, rid: str) -> Response:
    _authorise()

    def action(writer: ContentWriter) -> Outcome:
        stored = next(
            (r for r in writer.resources_like(rtype, rid, None) if r.body.get("id") == rid),
            None,
        )
        if stored is not None and stored.origin != REST:
            raise _read_only(stored)
        _check_if_match(rtype, rid, stored)
        if stored is not None:
            writer.delete_resource(rtype, rid)
        return Outcome(204, None)

    _commit(action)
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response
