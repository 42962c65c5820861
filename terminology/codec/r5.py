"""FHIR R5 (5.0.0) at the edge: the R4 answers the codec builds, rewritten in R5's shapes.

The server has one engine and one set of views; they answer in R4 (4.0.1) shapes, where R5-only
elements travel as cross-version extensions (tx-ecosystem IG, "R4 and the Test Cases"). A
request answered as R5 (``/fhir/r5``, or ``fhirVersion=5.0`` in ``Accept``) gets the same
answer through ``to_r5`` just before it is encoded, so nothing behind the edge knows which
version a client speaks:

- ``CodeSystem``/``ValueSet``/``ConceptMap``: ``versionAlgorithm[x]`` and ``effectivePeriod``
  from their extensions; a ValueSet's ``compose.include.filter.op`` from the ``_op``
  extension, its ``expansion.property`` and ``expansion.contains.property`` from theirs; a
  ConceptMap's ``sourceScope[x]``/``targetScope[x]``, each target's ``relationship`` (from
  ``equivalence``, by the R4/R5 conversion's table; ``unmatched``/``disjoint`` become
  ``noMap``), ``dependsOn``/``product`` as ``attribute`` and ``value[x]``, ``unmapped.url``
  as ``otherMap``.
- ``CapabilityStatement.fhirVersion`` 5.0.0; ``TerminologyCapabilities.codeSystem.content``.
- ``Parameters``, ``Bundle`` and ``contained`` resources are converted inside.

``$translate`` answers are built in R5's names by ``outputs.translate_parameters`` itself (a
reverse match reads differently, which a rewrite could not tell). The conversion is idempotent:
an answer already in R5 shapes passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from terminology.codec.outputs import EXT_CONTAINS_PROPERTY, EXT_EXPANSION_PROPERTY
from terminology.engine.filters import EXT_FILTER_OP
from terminology.operations.concept_map_index import R4_TO_R5
from terminology.uris import (
    EXT_EFFECTIVE_PERIOD,
    EXT_TC_CONTENT,
    EXT_VERSION_ALGORITHM,
    EXT_VERSION_ALGORITHM_R5,
)

#: The two versions served, as ``fhirVersion`` media-type parameters and ``$versions`` name them.
R4: Final = "4.0"
R5: Final = "5.0"
#: ``CapabilityStatement.fhirVersion`` of each.
RELEASES: Final = {R4: "4.0.1", R5: "5.0.0"}

_VERSION_ALGORITHMS = (EXT_VERSION_ALGORITHM, EXT_VERSION_ALGORITHM_R5)


def to_r5(resource: Mapping[str, Any]) -> dict[str, Any]:
    """``resource`` (an R4 answer) in R5's shapes; a new dict, ``resource`` is left as it is
    (it may be a stored resource or a memoised answer)."""
    return _convert(resource)


def _convert(resource: Mapping[str, Any]) -> dict[str, Any]:
    rtype = resource.get("resourceType")
    out = dict(resource)
    if rtype == "Parameters":
        params = out.get("parameter")
        if isinstance(params, list):
            out["parameter"] = [_parameter(p) for p in params]
        return out
    if rtype == "Bundle":
        entries = out.get("entry")
        if isinstance(entries, list):
            out["entry"] = [_entry(e) for e in entries]
        return out
    contained = out.get("contained")
    if isinstance(contained, list):
        out["contained"] = [_convert(c) if isinstance(c, Mapping) else c for c in contained]
    if rtype in ("CodeSystem", "ValueSet", "ConceptMap"):
        _canonical(out)
        if rtype == "ValueSet":
            _value_set(out)
        elif rtype == "ConceptMap":
            _concept_map(out)
    elif rtype == "CapabilityStatement":
        out["fhirVersion"] = RELEASES[R5]
    elif rtype == "TerminologyCapabilities":
        systems = out.get("codeSystem")
        if isinstance(systems, list):
            out["codeSystem"] = [_tc_code_system(s) for s in systems]
    return out


def _parameter(param: Any) -> Any:
    if not isinstance(param, Mapping):
        return param
    out = dict(param)
    inner = out.get("resource")
    if isinstance(inner, Mapping):
        out["resource"] = _convert(inner)
    parts = out.get("part")
    if isinstance(parts, list):
        out["part"] = [_parameter(p) for p in parts]
    return out


def _entry(entry: Any) -> Any:
    if not isinstance(entry, Mapping):
        return entry
    out = dict(entry)
    for key in ("resource",):
        if isinstance(out.get(key), Mapping):
            out[key] = _convert(out[key])
    response = out.get("response")
    if isinstance(response, Mapping) and isinstance(response.get("outcome"), Mapping):
        out["response"] = {**response, "outcome": _convert(response["outcome"])}
    return out


def _take(obj: dict[str, Any], urls: tuple[str, ...] | str) -> list[Mapping[str, Any]]:
    """Remove the extensions of ``obj`` with one of these urls and return them."""
    urls = (urls,) if isinstance(urls, str) else urls
    extensions = obj.get("extension")
    if not isinstance(extensions, list):
        return []
    taken = [e for e in extensions if isinstance(e, Mapping) and e.get("url") in urls]
    if taken:
        kept = [e for e in extensions if e not in taken]
        if kept:
            obj["extension"] = kept
        else:
            del obj["extension"]
    return taken


def _value(extension: Mapping[str, Any]) -> tuple[str, Any] | None:
    """(``X`` of ``valueX``, value) of an extension, None when it has no value."""
    for key, value in extension.items():
        if key.startswith("value") and len(key) > 5:
            return key[5:], value
    return None


def _sub(extension: Mapping[str, Any], url: str) -> tuple[str, Any] | None:
    for sub in extension.get("extension") or ():
        if isinstance(sub, Mapping) and sub.get("url") == url:
            return _value(sub)
    return None


def _place(out: dict[str, Any], after: str, key: str, value: Any) -> None:
    """Set ``out[key]`` right after ``out[after]`` (at the end when there is none), so the JSON
    keeps R5's element order where it can."""
    if after not in out:
        out[key] = value
        return
    items = list(out.items())
    out.clear()
    for name, item in items:
        out[name] = item
        if name == after:
            out[key] = value


def _rename(out: dict[str, Any], old: str, new: str) -> None:
    if old in out:
        items = list(out.items())
        out.clear()
        out.update((new if name == old else name, item) for name, item in items)


def _canonical(out: dict[str, Any]) -> None:
    for ext in _take(out, _VERSION_ALGORITHMS):
        found = _value(ext)
        if found and not any(k.startswith("versionAlgorithm") for k in out):
            _place(out, "version", "versionAlgorithm" + found[0], found[1])
    for ext in _take(out, EXT_EFFECTIVE_PERIOD):
        found = _value(ext)
        if found and "effectivePeriod" not in out:
            _place(out, "copyright", "effectivePeriod", found[1])


def _value_set(out: dict[str, Any]) -> None:
    compose = out.get("compose")
    if isinstance(compose, Mapping):
        compose = dict(compose)
        for side in ("include", "exclude"):
            items = compose.get(side)
            if isinstance(items, list):
                compose[side] = [_include(i) for i in items]
        out["compose"] = compose
    expansion = out.get("expansion")
    if isinstance(expansion, Mapping):
        expansion = dict(expansion)
        properties = []
        for ext in _take(expansion, EXT_EXPANSION_PROPERTY):
            prop = {}
            for name in ("code", "uri"):
                found = _sub(ext, name)
                if found:
                    prop[name] = found[1]
            properties.append(prop)
        if properties:
            expansion["property"] = [*expansion.get("property", ()), *properties]
        contains = expansion.get("contains")
        if isinstance(contains, list):
            expansion["contains"] = [_contains(c) for c in contains]
        out["expansion"] = expansion


def _include(include: Any) -> Any:
    if not isinstance(include, Mapping) or not isinstance(include.get("filter"), list):
        return include
    filters = []
    for item in include["filter"]:
        companion = item.get("_op") if isinstance(item, Mapping) else None
        if isinstance(companion, Mapping):
            companion = dict(companion)
            taken = _take(companion, EXT_FILTER_OP)
            item = dict(item)
            found = _value(taken[0]) if taken else None
            if found:
                item["op"] = found[1]
            if companion:
                item["_op"] = companion
            else:
                del item["_op"]
        filters.append(item)
    return {**include, "filter": filters}


def _contains(item: Any) -> Any:
    if not isinstance(item, Mapping):
        return item
    out = dict(item)
    properties = []
    for ext in _take(out, EXT_CONTAINS_PROPERTY):
        prop: dict[str, Any] = {}
        code = _sub(ext, "code")
        if code:
            prop["code"] = code[1]
        value = _sub(ext, "value") or _sub(ext, "value[x]")
        if value:
            prop["value" + value[0]] = value[1]
        properties.append(prop)
    if properties:
        out["property"] = [*out.get("property", ()), *properties]
    children = out.get("contains")
    if isinstance(children, list):
        out["contains"] = [_contains(c) for c in children]
    return out


def _concept_map(out: dict[str, Any]) -> None:
    for r4, r5 in (("source", "sourceScope"), ("target", "targetScope")):
        for kind in ("Uri", "Canonical"):
            _rename(out, r4 + kind, r5 + kind)
    groups = out.get("group")
    if isinstance(groups, list):
        out["group"] = [_group(g) for g in groups]


def _group(group: Any) -> Any:
    if not isinstance(group, Mapping):
        return group
    out = dict(group)
    for side in ("source", "target"):  # R5: one canonical, url|version
        version = out.pop(side + "Version", None)
        if isinstance(version, str) and isinstance(out.get(side), str):
            out[side] = f"{out[side]}|{version}"
    elements = out.get("element")
    if isinstance(elements, list):
        out["element"] = [_element(e) for e in elements]
    unmapped = out.get("unmapped")
    if isinstance(unmapped, Mapping) and "url" in unmapped:
        unmapped = dict(unmapped)
        _rename(unmapped, "url", "otherMap")
        out["unmapped"] = unmapped
    return out


def _element(element: Any) -> Any:
    if not isinstance(element, Mapping) or not isinstance(element.get("target"), list):
        return element
    out = dict(element)
    targets = []
    no_map = False
    for target in out["target"]:
        if not isinstance(target, Mapping):
            targets.append(target)
            continue
        target = dict(target)
        equivalence = target.get("equivalence")
        target.pop("_equivalence", None)
        if equivalence in ("unmatched", "disjoint") and "code" not in target:
            no_map = True
            continue
        if equivalence is not None and "relationship" not in target:
            relationship = R4_TO_R5.get(equivalence, "related-to")
            _place(target, "equivalence", "relationship", relationship)
        target.pop("equivalence", None)
        for key in ("dependsOn", "product"):
            if isinstance(target.get(key), list):
                target[key] = [_dependency(d) for d in target[key]]
        targets.append(target)
    if targets:
        out["target"] = targets
    else:
        del out["target"]
    if no_map:
        out["noMap"] = True
    return out


def _dependency(dependency: Any) -> Any:
    """R4 ``property`` (uri), ``system``, ``value`` (string), ``display`` → R5 ``attribute``
    and ``valueCoding`` (``valueString`` when there is no system)."""
    if not isinstance(dependency, Mapping) or "property" not in dependency:
        return dependency
    out = {
        k: v for k, v in dependency.items() if k not in ("property", "system", "value", "display")
    }
    out["attribute"] = dependency["property"]
    value = dependency.get("value")
    if dependency.get("system"):
        coding = {"system": dependency["system"], "code": value}
        if dependency.get("display"):
            coding["display"] = dependency["display"]
        out["valueCoding"] = coding
    elif value is not None:
        out["valueString"] = value
    return out


def _tc_code_system(system: Any) -> Any:
    if not isinstance(system, Mapping):
        return system
    out = dict(system)
    for ext in _take(out, EXT_TC_CONTENT):
        found = _value(ext)
        if found:
            out["content"] = found[1]
    return out
