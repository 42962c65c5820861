"""ETag, Last-Modified, Cache-Control and Vary over HTTP, and the 304s they allow."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from terminology.api.caching import etag_matches
from terminology.config import Settings
from terminology.storage.sqlite_store import SqliteStore
from terminology.uris import CPT
from tests.conftest import CONTENT_DIR, RunningServer, start_server, stop_server

VALIDATE = "/CodeSystem/$validate-code"
VALIDATE_71250 = {"url": CPT, "code": "71250"}
VARY = "Accept, Accept-Language, Accept-Encoding"


def first_id(server: RunningServer, rtype: str) -> str:
    bundle = server.get(f"/{rtype}", params={"_count": 1, "_elements": "id"}).json()
    rid: str = bundle["entry"][0]["resource"]["id"]
    return rid


def test_a_read_has_a_weak_etag_and_last_modified(server: RunningServer) -> None:
    path = f"/ValueSet/{first_id(server, 'ValueSet')}"
    r = server.get(path)
    assert r.status_code == 200
    assert r.headers["ETag"].startswith('W/"')
    assert r.headers["Last-Modified"].endswith(" GMT")
    assert r.headers["Cache-Control"] == "public, max-age=300"
    assert r.headers["Vary"] == VARY
    assert server.get(path).headers["ETag"] == r.headers["ETag"]


@pytest.mark.parametrize(
    "condition",
    [
        lambda etag: etag,
        lambda etag: etag.removeprefix("W/"),  # weak comparison
        lambda etag: f'"other", {etag}',
        lambda etag: "*",
    ],
    ids=["same", "strong-form", "in-a-list", "star"],
)
def test_a_read_is_not_modified_when_if_none_match_names_its_etag(
    server: RunningServer, condition: Callable[[str], str]
) -> None:
    path = f"/CodeSystem/{first_id(server, 'CodeSystem')}"
    etag = server.get(path).headers["ETag"]
    r = server.get(path, headers={"If-None-Match": condition(etag)})
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["ETag"] == etag
    assert r.headers["Cache-Control"] == "public, max-age=300"
    assert "Content-Encoding" not in r.headers


def test_a_read_with_another_etag_is_answered_whole(server: RunningServer) -> None:
    path = f"/CodeSystem/{first_id(server, 'CodeSystem')}"
    r = server.get(path, headers={"If-None-Match": 'W/"something-else"'})
    assert r.status_code == 200
    assert r.json()["resourceType"] == "CodeSystem"


def test_if_modified_since(server: RunningServer) -> None:
    path = f"/ConceptMap/{first_id(server, 'ConceptMap')}"
    modified = server.get(path).headers["Last-Modified"]
    assert server.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert server.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-Modified-Since": modified, "If-None-Match": '"nope"'}
    assert server.get(path, headers=both).status_code == 200


def test_variants_of_a_read_have_their_own_etags(server: RunningServer) -> None:
    path = f"/CodeSystem/{first_id(server, 'CodeSystem')}"
    whole = server.get(path).headers["ETag"]
    summary = server.get(path, params={"_summary": "true"}).headers["ETag"]
    plain = server.get(path, headers={"Accept": "application/json"}).headers["ETag"]
    assert len({whole, summary, plain}) == 3


def test_an_unknown_resource_is_a_404_whatever_the_condition(server: RunningServer) -> None:
    r = server.get("/CodeSystem/no-such-thing", headers={"If-None-Match": "*"})
    assert r.status_code == 404
    assert "ETag" not in r.headers
    assert r.json()["resourceType"] == "OperationOutcome"


def test_a_get_operation_is_cacheable_and_revalidates_to_304(server: RunningServer) -> None:
    r = server.get(VALIDATE, params=VALIDATE_71250)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=300"
    assert r.headers["Vary"] == VARY
    etag = r.headers["ETag"]
    again = server.get(VALIDATE, params=VALIDATE_71250, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Vary"] == VARY
    other = server.get(VALIDATE, params={**VALIDATE_71250, "code": "71260"})
    assert other.headers["ETag"] != etag
    assert (
        server.get(
            VALIDATE, params={**VALIDATE_71250, "code": "71260"}, headers={"If-None-Match": etag}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "path,params",
    [
        ("/CodeSystem/$lookup", {"system": CPT, "code": "71250"}),
        ("/ValueSet/$expand", {"url": f"{CPT}?fhir_vs", "count": "5"}),
        ("/metadata", {}),
        ("/metadata", {"mode": "terminology"}),
        ("/CodeSystem", {"url": CPT}),
    ],
)
def test_every_get_answer_has_validators(
    server: RunningServer, path: str, params: dict[str, str]
) -> None:
    r = server.get(path, params=params)
    assert r.status_code == 200
    assert r.headers["ETag"].startswith('W/"')
    assert r.headers["Cache-Control"] == "public, max-age=300"
    assert server.get(path, params=params, headers={"If-None-Match": "*"}).status_code == 304


def test_the_display_language_is_part_of_the_etag(server: RunningServer) -> None:
    params = {"system": CPT, "code": "71250"}
    english = server.get("/CodeSystem/$lookup", params=params).headers["ETag"]
    other = server.get(
        "/CodeSystem/$lookup", params=params, headers={"Accept-Language": "de"}
    ).headers["ETag"]
    assert english != other


def test_post_answers_are_not_stored(server: RunningServer) -> None:
    r = server.post(VALIDATE, data=VALIDATE_71250)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert "ETag" not in r.headers
    assert "Last-Modified" not in r.headers


def test_errors_that_depend_on_the_request_alone_are_cacheable(server: RunningServer) -> None:
    r = server.get("/ValueSet/$expand", params={"url": "http://example.org/no-such-vs"})
    assert r.status_code == 404
    assert r.headers["Cache-Control"] == "public, max-age=300"
    assert "ETag" not in r.headers  # no 304 where the answer is an error
    r = server.get(
        "/ValueSet/$expand", params={"url": "http://example.org/x"}, headers={"If-None-Match": "*"}
    )
    assert r.status_code == 404
    big = server.get("/metadata", headers={"X-Padding": "x" * 17000})
    assert big.status_code == 431
    assert big.headers["Cache-Control"] == "no-store"  # depends on headers caches do not key on


def test_etag_comparison() -> None:
    assert etag_matches('W/"a"', 'W/"a"')
    assert etag_matches('"a"', 'W/"a"')
    assert etag_matches(' "b" , W/"a" ', 'W/"a"')
    assert etag_matches("*", 'W/"a"')
    assert not etag_matches('W/"ab"', 'W/"a"')
    assert not etag_matches("", 'W/"a"')


def test_the_max_age_is_a_setting() -> None:
    assert Settings.from_env({"TERMINOLOGY_CACHE_MAX_AGE": "60"}).cache_max_age == 60
    assert Settings().cache_max_age == 300


# -- across loads ------------------------------------------------------------------------------

DEMO = "http://example.org/fhir/CodeSystem/demo"


def demo_code_system(rid: str, url: str, codes: list[str]) -> dict[str, object]:
    return {
        "resourceType": "CodeSystem",
        "id": rid,
        "url": url,
        "version": "1",
        "status": "active",
        "content": "complete",
        "concept": [{"code": c, "display": f"Demo {c}"} for c in codes],
    }


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[RunningServer, SqliteStore]]:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(CONTENT_DIR / "CodeSystem-cpt-2026.json", content)
    store_path = tmp_path / "store.sqlite"
    store = SqliteStore(store_path)
    with store.writer() as writer:
        writer.put_resource(demo_code_system("demo", DEMO, ["a", "b"]), "loaded")
    running = start_server(
        tmp_path,
        env={
            "TERMINOLOGY_CONTENT_DIR": str(content),
            "TERMINOLOGY_STORE": str(store_path),
            "TERMINOLOGY_RELOAD_INTERVAL": "0.1",
            "TERMINOLOGY_CACHE_MAX_AGE": "0",
        },
    )
    yield running, store
    stop_server(running)


def wait_for_change(get: Callable[[], requests.Response], old: str) -> requests.Response:
    deadline = time.monotonic() + 10
    while True:
        r = get()
        if r.headers.get("ETag") != old:
            return r
        assert time.monotonic() < deadline, "the server did not serve the new content"
        time.sleep(0.1)


def test_etags_across_loads(own_server: tuple[RunningServer, SqliteStore]) -> None:
    server, store = own_server

    def read() -> requests.Response:
        return server.get("/CodeSystem/demo")

    def validate() -> requests.Response:
        return server.get(VALIDATE, params={"url": DEMO, "code": "c"})

    first_read, first_validate = read(), validate()
    assert first_read.headers["Cache-Control"] == "no-cache"  # max-age 0: revalidate each time
    assert first_validate.json()["parameter"][0]["valueBoolean"] is False

    # A load of another code system: every operation's answer may have changed (a value set
    # may include it), so their ETags change; the demo resource did not, nor does its ETag.
    with store.writer() as writer:
        writer.put_resource(demo_code_system("other", "http://example.org/other", ["x"]), "loaded")
    wait_for_change(validate, first_validate.headers["ETag"])
    assert read().headers["ETag"] == first_read.headers["ETag"]
    again = server.get("/CodeSystem/demo", headers={"If-None-Match": first_read.headers["ETag"]})
    assert again.status_code == 304

    # The same resource loaded again with other content: its ETag changes, and the old one no
    # longer gets a 304.
    with store.writer() as writer:
        writer.put_resource(demo_code_system("demo", DEMO, ["a", "b", "c"]), "loaded")
    changed = wait_for_change(read, first_read.headers["ETag"])
    assert len(changed.json()["concept"]) == 3
    stale = server.get("/CodeSystem/demo", headers={"If-None-Match": first_read.headers["ETag"]})
    assert stale.status_code == 200
    assert validate().json()["parameter"][0]["valueBoolean"] is True


def test_r4_and_r5_answers_have_their_own_etags(server: RunningServer) -> None:
    """``/fhir`` answers R5 when ``Accept`` says so: the same URL, another answer."""
    r5 = {"Accept": "application/fhir+json; fhirVersion=5.0"}
    r4 = {"Accept": "application/fhir+json; fhirVersion=4.0"}
    path = "/ConceptMap/$translate"
    params = {"system": CPT, "code": "71250", "targetsystem": "http://loinc.org"}
    as_r4 = server.get(path, params=params, headers=r4)
    as_r5 = server.get(path, params=params, headers=r5)
    assert as_r4.headers["ETag"] != as_r5.headers["ETag"]
    again = server.get(path, params=params, headers={**r5, "If-None-Match": as_r4.headers["ETag"]})
    assert again.status_code == 200 and "relationship" in again.text
    read = f"/ConceptMap/{first_id(server, 'ConceptMap')}"
    read_r4 = server.get(read, headers=r4).headers["ETag"]
    read_r5 = server.get(read, headers=r5).headers["ETag"]
    base_r5 = requests.get(server.base + "/r5" + read, timeout=10).headers["ETag"]
    assert read_r4 != read_r5 and read_r5.startswith('W/"r') and base_r5.startswith('W/"r')
