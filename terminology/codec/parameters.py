"""One shape for every way parameters arrive: query string, form body or a ``Parameters`` resource.

Query parameters and a POSTed body are merged (clients send ``POST ...?offset=20`` with a
body), so the operation code reads one bag and never asks how the request was made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote_plus

import orjson

from terminology.codec.fhir_xml import XML_MEDIA_TYPES
from terminology.codec.fhir_xml_read import parse_xml
from terminology.errors import TerminologyError
from terminology.messages import msg

JSON_MEDIA_TYPES = frozenset(
    {"application/fhir+json", "application/json", "application/json+fhir", "text/json"}
)
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


class Param(NamedTuple):
    """One parameter: ``kind`` is the FHIR type suffix (``Uri``, ``Coding``, ...), ``query`` for
    a query-string or form value, ``resource`` for a nested resource, ``part`` for parts.
    (A named tuple: every request makes several, and tuples are built in C.)"""

    name: str
    kind: str
    value: Any


class ParamBag:
    def __init__(self, params: Iterable[Param] = ()) -> None:
        self._params = list(params)
        # Operations ask for many parameters by name; index them once.
        self._by_name: dict[str, list[Param]] = {}
        for param in self._params:
            self._by_name.setdefault(param.name, []).append(param)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def all(self, name: str) -> list[Param]:
        """Every parameter called ``name`` (a shared list: do not modify)."""
        return self._by_name.get(name, [])

    def get(self, name: str) -> Param | None:
        found = self._by_name.get(name)
        return found[0] if found else None

    def one(self, name: str) -> Param | None:
        """The parameter ``name``, which may appear once: a 400 when it appears again with
        another value (``system=A&system=B``), rather than silently answering about A."""
        found = self._by_name.get(name)
        if not found:
            return None
        first = found[0]
        for other in found[1:]:
            if other.value != first.value:
                raise TerminologyError(
                    msg("DUPLICATE_PARAMETER", name=name, count=len(found)), expression=name
                )
        return first


#: Deepest ``part`` nesting read. Operations use two or three levels; the bound keeps a small
#: hostile body from exhausting the stack.
MAX_PART_DEPTH = 16


def _from_parameter(raw: Any, parent: str, index: int, depth: int = 0) -> Param:
    # Where the parameter sits (``Parameters.parameter[2].part[0]``) is spelled out only for
    # an error: every request reads a few parameters, and few are malformed.
    if depth > MAX_PART_DEPTH:
        raise TerminologyError(
            msg("MALFORMED_PARAMETERS", reason=f"parts are nested more than {MAX_PART_DEPTH} deep"),
            code="too-costly",
        )
    if not isinstance(raw, Mapping):
        where = f"{parent}[{index}]"
        raise TerminologyError(msg("MALFORMED_PARAMETERS", reason=f"{where} is not an object"))
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        where = f"{parent}[{index}]"
        raise TerminologyError(
            msg("MALFORMED_PARAMETERS", reason=f"{where} has no name"),
            expression=f"{where}.name",
        )
    if "resource" in raw:
        resource = raw["resource"]
        if not isinstance(resource, Mapping) or "resourceType" not in resource:
            where = f"{parent}[{index}]"
            raise TerminologyError(
                msg("MALFORMED_PARAMETERS", reason=f"{where}.resource is not a FHIR resource"),
                expression=f"{where}.resource",
            )
        return Param(name, "resource", resource)
    if "part" in raw:
        parts = raw["part"]
        where = f"{parent}[{index}]"
        if not isinstance(parts, list):
            raise TerminologyError(
                msg("MALFORMED_PARAMETERS", reason=f"{where}.part is not a list")
            )
        return Param(
            name,
            "part",
            ParamBag(
                _from_parameter(p, f"{where}.part", i, depth + 1) for i, p in enumerate(parts)
            ),
        )
    value_key = None
    for key in raw:
        if key.startswith("value"):
            if value_key is not None:
                where = f"{parent}[{index}]"
                raise TerminologyError(
                    msg("MALFORMED_PARAMETERS", reason=f"{where} has more than one value[x]"),
                    expression=where,
                )
            value_key = key
    if value_key is None:
        return Param(name, "empty", None)
    return Param(name, value_key[5:], raw[value_key])


def _params_of(resource: Any) -> list[Param]:
    if not isinstance(resource, Mapping):
        raise TerminologyError(
            msg("WRONG_RESOURCE_TYPE", expected="Parameters", actual="a non-object")
        )
    rtype = resource.get("resourceType")
    if rtype != "Parameters":
        raise TerminologyError(
            msg("WRONG_RESOURCE_TYPE", expected="Parameters", actual=repr(rtype)[:60])
        )
    raw = resource.get("parameter", [])
    if not isinstance(raw, list):
        raise TerminologyError(msg("MALFORMED_PARAMETERS", reason="parameter is not a list"))
    return [_from_parameter(p, "Parameters.parameter", i) for i, p in enumerate(raw)]


def parameters_bag(resource: Any) -> ParamBag:
    """The parameters of a ``Parameters`` resource already read (one nested in another, as the
    entries of ``$batch-validate-code`` are); a 400 when it is not one or is malformed."""
    return ParamBag(_params_of(resource))


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        # The decoder's message names a position, never echoes the (possibly large) input.
        raise TerminologyError(
            msg("MALFORMED_JSON", reason=str(exc)[:200]), code="structure"
        ) from exc


def parse_query(query: str) -> list[tuple[str, str]]:
    """``a=1&b=x%7Cy`` as pairs; like ``parse_qsl`` but without its cost for plain text."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        pairs.append((name, value))
    return pairs


def read_parameters(
    query: Iterable[tuple[str, str]], body: bytes | None, media_type: str | None, r5: bool = False
) -> ParamBag:
    """Merge query parameters with a form or ``Parameters`` body (the media type was checked;
    an XML body is read as R5 XML with ``r5``)."""
    params = [Param(name, "query", value) for name, value in query]
    if body:
        if media_type == FORM_MEDIA_TYPE:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TerminologyError(
                    msg("MALFORMED_PARAMETERS", reason="the form is not UTF-8")
                ) from exc
            params += [Param(n, "query", v) for n, v in parse_qsl(text, keep_blank_values=True)]
        elif media_type in XML_MEDIA_TYPES:
            params += _params_of(parse_xml(body, r5))
        else:
            params += _params_of(parse_json(body))
    return ParamBag(params)
