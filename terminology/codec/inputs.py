"""The single place where operation parameter names are interpreted.

Each function turns a ``ParamBag`` into the typed request of one operation (the values are read
by ``param_values``), raising a 400 ``TerminologyError`` for missing or contradictory input.
Unknown parameters are ignored: clients and conformance suites add their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from terminology.codec.param_values import (
    boolean,
    canonicals,
    codeable_concept,
    coding,
    integer,
    non_negative,
    parse_date,
    resource_of,
    resources,
    split_canonical,
    text,
    texts,
)
from terminology.codec.parameters import ParamBag
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Coding
from terminology.operations.expand_model import ExpandRequest
from terminology.operations.lookup import LookupRequest
from terminology.operations.search import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SearchRequest
from terminology.operations.subsumes import SubsumesRequest, SubsumesSide
from terminology.operations.validate_code_model import CanonicalRef, ValidateCodeRequest
from terminology.storage.repositories import EXACT_PARAMS, STRING_PARAMS, StringCriterion


def agree(first: str, a: str | None, second: str, b: str | None) -> str | None:
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
        code = agree("code", code, "coding.code", given.code)
        system = agree("system", system, "coding.system", given.system)
        version = agree("version", version, "coding.version", given.version)
    if instance is not None:
        system = agree("system", system, "the CodeSystem's url", instance["url"])
        version = agree("version", version, "the CodeSystem's version", instance.get("version"))
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
        use_supplements=canonicals(bag, "useSupplement"),
    )


def _subsumes_side(bag: ParamBag, side: str) -> SubsumesSide:
    """``code{side}`` or ``coding{side}``: exactly one of them."""
    code = text(bag, f"code{side}")
    given = coding(bag, f"coding{side}")
    if code is not None and given is not None:
        raise TerminologyError(msg("SUBSUMES_TWO_FORMS", side=side), expression=f"coding{side}")
    if given is not None:
        return SubsumesSide(given, f"coding{side}")
    if code is None:
        raise TerminologyError(
            msg("SUBSUMES_NO_CODE", side=side), code="required", expression=f"code{side}"
        )
    return SubsumesSide(Coding(None, code), f"code{side}")


def subsumes_request(bag: ParamBag, instance: Mapping[str, Any] | None = None) -> SubsumesRequest:
    """``instance`` is the CodeSystem resource of ``CodeSystem/[id]/$subsumes``: its url and
    version are the request's ``system`` and ``version``."""
    a, b = _subsumes_side(bag, "A"), _subsumes_side(bag, "B")
    system = text(bag, "system")
    version = text(bag, "version")
    if instance is not None:
        system = agree("system", system, "the CodeSystem's url", instance["url"])
        version = agree("version", version, "the CodeSystem's version", instance.get("version"))
    on = text(bag, "date")
    return SubsumesRequest(
        a=a,
        b=b,
        system=system,
        version=version,
        date=parse_date(on, "date") if on else None,
        tx_resources=tuple(resources(bag, "tx-resource")),
    )


def search_request(resource_type: str, query: Iterable[tuple[str, str]]) -> SearchRequest:
    """Search parameters from the query string; unknown ones are ignored (lenient handling)."""
    exact: dict[str, list[str]] = {}
    strings: dict[str, list[StringCriterion]] = {}
    count, offset = DEFAULT_PAGE_SIZE, 0
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
            count = min(non_negative(value, "_count"), MAX_PAGE_SIZE)
        elif name == "_offset":
            offset = non_negative(value, "_offset")
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


def _form(bag: ParamBag) -> tuple[str, list[Coding], str | None]:
    given = [name for name in ("code", "coding", "codeableConcept") if bag.get(name) is not None]
    if not given:
        # ``invalid``, as tx.fhir.org answers (the HL7 batch case pins it).
        raise TerminologyError(msg("VALIDATE_NO_CODE"), expression="code")
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


def _value_set_ref(
    bag: ParamBag, instance: Mapping[str, Any] | None, missing_message: str
) -> CanonicalRef:
    """The value set an operation is about: the instance, an inline ``valueSet``, or ``url``
    (with ``valueSetVersion`` or a ``url|version``)."""
    if instance is not None:
        return CanonicalRef(instance.get("url"), instance.get("version"), instance)
    inline = resource_of(bag, "valueSet", "ValueSet")
    if inline is not None:
        return CanonicalRef(inline.get("url"), inline.get("version"), inline)
    url, version = split_canonical(text(bag, "url"))
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
        url, version = split_canonical(text(bag, "url") or text(bag, "system"))
        version = text(bag, "version") or version
        inline = resource_of(bag, "codeSystem", "CodeSystem")
        if instance is not None:
            # A stored code system, already served by its provider: the instance names the
            # url and version. (Passed as a resource, a large one's header, which holds no
            # concepts, would hide its stored concepts.)
            cs_ref = CanonicalRef(instance.get("url"), instance.get("version"))
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
        system_versions=canonicals(bag, "system-version"),
        check_system_versions=canonicals(bag, "check-system-version"),
        force_system_versions=canonicals(bag, "force-system-version"),
        default_valueset_versions=canonicals(bag, "default-valueset-version"),
        use_supplements=canonicals(bag, "useSupplement"),
        tx_resources=tuple(resources(bag, "tx-resource")),
    )


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
        system_versions=canonicals(bag, "system-version"),
        check_system_versions=canonicals(bag, "check-system-version"),
        force_system_versions=canonicals(bag, "force-system-version"),
        default_valueset_versions=canonicals(bag, "default-valueset-version"),
        use_supplements=canonicals(bag, "useSupplement"),
        tx_resources=tuple(resources(bag, "tx-resource")),
        threshold=limit,
    )
