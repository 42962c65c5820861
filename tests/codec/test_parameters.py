"""Parameter reading: query, form and Parameters bodies become one bag; bad input is a 400."""

from __future__ import annotations

import pytest

from terminology.codec import inputs, param_values
from terminology.codec.parameters import read_parameters
from terminology.errors import TerminologyError


def test_query_and_body_are_merged() -> None:
    body = b'{"resourceType":"Parameters","parameter":[{"name":"code","valueCode":"71250"}]}'
    bag = read_parameters(
        [("system", "http://www.ama-assn.org/go/cpt")], body, "application/fhir+json"
    )
    request = inputs.lookup_request(bag)
    assert (request.system, request.code) == ("http://www.ama-assn.org/go/cpt", "71250")


def test_form_body() -> None:
    bag = read_parameters(
        [], b"system=s&code=c&property=a&property=b,c", "application/x-www-form-urlencoded"
    )
    assert inputs.lookup_request(bag).properties == ("a", "b", "c")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", (2024, 5, 1)),
        ("2024-05", (2024, 5, 1)),
        ("2024", (2024, 1, 1)),
        ("2024-05-01T10:00:00Z", (2024, 5, 1)),
    ],
)
def test_dates(value: str, expected: tuple[int, int, int]) -> None:
    day = param_values.parse_date(value, "date")
    assert (day.year, day.month, day.day) == expected


@pytest.mark.parametrize("value", ["2024-13-01", "01/05/2024", "", "2024-02-30"])
def test_bad_dates(value: str) -> None:
    with pytest.raises(TerminologyError) as caught:
        param_values.parse_date(value, "date")
    assert caught.value.status == 400


def test_system_as_canonical_or_uri_both_work() -> None:
    for key in ("valueUri", "valueCanonical"):
        body = (
            '{"resourceType":"Parameters","parameter":[{"name":"system","' + key + '":"s"},'
            '{"name":"code","valueCode":"c"}]}'
        ).encode()
        assert inputs.lookup_request(read_parameters([], body, "application/json")).system == "s"


def test_non_primitive_where_a_primitive_is_expected_is_400() -> None:
    body = b'{"resourceType":"Parameters","parameter":[{"name":"code","valueCoding":{"code":"x"}}]}'
    with pytest.raises(TerminologyError) as caught:
        inputs.lookup_request(read_parameters([], body, "application/json"))
    assert caught.value.expression == "code"
