"""The message catalogue's ids, and how a text carries its id to the OperationOutcome."""

from __future__ import annotations

import copy
import pickle
import re

from terminology.errors import TerminologyError
from terminology.messages import CATALOGUE, OWN_ID_PREFIX, Message, message_id_of, msg
from terminology.model import Issue


def test_every_entry_has_an_hl7_id_or_one_of_ours_named_after_its_key() -> None:
    for key, (message_id, _text) in CATALOGUE.items():
        if message_id.startswith(OWN_ID_PREFIX):
            assert message_id == OWN_ID_PREFIX + key
        else:
            # HL7's ids are the Java validator's Messages.properties keys.
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", message_id), key


def test_the_ids_tx_fhir_org_uses() -> None:
    expected = {
        "NOT_IN_VS_ONE": "None_of_the_provided_codes_are_in_the_value_set_one",
        "UNKNOWN_CODE_VERSION": "Unknown_Code_in_Version",
        "UNKNOWN_CODE_NO_VERSION": "Unknown_Code_in",
        "CS_UNKNOWN_QUOTED": "UNKNOWN_CODESYSTEM",
        "CS_UNKNOWN_BARE": "UNKNOWN_CODESYSTEM",
        "CS_VERSION_UNKNOWN": "UNKNOWN_CODESYSTEM_VERSION",
        "WRONG_DISPLAY": "Display_Name_for__should_be_one_of__instead_of",
        "WRONG_DISPLAY_CHOICES": "Display_Name_for__should_be_one_of__instead_of",
        "VALUESET_TOO_COSTLY": "VALUESET_TOO_COSTLY",
        "VS_NOT_FOUND": "Unable_to_resolve_value_Set_",
    }
    assert {key: CATALOGUE[key][0] for key in expected} == expected


def test_msg_returns_the_text_carrying_its_id() -> None:
    text = msg("VS_NOT_FOUND", url="http://example.org/vs")
    assert text == "A definition for the value Set 'http://example.org/vs' could not be found"
    assert isinstance(text, Message)
    assert message_id_of(text) == "Unable_to_resolve_value_Set_"
    assert message_id_of("a plain text") is None


def test_a_message_extended_with_details_keeps_its_id() -> None:
    text = msg("CODE_DELETED_ON", code="71020", version="2024", system="s", end="e", last="2017")
    text += ". " + msg("CODE_REPLACED_BY", replacements="71046")
    assert text.endswith("Replaced by: 71046")
    assert message_id_of(text) == "chest-imaging:CODE_DELETED_ON"
    # Anything else makes a new text, which is no longer the catalogue's.
    assert message_id_of(f"{text}!") is None


def test_copies_and_pickles_keep_the_id() -> None:
    text = msg("LOOKUP_NO_CODE")
    for clone in (copy.copy(text), copy.deepcopy(text), pickle.loads(pickle.dumps(text))):
        assert clone == text and message_id_of(clone) == "chest-imaging:LOOKUP_NO_CODE"


def test_issues_and_errors_take_the_id_from_their_text() -> None:
    text = msg("NOT_IN_VS_ONE", codes="'s#c'", vs="v")
    issue = Issue("error", "code-invalid", text, "not-in-vs", "code")
    assert issue.message_id == "None_of_the_provided_codes_are_in_the_value_set_one"
    assert Issue("error", "invalid", "plain").message_id is None
    assert Issue("error", "invalid", text, message_id="OTHER").message_id == "OTHER"
    # The id follows from the text: it does not make two equal findings different.
    assert Issue("error", "invalid", text) == Issue("error", "invalid", str(text))
    assert TerminologyError(text).message_id == issue.message_id
    assert TerminologyError("plain", message_id="X").message_id == "X"
    assert TerminologyError("plain").message_id is None
