"""``ConceptMap/$translate``'s parameters, R4's and R5's names, read into a ``TranslateCall``
(``inputs.py`` reads the other operations')."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from terminology.codec.inputs import agree
from terminology.codec.param_values import (
    boolean,
    codeable_concept,
    coding,
    parse_date,
    resource_of,
    resources,
    split_canonical,
    text,
)
from terminology.codec.parameters import ParamBag
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Coding
from terminology.operations.translate_model import MapDependency, TranslateRequest
from terminology.operations.validate_code_model import CanonicalRef

#: ``$translate`` parameters R5 names and R4 does not: a request that uses any of them gets its
#: answer with R5's ``relationship`` and ``originMap`` besides R4's ``equivalence``.
TRANSLATE_R5_NAMES = frozenset(
    {
        "sourceCode",
        "sourceSystem",
        "sourceCoding",
        "sourceCodeableConcept",
        "targetCode",
        "targetCoding",
        "targetCodeableConcept",
        "targetSystem",
        "sourceScope",
        "targetScope",
    }
)

#: The ways to name the concept to translate, R4 then R5; the ``target*`` ones ask for a
#: reverse translation (R5).
_TRANSLATE_FORMS = (
    "code",
    "coding",
    "codeableConcept",
    "sourceCode",
    "sourceCoding",
    "sourceCodeableConcept",
    "targetCode",
    "targetCoding",
    "targetCodeableConcept",
)


@dataclass(frozen=True, slots=True)
class TranslateCall:
    """A ``$translate`` request as read: the operation's request, the codings to translate
    (several for a CodeableConcept) and whether the client spoke R5's names."""

    request: TranslateRequest
    codings: tuple[Coding, ...]
    r5_names: bool


def translate_request(bag: ParamBag, instance: Mapping[str, Any] | None = None) -> TranslateCall:
    """ConceptMap/$translate parameters, R4 and R5 names alike; ``instance`` is the ConceptMap
    of ``ConceptMap/[id]/$translate``."""
    forms = [name for name in _TRANSLATE_FORMS if bag.get(name) is not None]
    if not forms:
        raise TerminologyError(msg("TRANSLATE_NO_CODE"), code="required", expression="code")
    if len(forms) > 1:
        raise TerminologyError(
            msg("TRANSLATE_SEVERAL_FORMS", names=", ".join(forms)), expression=forms[1]
        )
    form = forms[0]
    by_target = form.startswith("target")
    reverse = boolean(bag, "reverse") or False
    if by_target and reverse:
        raise TerminologyError(msg("TRANSLATE_REVERSE_CONFLICT"), expression="reverse")
    source_system = agree("system", text(bag, "system"), "sourceSystem", text(bag, "sourceSystem"))
    target_system = agree(
        "targetsystem", text(bag, "targetsystem"), "targetSystem", text(bag, "targetSystem")
    )
    # The system of the concept named by a bare code, and the system the answers should be in.
    asked_system, answer_system = (
        (target_system, source_system) if by_target else (source_system, target_system)
    )
    # ``version`` is the version of ``system``: of the asked concept, unless it is named by
    # the target* parameters.
    version = None if by_target else text(bag, "version")
    codings = _translate_codings(bag, form, asked_system, version)
    source_scope = agree("source", text(bag, "source"), "sourceScope", text(bag, "sourceScope"))
    target_scope = agree("target", text(bag, "target"), "targetScope", text(bag, "targetScope"))
    if reverse:
        # R4: "reverses the meaning of the source and target parameters".
        source_scope, target_scope = target_scope, source_scope
    on = text(bag, "date")
    request = TranslateRequest(
        coding=codings[0],
        reverse=reverse or by_target,
        concept_map=_concept_map_ref(bag, instance),
        source_scope=source_scope,
        target_scope=target_scope,
        target_system=answer_system,
        date=parse_date(on, "date") if on else None,
        tx_resources=tuple(resources(bag, "tx-resource")),
        dependencies=_dependencies(bag),
    )
    r5 = any(bag.get(name) is not None for name in TRANSLATE_R5_NAMES)
    return TranslateCall(request, tuple(codings), r5)


def _translate_codings(
    bag: ParamBag, form: str, system: str | None, version: str | None
) -> list[Coding]:
    if form.endswith("Code") or form == "code":
        code = text(bag, form)
        if not system:
            name = "targetSystem" if form == "targetCode" else "system"
            raise TerminologyError(
                msg("TRANSLATE_NO_SYSTEM", code=code or "", name=name),
                code="required",
                expression=name,
            )
        return [Coding(system, code, version)]
    if form.endswith("oding"):
        given = coding(bag, form)
        found = [given] if given is not None else []
    else:
        found = codeable_concept(bag, form) or []
    usable = [c for c in found if c.code]
    if not usable:
        key = "TRANSLATE_EMPTY_CC" if form.endswith("Concept") else "TRANSLATE_NO_CODE"
        raise TerminologyError(msg(key, name=form), code="required", expression=form)
    for c in usable:
        if not c.system:
            raise TerminologyError(
                msg("TRANSLATE_NO_SYSTEM", code=c.code, name=f"{form}.system"),
                code="required",
                expression=f"{form}.system",
            )
    return usable


def _concept_map_ref(bag: ParamBag, instance: Mapping[str, Any] | None) -> CanonicalRef | None:
    """The map to use: the instance, an inline ``conceptMap``, or ``url`` (with
    ``conceptMapVersion`` or a ``url|version``); None to use every map that applies."""
    if instance is not None:
        return CanonicalRef(instance.get("url"), instance.get("version"), instance)
    inline = resource_of(bag, "conceptMap", "ConceptMap")
    if inline is not None:
        return CanonicalRef(inline.get("url"), inline.get("version"), inline)
    url, version = split_canonical(text(bag, "url"))
    if not url:
        return None
    return CanonicalRef(
        url, agree("url", version, "conceptMapVersion", text(bag, "conceptMapVersion"))
    )


def _dependencies(bag: ParamBag) -> tuple[MapDependency, ...]:
    """``dependency`` parts: R4's ``element`` (uri) and ``concept`` (CodeableConcept), or R5's
    ``attribute`` and ``value[x]`` (a code, Coding or string)."""
    out = []
    for index, param in enumerate(bag.all("dependency")):
        where = f"dependency[{index}]"
        if param.kind != "part":
            raise TerminologyError(
                msg("BAD_PARAMETER_TYPE", name="dependency", expected="part (element, concept)"),
                expression=where,
            )
        parts: ParamBag = param.value
        element = text(parts, "element") or text(parts, "attribute")
        if not element:
            raise TerminologyError(
                msg("BAD_PARAMETER_TYPE", name=f"{where}.element", expected="uri"),
                expression=f"{where}.element",
            )
        values: list[Coding] = []
        for name in ("concept", "value"):
            found = parts.one(name)
            if found is None:
                continue
            if found.kind == "CodeableConcept":
                values += codeable_concept(parts, name) or []
            elif found.kind == "Coding":
                values += [c for c in [coding(parts, name)] if c is not None]
            else:
                values.append(Coding(None, text(parts, name)))
        out += [MapDependency(element, v.system, v.code, v.display) for v in values] or [
            MapDependency(element)
        ]
    return tuple(out)
