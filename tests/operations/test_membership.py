"""Value-set membership from compose, on tiny code systems and on our published value sets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from terminology.engine.version_policy import VersionPolicy
from terminology.errors import TerminologyError
from terminology.operations.context import Services
from terminology.operations.cs_finder import CodeSystemFinder
from terminology.operations.findings import Findings
from terminology.operations.membership import CodingState, MembershipChecker, PrepareFailure
from terminology.operations.scope import build_scope
from terminology.operations.validate_code_model import ValidateCodeRequest
from terminology.providers.registry import ProviderRegistry, build_providers
from terminology.storage.repositories import ResourceRepository
from tests.conftest import CONTENT_DIR
from tests.fixtures import TOY, toy_code_system

LIBRARY: list[dict[str, Any]] = [
    {
        "id": "cats",
        "url": "http://example.org/vs/cats",
        "compose": {"include": [{"system": TOY, "concept": [{"code": "A1"}]}]},
    },
    {
        "id": "loop",
        "url": "http://example.org/vs/loop",
        "compose": {"include": [{"valueSet": ["http://example.org/vs/loop"]}]},
    },
]
REQUEST = ValidateCodeRequest(form="coding", codings=())


def checker_for(services: Services) -> MembershipChecker:
    finder = CodeSystemFinder(build_scope(services, ()), VersionPolicy(), Findings())
    return MembershipChecker(REQUEST, finder)


@pytest.fixture()
def checker() -> MembershipChecker:
    registry = ProviderRegistry(build_providers([toy_code_system("1", "2020-01-01", "2030-12-31")]))
    services = Services(
        registry,
        ResourceRepository("CodeSystem", []),
        ResourceRepository("ValueSet", LIBRARY),
        ResourceRepository("ConceptMap", []),
    )
    return checker_for(services)


def vs(*include: dict, exclude: tuple[dict, ...] = ()) -> dict[str, Any]:
    return {
        "url": "http://example.org/vs/test",
        "compose": {"include": list(include), "exclude": list(exclude)},
    }


def check(checker: MembershipChecker, value_set: Mapping[str, Any], system: str, code: str) -> Any:
    checker.prepare(value_set)
    return checker.check(value_set, "Coding", system, None, code, CodingState())


def isa(value: str, op: str = "is-a") -> dict[str, Any]:
    return {"system": TOY, "filter": [{"property": "concept", "op": op, "value": value}]}


@pytest.mark.parametrize(
    ("value_set", "code", "expected"),
    [
        (vs({"system": TOY}), "A2a", True),
        (vs({"system": TOY}), "nope", False),
        (vs({"system": TOY, "concept": [{"code": "A1"}, {"code": "B"}]}), "B", True),
        (vs({"system": TOY, "concept": [{"code": "A1"}]}), "B", False),
        (vs(isa("A2")), "A2a", True),
        (vs(isa("A2")), "A2", True),
        (vs(isa("A2", "descendent-of")), "A2", False),
        (vs(isa("A", "child-of")), "A2a", False),
        (vs(isa("A2a", "generalizes")), "A", True),
        (vs(isa("A", "is-not-a")), "R", True),
        (
            vs({"system": TOY, "filter": [{"property": "colour", "op": "=", "value": "black"}]}),
            "A1",
            True,
        ),
        (
            vs(
                {
                    "system": TOY,
                    "filter": [{"property": "colour", "op": "exists", "value": "false"}],
                }
            ),
            "A2",
            True,
        ),
        (
            vs({"system": TOY, "filter": [{"property": "code", "op": "regex", "value": "A[0-9]"}]}),
            "A1",
            True,
        ),
        (
            vs({"system": TOY, "filter": [{"property": "code", "op": "regex", "value": "A"}]}),
            "A1",
            False,
        ),
        (
            vs(
                {
                    "system": TOY,
                    "filter": [
                        {"property": "concept", "op": "is-a", "value": "A"},
                        {"property": "colour", "op": "=", "value": "black"},
                    ],
                }
            ),
            "A2",
            False,
        ),
        (vs({"system": TOY}, exclude=({"system": TOY, "concept": [{"code": "R"}]},)), "R", False),
        (vs({"valueSet": ["http://example.org/vs/cats"]}), "A1", True),
        (vs({"system": TOY, "valueSet": ["http://example.org/vs/cats"]}), "A2", False),
    ],
)
def test_compose_semantics(
    checker: MembershipChecker, value_set: dict, code: str, expected: bool
) -> None:
    assert check(checker, value_set, TOY, code) is expected


def test_unknown_system_in_the_value_set_means_cannot_tell(checker: MembershipChecker) -> None:
    system = "http://example.org/unknown"
    assert check(checker, vs({"system": system}), system, "x") is None
    assert checker.findings.unknown_systems == [system]
    assert [i.tx_type for i in checker.findings.issues] == ["not-found"]


def test_unsupported_filter_is_refused(checker: MembershipChecker) -> None:
    value_set = vs({"system": TOY, "filter": [{"property": "flavour", "op": "=", "value": "x"}]})
    with pytest.raises(TerminologyError) as caught:
        check(checker, value_set, TOY, "A1")
    assert caught.value.tx_type == "vs-invalid"


def test_missing_import_is_reported_not_raised(checker: MembershipChecker) -> None:
    with pytest.raises(PrepareFailure) as caught:
        check(checker, vs({"valueSet": ["http://example.org/vs/missing"]}), TOY, "A1")
    assert caught.value.issue.tx_type == "not-found"


def test_circular_import_is_detected(checker: MembershipChecker) -> None:
    with pytest.raises(TerminologyError) as caught:
        check(checker, LIBRARY[1], TOY, "A1")
    assert (caught.value.status, caught.value.tx_type) == (422, "vs-invalid")


def test_contained_value_set_import(checker: MembershipChecker) -> None:
    value_set = vs({"valueSet": ["#inner"]})
    value_set["contained"] = [{"resourceType": "ValueSet", **LIBRARY[0], "id": "inner"}]
    assert check(checker, value_set, TOY, "A1") is True


def _published_members() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(CONTENT_DIR.glob("ValueSet-*.json")):
        resource = json.loads(path.read_text())
        for include in resource["compose"]["include"]:
            for concept in include.get("concept", []):
                out.append((resource["url"], include["system"], concept["code"]))
    return out


@pytest.mark.parametrize(("vs_url", "system", "code"), _published_members())
def test_every_published_member_is_a_member_in_some_version(
    services: Services, vs_url: str, system: str, code: str
) -> None:
    value_set = services.value_sets.versions(vs_url)[-1]
    provider = services.registry.resolve(system)
    assert provider is not None
    found = [
        checker_for(services).check(value_set, "", system, version, code, CodingState())
        for version in provider.versions()
    ]
    assert any(v is True for v in found), f"{system}|{code} is in no version"
