"""Every human-readable message the server sends, in one catalogue with placeholders.

Conformance suites compare many of these texts literally, so the wording is part of the
contract: change a text here, never inline at the call site.

Each entry is ``(message id, text)``. The message id travels with the text: ``msg`` returns a
``Message``, a ``str`` that remembers it, and the edge writes it into every OperationOutcome
issue as the ``operationoutcome-message-id`` extension, which the HL7 validator and the
terminology-ecosystem tests read. Where tx.fhir.org says the same thing, the id is its id (the
keys of the HL7 Java validator's ``Messages.properties``, as tx.fhir.org and FHIRsmith emit
them; the plural ``_one``/``_other`` suffix is part of the id where they send it). Texts with no
HL7 equivalent (dates of service, code syntax, CPT expressions, our HTTP edge, ...) get an id of
our own, ``ours(key)``: the catalogue key prefixed with ``chest-imaging:``, so a reader can never
mistake it for one of HL7's.
"""

from __future__ import annotations

#: Prefix of the message ids that are ours, not HL7's.
OWN_ID_PREFIX = "chest-imaging:"


def ours(key: str) -> str:
    """The message id of a text of our own that has no HL7 equivalent."""
    return OWN_ID_PREFIX + key


# One entry a line, so a text can be searched for as a whole. ``ours(KEY)`` marks a message of
# our own with no HL7 equivalent; every other id is one tx.fhir.org sends for the same message.
# fmt: off
CATALOGUE: dict[str, tuple[str, str]] = {
    # Look-ups
    "UNKNOWN_CODESYSTEM_FOR_DATE": (ours("UNKNOWN_CODESYSTEM_FOR_DATE"), "CodeSystem '{system}' has no version in force on {date}. Versions and the dates they cover: {valid}"),
    "VERSION_BEYOND_NEWEST": (ours("VERSION_BEYOND_NEWEST"), "No version of CodeSystem '{system}' in force on {date} is loaded: the newest loaded version, {version}, ends on {end}. The code was checked against {version}; the code set in force on {date} may differ"),
    "NO_VERSION_ON_DATE": (ours("NO_VERSION_ON_DATE"), "CodeSystem '{system}' is known, but no version of it in force on {date} is loaded, so the code cannot be validated for that date. Versions loaded and the dates they cover: {valid}"),
    "CODE_DELETED_ON": (ours("CODE_DELETED_ON"), "Code '{code}' is not in version {version} of {system}: it was deleted after {end} (last in force in version {last})"),
    "CODE_NOT_YET": (ours("CODE_NOT_YET"), "Code '{code}' is not in version {version} of {system}: it is in force from {start} (version {first})"),
    "CODE_IN_OTHER_VERSIONS": ("Unknown_Code_in_Version", "Unknown code '{code}' in the CodeSystem '{system}' version '{version}'; the code is defined in version {versions}"),
    "CODE_REPLACED_BY": (ours("CODE_REPLACED_BY"), "Replaced by: {replacements}"),
    "CODE_REPLACED_IN": (ours("CODE_REPLACED_IN"), "(in {system})"),
    "REPLACEMENT_UNVERIFIED": (ours("REPLACEMENT_UNVERIFIED"), "{code} (unverified: {note})"),
    # $validate-code (texts pinned by the HL7 terminology-ecosystem tests)
    "VS_NOT_FOUND": ("Unable_to_resolve_value_Set_", "A definition for the value Set '{url}' could not be found"),
    "CS_UNKNOWN_QUOTED": ("UNKNOWN_CODESYSTEM", "A definition for CodeSystem '{system}' could not be found, so the code cannot be validated"),
    "CS_UNKNOWN_BARE": ("UNKNOWN_CODESYSTEM", "A definition for CodeSystem {system} could not be found, so the code cannot be validated"),
    "CS_VERSION_UNKNOWN": ("UNKNOWN_CODESYSTEM_VERSION", "A definition for CodeSystem '{system}' version '{version}' could not be found, so the code cannot be validated. Valid versions: {valid}"),
    "CS_VERSION_UNKNOWN_NONE": ("UNKNOWN_CODESYSTEM_VERSION_NONE", "A definition for CodeSystem '{system}' version '{version}' could not be found, so the code cannot be validated. No versions of this code system are known"),
    "NOT_IN_VS_ONE": ("None_of_the_provided_codes_are_in_the_value_set_one", "The provided code {codes} was not found in the value set '{vs}'"),
    # The validator's key for an unknown system's coding left unchecked (no suite case pins it).
    "UNKNOWN_SYSTEM_NOT_CHECKED": ("UNKNOWN_CODESYSTEM_CODING_NOT_CHECKED", "A definition for the code system '{system}' could not be found, so this coding was not checked. The CodeableConcept is still valid: another coding is in the value set"),
    "NO_VALID_CODING": ("TX_GENERAL_CC_ERROR_MESSAGE", "No valid coding was found for the value set '{vs}'"),
    "UNKNOWN_CODE_VERSION": ("Unknown_Code_in_Version", "Unknown code '{code}' in the CodeSystem '{system}' version '{version}'"),
    "UNKNOWN_CODE_NO_VERSION": ("Unknown_Code_in", "Unknown code '{code}' in the CodeSystem '{system}'"),
    "UNKNOWN_CODE_FRAGMENT": ("UNKNOWN_CODE_IN_FRAGMENT", "Unknown Code '{code}' in the CodeSystem '{system}' version '{version}' - note that the code system is labeled as a fragment, so the code may be valid in some other fragment"),
    # Code syntax: a code that cannot exist in its terminology (checked before the fragment rule)
    "CODE_MALFORMED": (ours("CODE_MALFORMED"), "The code '{code}' is not a valid {terminology} code: {reason}"),
    "SCT_NOT_DIGITS": (ours("SCT_NOT_DIGITS"), "an SCTID has only the digits 0-9"),
    "SCT_LENGTH": (ours("SCT_LENGTH"), "an SCTID has 6 to 18 digits, this one has {length}"),
    "SCT_LEADING_ZERO": (ours("SCT_LEADING_ZERO"), "an SCTID never starts with 0"),
    "SCT_PARTITION_NOT_CONCEPT": (ours("SCT_PARTITION_NOT_CONCEPT"), "its partition identifier {partition} (the two digits before the check digit) identifies {kind}, not a concept (concept partitions are 00 and 10)"),
    "SCT_PARTITION_UNKNOWN": (ours("SCT_PARTITION_UNKNOWN"), "its partition identifier {partition} (the two digits before the check digit) is not a SNOMED CT partition (concept partitions are 00 and 10)"),
    "SCT_CHECK_DIGIT": (ours("SCT_CHECK_DIGIT"), "its check digit {digit} fails the Verhoeff check, so the identifier is mistyped or truncated"),
    "LOINC_FORM": (ours("LOINC_FORM"), "a LOINC code is one to six digits, a hyphen and a check digit (806-0, 29252-4); part and answer codes start with LP or LA (LP29684-5, LA33-6)"),
    "LOINC_CHECK_DIGIT": (ours("LOINC_CHECK_DIGIT"), "its check digit should be {expected} by LOINC's mod 10 algorithm, not {given}, so the code is mistyped"),
    "CPT_FORM": (ours("CPT_FORM"), "a CPT code is four digits followed by a digit (Category I), M (multianalyte assay), F (Category II), T (Category III) or U (proprietary laboratory analysis), as in 71250 or 0174T; a CPT modifier is a digit and a digit or letter, as in 26 or 1P; modifiers follow a base code after ':', as in 71250:26"),
    "HCPCS_FORM": (ours("HCPCS_FORM"), "a HCPCS Level II code is a letter from A to V followed by four digits, as in G0296; a HCPCS Level II modifier is two letters or digits, as in TC"),
    "BATCH_TYPE": (ours("BATCH_TYPE"), "A Bundle POSTed to the base must be a batch (of operation requests); this one is a '{type}'. To validate a Bundle of orders or claims, POST it to Bundle/$validate"),
    "BATCH_ENTRIES": (ours("BATCH_ENTRIES"), "Bundle.entry must be a list of entries"),
    "BATCH_TOO_LARGE": (ours("BATCH_TOO_LARGE"), "The batch holds {count} entries; at most {limit} are answered in one batch"),
    "BATCH_ENTRY_REQUEST": (ours("BATCH_ENTRY_REQUEST"), "A batch entry needs request.method (GET or POST) and request.url, and a POST needs the resource to send"),
    "BATCH_ENTRY_URL": (ours("BATCH_ENTRY_URL"), "A batch entry's request.url must be relative to the base, as in 'Claim/$validate' or 'CodeSystem/$lookup?system=...'; '{url}' is not"),
    "BATCH_NESTED": (ours("BATCH_NESTED"), "A batch entry cannot be another batch"),
    # $batch-validate-code
    "BATCH_VALIDATE_EMPTY": (ours("BATCH_VALIDATE_EMPTY"), "A $batch-validate-code request is a Parameters resource with one or more validation parameters, each a Parameters resource holding one $validate-code request; this one has none"),
    "BATCH_VALIDATE_ENTRY": (ours("BATCH_VALIDATE_ENTRY"), "Each validation parameter must be a Parameters resource holding one $validate-code request; validation[{index}] is {what}"),
    "BATCH_VALIDATE_TOO_LARGE": (ours("BATCH_VALIDATE_TOO_LARGE"), "The batch holds {count} validations; at most {limit} are answered in one $batch-validate-code request"),
    "BATCH_ENTRY_FAILED": (ours("BATCH_ENTRY_FAILED"), "Alone, this validation is answered HTTP {status} (message id {message_id})"),
    "VALIDATE_NOT_A_RESOURCE": (ours("VALIDATE_NOT_A_RESOURCE"), "The body is not a {type} resource (nor a Parameters with one as its resource parameter)"),
    "VALIDATE_MODE": (ours("VALIDATE_MODE"), "The $validate mode '{mode}' is not one of create, update, delete, profile"),
    # Delegation to upstream terminology servers (TERMINOLOGY_UPSTREAMS)
    "UPSTREAM_ANSWERED": (ours("UPSTREAM_ANSWERED"), "Answered by the terminology server {upstream}: this server does not hold CodeSystem '{system}' and delegates it there"),
    "UPSTREAM_UNAVAILABLE": (ours("UPSTREAM_UNAVAILABLE"), "CodeSystem '{system}' is not held here and the terminology server {upstream} that answers for it is unavailable ({reason}); try again in {seconds} s"),
    "UPSTREAM_NOT_VALIDATED": (ours("UPSTREAM_NOT_VALIDATED"), "CodeSystem '{system}' is not held here and the terminology server {upstream} that answers for it is unavailable ({reason}), so the code '{code}' could not be validated; try again in {seconds} s"),
    "VALIDATE_PROFILE": (ours("VALIDATE_PROFILE"), "This server does not validate against the profile '{profile}'; it validates against {known}"),
    "ICD10CM_FORM": (ours("ICD10CM_FORM"), "an ICD-10-CM code is a capital letter and two capital letters or digits (a digit second, except in categories such as QA0 that FY2026 added), then optionally a dot and one to four capital letters or digits, as in J18.9, S22.31XA or QA0.0; a chapter or block is two such codes joined by a hyphen, as in J09-J18"),
    "CODE_NOT_IN_COMPLETE_RANGE": (ours("CODE_NOT_IN_COMPLETE_RANGE"), "Code '{code}' does not exist in version {version} of {system}: this version holds every code of the {range} ({start} to {end}), and '{code}' is not one of them"),
    "NO_SYSTEM": ("Coding_has_no_system__cannot_validate", "Coding has no system. A code with no system has no defined meaning, and it cannot be validated. A system should be provided"),
    "LOCAL_SYSTEM": ("Terminology_TX_System_Relative", "Coding.system must be an absolute reference, not a local reference"),
    "SYSTEM_IS_VALUESET": ("Terminology_TX_System_ValueSet2", "The Coding references a value set, not a code system ('{system}')"),
    "SYSTEM_IS_SUPPLEMENT": ("CODESYSTEM_CS_NO_SUPPLEMENT", "CodeSystem {system} is a supplement, so can't be used as a value in Coding.system"),
    "CANNOT_INFER": ("Unable_to_resolve_system__value_set_has_multiple_matches", "The System URI could not be determined for the code '{code}' in the ValueSet '{vs}': value set expansion has multiple matches: [{systems}]"),
    "CANNOT_INFER_NONE": ("UNABLE_TO_INFER_CODESYSTEM", "The System URI could not be determined for the code '{code}' in the ValueSet '{vs}'"),
    "CODE_CASE_DIFFERENCE": ("CODE_CASE_DIFFERENCE", "The code '{code}' differs from the correct code '{correct}' by case. Although the code system '{system}' is case insensitive, implementers are strongly encouraged to use the correct case anyway"),
    # Status of a resource a validation relied on (tx.fhir.org's texts and ids).
    "STATUS_DRAFT": ("MSG_DRAFT", "Reference to draft {kind} {url}"),
    "STATUS_EXPERIMENTAL": ("MSG_EXPERIMENTAL", "Reference to experimental {kind} {url}"),
    "STATUS_RETIRED": ("MSG_RETIRED", "Reference to retired {kind} {url}"),
    "STATUS_DEPRECATED": ("MSG_DEPRECATED", "Reference to deprecated {kind} {url}"),
    "STATUS_WITHDRAWN": ("MSG_WITHDRAWN", "Reference to withdrawn {kind} {url}"),
    "INACTIVE_CONCEPT": ("INACTIVE_CONCEPT_FOUND", "The concept '{code}' has a status of {status} and its use should be reviewed"),
    "DEPRECATED_CONCEPT": ("DEPRECATED_CONCEPT_FOUND", "The concept '{code}' is deprecated and its use should be reviewed"),
    "NOT_ACTIVE": ("STATUS_CODE_WARNING_CODE", "The concept '{code}' is valid but is not active"),
    "ABSTRACT_CODE": ("ABSTRACT_CODE_NOT_ALLOWED", "Code '{system}#{code}' is abstract, and not allowed in this context"),
    "CONCEPT_DEPRECATED_IN_VS": ("CONCEPT_DEPRECATED_IN_VALUESET", "The presence of the concept '{code}' in the system '{system}' in the value set {vs} is marked with a status of {status} and its use should be reviewed"),
    "FILTER_NOT_UNDERSTOOD": ("FILTER_NOT_UNDERSTOOD", 'The filter "{property} {op} {value}" is not understood or supported'),
    "INACTIVE_CONCEPT_STATUS": ("INACTIVE_CONCEPT_FOUND", "The concept '{code}' has a status of {status} and inactive and its use should be reviewed"),
    "INACTIVE_DISPLAY": ("INACTIVE_DISPLAY_FOUND", "'{display}' is no longer considered a correct display for code '{code}' (status = {status}). The correct display is one of {valid}."),
    "WRONG_DISPLAY": ("Display_Name_for__should_be_one_of__instead_of", "Wrong Display Name '{display}' for {system}#{code}. Valid display is {valid} (for the language(s) '{languages}')"),
    "WRONG_DISPLAY_CHOICES": ("Display_Name_for__should_be_one_of__instead_of", "Wrong Display Name '{display}' for {system}#{code}. Valid display is one of {count} choices: {valid} (for the language(s) '{languages}')"),
    "WRONG_DISPLAY_NO_LANGUAGE": ("NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR", "Wrong Display Name '{display}' for {system}#{code}. There are no valid display names found for language(s) '{languages}'. Default display is '{default}'"),
    "DISPLAY_DEFAULT_LANGUAGE_ONLY": ("NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK", "There are no valid display names found for the code {system}#{code} for language(s) '{languages}'. The display is '{display}' which is a valid display for the default language"),
    "WRONG_DISPLAY_WS": ("Display_Name_WS_for__should_be_one_of__instead_of", "Wrong whitespace in Display Name '{display}' for {system}#{code}. Valid display is {valid} (for the language(s) '{languages}')"),
    "WRONG_DISPLAY_WS_CHOICES": ("Display_Name_WS_for__should_be_one_of__instead_of", "Wrong whitespace in Display Name '{display}' for {system}#{code}. Valid display is one of {count} choices: {valid} (for the language(s) '{languages}')"),
    "DISPLAY_NOT_OFFICIAL": (ours("DISPLAY_NOT_OFFICIAL"), "The display '{display}' for {system}#{code} differs from this server's description '{ours}'; the server holds its own descriptions, not the official ones (official descriptors are not loaded), so the display was not checked"),
    # The id the suite expects for this text (language2/validation-wrong-de-en-bad).
    "INVALID_DISPLAY_LANGUAGE": ("INVALID_DISPLAY_NAME", "Invalid displayLanguage: '{value}'"),
    "VS_INCLUDE_VERSION_MISMATCH": ("VALUESET_VALUE_MISMATCH", "The code system '{system}' version '{pinned}' in the ValueSet include is different to the one in the value ('{given}')"),
    "VS_INCLUDE_WILDCARD_MISMATCH": ("VALUESET_VALUE_MISMATCH_CHANGED", "The code system '{system}' version '{resolved}' resulting from the version '{pattern}' in the ValueSet include is different to the one in the value ('{given}')"),
    "VS_VERSIONLESS_MISMATCH": ("VALUESET_VALUE_MISMATCH_DEFAULT", "The code system '{system}' version '{resolved}' for the versionless include in the ValueSet include is different to the one in the value ('{given}')"),
    "VERSION_CHECK_FAILED": ("VALUESET_VERSION_CHECK", "The version '{version}' is not allowed for system '{system}': required to be '{required}' by a version-check parameter"),
    "SUPPLEMENT_NOT_FOUND": ("VALUESET_SUPPLEMENT_MISSING", "Required supplement not found: {url}"),
    "SUPPLEMENTS_NOT_FOUND": ("VALUESET_SUPPLEMENT_MISSING", "Required supplements not found: {url}"),
    "FILTER_NO_VALUE": ("UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE", "The system {system} filter with property = {property}, op = {op} has no value"),
    "VS_CIRCULAR": ("VALUESET_CIRCULAR_REFERENCE", "Found a circularity pointing to {url} processing ValueSet with pathway {path}"),
    # tx.fhir.org sends this text with no message id, so the id is ours.
    # tx.fhir.org's text word for word (its parenthesis is never closed; the HL7 batch case pins
    # it); it sends no message id for it.
    "VALIDATE_NO_CODE": (ours("VALIDATE_NO_CODE"), "Unable to find code to validate (looked for coding | codeableConcept | code+system | code+inferSystem in parameters"),
    "VALIDATE_NO_VALUE_SET": (ours("VALIDATE_NO_VALUE_SET"), "No value set was given: provide url, valueSet or call ValueSet/[id]/$validate-code"),
    "VALIDATE_SEVERAL_FORMS": (ours("VALIDATE_SEVERAL_FORMS"), "Provide only one of code, coding and codeableConcept"),
    # $expand (texts pinned by the HL7 terminology-ecosystem tests where they name a version)
    "UNKNOWN_CODESYSTEM_EXP": ("UNKNOWN_CODESYSTEM_EXP", "A definition for CodeSystem '{system}' could not be found, so the value set cannot be expanded"),
    "UNKNOWN_CODESYSTEM_VERSION_EXP": ("UNKNOWN_CODESYSTEM_VERSION_EXP", "A definition for CodeSystem '{system}' version '{version}' could not be found, so the value set cannot be expanded. Valid versions: {valid}"),
    "UNKNOWN_CODESYSTEM_VERSION_EXP_NONE": ("UNKNOWN_CODESYSTEM_VERSION_EXP_NONE", "A definition for CodeSystem '{system}' version '{version}' could not be found, so the value set cannot be expanded. No versions of this code system are known"),
    "REGEX_MALFORMED": (ours("REGEX_MALFORMED"), "The regex filter value '{pattern}' is not a valid regular expression: {reason}"),
    "REGEX_UNSUPPORTED": (ours("REGEX_UNSUPPORTED"), "The regex filter value '{pattern}' cannot be evaluated: it uses a feature (a back-reference or look-around) that a linear-time regular-expression engine does not support ({reason})"),
    "REGEX_TOO_LONG": (ours("REGEX_TOO_LONG"), "The regex filter value '{pattern}' is {length} characters long; the limit is {limit}"),
    "REQUEST_TOO_COSTLY": (ours("REQUEST_TOO_COSTLY"), "The request needs more work than one request may take (a budget of {limit} steps): simplify the value set definition (fewer imports or filters), or ask about fewer codes"),
    "VALUESET_TOO_COSTLY": ("VALUESET_TOO_COSTLY", "The value set '{vs}' has {total} codes, more than the {limit} one answer may list: page through it with count and offset, or narrow it with filter"),
    # valueset-unclosed texts of an expansion, not issues: ours.
    "EXPANSION_FRAGMENT": (ours("EXPANSION_FRAGMENT"), "This extension is based on a fragment of the code system {system}"),
    "EXPANSION_FRAGMENTS": (ours("EXPANSION_FRAGMENTS"), "This expansion is based on fragments of the code systems {systems}"),
    "UNKNOWN_CODESYSTEM_FOR_DATE_EXP": (ours("UNKNOWN_CODESYSTEM_FOR_DATE_EXP"), "CodeSystem '{system}' has no version in force on {date}, so the value set cannot be expanded. Valid versions: {valid}"),
    "EXPAND_NO_VALUE_SET": (ours("EXPAND_NO_VALUE_SET"), "No value set was given: provide url, valueSet or call ValueSet/[id]/$expand"),
    # $translate (texts of our own: tx.fhir.org's have no message ids the suites pin)
    "TRANSLATE_NO_CODE": (ours("TRANSLATE_NO_CODE"), "Unable to find the code to translate: provide code and system (sourceCode and sourceSystem), coding (sourceCoding) or codeableConcept (sourceCodeableConcept), or for a reverse translation targetCode and targetSystem, targetCoding or targetCodeableConcept"),
    "TRANSLATE_NO_SYSTEM": (ours("TRANSLATE_NO_SYSTEM"), "No system was given for the code '{code}': provide {name}, or a coding with its system"),
    "TRANSLATE_SEVERAL_FORMS": (ours("TRANSLATE_SEVERAL_FORMS"), "Provide only one concept to translate; the request gives {names}"),
    "TRANSLATE_EMPTY_CC": (ours("TRANSLATE_EMPTY_CC"), "The CodeableConcept in '{name}' has no coding to translate"),
    "TRANSLATE_REVERSE_CONFLICT": (ours("TRANSLATE_REVERSE_CONFLICT"), "The parameter 'reverse' cannot be combined with targetCode, targetCoding or targetCodeableConcept, which already ask for a reverse translation"),
    "TRANSLATE_MAP_NOT_FOUND": (ours("TRANSLATE_MAP_NOT_FOUND"), "A definition for the ConceptMap '{url}' could not be found"),
    "TRANSLATE_OTHER_MAP_NOT_FOUND": (ours("TRANSLATE_OTHER_MAP_NOT_FOUND"), "The ConceptMap '{url}' named by group.unmapped of the ConceptMap '{map}' could not be found"),
    "TRANSLATE_OTHER_MAP_CIRCULAR": (ours("TRANSLATE_OTHER_MAP_CIRCULAR"), "The ConceptMaps named by group.unmapped form a circle (or too long a chain): {path}"),
    "TRANSLATE_NO_MAP": (ours("TRANSLATE_NO_MAP"), "No ConceptMap translates codes of the system of '{code}'{target}"),
    "TRANSLATE_NO_MAP_REVERSE": (ours("TRANSLATE_NO_MAP_REVERSE"), "No ConceptMap translates{target} into the system of '{code}'"),
    "TRANSLATE_NO_MATCH": (ours("TRANSLATE_NO_MATCH"), "The ConceptMap(s) {maps} have no translation of '{code}'{target}"),
    "TRANSLATE_NO_MATCH_REVERSE": (ours("TRANSLATE_NO_MATCH_REVERSE"), "No code is translated to '{code}'{target} by the ConceptMap(s) {maps}"),
    "TRANSLATE_ONLY_NEGATIVE": (ours("TRANSLATE_ONLY_NEGATIVE"), "'{code}' has no translation: the maps say it does not match {matches}"),
    "TRANSLATE_NOT_YET": (ours("TRANSLATE_NOT_YET"), "On {date} '{code}' has no replacement yet: the replacement applies from {start}, the start of version {version} of {system}"),
    "TRANSLATE_OUT_OF_SCOPE": (ours("TRANSLATE_OUT_OF_SCOPE"), "No ConceptMap translates '{code}' from the value set {source} to the value set {target}: the maps {maps} are for other value sets"),
    # CPT expressions
    "CPT_EXPR_EMPTY_MODIFIER": (ours("CPT_EXPR_EMPTY_MODIFIER"), "The CPT expression '{code}' has an empty modifier: base code and modifiers are joined by single ':' characters, as in 71250:26"),
    "CPT_EXPR_BAD_SEPARATOR": (ours("CPT_EXPR_BAD_SEPARATOR"), "The CPT expression '{code}' uses '{separator}' as a separator; CPT expressions join the base code and modifiers with ':' (for example 71250:26)"),
    "CPT_EXPR_UNKNOWN_BASE": (ours("CPT_EXPR_UNKNOWN_BASE"), "The base code '{base}' of the CPT expression '{code}' is not a known CPT code"),
    "CPT_EXPR_BASE_IS_MODIFIER": (ours("CPT_EXPR_BASE_IS_MODIFIER"), "The CPT expression '{code}' starts with the modifier '{base}'; it must start with a base code"),
    "CPT_EXPR_NOT_A_MODIFIER": (ours("CPT_EXPR_NOT_A_MODIFIER"), "'{modifier}' in the CPT expression '{code}' is a CPT code, not a modifier"),
    "CPT_EXPR_UNKNOWN_MODIFIER": (ours("CPT_EXPR_UNKNOWN_MODIFIER"), "'{modifier}' in the CPT expression '{code}' is not a known CPT modifier"),
    "CPT_EXPR_LEVEL2_MODIFIER": (ours("CPT_EXPR_LEVEL2_MODIFIER"), "'{modifier}' in the CPT expression '{code}' is not a CPT modifier: HCPCS Level II modifiers such as TC are not part of CPT expressions; send it in Claim.item.modifier with the system http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"),
    "CPT_EXPR_REPEATED_MODIFIER": (ours("CPT_EXPR_REPEATED_MODIFIER"), "The CPT expression '{code}' repeats the modifier '{modifier}'"),
    "CPT_EXPR_EXCLUSIVE_MODIFIERS": (ours("CPT_EXPR_EXCLUSIVE_MODIFIERS"), "The CPT expression '{code}' combines the modifiers {modifiers}, which are not used together"),
    "CPT_EXPR_DISPLAY": (ours("CPT_EXPR_DISPLAY"), "{base_display}, with modifier {modifiers}"),
    # Requests
    "LOOKUP_NO_CODE": (ours("LOOKUP_NO_CODE"), "Unable to find code to lookup: provide code and system, or coding"),
    "LOOKUP_NO_SYSTEM": (ours("LOOKUP_NO_SYSTEM"), "No system was given for the code '{code}': provide system, or coding.system"),
    "LOOKUP_CONFLICT": (ours("LOOKUP_CONFLICT"), "The parameters {first} and {second} disagree ('{a}' vs '{b}')"),
    "BAD_DATE": (ours("BAD_DATE"), "The value '{value}' of the parameter '{name}' is not a valid date"),
    "BAD_BOOLEAN": (ours("BAD_BOOLEAN"), "The value '{value}' of the parameter '{name}' is not a boolean (true or false)"),
    "BAD_INTEGER": (ours("BAD_INTEGER"), "The value '{value}' of the parameter '{name}' is not a non-negative integer"),
    "BAD_PARAMETER_TYPE": (ours("BAD_PARAMETER_TYPE"), "The parameter '{name}' must be a {expected}"),
    "UNKNOWN_RESOURCE": (ours("UNKNOWN_RESOURCE"), "{type}/{id} is not known"),
    "VERSION_AND_DATE": (ours("VERSION_AND_DATE"), "Provide either version or date, not both, unless they agree: version {version} does not cover {date}"),
    # $subsumes. The HL7 ids are those of the terminology-ecosystem tests and the HL7 Java
    # validator's subsumption tester; the texts are ours.
    "SUBSUMES_NO_CODE": (ours("SUBSUMES_NO_CODE"), "No code {side} was given: provide code{side} (with system), or coding{side}"),
    "SUBSUMES_TWO_FORMS": (ours("SUBSUMES_TWO_FORMS"), "Provide only one of code{side} and coding{side}"),
    "SUBSUMES_CODING_NO_CODE": ("SUBSUMPTION_NO_CODE", "The Coding {name} has no code"),
    "SUBSUMES_SYSTEM_REQUIRED": ("SUBSUMES_SYSTEM_REQUIRED", "No code system was given for {name}: provide system (or call $subsumes on a CodeSystem instance), or a Coding with a system"),
    "SUBSUMES_SYSTEMS_DIFFER": ("SUBSUMPTION_SYSTEM_MISMATCH", "codingA and codingB are from different code systems ('{a}' and '{b}'): subsumption is tested within one code system"),
    "SUBSUMES_SYSTEM_MISMATCH": (ours("SUBSUMES_SYSTEM_MISMATCH"), "The system of {name} ('{given}') is not the code system the subsumption is tested in ('{system}')"),
    "SUBSUMES_VERSIONS_DIFFER": ("SUBSUMPTION_VERSION_MISMATCH", "The versions given for {system} disagree ('{a}' in {first}, '{b}' in {second}): subsumption is tested in one version"),
    "SUBSUMES_NOT_IS_A": (ours("SUBSUMES_NOT_IS_A"), "The hierarchy of CodeSystem '{system}' version '{version}' is '{meaning}', not is-a, so it cannot say whether '{a}' and '{b}' subsume one another"),
    # HTTP
    "NOT_ACCEPTABLE": (ours("NOT_ACCEPTABLE"), "This server answers in FHIR JSON (application/fhir+json, application/json, _format=json) or FHIR XML (application/fhir+xml, application/xml, text/xml, _format=xml); the request asked for '{asked}'"),
    "NOT_ACCEPTABLE_VERSION": (ours("NOT_ACCEPTABLE_VERSION"), "This server speaks FHIR 4.0 (R4, the default) and 5.0 (R5, also at [base]/r5); the request asked for fhirVersion={asked}"),
    "R5_ENDPOINT_VERSION": (ours("R5_ENDPOINT_VERSION"), "This endpoint speaks FHIR 5.0 (R5); the request asked for fhirVersion={asked}, which is served without the /r5 in the path"),
    "UNSUPPORTED_MEDIA_TYPE": (ours("UNSUPPORTED_MEDIA_TYPE"), "The request body is '{media}'; send application/fhir+json, application/json, application/fhir+xml, application/xml or application/x-www-form-urlencoded"),
    "BODY_TOO_LARGE": (ours("BODY_TOO_LARGE"), "The request body is larger than the limit of {limit} bytes"),
    "BODY_INFLATES_TOO_LARGE": (ours("BODY_INFLATES_TOO_LARGE"), "The request body decompresses to more than the limit of {limit} bytes"),
    "BODY_NOT_GZIP": (ours("BODY_NOT_GZIP"), "The request body is marked Content-Encoding: gzip but is not valid gzip data ({reason})"),
    "UNSUPPORTED_CONTENT_ENCODING": (ours("UNSUPPORTED_CONTENT_ENCODING"), "The request body has Content-Encoding '{encoding}'; send it uncompressed or gzip-compressed"),
    "QUERY_TOO_LONG": (ours("QUERY_TOO_LONG"), "The query string is {size} bytes, over this server's limit of {limit} bytes; send the parameters in a POST body (a Parameters resource or a form) instead"),
    "HEADERS_TOO_LARGE": (ours("HEADERS_TOO_LARGE"), "The request headers are {size} bytes, over this server's limit of {limit} bytes"),
    "MALFORMED_JSON": (ours("MALFORMED_JSON"), "The request body is not valid JSON: {reason}"),
    "MALFORMED_XML": (ours("MALFORMED_XML"), "The request body is not well-formed XML: {reason}"),
    "XML_FORBIDDEN": (ours("XML_FORBIDDEN"), "The request body uses {what}, which FHIR XML does not allow and this server does not read (no DTDs, no entity declarations, no external references)"),
    "XML_NOT_FHIR": (ours("XML_NOT_FHIR"), "The request body is not FHIR XML: {reason}"),
    "XML_TOO_DEEP": (ours("XML_TOO_DEEP"), "The request body nests elements more than {limit} deep"),
    "WRONG_RESOURCE_TYPE": (ours("WRONG_RESOURCE_TYPE"), "The request body must be a {expected} resource, not {actual}"),
    "DUPLICATE_PARAMETER": (ours("DUPLICATE_PARAMETER"), "The parameter '{name}' may be given once, but it is given {count} times with different values"),
    "CS_HIERARCHY_CYCLE": (ours("CS_HIERARCHY_CYCLE"), "CodeSystem '{system}' version '{version}' is invalid: its hierarchy has a cycle ({cycle}), so no operation can say which codes are above or below which"),
    "CS_HIERARCHY_TOO_DEEP": (ours("CS_HIERARCHY_TOO_DEEP"), "CodeSystem '{system}' version '{version}' has a hierarchy more than {limit} levels deep, more than this server accepts"),
    "TX_RESOURCE_INVALID": (ours("TX_RESOURCE_INVALID"), "tx-resource CodeSystem {url}: {reason}"),
    "SUPPLEMENT_CIRCULAR": (ours("SUPPLEMENT_CIRCULAR"), "The supplement '{url}' can never apply: it supplements itself through {path}"),
    "MALFORMED_RESOURCE": (ours("MALFORMED_RESOURCE"), "The {type} in parameter '{parameter}' is malformed: {path} {reason}"),
    "NESTED_TOO_DEEP": (ours("NESTED_TOO_DEEP"), "is nested more than {limit} levels deep"),
    "MALFORMED_PARAMETERS": (ours("MALFORMED_PARAMETERS"), "The Parameters resource is malformed: {reason}"),
    "UNKNOWN_ROUTE": (ours("UNKNOWN_ROUTE"), "There is no FHIR endpoint at {path}"),
    "METHOD_NOT_ALLOWED": (ours("METHOD_NOT_ALLOWED"), "{method} is not allowed on {path}; allowed: {allowed}"),
    "HTTP_ERROR": (ours("HTTP_ERROR"), "{description}"),
    "INTERNAL_ERROR": (ours("INTERNAL_ERROR"), "The server could not process the request because of an internal error; it has been logged"),
    "BAD_SEARCH_PARAMETER": (ours("BAD_SEARCH_PARAMETER"), "The search parameter '{name}' has an invalid value '{value}': {reason}"),
    # Writes over REST (api/writes.py, api/auth.py)
    "WRITES_DISABLED": (ours("WRITES_DISABLED"), "{method} is not allowed on {path}: this server's content is read-only over REST (the operator enables writes by configuring a write token, TERMINOLOGY_WRITE_TOKEN or TERMINOLOGY_WRITE_TOKENS_FILE); allowed: {allowed}"),
    "AUTH_REQUIRED": (ours("AUTH_REQUIRED"), "This request needs a bearer token: send 'Authorization: Bearer <token>'"),
    "AUTH_INVALID_TOKEN": (ours("AUTH_INVALID_TOKEN"), "The bearer token is not one this server accepts for this request"),
    "AUTH_BASIC_REFUSED": (ours("AUTH_BASIC_REFUSED"), "Basic credentials are not accepted (they would send a password with every request); send 'Authorization: Bearer <token>'"),
    "WRITE_R5_REFUSED": (ours("WRITE_R5_REFUSED"), "Writes take FHIR R4 resources at the R4 base; this request is FHIR R5"),
    "WRITE_ID_MISMATCH": (ours("WRITE_ID_MISMATCH"), "The resource's id '{body}' is not the id in the URL, '{url}'"),
    "WRITE_ID_MISSING": (ours("WRITE_ID_MISSING"), "An update (PUT [type]/[id]) needs the resource's id in the body, the same as in the URL ('{url}')"),
    "WRITE_BAD_ID": (ours("WRITE_BAD_ID"), "'{id}' is not a valid FHIR id (1 to 64 of A-Z, a-z, 0-9, '-' and '.')"),
    "WRITE_NO_URL": (ours("WRITE_NO_URL"), "A {type} stored on this server needs a canonical url: it is found by its url (and version)"),
    "WRITE_STRUCTURE": (ours("WRITE_STRUCTURE"), "{text}"),
    "WRITE_READ_ONLY": (ours("WRITE_READ_ONLY"), "{type} {canonical} is {origin} content and read-only over REST; change it with 'terminology load' (or, for the built-in content, in the content directory)"),
    "WRITE_URL_READ_ONLY": (ours("WRITE_URL_READ_ONLY"), "The url {url} belongs to {origin} content (versions {versions}); a REST write may not add a version to it: use a url of your own, or 'terminology load'"),
    "WRITE_CANONICAL_TAKEN": (ours("WRITE_CANONICAL_TAKEN"), "{type} {canonical} is already stored as {type}/{id}; update that one (PUT {type}/{id}, or a conditional update by url and version)"),
    "WRITE_PRECONDITION_FAILED": (ours("WRITE_PRECONDITION_FAILED"), "If-Match '{asked}' does not match the current version of {type}/{id} ({current})"),
    "WRITE_SEVERAL_MATCHES": (ours("WRITE_SEVERAL_MATCHES"), "The conditional {what} matches {count} {type} resources ({ids}); it must match at most one"),
    "WRITE_BAD_CONDITION": (ours("WRITE_BAD_CONDITION"), "A conditional {what} takes the search parameters url and version (and nothing else); got '{query}'"),
    "WRITE_CONDITION_MISMATCH": (ours("WRITE_CONDITION_MISMATCH"), "The resource's {element} '{body}' is not the '{query}' of the conditional update"),
    "WRITE_VS_INCLUDES_ITSELF": (ours("WRITE_VS_INCLUDES_ITSELF"), "ValueSet {url} includes itself (compose.{part}.valueSet), so it has no expansion"),
    "WRITE_CS_INVALID": (ours("WRITE_CS_INVALID"), "CodeSystem {url} cannot be served: {reason}"),
    "WRITE_CS_DUPLICATE_CODE": (ours("WRITE_CS_DUPLICATE_CODE"), "CodeSystem {url} defines the code '{code}' more than once"),
    "WRITE_NOT_RESOURCE": (ours("WRITE_NOT_RESOURCE"), "The request body must be a {type} resource (a JSON object)"),
    # Serving
    "PORT_IN_USE": (ours("PORT_IN_USE"), "Cannot serve on {host}:{port}: another process is already listening there; stop it or choose another port with --port (or TERMINOLOGY_PORT)"),
    "CANNOT_LISTEN": (ours("CANNOT_LISTEN"), "Cannot serve on {host}:{port}: {reason}"),
}
# fmt: on


#: Longest value quoted into a message. Values are mostly client input (codes, displays, URLs,
#: filter values): a 100,000-character display must not come back in every message and issue.
QUOTE_LIMIT = 200


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis and the original length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


class Whole(str):
    """A value the server composed itself (a list of versions, an import path), each of whose
    parts was shortened already: quoted whole."""


class Message(str):
    """A catalogue text with its placeholders filled, carrying the catalogue entry's message id.

    It is a ``str`` everywhere (compared, joined, put into ``Issue.text`` and error messages as
    before); the OperationOutcome edge reads ``message_id`` from it. Appending to a message
    (``text += ". " + msg("CODE_REPLACED_BY", ...)``) keeps the id of the message appended to, so
    a message extended with details keeps its identity; any other ``str`` operation (slicing,
    f-strings, ``join``) gives a plain ``str`` without an id.
    """

    message_id: str

    def __new__(cls, text: str, message_id: str) -> Message:
        self = super().__new__(cls, text)
        self.message_id = message_id
        return self

    def __add__(self, other: str) -> Message:
        return Message(str(self) + other, self.message_id)

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        # Copies and pickles rebuild the message with its id (str's own gives only the text).
        return str(self), self.message_id


def message_id_of(text: str) -> str | None:
    """The message id ``text`` carries, if it is a ``Message``."""
    return text.message_id if isinstance(text, Message) else None


def msg(key: str, /, **values: object) -> str:
    """The catalogue text ``key`` with its placeholders filled, each client value shortened to
    ``QUOTE_LIMIT`` characters: a ``Message`` carrying the entry's message id.

    Typed as ``str``, which it is, so that callers mixing it with other texts (``texts = []``,
    then ``texts.append(msg(...))`` and ``texts.append(code)``) keep their inferred types; read
    the id with ``message_id_of``."""
    for name, value in values.items():
        if isinstance(value, str) and len(value) > QUOTE_LIMIT and not isinstance(value, Whole):
            values[name] = shorten(value)
    message_id, text = CATALOGUE[key]
    return Message(text.format(**values), message_id)
