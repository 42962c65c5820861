"""``ValueSet/$validate-code`` and ``CodeSystem/$validate-code``.

http://hl7.org/fhir/R4/valueset-operation-validate-code.html with the HL7 terminology
ecosystem's contract: a question understood and answered "no" is ``result = false`` with
issues (HTTP 200); only a request that cannot be evaluated raises ``TerminologyError``.
CodeSystem/$validate-code is answered as membership of a value set holding the whole code system.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from terminology.model import Issue
from terminology.operations.context import Services
from terminology.operations.paths import add_to_path, coding_path
from terminology.operations.scope import build_scope
from terminology.operations.validate_code_model import (
    CanonicalRef,
    ValidateCodeRequest,
    ValidateCodeResult,
)
from terminology.operations.verdict import Verdict


def validate_in_value_set(request: ValidateCodeRequest, services: Services) -> ValidateCodeResult:
    assert request.value_set is not None
    # An inline value set is visible to its own imports, so one that imports itself is
    # reported as circular rather than as an unknown value set.
    inline = (request.value_set.resource,) if request.value_set.resource is not None else ()
    scope = build_scope(services, (*request.tx_resources, *inline))
    value_set = scope.target_value_set(request.value_set, request.default_valueset_versions)
    return Verdict(request, scope, value_set, internal=False).run()


def validate_in_code_system(request: ValidateCodeRequest, services: Services) -> ValidateCodeResult:
    """CodeSystem/$validate-code: is the code defined by the code system (on the date)?"""
    ref = request.code_system or CanonicalRef()
    extra = (ref.resource,) if ref.resource is not None else ()
    scope = build_scope(services, (*request.tx_resources, *extra))
    system = ref.url or next((c.system for c in request.codings if c.system), None)
    provider = scope.registry.resolve(system) if system else None
    if provider is not None:
        # Another spelling of a known system (HCPCS with https) means the system itself.
        system = provider.system
    include: dict[str, Any] = {"system": system} if system else {}
    if ref.version:
        include["version"] = ref.version
    reason = scope.not_a_code_system(system) if system and provider is None else None
    if reason is not None:
        path = add_to_path(coding_path(request.form, 0), "system")
        issue = Issue("error", "invalid", reason, "invalid-data", path)
        code = request.codings[0].code if request.codings else None
        return ValidateCodeResult(False, [issue], system=system, code=code, message=reason)
    # The same (system, version) always makes the same definition: keep one, so its compose
    # plan is read once rather than on every request.
    key = ("whole-code-system", system, ref.version)
    value_set: Mapping[str, Any] = services.derived_value(
        key, lambda: {"url": f"{system}/vs" if system else "", "compose": {"include": [include]}}
    )
    return Verdict(request, scope, value_set, internal=True).run()
