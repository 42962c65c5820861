"""Writes over REST, against real servers: two replicas on one SQLite store, with a write
token; the session's server (no token) for writes disabled."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import RunningServer, start_server, stop_server
from tests.helpers import message_id

TOKEN = "test-write-token-0b1e9c4f7a"
OTHER_TOKEN = "second-writer-token-77d2a5"
WRONG = "wrong-token-5b3c1e8d09aa"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Content-Type": "application/fhir+json"}
WRITE = {**AUTH, **JSON}
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
BUILTIN_VS = "chest-imaging-procedures"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RunningServer]]:
    """Two servers on one store file, each taking writes (the second with a tokens file)."""
    tmp = tmp_path_factory.mktemp("writes")
    store = tmp / "store.sqlite"
    tokens = tmp / "tokens"
    tokens.write_text(f"# content team\n{TOKEN}\n\n{OTHER_TOKEN}\n", encoding="utf-8")
    env = {"TERMINOLOGY_ACCESS_LOG": "1", "TERMINOLOGY_RELOAD_INTERVAL": "0.5"}
    first = start_server(tmp, "--store", str(store), env={**env, "TERMINOLOGY_WRITE_TOKEN": TOKEN})
    try:
        second = start_server(
            tmp, "--store", str(store), env={**env, "TERMINOLOGY_WRITE_TOKENS_FILE": str(tokens)}
        )
    except BaseException:
        stop_server(first)
        raise
    yield [first, second]
    stop_server(first)
    stop_server(second)


def value_set(rid: str | None, url: str, version: str = "1", code: str = "36572-6") -> dict:
    body: dict[str, Any] = {
        "resourceType": "ValueSet",
        "url": url,
        "version": version,
        "status": "active",
        "compose": {"include": [{"system": LOINC, "concept": [{"code": code}]}]},
    }
    if rid is not None:
        body["id"] = rid
    return body


def code_system(rid: str, url: str, codes: list[str], version: str = "1") -> dict:
    return {
        "resourceType": "CodeSystem",
        "id": rid,
        "url": url,
        "version": version,
        "status": "active",
        "content": "complete",
        "title": f"{len(codes)} concepts",
        "concept": [{"code": c, "display": f"Concept {c}"} for c in codes],
    }


def put(server: RunningServer, path: str, body: dict, **headers: str) -> requests.Response:
    return requests.put(f"{server.base}{path}", json=body, headers={**WRITE, **headers}, timeout=30)


def outcome_id(response: requests.Response, status: int) -> str | None:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return message_id(body["issue"][0])


def eventually(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


# -- enabled or not, and the CapabilityStatement ----------------------------------------------


def test_without_a_write_token_writes_are_405_and_not_advertised(server: RunningServer) -> None:
    r = requests.put(f"{server.base}/ValueSet/x", json=value_set("x", "http://x"), timeout=10)
    assert outcome_id(r, 405) == "chest-imaging:WRITES_DISABLED"
    assert "PUT" not in r.headers["Allow"]
    r = requests.post(f"{server.base}/ValueSet", json=value_set(None, "http://x"), timeout=10)
    assert outcome_id(r, 405) == "chest-imaging:WRITES_DISABLED"
    r = requests.delete(f"{server.base}/ValueSet/{BUILTIN_VS}", headers=AUTH, timeout=10)
    assert outcome_id(r, 405) == "chest-imaging:WRITES_DISABLED"
    rest = server.get("/metadata").json()["rest"][0]
    for resource in rest["resource"]:
        assert {i["code"] for i in resource.get("interaction", [])} <= {"read", "search-type"}
    assert rest["security"]["description"] == "No authentication; read-only content."


def test_with_a_write_token_the_capability_statement_lists_the_writes(replicas) -> None:
    rest = replicas[0].get("/metadata").json()["rest"][0]
    by_type = {r["type"]: r for r in rest["resource"]}
    for rtype in ("CodeSystem", "ValueSet", "ConceptMap"):
        codes = {i["code"] for i in by_type[rtype]["interaction"]}
        assert codes == {"read", "search-type", "create", "update", "delete"}
        assert by_type[rtype]["conditionalUpdate"] is True
        assert by_type[rtype]["updateCreate"] is True
    assert "Bearer" in rest["security"]["description"]
    assert "service" not in rest["security"]


# -- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        (None, 'Bearer realm="terminology"'),
        (f"Bearer {WRONG}", 'Bearer realm="terminology", error="invalid_token"'),
        ("Basic dXNlcjpwYXNzd29yZA==", 'Bearer realm="terminology"'),
        (TOKEN, 'Bearer realm="terminology", error="invalid_request"'),
    ],
)
def test_no_wrong_or_basic_credentials_are_401_and_change_nothing(
    replicas, authorization: str | None, challenge: str
) -> None:
    server = replicas[0]
    headers = {**JSON, **({"Authorization": authorization} if authorization else {})}
    body = value_set("unauthorised", "http://example.org/vs/unauthorised")
    for r in (
        requests.put(
            f"{server.base}/ValueSet/unauthorised", json=body, headers=headers, timeout=10
        ),
        requests.post(f"{server.base}/ValueSet", json=body, headers=headers, timeout=10),
        requests.delete(f"{server.base}/ValueSet/{BUILTIN_VS}", headers=headers, timeout=10),
    ):
        assert r.status_code == 401, r.text[:300]
        assert r.headers["WWW-Authenticate"] == challenge
        assert r.json()["issue"][0]["code"] == "login"
    assert server.get("/ValueSet/unauthorised").status_code == 404
    assert server.get(f"/ValueSet/{BUILTIN_VS}").status_code == 200
    found = server.get("/ValueSet", params={"url": "http://example.org/vs/unauthorised"}).json()
    assert found["total"] == 0


def test_every_token_of_the_tokens_file_writes(replicas) -> None:
    second = replicas[1]
    body = value_set("by-second-writer", "http://example.org/vs/by-second-writer")
    headers = {"Authorization": f"Bearer {OTHER_TOKEN}"}
    assert put(second, "/ValueSet/by-second-writer", body, **headers).status_code == 201
    assert put(second, "/ValueSet/by-second-writer", body).status_code == 200


# -- the interactions -----------------------------------------------------------------------


def test_create_is_201_served_at_once_here_and_soon_by_the_other_replica(replicas) -> None:
    first, second = replicas
    body = value_set("ignored", "http://example.org/vs/created", code="24627-2")
    r = requests.post(f"{first.base}/ValueSet", json=body, headers=WRITE, timeout=30)
    assert r.status_code == 201, r.text[:500]
    stored = r.json()
    rid = stored["id"]
    assert rid != "ignored"  # the server names what it creates
    assert r.headers["Location"] == f"{first.base}/ValueSet/{rid}"
    assert stored["meta"]["versionId"] == "1"
    assert stored["meta"]["lastUpdated"].endswith("Z")
    read = first.get(f"/ValueSet/{rid}")
    assert read.status_code == 200
    assert read.json() == stored
    assert read.headers["ETag"] == r.headers["ETag"]
    expansion = first.get("/ValueSet/$expand", params={"url": "http://example.org/vs/created"})
    assert expansion.status_code == 200, expansion.text[:300]
    assert [c["code"] for c in expansion.json()["expansion"]["contains"]] == ["24627-2"]
    on_second = eventually(lambda: second.get(f"/ValueSet/{rid}").status_code == 200, 5.0)
    assert on_second, "the other replica did not serve the write within 5 s"
    assert second.get(f"/ValueSet/{rid}").json() == stored


def test_put_creates_then_updates_and_counts_versions(replicas) -> None:
    server = replicas[0]
    body = value_set("put-me", "http://example.org/vs/put-me")
    r = put(server, "/ValueSet/put-me", body)
    assert r.status_code == 201, r.text[:300]
    first_updated = r.json()["meta"]["lastUpdated"]
    body["title"] = "Changed"
    r = put(server, "/ValueSet/put-me", body)
    assert r.status_code == 200
    assert r.json()["meta"]["versionId"] == "2"
    assert r.json()["meta"]["lastUpdated"] >= first_updated
    assert server.get("/ValueSet/put-me").json()["title"] == "Changed"


def test_put_needs_the_id_of_the_url(replicas) -> None:
    server = replicas[0]
    r = put(server, "/ValueSet/one-id", value_set("another-id", "http://example.org/vs/ids"))
    assert outcome_id(r, 400) == "chest-imaging:WRITE_ID_MISMATCH"
    r = put(server, "/ValueSet/one-id", value_set(None, "http://example.org/vs/ids"))
    assert outcome_id(r, 400) == "chest-imaging:WRITE_ID_MISSING"
    r = put(server, "/ValueSet/one-id", code_system("one-id", "http://example.org/cs", ["a"]))
    assert outcome_id(r, 400) == "chest-imaging:WRONG_RESOURCE_TYPE"
    assert server.get("/ValueSet/one-id").status_code == 404


def test_if_match_takes_the_read_etag_and_is_412_when_stale(replicas) -> None:
    server = replicas[0]
    body = value_set("guarded", "http://example.org/vs/guarded")
    assert put(server, "/ValueSet/guarded", body).status_code in (200, 201)
    etag = server.get("/ValueSet/guarded").headers["ETag"]
    xml_etag = server.get("/ValueSet/guarded", headers={"Accept": "application/fhir+xml"})
    body["title"] = "First edit"
    assert put(server, "/ValueSet/guarded", body, **{"If-Match": etag}).status_code == 200
    body["title"] = "Lost edit"
    r = put(server, "/ValueSet/guarded", body, **{"If-Match": etag})
    assert outcome_id(r, 412) == "chest-imaging:WRITE_PRECONDITION_FAILED"
    r = put(server, "/ValueSet/guarded", body, **{"If-Match": xml_etag.headers["ETag"]})
    assert r.status_code == 412
    assert server.get("/ValueSet/guarded").json()["title"] == "First edit"
    # The ETag of the XML read of the current version matches too.
    current = server.get("/ValueSet/guarded", headers={"Accept": "application/fhir+xml"})
    body["title"] = "Second edit"
    r = put(server, "/ValueSet/guarded", body, **{"If-Match": current.headers["ETag"]})
    assert r.status_code == 200, r.text[:300]
    # If-Match on what is not stored fails; so does a delete with a stale ETag.
    r = put(
        server, "/ValueSet/not-there", value_set("not-there", "http://x/nt"), **{"If-Match": etag}
    )
    assert r.status_code == 412
    r = requests.delete(
        f"{server.base}/ValueSet/guarded", headers={**AUTH, "If-Match": etag}, timeout=10
    )
    assert r.status_code == 412
    assert server.get("/ValueSet/guarded").status_code == 200


def test_conditional_update_creates_updates_or_refuses_several(replicas) -> None:
    server = replicas[0]
    url = "http://example.org/vs/conditional"
    path = f"/ValueSet?url={url}&version=1"
    r = put(server, path, value_set(None, url, "1"))
    assert r.status_code == 201, r.text[:300]
    rid = r.json()["id"]
    changed = {**value_set(None, url, "1"), "title": "Updated by url"}
    r = put(server, path, changed)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["id"] == rid
    assert server.get(f"/ValueSet/{rid}").json()["title"] == "Updated by url"
    assert (
        put(server, f"/ValueSet?url={url}&version=2", value_set(None, url, "2")).status_code == 201
    )
    # url alone now matches both versions.
    r = put(server, f"/ValueSet?url={url}", value_set(None, url, "3"))
    assert outcome_id(r, 412) == "chest-imaging:WRITE_SEVERAL_MATCHES"
    r = put(server, f"/ValueSet?url={url}&version=1", value_set(None, url, "9"))
    assert outcome_id(r, 400) == "chest-imaging:WRITE_CONDITION_MISMATCH"
    r = put(server, f"/ValueSet?title={url}", value_set(None, url, "1"))
    assert outcome_id(r, 400) == "chest-imaging:WRITE_BAD_CONDITION"
    versions = server.get("/ValueSet", params={"url": url}).json()
    assert sorted(e["resource"]["version"] for e in versions["entry"]) == ["1", "2"]


def test_conditional_create_returns_the_match_and_writes_nothing(replicas) -> None:
    server = replicas[0]
    url = "http://example.org/vs/create-once"
    headers = {**WRITE, "If-None-Exist": f"url={url}&version=1"}
    first = requests.post(f"{server.base}/ValueSet", json=value_set(None, url), headers=headers)
    assert first.status_code == 201
    again = requests.post(
        f"{server.base}/ValueSet",
        json={**value_set(None, url), "title": "not stored"},
        headers=headers,
        timeout=10,
    )
    assert again.status_code == 200
    assert again.json() == first.json()
    # Without the condition, a second resource with the same url|version is a conflict.
    r = requests.post(f"{server.base}/ValueSet", json=value_set(None, url), headers=WRITE)
    assert outcome_id(r, 409) == "chest-imaging:WRITE_CANONICAL_TAKEN"


def test_delete_is_204_also_when_nothing_is_there(replicas) -> None:
    first, second = replicas
    assert put(first, "/ValueSet/doomed", value_set("doomed", "http://x/doomed")).status_code == 201
    assert eventually(lambda: second.get("/ValueSet/doomed").status_code == 200, 5.0)
    r = requests.delete(f"{first.base}/ValueSet/doomed", headers=AUTH, timeout=10)
    assert r.status_code == 204 and r.content == b""
    assert first.get("/ValueSet/doomed").status_code == 404
    assert eventually(lambda: second.get("/ValueSet/doomed").status_code == 404, 5.0)
    r = requests.delete(f"{first.base}/ValueSet/doomed", headers=AUTH, timeout=10)
    assert r.status_code == 204


def test_prefer_return(replicas) -> None:
    server = replicas[0]
    body = value_set("preferences", "http://x/preferences")
    r = put(server, "/ValueSet/preferences", body, Prefer="return=minimal")
    assert r.status_code == 201 and r.content == b""
    assert r.headers["ETag"] == server.get("/ValueSet/preferences").headers["ETag"]
    r = put(server, "/ValueSet/preferences", body, Prefer="return=OperationOutcome")
    assert r.status_code == 200
    assert r.json()["resourceType"] == "OperationOutcome"
    r = put(server, "/ValueSet/preferences", body, Prefer="return=representation")
    assert r.json()["id"] == "preferences"


def test_a_written_code_system_is_served_by_the_operations(replicas) -> None:
    server = replicas[0]
    url = "http://example.org/cs/local"
    cs = code_system("local-cs", url, ["A", "B"])
    cs["concept"][0]["concept"] = [{"code": "A1", "display": "Concept A1"}]
    assert put(server, "/CodeSystem/local-cs", cs).status_code == 201
    r = server.get("/CodeSystem/$lookup", params={"system": url, "code": "A1"})
    assert r.status_code == 200, r.text[:300]
    r = server.get("/CodeSystem/$subsumes", params={"system": url, "codeA": "A", "codeB": "A1"})
    assert r.json()["parameter"][0]["valueCode"] == "subsumes"


# -- read-only content ----------------------------------------------------------------------


def test_built_in_and_loaded_content_is_403(replicas) -> None:
    server = replicas[0]
    builtin = server.get(f"/ValueSet/{BUILTIN_VS}").json()
    before = server.get(f"/ValueSet/{BUILTIN_VS}").headers["ETag"]
    changed = {**builtin, "title": "Overwritten"}
    r = put(server, f"/ValueSet/{BUILTIN_VS}", changed)
    assert outcome_id(r, 403) == "chest-imaging:WRITE_READ_ONLY"
    r = requests.delete(f"{server.base}/ValueSet/{BUILTIN_VS}", headers=AUTH, timeout=10)
    assert r.status_code == 403
    # The same url|version under another id, by POST or conditional update.
    r = requests.post(f"{server.base}/ValueSet", json=changed, headers=WRITE, timeout=10)
    assert r.status_code == 403
    query = f"/ValueSet?url={builtin['url']}&version={builtin['version']}"
    assert put(server, query, {k: v for k, v in changed.items() if k != "id"}).status_code == 403
    # ICD-10-CM FY2026 (a vendor file of the built-in content), and a new version of its url.
    icd = code_system("icd10cm-2026", ICD10CM, ["A00"], "2026")
    assert put(server, "/CodeSystem/icd10cm-2026", icd).status_code == 403
    icd_next = code_system("my-icd", ICD10CM, ["A00"], "2099")
    r = put(server, "/CodeSystem/my-icd", icd_next)
    assert outcome_id(r, 403) == "chest-imaging:WRITE_URL_READ_ONLY"
    assert server.get("/CodeSystem/my-icd").status_code == 404
    assert server.get(f"/ValueSet/{BUILTIN_VS}").headers["ETag"] == before


# -- validation -----------------------------------------------------------------------------


def test_invalid_resources_are_400_or_422_and_change_nothing(replicas) -> None:
    server = replicas[0]
    good = value_set("checked", "http://example.org/vs/checked")
    assert put(server, "/ValueSet/checked", good).status_code == 201
    etag = server.get("/ValueSet/checked").headers["ETag"]
    bad = {**good, "unknownElement": 1, "status": ["active"]}
    r = put(server, "/ValueSet/checked", bad)
    assert r.status_code == 400
    expressions = {e for i in r.json()["issue"] for e in i.get("expression", [])}
    assert {"ValueSet.unknownElement", "ValueSet.status"} <= expressions
    r = requests.put(
        f"{server.base}/ValueSet/checked", data=b"{not json", headers=WRITE, timeout=10
    )
    assert r.status_code == 400
    no_url = {k: v for k, v in good.items() if k != "url"}
    assert outcome_id(put(server, "/ValueSet/checked", no_url), 422) == "chest-imaging:WRITE_NO_URL"
    itself = {**good, "compose": {"include": [{"valueSet": ["http://example.org/vs/checked"]}]}}
    r = put(server, "/ValueSet/checked", itself)
    assert outcome_id(r, 422) == "chest-imaging:WRITE_VS_INCLUDES_ITSELF"
    assert r.json()["issue"][0]["expression"] == ["ValueSet.compose.include[0].valueSet"]
    twice = code_system("twice", "http://example.org/cs/twice", ["A", "B", "A"])
    r = put(server, "/CodeSystem/twice", twice)
    assert outcome_id(r, 422) == "chest-imaging:WRITE_CS_DUPLICATE_CODE"
    assert server.get("/CodeSystem/twice").status_code == 404
    assert server.get("/ValueSet/checked").headers["ETag"] == etag


def test_r5_base_takes_no_writes(replicas) -> None:
    server = replicas[0]
    r = requests.put(
        f"{server.base}/r5/ValueSet/r5", json=value_set("r5", "http://x/r5"), headers=WRITE
    )
    assert r.status_code == 405


# -- concurrency, crashes and logs -----------------------------------------------------------


def test_concurrent_writers_on_two_replicas_lose_nothing(replicas) -> None:
    writers, writes = 8, 20
    acknowledged: dict[str, dict] = {}
    shared_updates: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        session = requests.Session()
        for i in range(writes):
            server = replicas[(n + i) % 2]
            rid = f"conc-{n}-{i}"
            body = value_set(rid, f"http://example.org/vs/{rid}", code=f"{n}-{i}")
            r = session.put(f"{server.base}/ValueSet/{rid}", json=body, headers=WRITE, timeout=60)
            shared = {**value_set("shared", "http://example.org/vs/shared"), "title": rid}
            s = session.put(
                f"{server.base}/ValueSet/shared", json=shared, headers=WRITE, timeout=60
            )
            with lock:
                if r.status_code == 201:
                    acknowledged[rid] = r.json()
                else:
                    failures.append(f"{rid}: {r.status_code} {r.text[:200]}")
                if s.status_code in (200, 201):
                    shared_updates.append(1)
                else:
                    failures.append(f"shared: {s.status_code} {s.text[:200]}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:5]
    assert len(acknowledged) == writers * writes
    for server in replicas:
        # The writing server serves each at once; the other within its reload interval.
        assert eventually(
            lambda s=server: (
                s.get("/ValueSet/shared").json()["meta"]["versionId"] == str(len(shared_updates))
            ),
            5.0,
        ), "an update of the shared resource was lost"
        for rid, stored in acknowledged.items():
            assert server.get(f"/ValueSet/{rid}").json() == stored


def test_tokens_never_appear_in_the_logs(replicas) -> None:
    for server in replicas:
        log = server.log()
        assert "PUT /fhir/ValueSet" in log or "/fhir/ValueSet" in log  # access logging is on
        for token in (TOKEN, OTHER_TOKEN, WRONG):
            assert token not in log


def test_a_server_killed_mid_write_keeps_every_committed_write_whole(
    tmp_path: Path, replicas
) -> None:
    """SIGKILL while writers are busy; a new server on the same store serves every
    acknowledged write, and no resource it serves is half written."""
    store = replicas[0].log_path.parent / "store.sqlite"
    env = {"TERMINOLOGY_WRITE_TOKEN": TOKEN}
    victim = start_server(tmp_path, "--store", str(store), env=env)
    acknowledged: dict[str, dict] = {}
    stop = threading.Event()
    lock = threading.Lock()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            rid = f"kill-{n}-{i}"
            codes = [f"C{k}" for k in range(200 + i)]
            body = code_system(rid, f"http://example.org/cs/{rid}", codes)
            try:
                r = requests.put(
                    f"{victim.base}/CodeSystem/{rid}", json=body, headers=WRITE, timeout=30
                )
            except requests.RequestException:
                return
            if r.status_code == 201:
                with lock:
                    acknowledged[rid] = r.json()
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    eventually(lambda: len(acknowledged) >= 10, 20.0)
    os.killpg(victim.process.pid, signal.SIGKILL)
    victim.process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) >= 10
    revived = start_server(tmp_path, "--store", str(store), env=env)
    try:
        for rid, stored in acknowledged.items():
            assert revived.get(f"/CodeSystem/{rid}").json() == stored
        # Whatever was in flight is there whole or not at all.
        for n in range(4):
            done = [int(rid.split("-")[2]) for rid in acknowledged if rid.startswith(f"kill-{n}-")]
            for i in range(max(done, default=-1) + 1, max(done, default=-1) + 3):
                r = revived.get(f"/CodeSystem/kill-{n}-{i}")
                if r.status_code == 200:
                    resource = r.json()
                    assert resource["title"] == f"{len(resource['concept'])} concepts"
                else:
                    assert r.status_code == 404
    finally:
        stop_server(revived)


def test_a_read_token_closes_reads_but_metadata(tmp_path: Path, replicas) -> None:
    store = replicas[0].log_path.parent / "store.sqlite"
    reader = "read-only-token-9c8b7a6d"
    env = {"TERMINOLOGY_WRITE_TOKEN": TOKEN, "TERMINOLOGY_READ_TOKEN": reader}
    closed = start_server(tmp_path, "--store", str(store), env=env)
    try:
        path = f"/ValueSet/{BUILTIN_VS}"
        r = closed.get(path)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="terminology"'
        etag = closed.get(path, headers={"Authorization": f"Bearer {reader}"}).headers["ETag"]
        # No 304 (nor anything else) without the token.
        assert closed.get(path, headers={"If-None-Match": etag}).status_code == 401
        assert closed.get(path, headers={"Authorization": f"Bearer {WRONG}"}).status_code == 401
        assert closed.get(path, headers=AUTH).status_code == 200
        assert closed.get("/metadata").status_code == 200
        body = value_set("by-reader", "http://example.org/vs/by-reader")
        headers = {**JSON, "Authorization": f"Bearer {reader}"}
        r = requests.put(f"{closed.base}/ValueSet/by-reader", json=body, headers=headers)
        assert r.status_code == 401
        r = requests.post(f"{closed.base}/ValueSet", json=body, headers=headers, timeout=10)
        assert r.status_code == 401
        assert put(closed, "/ValueSet/by-reader", body).status_code == 201
        for token in (TOKEN, reader, WRONG):
            assert token not in closed.log()
    finally:
        stop_server(closed)


def test_every_worker_of_the_writing_replica_serves_the_write_at_once(
    tmp_path: Path, replicas
) -> None:
    """Two workers and a reload interval of a minute: only the write signal can make the
    worker that did not take the write serve it on the next request."""
    store = replicas[0].log_path.parent / "store.sqlite"
    env = {"TERMINOLOGY_WRITE_TOKEN": TOKEN, "TERMINOLOGY_RELOAD_INTERVAL": "60"}
    server = start_server(tmp_path, "--store", str(store), "--workers", "2", env=env)
    try:
        for n in range(5):
            body = {
                **value_set("two-workers", "http://example.org/vs/two-workers"),
                "title": str(n),
            }
            assert put(server, "/ValueSet/two-workers", body).status_code in (200, 201)
            # New connections, spread over both workers.
            for _ in range(8):
                r = requests.get(
                    f"{server.base}/ValueSet/two-workers",
                    headers={"Connection": "close"},
                    timeout=10,
                )
                assert r.json()["title"] == str(n)
    finally:
        stop_server(server)


@pytest.mark.parametrize("token", ["short", "has a space in the middle"])
def test_a_weak_token_stops_the_server_from_starting(tmp_path: Path, token: str) -> None:
    with pytest.raises(RuntimeError) as failed:
        start_server(tmp_path, env={"TERMINOLOGY_WRITE_TOKEN": token})
    assert "at least 16 characters" in str(failed.value)
    assert token not in str(failed.value)
