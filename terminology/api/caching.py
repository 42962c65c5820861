"""HTTP caching: ``ETag``, ``Last-Modified``, ``Cache-Control`` and ``Vary``, and 304 answers.

Every GET answer is a pure function of the request and the served content, and the content
changes only when a load commits a new generation. So:

- **Reads** (``GET [type]/[id]``) carry ``ETag: W/"r<hash>"``: a hash of the stored resource
  (memoised per generation, so no request hashes a large body) and of the reply's variant
  (media type, ``_summary``/``_elements``). It changes exactly when the answer can: a resource
  loaded again with other content gets a new one; a load of anything else leaves it, and
  replicas holding the same resource give the same one. ``Last-Modified`` is its
  ``meta.lastUpdated``, else when the served generation was committed.
- **Operations, search and metadata** carry ``ETag: W/"<generation tag>-<hash of the
  request>"``: their answers can change with any load (an expansion reads many code systems), so
  the store's tag of the served generation is part of it, with the request parts the answer
  depends on (path, query, reply format, ``Accept-Language``, host). Nothing of the body is
  hashed, so a matching ``If-None-Match`` is answered 304 before the operation runs.
- ``Cache-Control: public, max-age=N`` on GET 200s and on the errors that depend only on the
  request and the content (400, 404, 405, 406, 410, 414, 422); ``no-store`` on everything else
  (POST answers, 5xx, a 431 that depends on headers no cache keys on).

ETags go on 200 answers only, so a 304 is never sent where the answer would be an error
(RFC 9110 section 13.2.1). ``If-None-Match`` wins over ``If-Modified-Since``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from flask import Flask, Request, Response, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.http import http_date, parse_date

from terminology.api.http import FHIR_VERSION_KEY
from terminology.api.snapshot import Snapshot, snapshot
from terminology.memo import IdentityMemo

EXTENSION = "terminology.caching"
_ETAG = "terminology.etag"
_LAST_MODIFIED = "terminology.last_modified"

VARY = "Accept, Accept-Language, Accept-Encoding"
NO_STORE = "no-store"
#: Errors that depend only on the request and the content, cached like the answers.
CACHEABLE_ERRORS = frozenset({400, 404, 405, 406, 410, 414, 422})
#: The read endpoint on the R4 base and on the R5 one (the blueprints are registered twice).
_READ_ENDPOINTS = frozenset({"read_search.read", "r5_read_search.read"})
#: Distinct resources whose hashes a worker keeps per generation.
RESOURCE_HASH_LIMIT = 4096


@dataclass(slots=True)
class HttpCaching:
    """The app's caching policy and the memos it reads from."""

    cache_control: str
    resource_hashes: IdentityMemo[Mapping[str, Any], tuple[bytes, float | None]]
    #: ``Last-Modified`` of each served snapshot (one entry, replaced by a newer snapshot).
    _dates: dict[str, tuple[float, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, max_age: int) -> HttpCaching:
        control = f"public, max-age={max_age}" if max_age > 0 else "no-cache"
        memo: IdentityMemo[Mapping[str, Any], tuple[bytes, float | None]] = IdentityMemo(
            RESOURCE_HASH_LIMIT, lambda: snapshot().generation
        )
        return cls(control, memo)

    def generation_date(self, snap: Snapshot) -> tuple[float, str]:
        found = self._dates.get(snap.tag)
        if found is None:
            found = (snap.loaded_at, http_date(snap.loaded_at))
            self._dates = {snap.tag: found}
        return found


def register(app: Flask, max_age: int) -> None:
    """Install the hooks; call after the snapshot and request checks are registered."""
    app.extensions[EXTENSION] = HttpCaching.build(max_age)
    app.before_request(conditional_get)
    app.after_request(cache_headers)


def _caching() -> HttpCaching:
    found: HttpCaching = current_app.extensions[EXTENSION]
    return found


def _digest(*parts: object) -> str:
    return hashlib.blake2b(
        "\x00".join(str(p) for p in parts).encode("utf-8", "surrogatepass"), digest_size=12
    ).hexdigest()


def _resource_hash(resource: Mapping[str, Any]) -> tuple[bytes, float | None]:
    """(hash of the resource's content, its ``meta.lastUpdated`` as a timestamp)."""
    memo = _caching().resource_hashes
    found = memo.get(resource)
    if found is None:
        found = (content_hash(resource), _last_updated(resource))
        memo.put(resource, found)
    return found


def read_etag(hashed: bytes, media: str, query: str = "") -> str:
    """The ETag of a read of a resource whose content hashes to ``hashed``, in the reply
    variant ``media`` (``<media type>;<FHIR version>``) and query string."""
    return f'W/"r{_digest(hashed.hex(), media, query)}"'


def content_hash(resource: Mapping[str, Any]) -> bytes:
    """The hash of a resource's content that its read ETags are made from (not memoised)."""
    return hashlib.blake2b(
        orjson.dumps(resource, option=orjson.OPT_SORT_KEYS), digest_size=12
    ).digest()


def _last_updated(resource: Mapping[str, Any]) -> float | None:
    meta = resource.get("meta")
    value = meta.get("lastUpdated") if isinstance(meta, Mapping) else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _validators(req: Request, snap: Snapshot) -> tuple[str, float, str] | None:
    """(ETag, Last-Modified as a timestamp and as an HTTP date) of the GET answer; None when
    there is no stored resource to read."""
    environ = req.environ
    # The FHIR version is part of the variant: /fhir answers R5 when Accept says so.
    media = f"{environ.get('terminology.media', '')};{environ.get(FHIR_VERSION_KEY, '4.0')}"
    query = environ.get("QUERY_STRING", "")
    caching = _caching()
    if req.endpoint in _READ_ENDPOINTS:
        args = req.view_args or {}
        resource = snap.services.repository(args["rtype"]).read(args["rid"])
        if resource is None:
            return None
        hashed, updated = _resource_hash(resource)
        etag = read_etag(hashed, media, query)
        if updated is not None:
            return etag, updated, http_date(updated)
    else:
        etag = answer_etag(environ, snap)
    return (etag, *caching.generation_date(snap))


def answer_etag(environ: Mapping[str, Any], snap: Snapshot) -> str:
    """The ``ETag`` of an operation, search or metadata answer (see the module's docstring)."""
    media = f"{environ.get('terminology.media', '')};{environ.get(FHIR_VERSION_KEY, '4.0')}"
    digest = _digest(
        environ.get("PATH_INFO"),
        environ.get("QUERY_STRING", ""),
        media,
        environ.get("HTTP_ACCEPT_LANGUAGE"),
        environ.get("HTTP_HOST"),
        environ.get("wsgi.url_scheme"),
    )
    return f'W/"{snap.tag}-{digest}"'


def add_answer_headers(
    headers: Headers, environ: Mapping[str, Any], snap: Snapshot, caching: HttpCaching
) -> None:
    """The caching headers of a 200 operation answer to a request with no conditional headers
    (the direct lane's, ``api/lane.py``): as ``cache_headers`` gives them."""
    if environ["REQUEST_METHOD"] != "GET":
        headers.add("Cache-Control", NO_STORE)
        return
    modified_text = caching.generation_date(snap)[1]
    _add_fresh(headers, answer_etag(environ, snap), modified_text, caching.cache_control)


def _add_fresh(headers: Headers, etag: str, modified_text: str, cache_control: str) -> None:
    headers.add("ETag", etag)
    headers.add("Last-Modified", modified_text)
    headers.add("Cache-Control", cache_control)
    headers.add("Vary", VARY)


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 section 8.8.3.2) of ``etag`` with an ``If-None-Match`` list."""
    header = header.strip()
    if header == "*":
        return True
    opaque = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


def _not_modified(etag: str) -> Response:
    """A 304: the validator, and (added after) the caching rules, as the 200 would have them.
    (Werkzeug drops ``Last-Modified`` from a 304, as RFC 9110 allows.)"""
    response = Response(status=304)
    del response.headers["Content-Type"]
    response.headers["ETag"] = etag
    return response


def conditional_get() -> Response | None:
    """Before a GET: its validators, and a 304 at once when ``If-None-Match`` names them."""
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    environ = req.environ
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or req.routing_exception is not None:
        return None
    found = _validators(req, snapshot())
    if found is None:
        return None
    etag, modified, modified_text = found
    environ[_ETAG] = etag
    environ[_LAST_MODIFIED] = (modified, modified_text)
    asked = environ.get("HTTP_IF_NONE_MATCH")
    # '*' is left to after the view: only a 200 has a current representation to match.
    if asked and asked.strip() != "*" and etag_matches(asked, etag):
        return _not_modified(etag)
    return None


def _unmodified_since(environ: Mapping[str, Any], modified: float) -> bool:
    asked = environ.get("HTTP_IF_NONE_MATCH")
    if asked:
        return etag_matches(asked, environ[_ETAG])
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if not since:
        return False
    when = parse_date(since)
    # HTTP dates have whole seconds: the content is unmodified when its time, cut to the
    # second, is not after the client's.
    return when is not None and int(modified) <= when.timestamp()


def cache_headers(response: Response) -> Response:
    """After every request: validators and caching rules, and a 304 for ``If-None-Match: *``
    and ``If-Modified-Since`` once the answer is known to be a 200."""
    environ = request.environ
    status = response.status_code
    headers = response.headers
    # No view sets these headers, so they are added (cheaper than replacing: this runs on
    # every request).
    if (
        environ["REQUEST_METHOD"] not in ("GET", "HEAD")
        or status >= 500
        or status == 431
        # Answered by an upstream server (api/delegated.py): not ours to promise for max-age.
        or "terminology.upstream" in environ
    ):
        if environ["REQUEST_METHOD"] != "OPTIONS":
            headers.add("Cache-Control", NO_STORE)
        return response
    if status == 200 and _ETAG in environ:
        etag = environ[_ETAG]
        modified, modified_text = environ[_LAST_MODIFIED]
        if not _unmodified_since(environ, modified):
            _add_fresh(headers, etag, modified_text, _caching().cache_control)
            return response
        response = _not_modified(etag)
        headers = response.headers
    elif status != 304 and status not in CACHEABLE_ERRORS:
        headers.add("Cache-Control", NO_STORE)
        return response
    headers.add("Cache-Control", _caching().cache_control)
    headers.add("Vary", VARY)
    return response
