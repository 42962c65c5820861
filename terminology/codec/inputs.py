"""The single place where operation parameter names are interpreted.

Each function turns a ``ParamBag`` into the typed request of one operation, accepting the value
types real clients send (``system`` as uri or canonical, booleans as text on GET) and raising a
400 ``TerminologyError`` for missing or contradictory input. Unknown parameters are ignored:
clients and conformance suites add their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from terminology.codec.parameters import ParamBag
from terminology.codec.shapes import check_resource
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Coding
from terminology.operations.expand_model import ExpandRequest
from terminology.operations.lookup import LookupRequest
from terminology.operations.search import MAX_PAGE_SIZE, SearchRequest
from terminology.operations.validation_model import CanonicalRef, ValidateCodeRequest
from terminology.storage.repositories import EXACT_PARAMS, STRING_PARAMS, StringCriterion

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
    if isinstance(param.value, bool):
        return param.value
    if param.kind == "query" and param.value in ("true", "false"):
        return param.value == "true"
    raise TerminologyError(
        msg("BAD_BOOLEAN", name=name, value=str(param.value)[:40]), expression=name
    )


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
    return _coding_from(raw, name)


def _coding_from(raw: Mapping[str, Any], name: str) -> Coding:
    if not isinstance(raw, Mapping):
        raise TerminologyError(
            msg("BAD_PARAMETER_TYPE", name=name, expected="Coding"), expression=name
        )
    fields = {}
    for key in ("system", "code", "version", "display"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise TerminologyError(
                msg("BAD_PARAMETER_TYPE", name=f"{name}.{key}", expected="string"),
                expression=f"{name}.{key}",
            )
        fields[key] = value or None
    return Coding(**fields)


def _agree(first: str, a: str | None, second: str, b: str | None) -> str | None:
    if a is not None and b is not None and a != b:
        raise TerminologyError(msg("LOOKUP_CONFLICT", first=first, second=second, a=a, b=b))
    return a if a is not None else b


def lookup_request(bag: ParamBag, instance: Mapping[str, Any] | None = None) -> LookupRequest:
    """``instance`` is the CodeSystem resource of ``CodeSystem/[id]/$lookup``."""
    given = coding(bag, "coding")
    code = text(bag, "code")
    system = text(bag, "system")
    version = text(bag, "version")
    if given is not None:
        code = _agree("code", code, "coding.code", given.code)
        system = _agree("system", system, "coding.system", given.system)
        version = _agree("version", version, "coding.version", given.version)
    if instance is not None:
        system = _agree("system", system, "the CodeSystem's url", instance["url"])
        version = _agree("version", version, "the CodeSystem's version", instance.get("version"))
    if not code:
        raise TerminologyError(msg("LOOKUP_NO_CODE"), code="required", expression="code")
    if not system:
        raise TerminologyError(
            msg("LOOKUP_NO_SYSTEM", code=code), code="required", expression="system"
        )
    on = text(bag, "date")
    properties: list[str] = []
    for value in texts(bag, "property"):
        properties += [p.strip() for p in value.split(",") if p.strip()]
    return LookupRequest(
        system=system,
        code=code,
        version=version,
        date=parse_date(on, "date") if on else None,
        display_language=text(bag, "displayLanguage"),
        properties=tuple(properties),
        tx_resources=tuple(resources(bag, "tx-resource")),
        use_supplements=_canonicals(bag, "useSupplement"),
    )


#: FHIR's integer is 32-bit signed; larger values are not integers in FHIR, and the reply
#: encoder cannot echo values beyond 64 bits.
MAX_FHIR_INTEGER = 2_147_483_647


def _non_negative(value: str, name: str) -> int:
    # The length check comes first: int() refuses strings of over 4,300 digits.
    if (
        len(value) > 10
        or not value.isascii()
        or not value.isdigit()
        or int(value) > MAX_FHIR_INTEGER
    ):
        raise TerminologyError(msg("BAD_INTEGER", name=name, value=value[:40]), expression=name)
    return int(value)


def search_request(resource_type: str, query: Iterable[tuple[str, str]]) -> SearchRequest:
    """Search parameters from the query string; unknown ones are ignored (lenient handling)."""
    exact: dict[str, list[str]] = {}
    strings: dict[str, list[StringCriterion]] = {}
    count, offset = 50, 0
    summary: str | None = None
    elements: list[str] | None = None
    for raw_name, value in query:
        name, _, modifier = raw_name.partition(":")
        if name in EXACT_PARAMS:
            exact.setdefault(name, []).extend(v for v in value.split(",") if v)
        elif name in STRING_PARAMS:
            strings.setdefault(name, []).extend(
                StringCriterion(v, modifier or None) for v in value.split(",") if v
            )
        elif name == "_count":
            count = min(_non_negative(value, "_count"), MAX_PAGE_SIZE)
        elif name == "_offset":
            offset = _non_negative(value, "_offset")
        elif name == "_summary":
            if value not in ("true", "false", "text", "data", "count"):
                raise TerminologyError(
                    msg(
                        "BAD_SEARCH_PARAMETER",
                        name="_summary",
                        value=value[:40],
                        reason="use true, false, text, data or count",
                    ),
                    expression="_summary",
                )
            summary = value
        elif name == "_elements":
            elements = [e.strip() for e in value.split(",") if e.strip()]
    if count == 0 and summary is None:
        summary = "count"
    return SearchRequest(resource_type, exact, strings, count, offset, summary, elements)


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
    return [_coding_from(c, f"{name}.coding[{i}]") for i, c in enumerate(codings)]


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


def _canonicals(bag: ParamBag, name: str) -> tuple[str, ...]:
    return tuple(texts(bag, name))


def _form(bag: ParamBag) -> tuple[str, list[Coding], str | None]:
    given = [name for name in ("code", "coding", "codeableConcept") if bag.get(name) is not None]
    if not given:
        raise TerminologyError(msg("VALIDATE_NO_CODE"), code="required", expression="code")
    if len(given) > 1:
        raise TerminologyError(msg("VALIDATE_SEVERAL_FORMS"), expression=given[1])
    if given[0] == "coding":
        single = coding(bag, "coding")
        assert single is not None
        return "coding", [single], None
    if given[0] == "codeableConcept":
        param = bag.one("codeableConcept")
        codings = codeable_concept(bag, "codeableConcept") or []
        cc_text = param.value.get("text") if param is not None else None
        return "codeableConcept", codings, cc_text if isinstance(cc_text, str) else None
    return "code", [], None


def _split_canonical(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    url, _, version = value.partition("|")
    return url, version or None


def _resource_of(bag: ParamBag, name: str, rtype: str) -> Mapping[str, Any] | None:
    param = bag.one(name)
    if param is None:
        return None
    if param.kind != "resource" or param.value.get("resourceType") != rtype:
        raise TerminologyError(
            msg("BAD_PARAMETER_TYPE", name=name, expected=f"{rtype} resource"), expression=name
        )
    check_resource(param.value, name)
    return param.value


def _value_set_ref(
    bag: ParamBag, instance: Mapping[str, Any] | None, missing_message: str
) -> CanonicalRef:
    """The value set an operation is about: the instance, an inline ``valueSet``, or ``url``
    (with ``valueSetVersion`` or a ``url|version``)."""
    if instance is not None:
        return CanonicalRef(instance.get("url"), instance.get("version"), instance)
    inline = _resource_of(bag, "valueSet", "ValueSet")
    if inline is not None:
        return CanonicalRef(inline.get("url"), inline.get("version"), inline)
    url, version = _split_canonical(text(bag, "url"))
    if not url:
        raise TerminologyError(msg(missing_message), code="required", expression="url")
    return CanonicalRef(url, text(bag, "valueSetVersion") or version)


def validate_code_request(
    bag: ParamBag,
    *,
    value_set_mode: bool,
    instance: Mapping[str, Any] | None = None,
    accept_language: str | None = None,
) -> ValidateCodeRequest:
    """ValueSet/$validate-code (``value_set_mode``) or CodeSystem/$validate-code parameters."""
    form, codings, cc_text = _form(bag)
    display = text(bag, "display")
    if value_set_mode:
        ref = _value_set_ref(bag, instance, "VALIDATE_NO_VALUE_SET")
        if form == "code":
            codings = [
                Coding(text(bag, "system"), text(bag, "code"), text(bag, "systemVersion"), display)
            ]
        cs_ref = None
    else:
        url, version = _split_canonical(text(bag, "url") or text(bag, "system"))
        version = text(bag, "version") or version
        inline = _resource_of(bag, "codeSystem", "CodeSystem")
        if instance is not None:
            cs_ref = CanonicalRef(instance.get("url"), instance.get("version"), instance)
        elif inline is not None:
            cs_ref = CanonicalRef(inline.get("url"), inline.get("version"), inline)
        else:
            cs_ref = CanonicalRef(url, version)
        if form == "code":
            codings = [Coding(cs_ref.url, text(bag, "code"), cs_ref.version, display)]
        elif (
            form == "coding"
            and cs_ref.url
            and codings[0].system
            and codings[0].system != cs_ref.url
        ):
            raise TerminologyError(
                msg(
                    "LOOKUP_CONFLICT",
                    first="url",
                    second="coding.system",
                    a=cs_ref.url,
                    b=codings[0].system,
                ),
                expression="Coding.system",
            )
        ref = None
    on = text(bag, "date")
    return ValidateCodeRequest(
        form=form,  # type: ignore[arg-type]
        codings=tuple(codings),
        value_set=ref,
        code_system=cs_ref,
        cc_text=cc_text,
        date=parse_date(on, "date") if on else None,
        abstract=boolean(bag, "abstract"),
        display_language=text(bag, "displayLanguage"),
        accept_language=accept_language,
        active_only=boolean(bag, "activeOnly") or False,
        infer_system=boolean(bag, "inferSystem") or False,
        lenient_display=boolean(bag, "lenient-display-validation") or False,
        membership_only=boolean(bag, "valueset-membership-only") or False,
        system_versions=_canonicals(bag, "system-version"),
        check_system_versions=_canonicals(bag, "check-system-version"),
        force_system_versions=_canonicals(bag, "force-system-version"),
        default_valueset_versions=_canonicals(bag, "default-valueset-version"),
        use_supplements=_canonicals(bag, "useSupplement"),
        tx_resources=tuple(resources(bag, "tx-resource")),
    )


def integer(bag: ParamBag, name: str) -> int | None:
    """A non-negative integer given as valueInteger (POST) or as text (GET)."""
    param = bag.one(name)
    if param is None:
        return None
    value = param.value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_FHIR_INTEGER:
        return value
    if isinstance(value, str):
        return _non_negative(value.strip(), name)
    raise TerminologyError(msg("BAD_INTEGER", name=name, value=str(value)[:40]), expression=name)


def expand_request(
    bag: ParamBag,
    *,
    instance: Mapping[str, Any] | None = None,
    accept_language: str | None = None,
    threshold: str | None = None,
) -> ExpandRequest:
    """ValueSet/$expand parameters; ``instance`` is the ValueSet of ``ValueSet/[id]/$expand``."""
    ref = _value_set_ref(bag, instance, "EXPAND_NO_VALUE_SET")
    properties: list[str] = []
    for value in texts(bag, "property"):
        properties += [p.strip() for p in value.split(",") if p.strip()]
    on = text(bag, "date")
    limit = None
    if threshold and threshold.strip().isdigit() and int(threshold) > 0:
        limit = int(threshold)
    return ExpandRequest(
        value_set=ref,
        text_filter=text(bag, "filter"),
        date=parse_date(on, "date") if on else None,
        offset=integer(bag, "offset"),
        count=integer(bag, "count"),
        include_designations=boolean(bag, "includeDesignations"),
        designations=tuple(texts(bag, "designation")),
        include_definition=boolean(bag, "includeDefinition"),
        active_only=boolean(bag, "activeOnly"),
        exclude_nested=boolean(bag, "excludeNested"),
        exclude_not_for_ui=boolean(bag, "excludeNotForUI"),
        display_language=text(bag, "displayLanguage"),
        accept_language=accept_language,
        properties=tuple(properties),
        system_versions=_canonicals(bag, "system-version"),
        check_system_versions=_canonicals(bag, "check-system-version"),
        force_system_versions=_canonicals(bag, "force-system-version"),
        default_valueset_versions=_canonicals(bag, "default-valueset-version"),
        use_supplements=_canonicals(bag, "useSupplement"),
        tx_resources=tuple(resources(bag, "tx-resource")),
        threshold=limit,
    )
