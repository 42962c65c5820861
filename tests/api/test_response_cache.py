"""The response cache answers repeated identical requests exactly as a fresh computation would."""

from __future__ import annotations

import pytest

from terminology.app import create_app
from terminology.config import Settings
from terminology.uris import CPT, ICD10CM
from tests.conftest import CONTENT_DIR

LOOKUP = f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250"


@pytest.fixture()
def client_and_cache():
    app = create_app(Settings(content_dir=CONTENT_DIR, response_cache_entries=2))
    return app.test_client(), app.extensions["terminology.responses"]


def test_repeated_request_is_answered_from_the_cache(client_and_cache) -> None:
    client, cache = client_and_cache
    first = client.get(LOOKUP)
    second = client.get(LOOKUP)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert first.content_type == second.content_type
    assert len(cache._store) == 1


def test_different_questions_get_their_own_answers(client_and_cache) -> None:
    client, _ = client_and_cache
    a = client.get(LOOKUP).get_json()
    b = client.get(f"/fhir/CodeSystem/$lookup?system={ICD10CM}&code=R05").get_json()
    assert a != b


def test_reply_format_is_part_of_the_key(client_and_cache) -> None:
    client, _ = client_and_cache
    fhir = client.get(LOOKUP)
    plain = client.get(LOOKUP, headers={"Accept": "application/json"})
    assert fhir.content_type.startswith("application/fhir+json")
    assert plain.content_type.startswith("application/json")


def test_errors_are_not_kept(client_and_cache) -> None:
    client, cache = client_and_cache
    assert client.get(f"/fhir/CodeSystem/$lookup?system={CPT}&code=00000").status_code == 404
    assert len(cache._store) == 0


def test_post_bodies_are_part_of_the_key(client_and_cache) -> None:
    client, _ = client_and_cache

    def post(code: str):
        return client.post(
            "/fhir/CodeSystem/$validate-code",
            json={
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "url", "valueUri": CPT},
                    {"name": "code", "valueCode": code},
                ],
            },
        ).get_json()

    ok, bad = post("71250"), post("71250:TC")
    assert ok != bad
    assert post("71250") == ok


def test_the_cache_is_bounded(client_and_cache) -> None:
    client, cache = client_and_cache
    for code in ("71250", "71260", "71270"):
        client.get(f"/fhir/CodeSystem/$lookup?system={CPT}&code={code}")
    assert len(cache._store) == 2


def test_the_cache_can_be_turned_off() -> None:
    app = create_app(Settings(content_dir=CONTENT_DIR, response_cache_entries=0))
    assert "terminology.responses" not in app.extensions
    assert app.test_client().get(LOOKUP).status_code == 200
