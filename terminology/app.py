"""The application factory: load the content once, build immutable indexes, wire the HTTP edge."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response

from terminology import __version__
from terminology.api import (
    auth,
    batch,
    caching,
    codesystem,
    compression,
    conceptmap,
    cors,
    delegated,
    health,
    memos,
    metadata,
    metrics,
    operability,
    read_search,
    snapshot,
    validate_resource,
    valueset,
    writes,
)
from terminology.api.errors import register_error_handlers
from terminology.api.http import check_request
from terminology.api.lane import DirectLane
from terminology.api.response_cache import ResponseCache
from terminology.api.snapshot import Snapshot
from terminology.checks.ncci import NcciRules
from terminology.checks.profiles import read_profiles
from terminology.codec.capabilities import (
    SystemEntry,
    capability_statement,
    terminology_capabilities,
    versions_parameters,
)
from terminology.codec.r5 import R4, R5
from terminology.config import Settings, data_home, default_conformance_dir
from terminology.loaders.ncci import read_tables, stored_tables
from terminology.loaders.seed import seed_builtin
from terminology.operations.context import Services
from terminology.providers.base import SUBSUMPTION_HIERARCHIES
from terminology.providers.registry import ProviderRegistry, build_providers
from terminology.storage.backends import open_backend
from terminology.storage.loader import ContentSet
from terminology.storage.repositories import ResourceRepository
from terminology.storage.store import GENERATION_AT, GENERATION_TAG, ContentStore

#: Where the R5 endpoint lives, below the FHIR base: ``/fhir/r5``.
R5_SUFFIX = "/r5"


def open_store(settings: Settings) -> ContentStore:
    """The content store, holding the built-in content of ``settings.content_dir``."""
    store = open_backend(
        settings.database_url, settings.store_path, schema=settings.database_schema
    )
    seed_builtin(store, settings.content_dir)
    return store


def build_services(settings: Settings, store: ContentStore | None = None) -> Services:
    store = store if store is not None else open_store(settings)
    # Read first: a load committing meanwhile makes the next check build again, rather than
    # this snapshot claiming a generation whose content it does not have.
    generation = store.generation()
    content = ContentSet()
    for stored in store.resources():
        content.add(stored.body, Path(f"{store.location}#{stored.origin}"))
    versions = store.code_systems()
    keys = {cs.resource_id: cs.key for cs in versions}
    poly = {cs.resource_id for cs in versions if cs.polyhierarchy}
    registry = ProviderRegistry(build_providers(content.code_systems, store, keys, poly))
    return Services(
        registry=registry,
        code_systems=ResourceRepository("CodeSystem", content.code_systems),
        value_sets=ResourceRepository("ValueSet", content.value_sets),
        concept_maps=ResourceRepository("ConceptMap", content.concept_maps),
        generation=generation,
    )


def read_ncci_rules(content_dir: Path, store: ContentStore | None = None) -> NcciRules:
    """The NCCI tables in force: each one ``terminology load ncci`` stored, else the one the
    content directory ships (sources/ncci: CMS's PTP layout in ``*.txt``, MUE in ``*.csv``)."""
    folder = content_dir / "sources" / "ncci"
    files = sorted(p for p in folder.glob("*") if p.suffix in (".txt", ".csv"))
    tables = {
        (t.setting, t.kind): t for t in (read_tables(files, keep=lambda _: True) if files else ())
    }
    if store is not None:
        tables.update({(t.setting, t.kind): t for t in stored_tables(store)})
    return NcciRules(tables.values())


def _system_entries(services: Services) -> list[SystemEntry]:
    entries = []
    for provider in services.registry.providers():
        newest = provider.select()
        content = newest.info.content if newest else "complete"
        subsumption = newest is None or newest.info.hierarchy_meaning in SUBSUMPTION_HIERARCHIES
        entries.append(
            SystemEntry(provider.system, tuple(provider.versions()), content, subsumption)
        )
    return entries


def build_snapshot(settings: Settings, store: ContentStore) -> Snapshot:
    """Everything served from one generation of the store's content."""
    attempts = 3
    while True:
        services = build_services(settings, store)
        tag, loaded_at = store.meta(GENERATION_TAG), store.meta(GENERATION_AT)
        ncci = read_ncci_rules(settings.content_dir, store)
        # A load that committed while this was read would leave content of two generations
        # under one generation's name (and ETag, which other workers and replicas compare);
        # read again. (Rare: it needs a commit within these few hundred milliseconds.)
        attempts -= 1
        if store.generation() == services.generation or attempts == 0:
            break
    return Snapshot(
        services,
        ncci,
        {
            "capability": capability_statement(
                settings.base_path,
                __version__,
                cors=cors.CorsPolicy.parse(
                    settings.cors_origins, settings.cors_credentials, settings.cors_max_age
                ).enabled,
                writes=bool(settings.write_token or settings.write_tokens_file),
                reads_open=not settings.read_token,
            ),
            "terminology": terminology_capabilities(_system_entries(services), __version__),
            "versions": versions_parameters(R4),
            "versions_r5": versions_parameters(R5),
        },
        tag=tag or f"g{services.generation}",
        loaded_at=float(loaded_at) if loaded_at else time.time(),
    )


class FhirFlask(Flask):
    """Flask with no reply of its own that is not FHIR: no HTML redirects, no static files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask asks this of every hook and view on every request, and answers by inspecting
        the function each time (about 2 us a call, ten calls a request); the answer never
        changes for a function, so it is kept."""
        found = self._sync.get(func)
        if found is None:
            found = super().ensure_sync(func)
            # Hooks and views are few and live as long as the app; a callback made per request
            # (``after_this_request``) is not kept.
            if len(self._sync) < 1024:
                self._sync[func] = found
        return found

    def make_default_options_response(self) -> Response:
        """``OPTIONS`` on an endpoint: 204 with the endpoint's methods in ``Allow`` and no body.

        FHIR R4 defines no OPTIONS interaction (capabilities are ``GET [base]/metadata``), so
        this is plain HTTP (RFC 9110 section 9.3.7): which methods the endpoint takes.
        """
        allowed = super().make_default_options_response().headers["Allow"]
        response = Response(status=204, headers={"Allow": allowed})
        del response.headers["Content-Type"]
        return response


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = FhirFlask(__name__, static_folder=None)
    # Werkzeug answers a path with '//' by a 308 redirect to the merged path, with an HTML page
    # that no FHIR client reads. With merging off such a path matches no endpoint: a FHIR 404.
    # (Rules take the map's setting when they are added, so this comes before the blueprints.)
    app.url_map.merge_slashes = False
    app.config.update(
        MAX_BODY_BYTES=settings.max_body_bytes,
        MAX_QUERY_BYTES=settings.max_query_bytes,
        MAX_HEADER_BYTES=settings.max_header_bytes,
        FHIR_BASE_PATH=settings.base_path,
        FHIR_R5_PATH=settings.base_path + R5_SUFFIX,
        JSON_SORT_KEYS=False,
        REQUEST_BUDGET=settings.request_budget,
    )
    store = open_store(settings)
    build = metrics.timed_load(lambda: build_snapshot(settings, store), lambda s: s.generation)
    live = snapshot.LiveContent(build, store.generation, settings.reload_interval)
    app.extensions[snapshot.EXTENSION] = live
    app.extensions[writes.STORE] = store
    app.extensions[memos.EXTENSION] = memos.AppMemos.build(lambda: snapshot.snapshot().generation)
    if settings.response_cache_entries > 0:
        app.extensions["terminology.responses"] = ResponseCache(settings.response_cache_entries)
    if settings.upstreams:
        delegated.register(app, settings)
    app.before_request(snapshot.pin_snapshot)
    app.before_request(check_request)
    # Before the caching hooks, so a closed server answers no 304 to a request without a token.
    if auth.register(app, settings.write_tokens(), settings.read_token).writes_enabled:
        app.extensions[snapshot.EXTENSION].watch = write_signal(settings, store)
    # Flask runs after_request hooks last registered first: the caching headers (which may
    # turn an answer into a 304) come first, then gzip, then CORS, which every reply gets.
    cors_policy = cors.CorsPolicy.parse(
        settings.cors_origins, settings.cors_credentials, settings.cors_max_age
    )
    cors.register(app, cors_policy)
    compression.register(app, settings.gzip_min_bytes, settings.gzip_level)
    caching.register(app, settings.cache_max_age)
    app.extensions[validate_resource.PROFILES] = read_profiles(default_conformance_dir())
    blueprints = (
        metadata.bp,
        codesystem.bp,
        valueset.bp,
        conceptmap.bp,
        validate_resource.bp,
        read_search.bp,
        batch.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint, url_prefix=settings.base_path)
    # The same views again under the R5 base: one code path, the version set by check_request
    # from the path (or from Accept on the R4 base) and applied by the codec when it encodes.
    # Werkzeug's router matches by path segments, so the R4 routes cost nothing more.
    for blueprint in blueprints:
        app.register_blueprint(
            blueprint, url_prefix=settings.base_path + R5_SUFFIX, name=f"r5_{blueprint.name}"
        )
    if auth.tokens_of(app).writes_enabled:
        writes.register(app, settings.base_path)
    register_error_handlers(app)
    if settings.direct_lane and not settings.read_token and not settings.upstreams:
        # Closed reads need a token check per request, and delegation a look at each
        # request's systems, which only the Flask path makes.
        app.wsgi_app = DirectLane(app, app.wsgi_app)  # type: ignore[method-assign]
    operability.install(
        app, access_logging=settings.access_log, readiness=health.readiness(live, store)
    )
    return app


def write_signal(settings: Settings, store: ContentStore) -> Path:
    """The file the workers of servers on ``store`` touch after a REST write, so the others
    check the store at their next request (``LiveContent.watch``): beside a SQLite store, and
    for PostgreSQL in the data directory, named by the database and schema (never the
    password)."""
    if settings.database_url is None:
        return settings.store_path.with_name(settings.store_path.name + ".written")
    name = f"{store.location}#{settings.database_schema or 'public'}"
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    folder = data_home()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"postgres-{digest}.written"
