"""Value-set identity and the guard against value sets that import themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from terminology.errors import TerminologyError
from terminology.messages import Whole, msg, shorten


def vs_key(value_set: Mapping[str, Any]) -> str:
    """``url|version`` (or ``url``) of a value set; empty when it has no url."""
    url = value_set.get("url")
    if not url:
        return ""
    version = value_set.get("version")
    return f"{url}|{version}" if version else url


def enter(value_set: Mapping[str, Any], stack: tuple[str, ...]) -> tuple[str, ...]:
    """The import path with ``value_set`` added; a 422 when it is already on the path."""
    key = vs_key(value_set)
    if key and key in stack:
        raise TerminologyError(
            msg("VS_CIRCULAR", url=key, path=Whole(" -> ".join(shorten(k) for k in (*stack, key)))),
            status=422,
            code="processing",
            tx_type="vs-invalid",
        )
    return (*stack, key) if key else stack
