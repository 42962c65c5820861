"""Operation results as FHIR R4 ``Parameters`` and ``Bundle`` dicts: plain dicts, fast to encode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from terminology.codec.outcome import issue, operation_outcome
from terminology.codec.summary import ConceptCountMemo, apply_summary, search_entry
from terminology.memo import IdentityMemo
from terminology.messages import msg
from terminology.model import Coding, Designation, Issue
from terminology.operations.concept_map_index import inverse_equivalence, inverse_relationship
from terminology.operations.expand_model import ExpandResult, ExpansionItem
from terminology.operations.lookup import LookupResult, OutProperty
from terminology.operations.search import SearchRequest, SearchResult
from terminology.operations.subsumes import SubsumesResult
from terminology.operations.translate_model import MapDependency, TranslateMatch, TranslateResult
from terminology.operations.validate_code_model import ValidateCodeResult

_VALUE_KEY = {
    "code": "valueCode",
    "Coding": "valueCoding",
    "string": "valueString",
    "integer": "valueInteger",
    "boolean": "valueBoolean",
    "dateTime": "valueDateTime",
    "decimal": "valueDecimal",
}


def coding_dict(coding: Coding) -> dict[str, str]:
    out = {
        "system": coding.system,
        "version": coding.version,
        "code": coding.code,
        "display": coding.display,
    }
    return {k: v for k, v in out.items() if v is not None}


def _typed(value: object, kind: str) -> tuple[str, object]:
    if isinstance(value, Coding):
        return "valueCoding", coding_dict(value)
    return _VALUE_KEY.get(kind, "valueString"), value


def _designation(d: Designation) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if d.language:
        parts.append({"name": "language", "valueCode": d.language})
    if d.use:
        parts.append({"name": "use", "valueCoding": coding_dict(d.use)})
    if d.source:
        parts.append({"name": "source", "valueCanonical": d.source})
    parts.append({"name": "value", "valueString": d.value})
    return {"name": "designation", "part": parts}


def _property(p: OutProperty) -> dict[str, Any]:
    key, value = _typed(p.value, p.type)
    parts: list[dict[str, Any]] = [
        {"name": "code", "valueCode": p.code},
        {"name": "value", key: value},
    ]
    if p.description:
        parts.append({"name": "description", "valueString": p.description})
    return {"name": "property", "part": parts}


#: Rendered look-ups, by the identity of their (cached, immutable) result.
LookupMemo = IdentityMemo[LookupResult, dict[str, Any]]


def lookup_parameters(result: LookupResult, memo: LookupMemo | None = None) -> dict[str, Any]:
    """The ``Parameters`` of a look-up; with the app's ``memo``, a result the operation cached
    is rendered once."""
    if memo is None:
        return _render_lookup(result)
    known = memo.get(result)
    if known is not None:
        return known
    rendered = _render_lookup(result)
    memo.put(result, rendered)
    return rendered


def _render_lookup(result: LookupResult) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": "name", "valueString": result.name},
        {"name": "system", "valueUri": result.system},
    ]
    if result.version:
        params.append({"name": "version", "valueString": result.version})
    params.append({"name": "code", "valueCode": result.code})
    if result.display:
        params.append({"name": "display", "valueString": result.display})
    if result.definition:
        params.append({"name": "definition", "valueString": result.definition})
    params.append({"name": "abstract", "valueBoolean": result.abstract})
    params += [_designation(d) for d in result.designations]
    params += [_property(p) for p in result.properties]
    params += [{"name": "used-supplement", "valueCanonical": u} for u in result.used_supplements]
    return {"resourceType": "Parameters", "parameter": params}


def subsumes_parameters(result: SubsumesResult) -> dict[str, Any]:
    """The ``Parameters`` of ``$subsumes``: ``outcome`` is its only output."""
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "outcome", "valueCode": result.outcome}],
    }


def searchset(
    request: SearchRequest,
    result: SearchResult,
    base_url: str,
    query: list[tuple[str, str]],
    concept_counts: ConceptCountMemo | None = None,
) -> dict[str, Any]:
    """A searchset Bundle with self/next/previous links that page with ``_offset``
    (``concept_counts``: the app's memo of code systems' sizes)."""
    rtype = request.resource_type
    kept = [(k, v) for k, v in query if k != "_offset"]

    def link(relation: str, offset: int) -> dict[str, str]:
        params = [*kept, ("_offset", str(offset))] if offset else kept
        suffix = f"?{urlencode(params)}" if params else ""
        return {"relation": relation, "url": f"{base_url}/{rtype}{suffix}"}

    links = [link("self", result.offset)]
    if request.summary != "count" and result.count:
        if result.offset + result.count < result.total:
            links.append(link("next", result.offset + result.count))
        if result.offset > 0:
            links.append(link("previous", max(0, result.offset - result.count)))
    entries = [
        {
            "fullUrl": f"{base_url}/{rtype}/{resource['id']}",
            "resource": search_entry(resource, request.summary, request.elements, concept_counts),
            "search": {"mode": "match"},
        }
        for resource in result.matches
    ]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": result.total,
        "link": links,
    }
    if entries:
        bundle["entry"] = entries
    return bundle


def read_body(
    resource: Mapping[str, Any], summary: str | None, elements: list[str] | None
) -> Mapping[str, Any]:
    return apply_summary(resource, summary, elements)


def issues_outcome(issues: list[Issue]) -> dict[str, Any]:
    return operation_outcome(
        [issue(i.severity, i.code, i.text, i.tx_type, i.expression, i.message_id) for i in issues]
    )


def validate_code_parameters(result: ValidateCodeResult) -> dict[str, Any]:
    params: list[dict[str, Any]] = [{"name": "result", "valueBoolean": result.result}]
    message = result.message
    if message:
        params.append({"name": "message", "valueString": message})
    if result.code:
        params.append({"name": "code", "valueCode": result.code})
    if result.system:
        params.append({"name": "system", "valueUri": result.system})
    if result.version:
        params.append({"name": "version", "valueString": result.version})
    if result.display:
        params.append({"name": "display", "valueString": result.display})
    if result.codeable_concept is not None:
        cc: dict[str, Any] = {"coding": [coding_dict(c) for c in result.codeable_concept]}
        if result.cc_text:
            cc["text"] = result.cc_text
        params.append({"name": "codeableConcept", "valueCodeableConcept": cc})
    if result.inactive is not None:
        params.append({"name": "inactive", "valueBoolean": result.inactive})
    if result.status:
        params.append({"name": "status", "valueCode": result.status})
    if result.normalized_code:
        params.append({"name": "normalized-code", "valueCode": result.normalized_code})
    for url in dict.fromkeys(result.caused_by_unknown_system):
        params.append({"name": "x-caused-by-unknown-system", "valueCanonical": url})
    for url in dict.fromkeys(result.unknown_systems):
        params.append({"name": "x-unknown-system", "valueCanonical": url})
    if result.issues:
        params.append({"name": "issues", "resource": issues_outcome(result.issues)})
    return {"resourceType": "Parameters", "parameter": params}


# -- $expand ------------------------------------------------------------------------------

#: R5 elements an R4 expansion carries as cross-version extensions (tx-ecosystem ``r4.md``).
EXT_EXPANSION_PROPERTY = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.property"
)
EXT_CONTAINS_PROPERTY = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property"
)
EXT_UNCLOSED = "http://hl7.org/fhir/StructureDefinition/valueset-unclosed"
EXT_UNCLOSED_REASON = "http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason"
EXT_TOO_COSTLY = "http://hl7.org/fhir/StructureDefinition/valueset-toocostly"
#: Definition elements an expansion copies from the value set it expands.
_COPIED = (
    "id",
    "language",
    "url",
    "version",
    "name",
    "title",
    "status",
    "experimental",
    "date",
    "publisher",
)
_ECHO_KEY = {
    "boolean": "valueBoolean",
    "integer": "valueInteger",
    "string": "valueString",
    "code": "valueCode",
    "uri": "valueUri",
}


def batch_validation_parameters(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer of ``$batch-validate-code``: one ``validation`` per validation asked, in
    order, each the ``Parameters`` of its ``$validate-code`` (or its OperationOutcome)."""
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "validation", "resource": answer} for answer in answers],
    }


def _expansion_designation(d: Designation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if d.extensions:
        out["extension"] = [dict(e) for e in d.extensions]
    if d.language:
        out["language"] = d.language
    if d.use:
        out["use"] = coding_dict(d.use)
    out["value"] = d.value
    return out


def _contains(item: ExpansionItem) -> dict[str, Any]:
    out: dict[str, Any] = {"system": item.system}
    if item.version:
        out["version"] = item.version
    if item.abstract:
        out["abstract"] = True
    if item.inactive:
        out["inactive"] = True
    out["code"] = item.code
    if item.display:
        out["display"] = item.display
    if item.designations:
        out["designation"] = [_expansion_designation(d) for d in item.designations]
    extensions = [dict(e) for e in item.extensions]
    for p in item.properties:
        key, value = _typed(p.value, p.type)
        extensions.append(
            {
                "url": EXT_CONTAINS_PROPERTY,
                "extension": [{"url": "code", "valueCode": p.code}, {"url": "value", key: value}],
            }
        )
    if extensions:
        out["extension"] = extensions
    if item.children:
        out["contains"] = [_contains(child) for child in item.children]
    return out


def expansion_value_set(result: ExpandResult) -> dict[str, Any]:
    """The expanded ValueSet (R4), returned bare as the operation's single ``return``."""
    source = result.value_set
    body: dict[str, Any] = {"resourceType": "ValueSet"}
    for key in _COPIED:
        if key in source:
            body[key] = source[key]
    if result.include_definition:
        # The definition as the server used it: its extensions (supplements, say) and compose.
        for key in ("extension", "compose"):
            if key in source:
                body[key] = source[key]
    expansion: dict[str, Any] = {}
    extensions: list[dict[str, Any]] = [
        {
            "url": EXT_EXPANSION_PROPERTY,
            "extension": [{"url": "code", "valueCode": code}, {"url": "uri", "valueUri": uri}],
        }
        for code, uri in result.property_uris.items()
    ]
    if result.fragments:
        systems = list(dict.fromkeys(c.split("|")[0] for c in result.fragments))
        reason = (
            msg("EXPANSION_FRAGMENT", system=systems[0])
            if len(systems) == 1
            else msg("EXPANSION_FRAGMENTS", systems=", ".join(systems))
        )
        extensions.append({"url": EXT_UNCLOSED, "valueBoolean": True})
        extensions.append({"url": EXT_UNCLOSED_REASON, "valueString": reason})
    if result.capped:
        extensions.append({"url": EXT_TOO_COSTLY, "valueBoolean": True})
    if extensions:
        expansion["extension"] = extensions
    expansion["identifier"] = result.identifier
    expansion["timestamp"] = result.timestamp
    if result.total is not None:
        expansion["total"] = result.total
    if result.offset is not None:
        expansion["offset"] = result.offset
    parameters = [{"name": p.name, _ECHO_KEY[p.kind]: p.value} for p in result.parameters]
    if parameters:
        expansion["parameter"] = parameters
    if result.items:
        expansion["contains"] = [_contains(item) for item in result.items]
    body["expansion"] = expansion
    return body


def translate_parameters(result: TranslateResult, r5_names: bool = False) -> dict[str, Any]:
    """The ``Parameters`` of a translation in R4's shape (``equivalence``, ``concept`` and the
    map as ``source``); for a client that spoke R5's names, also ``relationship``, with the map
    as ``originMap`` (R5 has no ``match.source`` uri)."""
    params: list[dict[str, Any]] = [{"name": "result", "valueBoolean": result.result}]
    if result.message:
        params.append({"name": "message", "valueString": result.message})
    for match in result.matches:
        parts = _r5_match(match) if r5_names else _r4_match(match)
        params.append({"name": "match", "part": parts})
    return {"resourceType": "Parameters", "parameter": params}


def _r4_match(match: TranslateMatch) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [
        {"name": "equivalence", "valueCode": match.equivalence},
        {"name": "concept", "valueCoding": coding_dict(match.concept)},
    ]
    parts += _dependencies(match, "element", "concept")
    if match.comment:
        parts.append({"name": "comment", "valueString": match.comment})
    if match.source:  # a map sent without a url has no canonical to name
        parts.append({"name": "source", "valueUri": match.source})
    return parts


def _r5_match(match: TranslateMatch) -> list[dict[str, Any]]:
    """R5's match. A reverse translation (``targetCode``) answers as tx.fhir.org does: the
    concept asked about as ``concept``, the concept that maps to it as ``source``, and the
    relationship as the map states it, from ``source`` to ``concept``."""
    if match.reverse:
        concept = match.matched
        equivalence = inverse_equivalence(match.equivalence)
        relationship = inverse_relationship(match.relationship)
    else:
        concept, equivalence, relationship = match.concept, match.equivalence, match.relationship
    parts: list[dict[str, Any]] = [
        {"name": "concept", "valueCoding": coding_dict(concept)},
        {"name": "equivalence", "valueCode": equivalence},
        {"name": "relationship", "valueCode": relationship},
    ]
    if match.reverse:
        parts.append({"name": "source", "valueCoding": coding_dict(match.concept)})
    parts += _dependencies(match, "attribute", "value")
    if match.comment:
        parts.append({"name": "comment", "valueString": match.comment})
    if match.source:
        parts.append({"name": "originMap", "valueCanonical": match.source})
    return parts


def _dependencies(match: TranslateMatch, element: str, value: str) -> list[dict[str, Any]]:
    """``dependsOn`` and ``product`` parts: the element (R4; R5: attribute) and its value."""
    out = []
    for part_name, items in (("dependsOn", match.depends_on), ("product", match.products)):
        for item in items:
            parts = [
                {"name": element, "valueUri": item.property},
                {"name": value, "valueCoding": _dependency_coding(item)},
            ]
            out.append({"name": part_name, "part": parts})
    return out


def _dependency_coding(item: MapDependency) -> dict[str, str]:
    return coding_dict(Coding(item.system, item.value, None, item.display))
