"""``$batch-validate-code`` requests: a batch ``Parameters`` read into one ``ParamBag`` per
validation, each then read by ``inputs.validate_code_request`` like a single request.

tx.fhir.org's shape (the HL7 terminology-ecosystem ``batch`` cases): the batch is a
``Parameters`` resource with one or more ``validation`` parameters, each a ``Parameters``
resource holding one ``$validate-code`` request. Every other parameter of the batch (``url``,
``valueSet``, ``tx-resource``, ``displayLanguage``, ``lenient-display-validation``, ``date``, ...)
is shared: it applies to each validation that does not give its own. A validation that gives a
parameter replaces the shared one of that name, and of the names that say the same thing another
way (a validation's ``valueSet`` replaces a shared ``url``, its ``coding`` a shared ``code``);
``tx-resource`` is the exception: a validation's own come first, and the shared ones still apply.

A batch that is not one (no ``validation``, a ``validation`` that is not a ``Parameters``
resource, too many) is a 4xx for the whole request; a validation whose own parameters are
malformed is that validation's failure only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from terminology.codec.parameters import Param, ParamBag, parameters_bag
from terminology.errors import TerminologyError
from terminology.messages import msg

#: The most validations one batch may hold (as for a batch Bundle): a bigger batch is a 422.
MAX_VALIDATIONS = 1000

#: The ways a ValueSet/$validate-code request names its value set.
VALUE_SET_NAMES = frozenset({"url", "valueSet", "valueSetVersion", "context"})
#: The ways a CodeSystem/$validate-code request names its code system.
CODE_SYSTEM_NAMES = frozenset({"url", "system", "codeSystem", "version"})
#: The ways either names the code to validate.
CODE_NAMES = frozenset({"code", "coding", "codeableConcept"})


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One validation of a batch: its request with the shared parameters merged in, and
    whether it is a ValueSet/$validate-code (else a CodeSystem one); or why it could not be
    read."""

    params: ParamBag | None
    value_set_mode: bool
    error: TerminologyError | None = None


def batch_entries(bag: ParamBag, *, value_set_batch: bool) -> list[BatchEntry]:
    """The validations of a ``ValueSet/$batch-validate-code`` (``value_set_batch``) or
    ``CodeSystem/$batch-validate-code`` request, in order.

    In a ValueSet batch, a validation that names no value set (none of its own and none shared)
    is a CodeSystem/$validate-code of its coding's system, so one batch can mix both kinds, as
    tx.fhir.org allows; in a CodeSystem batch ``url`` names the code system, as it does in
    CodeSystem/$validate-code."""
    validations = bag.all("validation")
    if not validations:
        raise TerminologyError(
            msg("BATCH_VALIDATE_EMPTY"), code="required", expression="validation"
        )
    if len(validations) > MAX_VALIDATIONS:
        raise TerminologyError(
            msg("BATCH_VALIDATE_TOO_LARGE", count=len(validations), limit=MAX_VALIDATIONS),
            status=422,
            code="too-costly",
        )
    for index, param in enumerate(validations):
        _check_validation(index, param)
    shared = [p for p in bag if p.name != "validation"]
    alternatives = (VALUE_SET_NAMES if value_set_batch else CODE_SYSTEM_NAMES, CODE_NAMES)
    entries = []
    for param in validations:
        try:
            own = parameters_bag(param.value)
        except TerminologyError as error:
            entries.append(BatchEntry(None, value_set_batch, error))
            continue
        merged = _merge(shared, own, alternatives)
        names_value_set = any(merged.get(name) is not None for name in VALUE_SET_NAMES)
        entries.append(BatchEntry(merged, value_set_batch and names_value_set))
    return entries


def _check_validation(index: int, param: Param) -> None:
    if param.kind != "resource":
        what = "not a resource"
    elif param.value.get("resourceType") != "Parameters":
        what = f"a {repr(param.value.get('resourceType'))[:60]} resource"
    else:
        return
    raise TerminologyError(
        msg("BATCH_VALIDATE_ENTRY", index=index, what=what),
        code="structure",
        expression=f"validation[{index}]",
    )


def _merge(
    shared: Iterable[Param], own: ParamBag, alternatives: Iterable[frozenset[str]]
) -> ParamBag:
    given = {p.name for p in own}
    replaced = set(given)
    for names in alternatives:
        if given & names:
            replaced |= names
    inherited = [p for p in shared if p.name == "tx-resource" or p.name not in replaced]
    return ParamBag([*own, *inherited])
