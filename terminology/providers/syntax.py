"""What a code of each terminology looks like: the rules a code must meet to exist at all.

Our code systems are fragments, so a well-formed code we do not hold may still be valid (a
warning). A code that breaks its terminology's syntax cannot be valid in any release, so it is an
error. Each rule returns None for a well-formed code, else the reason it is malformed (a catalogue
text); the registry attaches a rule to the versions of its system by URL, so operations only ever
ask the version (``syntax_error``) and never test a system URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from terminology.messages import Whole, msg, shorten
from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, ICD10CM, LOINC, SNOMED

#: A syntax rule: None for a well-formed code, else why it is malformed.
SyntaxRule = Callable[[str], str | None]

#: The longest stretch of a user's code quoted back in a message (hostile input may be huge).
QUOTE_LIMIT = 100


def quote(code: str) -> str:
    """``code`` as messages quote it: at most QUOTE_LIMIT characters."""
    return shorten(code, QUOTE_LIMIT)


def malformed(code: str, terminology: str, reason: str) -> str:
    # ``reason`` is a catalogue text of our own, quoted whole.
    return msg("CODE_MALFORMED", code=quote(code), terminology=terminology, reason=Whole(reason))


# -- SNOMED CT -------------------------------------------------------------------------------

# Verhoeff's dihedral-group tables (SNOMED CT Technical Implementation Guide, SCTID check digit).
_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)

#: SCTID partition identifiers (the two digits before the check digit) and what they identify.
SCT_PARTITIONS = {
    "00": "a concept",
    "01": "a description",
    "02": "a relationship",
    "10": "a concept (long format)",
    "11": "a description (long format)",
    "12": "a relationship (long format)",
}
SCT_CONCEPT_PARTITIONS = frozenset({"00", "10"})


def verhoeff_valid(number: str) -> bool:
    """True when the last digit of ``number`` is its Verhoeff check digit."""
    check = 0
    for i, digit in enumerate(reversed(number)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(digit)]]
    return check == 0


def snomed_syntax(code: str) -> str | None:
    """A SNOMED CT concept id: 6 to 18 digits, no leading zero, a concept partition identifier
    and a valid Verhoeff check digit."""
    if not code.isascii() or not code.isdigit():
        return malformed(code, "SNOMED CT", msg("SCT_NOT_DIGITS"))
    if not 6 <= len(code) <= 18:
        return malformed(code, "SNOMED CT", msg("SCT_LENGTH", length=len(code)))
    if code[0] == "0":
        return malformed(code, "SNOMED CT", msg("SCT_LEADING_ZERO"))
    partition = code[-3:-1]
    if partition not in SCT_CONCEPT_PARTITIONS:
        kind = SCT_PARTITIONS.get(partition)
        reason = (
            msg("SCT_PARTITION_NOT_CONCEPT", partition=partition, kind=kind)
            if kind
            else msg("SCT_PARTITION_UNKNOWN", partition=partition)
        )
        return malformed(code, "SNOMED CT", reason)
    if not verhoeff_valid(code):
        return malformed(code, "SNOMED CT", msg("SCT_CHECK_DIGIT", digit=code[-1]))
    return None


# -- LOINC -----------------------------------------------------------------------------------

# LOINC numbers passed 99999 (e.g. 100257-5 in LOINC 2.81), so six digits are allowed.
_LOINC = re.compile(r"(LP|LA)?([0-9]{1,6})-([0-9])")


def loinc_check_digit(digits: str) -> int:
    """The LOINC Users' Guide mod 10 check digit of ``digits`` (the part before the hyphen).

    The guide doubles the number formed by the odd-position digits (from the right), appends the
    even-position digits and sums the digits of the result. Doubling a digit d adds the digits of
    2d whatever the order (each carry is at most 1 and never cascades), so the sum is computed
    digit by digit here; the check digit is what brings the sum to the next multiple of ten.
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = int(char)
        if position % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10


def loinc_syntax(code: str) -> str | None:
    """A LOINC term code (``806-0``), or a part or answer code (``LP29684-5``, ``LA33-6``).

    The mod 10 check digit is verified for term codes only: real part and answer codes
    (LP29684-5 "Radiology", LA33-6 "Yes") do not satisfy it over their digits, so their check
    digit follows another rule we have not found documented.
    """
    match = _LOINC.fullmatch(code)
    if match is None:
        return malformed(code, "LOINC", msg("LOINC_FORM"))
    prefix, digits, given = match.groups()
    if prefix is None:
        expected = loinc_check_digit(digits)
        if int(given) != expected:
            reason = msg("LOINC_CHECK_DIGIT", expected=expected, given=given)
            return malformed(code, "LOINC", reason)
    return None


# -- CPT, HCPCS Level II, ICD-10-CM ------------------------------------------------------------

# Category I (four digits and a digit), multianalyte assays (M), Category II (F), Category III
# (T), proprietary laboratory analyses (U); modifiers are two characters, a digit first (26, 59,
# and the Category II modifiers 1P..8P). Expressions (71250:26) are the CPT provider's concern.
_CPT = re.compile(r"[0-9]{4}[0-9MFTU]|[0-9][0-9A-Z]")
_HCPCS = re.compile(r"[A-V][0-9]{4}|[A-Z0-9]{2}")
# The second character was always a digit until FY2026 added category QA0; chapters and blocks
# are coded by their range (J00-J99, J09-J18).
_ICD10CM_CODE = r"[A-Z][0-9A-Z][0-9A-Z]"
_ICD10CM = re.compile(rf"{_ICD10CM_CODE}(\.[A-Z0-9]{{1,4}})?|{_ICD10CM_CODE}-{_ICD10CM_CODE}")


def cpt_syntax(code: str) -> str | None:
    return None if _CPT.fullmatch(code) else malformed(code, "CPT", msg("CPT_FORM"))


def hcpcs_syntax(code: str) -> str | None:
    return None if _HCPCS.fullmatch(code) else malformed(code, "HCPCS Level II", msg("HCPCS_FORM"))


def icd10cm_syntax(code: str) -> str | None:
    return None if _ICD10CM.fullmatch(code) else malformed(code, "ICD-10-CM", msg("ICD10CM_FORM"))


#: The syntax of each of OUR terminologies, by system URL (it holds for any CodeSystem with that
#: URL, a ``tx-resource`` too: the URL names the terminology). Other systems (RadLex, a request's
#: own code systems) have no rule: any code may exist in them.
SYNTAX_RULES: dict[str, SyntaxRule] = {
    SNOMED: snomed_syntax,
    LOINC: loinc_syntax,
    CPT: cpt_syntax,
    HCPCS: hcpcs_syntax,
    HCPCS_HTTPS: hcpcs_syntax,
    ICD10CM: icd10cm_syntax,
}
