"""Typed values read from a ``ParamBag``: text, booleans, integers, dates, codings and the
resources a request brings, each accepted in the forms real clients send (booleans as text on
GET, ``system`` as uri or canonical) and refused with a 400 naming the parameter otherwise.
The operation requests are assembled from these in ``inputs``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from terminology.codec.parameters import ParamBag
from terminology.codec.shapes import check_resource
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Coding

_TEXT_KINDS = frozenset(
    {
        "query",
        "String",
        "Uri",
        "Url",
        "Canonical",
        "Code",
        "Id",
        "Oid",
        "Uuid",
        "Markdown",
        "Date",
        "DateTime",
        "Instant",
    }
)

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?")


def text(bag: ParamBag, name: str) -> str | None:
    param = bag.one(name)
    if param is None:
        return None
    if param.kind not in _TEXT_KINDS or not isinstance(param.value, str):
        raise TerminologyError(
            msg(
                "BAD_PARAMETER_TYPE", name=name, expected="primitive value such as a string or code"
            ),
            expression=name,
        )
    return param.value or None


def texts(bag: ParamBag, name: str) -> list[str]:
    values = []
    for param in bag.all(name):
        if param.kind not in _TEXT_KINDS or not isinstance(param.value, str):
            raise TerminologyError(
                msg("BAD_PARAMETER_TYPE", name=name, expected="primitive value"), expression=name
            )
        values.append(param.value)
    return values


def boolean(bag: ParamBag, name: str) -> bool | None:
    param = bag.one(name)
    if param is None:
        return None
    value: object = param.value
    if isinstance(value, bool):
        return value
    if param.kind == "query" and value in ("true", "false"):
        return value == "true"
    raise TerminologyError(msg("BAD_BOOLEAN", name=name, value=str(value)[:40]), expression=name)


@functools.lru_cache(maxsize=1024)  # clients send the same dates of service over and over
def parse_date(value: str, name: str) -> date:
    """A FHIR date or dateTime; a partial date (``2024`` or ``2024-05``) means its first day."""
    match = _DATE.fullmatch(value.strip())
    try:
        if not match:
            raise ValueError
        year, month, day = match.groups()
        return date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise TerminologyError(
            msg("BAD_DATE", name=name, value=value[:40]), expression=name
        ) from None


def coding(bag: ParamBag, name: str) -> Coding | None:
    param = bag.one(name)
    if param is None:
        return None
    raw = param.value
    if param.kind != "Coding" or not isinstance(raw, Mapping):
        raise TerminologyError(
            msg("BAD_PARAMETER_TYPE", name=name, expected="Coding (POST a Parameters resource)"),
            expression=name,
        )
    return coding_from(raw, name)


def coding_from(raw: Mapping[str, Any], name: str) -> Coding:
    if not isinstance(raw, Mapping):
        raise TerminologyError(
            msg("BAD_PARAMETER_TYPE", name=name, expected="Coding"), expression=name
        )
    system, code = raw.get("system"), raw.get("code")
    version, display = raw.get("version"), raw.get("display")
    for key, value in (
        ("system", system),
        ("code", code),
        ("version", version),
        ("display", display),
    ):
        if value is not None and not isinstance(value, str):
            raise TerminologyError(
                msg("BAD_PARAMETER_TYPE", name=f"{name}.{key}", expected="string"),
                expression=f"{name}.{key}",
            )
    return Coding(system or None, code or None, version or None, display or None)


#: FHIR's integer is 32-bit signed; larger values are not integers in FHIR, and the reply
#: encoder cannot echo values beyond 64 bits.
MAX_FHIR_INTEGER = 2_147_483_647


def non_negative(value: str, name: str) -> int:
    # The length check comes first: int() refuses strings of over 4,300 digits.
    if (
        len(value) > 10
        or not value.isascii()
        or not value.isdigit()
        or int(value) > MAX_FHIR_INTEGER
    ):
        raise TerminologyError(msg("BAD_INTEGER", name=name, value=value[:40]), expression=name)
    return int(value)


def codeable_concept(bag: ParamBag, name: str) -> list[Coding] | None:
    param = bag.one(name)
    if param is None:
        return None
    raw = param.value
    if param.kind != "CodeableConcept" or not isinstance(raw, Mapping):
        raise TerminologyError(
            msg(
                "BAD_PARAMETER_TYPE",
                name=name,
                expected="CodeableConcept (POST a Parameters resource)",
            ),
            expression=name,
        )
    codings = raw.get("coding", [])
    if not isinstance(codings, list):
        raise TerminologyError(msg("BAD_PARAMETER_TYPE", name=f"{name}.coding", expected="list"))
    return [coding_from(c, f"{name}.coding[{i}]") for i, c in enumerate(codings)]


def resources(bag: ParamBag, name: str) -> list[Mapping[str, Any]]:
    out = []
    for param in bag.all(name):
        if param.kind != "resource":
            raise TerminologyError(
                msg("BAD_PARAMETER_TYPE", name=name, expected="resource"), expression=name
            )
        check_resource(param.value, name)
        out.append(param.value)
    return out


def canonicals(bag: ParamBag, name: str) -> tuple[str, ...]:
    return tuple(texts(bag, name))


def split_canonical(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    url, _, version = value.partition("|")
    return url, version or None


def resource_of(bag: ParamBag, name: str, rtype: str) -> Mapping[str, Any] | None:
    param = bag.one(name)
    if param is None:
        return None
    if param.kind != "resource" or param.value.get("resourceType") != rtype:
        raise TerminologyError(
            msg("BAD_PARAMETER_TYPE", name=name, expected=f"{rtype} resource"), expression=name
        )
    resource: Mapping[str, Any] = param.value
    check_resource(resource, name)
    return resource


def integer(bag: ParamBag, name: str) -> int | None:
    """A non-negative integer given as valueInteger (POST) or as text (GET)."""
    param = bag.one(name)
    if param is None:
        return None
    value = param.value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_FHIR_INTEGER:
        return value
    if isinstance(value, str):
        return non_negative(value.strip(), name)
    raise TerminologyError(msg("BAD_INTEGER", name=name, value=str(value)[:40]), expression=name)
