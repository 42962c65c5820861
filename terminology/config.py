"""Server settings: command-line flags win over ``TERMINOLOGY_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from terminology.budget import DEFAULT_STEPS

PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def default_content_dir() -> Path:
    """The built-in content: the copy shipped in the wheel, else the repository's ``valuesets/``."""
    return _first_existing(PACKAGE_DIR / "_content" / "valuesets", PACKAGE_DIR.parent / "valuesets")


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    content_dir: Path = field(default_factory=default_content_dir)
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
    #: Answers kept for repeated identical look-up and validation requests; 0 turns it off.
    response_cache_entries: int = 4096
    #: Work steps one request may take (concepts and value sets visited) before it is answered
    #: with a ``too-costly`` OperationOutcome; 0 turns the limit off.
    request_budget: int = DEFAULT_STEPS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``TERMINOLOGY_*`` variables; explicit ``overrides`` (flags) win when not None."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        readers: dict[str, type] = {
            "host": str,
            "port": int,
            "workers": int,
            "content_dir": Path,
            "max_body_bytes": int,
            "max_query_bytes": int,
            "max_header_bytes": int,
            "response_cache_entries": int,
            "request_budget": int,
        }
        for name, kind in readers.items():
            raw = env.get(f"TERMINOLOGY_{name.upper()}")
            if raw:
                try:
                    values[name] = kind(raw)
                except ValueError as exc:
                    raise ValueError(f"TERMINOLOGY_{name.upper()}={raw!r}: {exc}") from exc
        access_log = env.get("TERMINOLOGY_ACCESS_LOG", "").lower()
        if access_log:
            values["access_log"] = access_log in {"1", "true", "yes", "on"}
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "content_dir" in values:
            values["content_dir"] = Path(str(values["content_dir"])).expanduser().resolve()
        return cls(**values)  # type: ignore[arg-type]
