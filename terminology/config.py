"""Server settings: command-line flags win over ``TERMINOLOGY_*`` environment variables."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from terminology.budget import DEFAULT_STEPS

PACKAGE_DIR = Path(__file__).resolve().parent
#: Shortest bearer token accepted: a guessable one would make the write lock decorative.
MIN_TOKEN_LENGTH = 16


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def default_content_dir() -> Path:
    """The built-in content: the copy shipped in the wheel, else the repository's ``valuesets/``."""
    return _first_existing(PACKAGE_DIR / "_content" / "valuesets", PACKAGE_DIR.parent / "valuesets")


def data_home() -> Path:
    """Where the server keeps its state unless told otherwise (XDG base directories)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chest-imaging-terminology"


def default_store_path(content_dir: Path) -> Path:
    """One store per content directory, so two servers on different content never share one
    (a store holds the built-in content of the directory it was seeded from)."""
    digest = hashlib.sha256(str(content_dir.resolve()).encode()).hexdigest()[:12]
    return data_home() / f"store-{content_dir.name}-{digest}.sqlite"


def default_conformance_dir() -> Path:
    """Our profiles and conformance material: the wheel's copy, else the repository's."""
    return _first_existing(
        PACKAGE_DIR / "_content" / "conformance", PACKAGE_DIR.parent / "conformance"
    )


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    #: Python threads per worker that run requests (granian's blocking threads); 0 leaves
    #: granian's default (hundreds). Each thread that reads a PostgreSQL store keeps its own
    #: connection, so this caps a worker's connections at threads + 1 (its start-up thread):
    #: replicas x (workers x (threads + 1) + 1) must stay below the server's max_connections.
    #: Requests beyond it wait for a free thread.
    threads: int = 0
    content_dir: Path = field(default_factory=default_content_dir)
    #: The SQLite content store; None for ``default_store_path(content_dir)``.
    store: Path | None = None
    #: A PostgreSQL URL: the content store is then that database (replicas share it), and
    #: ``store`` is not used. The password may be in the URL or in libpq's usual places.
    database_url: str | None = None
    #: The PostgreSQL schema the store's tables live in.
    database_schema: str | None = None
    #: Largest request body accepted; bigger bodies get a small 413 OperationOutcome.
    max_body_bytes: int = 4 * 1024 * 1024
    #: Longest query string and largest header section accepted; over them the reply is a 414 or
    #: 431 OperationOutcome. Both stay well below granian's own limits (a 65,534-byte request
    #: target, a 408 KiB request head), above which granian answers with an empty body.
    max_query_bytes: int = 32 * 1024
    max_header_bytes: int = 16 * 1024
    #: Where the FHIR API is mounted.
    base_path: str = "/fhir"
    access_log: bool = False
    #: Answer the common operation requests in the direct lane (``api/lane.py``), around
    #: Flask's per-request machinery; off, Flask answers every request (same answers, slower).
    direct_lane: bool = True
    #: Answers kept for repeated identical look-up and validation requests; 0 turns it off.
    response_cache_entries: int = 4096
    #: Seconds between a worker's checks for newer content in the store (a load, a write on
    #: another replica); 0 serves the content of start-up until restarted.
    reload_interval: float = 1.0
    #: Work steps one request may take (concepts and value sets visited) before it is answered
    #: with a ``too-costly`` OperationOutcome; 0 turns the limit off.
    request_budget: int = DEFAULT_STEPS
    #: Seconds a client or shared cache may reuse a GET answer without asking again
    #: (``Cache-Control: public, max-age``). Content changes only by loads, so this bounds how
    #: stale a proxy's answer may be after one; 0 sends ``no-cache`` (store, but revalidate
    #: each time with the ETag).
    cache_max_age: int = 300
    #: Replies of at least this many bytes are gzipped for clients that accept gzip; 0 never.
    gzip_min_bytes: int = 1024
    #: zlib level for those replies (1 fastest .. 9 smallest).
    gzip_level: int = 6
    #: Origins browser apps may call from: ``*`` (any), ``none``, or a comma-separated list
    #: (``https://app.example.org,https://other.example.org``).
    cors_origins: str = "*"
    #: ``Access-Control-Allow-Credentials: true`` for the listed origins (cookies or HTTP
    #: authentication sent by the browser); refused with ``*``, which would let any site use them.
    cors_credentials: bool = False
    #: Seconds a browser may keep a preflight's answer (browsers cap it: Chrome at 2 hours).
    cors_max_age: int = 7200
    #: The bearer token REST writes (create, update, delete) need; with neither this nor
    #: ``write_tokens_file`` writes are disabled (405), as the server always was.
    write_token: str | None = field(default=None, repr=False)
    #: A file of write tokens, one a line (blank lines and ``#`` comments ignored), read at
    #: start-up: several people or systems, each with a token of its own that can be revoked.
    write_tokens_file: Path | None = None
    #: A bearer token every request needs, except ``metadata`` and CORS preflights (a write
    #: token also reads); None leaves reads open.
    read_token: str | None = field(default=None, repr=False)
    #: ``pattern=URL[,URL]`` entries separated by ``;``: the upstream terminology servers that
    #: answer for code systems we do not hold (``terminology.delegation.routes``); None: none.
    upstreams: str | None = None
    #: Seconds an upstream may take to connect, and then to send each part of its answer.
    upstream_timeout: float = 5.0
    #: Upstream calls in flight at once in one worker; a request finding all of them busy for
    #: ``upstream_timeout`` seconds is answered "unavailable".
    upstream_max_concurrent: int = 8
    #: Seconds an upstream's answer is reused for the same question; 0 asks every time.
    upstream_cache_seconds: float = 60.0
    upstream_cache_entries: int = 1024
    #: Failed calls in a row that open an upstream's circuit breaker, and the seconds it stays
    #: open (answering "unavailable" at once) before one trial call is let through.
    upstream_breaker_failures: int = 5
    upstream_breaker_reset: float = 30.0

    def __post_init__(self) -> None:
        if self.cors_credentials and "*" in {o.strip() for o in self.cors_origins.split(",")}:
            raise ValueError(
                "TERMINOLOGY_CORS_CREDENTIALS needs TERMINOLOGY_CORS_ORIGINS to list the origins "
                "allowed; with '*' any web site could make requests with the user's credentials"
            )
        if self.upstreams:
            from terminology.delegation.routes import parse_routes

            parse_routes(self.upstreams)
        if self.threads < 0:
            raise ValueError(f"TERMINOLOGY_THREADS={self.threads}: must be 0 (the default) or more")
        if not 1 <= self.gzip_level <= 9:
            raise ValueError(f"TERMINOLOGY_GZIP_LEVEL={self.gzip_level}: must be 1 to 9")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``TERMINOLOGY_*`` variables; explicit ``overrides`` (flags) win when not None."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        readers: dict[str, type] = {
            "host": str,
            "port": int,
            "workers": int,
            "threads": int,
            "content_dir": Path,
            "store": Path,
            "database_url": str,
            "database_schema": str,
            "max_body_bytes": int,
            "max_query_bytes": int,
            "max_header_bytes": int,
            "response_cache_entries": int,
            "request_budget": int,
            "reload_interval": float,
            "cache_max_age": int,
            "gzip_min_bytes": int,
            "gzip_level": int,
            "cors_origins": str,
            "cors_max_age": int,
            "write_token": str,
            "write_tokens_file": Path,
            "read_token": str,
            "upstreams": str,
            "upstream_timeout": float,
            "upstream_max_concurrent": int,
            "upstream_cache_seconds": float,
            "upstream_cache_entries": int,
            "upstream_breaker_failures": int,
            "upstream_breaker_reset": float,
        }
        for name, kind in readers.items():
            raw = env.get(f"TERMINOLOGY_{name.upper()}")
            if raw:
                try:
                    values[name] = kind(raw)
                except ValueError as exc:
                    raise ValueError(f"TERMINOLOGY_{name.upper()}={raw!r}: {exc}") from exc
        for flag in ("access_log", "cors_credentials", "direct_lane"):
            raw = env.get(f"TERMINOLOGY_{flag.upper()}", "").lower()
            if raw:
                values[flag] = raw in {"1", "true", "yes", "on"}
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("content_dir", "store", "write_tokens_file"):
            if name in values:
                values[name] = Path(str(values[name])).expanduser().resolve()
        return cls(**values)  # type: ignore[arg-type]

    def write_tokens(self) -> list[str]:
        """Every token that may write: ``write_token`` and the lines of ``write_tokens_file``."""
        tokens = [self.write_token.strip()] if self.write_token and self.write_token.strip() else []
        if self.write_tokens_file is not None:
            try:
                text = self.write_tokens_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ValueError(
                    f"TERMINOLOGY_WRITE_TOKENS_FILE={self.write_tokens_file}: {exc.strerror}"
                ) from exc
            for line in text.splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    tokens.append(line)
            if not tokens:
                raise ValueError(
                    f"TERMINOLOGY_WRITE_TOKENS_FILE={self.write_tokens_file} holds no token"
                )
        for token in [*tokens, *([self.read_token] if self.read_token else [])]:
            if len(token) < MIN_TOKEN_LENGTH or any(c.isspace() for c in token):
                # Never the token itself: start-up messages end up in logs.
                raise ValueError(
                    f"a configured token has {len(token)} characters or contains spaces; "
                    f"tokens need at least {MIN_TOKEN_LENGTH} characters and no spaces "
                    "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)"
                )
        return tokens

    @property
    def store_path(self) -> Path:
        return self.store if self.store is not None else default_store_path(self.content_dir)
