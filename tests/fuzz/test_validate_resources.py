"""Property-based: a realistic order, claim or Bundle with one element made hostile (a wrong
type, a huge or control-character string, deep nesting, a removed or unknown element) is
answered by $validate with an OperationOutcome, 200 or 400, never a crash."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminology.app import create_app
from terminology.bench.resources import bundle, claims, orders
from terminology.config import Settings
from tests.conftest import CONTENT_DIR

SEEDS = [*claims(6), *orders(6)]
HOSTILE: list[Any] = [
    None, "", " ", "x" * 100_000, "\x00\x1f\u202e", -1, 0, 2**70, 1.5, True, [], {}, [None],
    {"resourceType": "Claim"}, json.loads("[" * 40 + "]" * 40),
    {"coding": "not a list"}, {"coding": [None, 5, {"system": 5, "code": []}]},
    {"reference": 12}, "2026-02-30", "71250:26:TC:TC", "J18" * 1000,
]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value (dict keys and list indexes)."""
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _nodes(item, (*path, index))
    return out


def _mutate(resource: dict[str, Any], path: tuple[Any, ...], action: str, value: Any) -> Any:
    mutated = copy.deepcopy(resource)
    if not path:
        return value if action == "replace" else mutated
    parent: Any = mutated
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"unknown{last}"] = value
    return mutated


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    return create_app(Settings(content_dir=CONTENT_DIR)).test_client()


@settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_elements_are_answered_not_crashed_on(client: FlaskClient, data: Any) -> None:
    seed = data.draw(st.sampled_from(SEEDS))
    in_bundle = data.draw(st.booleans())
    resource = bundle([seed, SEEDS[0]]) if in_bundle else seed
    path = data.draw(st.sampled_from(_nodes(resource)))
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    value = data.draw(st.sampled_from(HOSTILE))
    mutated = _mutate(resource, path, action, value)
    endpoint = "Bundle" if in_bundle else seed["resourceType"]
    r = client.post(f"/fhir/{endpoint}/$validate", json=mutated)
    assert r.status_code in (200, 400), (path, action, r.status_code, r.get_data()[:300])
    body = r.get_json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"]
    for issue in body["issue"]:
        assert issue["severity"] in ("fatal", "error", "warning", "information")
        assert issue["details"]["text"]
