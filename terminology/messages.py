"""Every human-readable message the server sends, in one catalogue with placeholders.

Conformance suites compare many of these texts literally, so the wording is part of the
contract: change a text here, never inline at the call site.
"""

from __future__ import annotations

CATALOGUE: dict[str, str] = {
    # Look-ups
    "UNKNOWN_CODESYSTEM": "A definition for CodeSystem '{system}' could not be found, so the code cannot be validated",
    "UNKNOWN_CODESYSTEM_VERSION": "A definition for CodeSystem '{system}' version '{version}' could not be found, so the code cannot be validated. Valid versions: {valid}",
    "UNKNOWN_CODESYSTEM_FOR_DATE": "CodeSystem '{system}' has no version in force on {date}. Versions and the dates they cover: {valid}",
    "UNKNOWN_CODE_IN_VERSION": "Unknown code '{code}' in the CodeSystem '{system}' version '{version}'",
    "UNKNOWN_CODE": "Unknown code '{code}' in the CodeSystem '{system}'",
    "CODE_DELETED": "Code '{code}' was deleted from {name}: it is in versions up to {last} and not in version {version}",
    "CODE_DELETED_ON": "Code '{code}' was deleted from {name} after {end} (last in force in version {last}); it is not in version {version}",
    "CODE_NOT_YET": "Code '{code}' is not yet in {name} version {version}: it is in force from {start} (version {first})",
    "CODE_REPLACED_BY": "Replaced by: {replacements}",
    "REPLACEMENT_UNVERIFIED": "{code} (unverified: {note})",
    # CPT expressions
    "CPT_EXPR_EMPTY_MODIFIER": "The CPT expression '{code}' has an empty modifier: base code and modifiers are joined by single ':' characters, as in 71250:26",
    "CPT_EXPR_BAD_SEPARATOR": "The CPT expression '{code}' uses '{separator}' as a separator; CPT expressions join the base code and modifiers with ':' (for example 71250:26)",
    "CPT_EXPR_UNKNOWN_BASE": "The base code '{base}' of the CPT expression '{code}' is not a known CPT code",
    "CPT_EXPR_BASE_IS_MODIFIER": "The CPT expression '{code}' starts with the modifier '{base}'; it must start with a base code",
    "CPT_EXPR_NOT_A_MODIFIER": "'{modifier}' in the CPT expression '{code}' is a CPT code, not a modifier",
    "CPT_EXPR_UNKNOWN_MODIFIER": "'{modifier}' in the CPT expression '{code}' is not a known CPT modifier",
    "CPT_EXPR_LEVEL2_MODIFIER": "'{modifier}' in the CPT expression '{code}' is not a CPT modifier: HCPCS Level II modifiers such as TC are not part of CPT expressions; send it in Claim.item.modifier with the system http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "CPT_EXPR_REPEATED_MODIFIER": "The CPT expression '{code}' repeats the modifier '{modifier}'",
    "CPT_EXPR_EXCLUSIVE_MODIFIERS": "The CPT expression '{code}' combines the modifiers {modifiers}, which are not used together",
    "CPT_EXPR_DISPLAY": "{base_display}, with modifier {modifiers}",
    # Requests
    "LOOKUP_NO_CODE": "Unable to find code to lookup: provide code and system, or coding",
    "LOOKUP_NO_SYSTEM": "No system was given for the code '{code}': provide system, or coding.system",
    "LOOKUP_CONFLICT": "The parameters {first} and {second} disagree ('{a}' vs '{b}')",
    "LOOKUP_BOTH_FORMS": "Provide either code (with system) or coding, not both",
    "BAD_DATE": "The value '{value}' of the parameter '{name}' is not a valid date",
    "BAD_BOOLEAN": "The value '{value}' of the parameter '{name}' is not a boolean (true or false)",
    "BAD_INTEGER": "The value '{value}' of the parameter '{name}' is not a non-negative integer",
    "BAD_PARAMETER_TYPE": "The parameter '{name}' must be a {expected}",
    "UNKNOWN_RESOURCE": "{type}/{id} is not known",
    "VERSION_AND_DATE": "Provide either version or date, not both, unless they agree: version {version} does not cover {date}",
    # HTTP
    "NOT_ACCEPTABLE": "This server answers in FHIR JSON only (application/fhir+json or application/json; XML is planned); the request asked for '{asked}'",
    "NOT_ACCEPTABLE_VERSION": "This server speaks FHIR 4.0 (R4); the request asked for fhirVersion={asked}",
    "UNSUPPORTED_MEDIA_TYPE": "The request body is '{media}'; send application/fhir+json, application/json or application/x-www-form-urlencoded",
    "BODY_TOO_LARGE": "The request body is larger than the limit of {limit} bytes",
    "MALFORMED_JSON": "The request body is not valid JSON: {reason}",
    "WRONG_RESOURCE_TYPE": "The request body must be a {expected} resource, not {actual}",
    "MALFORMED_PARAMETERS": "The Parameters resource is malformed: {reason}",
    "UNKNOWN_ROUTE": "There is no FHIR endpoint at {path}",
    "METHOD_NOT_ALLOWED": "{method} is not allowed on {path}; allowed: {allowed}",
    "INTERNAL_ERROR": "The server could not process the request because of an internal error; it has been logged",
    "BAD_SEARCH_PARAMETER": "The search parameter '{name}' has an invalid value '{value}': {reason}",
}


def msg(message_id: str, **values: object) -> str:
    """The catalogue text ``message_id`` with its placeholders filled."""
    return CATALOGUE[message_id].format(**values)
