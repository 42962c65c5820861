"""Two replicas on one PostgreSQL schema behind nginx (docker/nginx/nginx.conf), as plain
processes: answers through the load balancer from both, a cache of GET operation answers that
keeps variants apart, writes seen by the other replica within the stated bound, concurrent
writers that lose nothing, and a replica killed under load."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.replicas.topology import Topology, replica_env, topology

TOKEN = "replica-write-token-8c41d0e7"
WRITE = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/fhir+json"}
#: The replicas' settings as docker/compose.yaml has them (reload interval: the default 1 s).
RELOAD_INTERVAL = 1.0
CACHE_MAX_AGE = 2
LOOKUP = "/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=J18.9"
EXPAND = "/fhir/ValueSet/$expand?url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs=isa/J18&count=20"
#: Slack for polling, scheduling on a busy 2-core machine and HTTP round trips.
SLACK = 1.5


def value_set(rid: str, codes: list[str], title: str = "") -> dict:
    return {
        "resourceType": "ValueSet",
        "id": rid,
        "url": f"http://example.org/replicas/{rid}",
        "version": "1",
        "status": "active",
        "title": title or rid,
        "compose": {
            "include": [
                {
                    "system": "http://hl7.org/fhir/sid/icd-10-cm",
                    "concept": [{"code": c} for c in codes],
                }
            ]
        },
    }


def env(postgres_url: str, schema: str) -> dict[str, str]:
    return replica_env(
        postgres_url,
        schema,
        TERMINOLOGY_WRITE_TOKEN=TOKEN,
        TERMINOLOGY_CACHE_MAX_AGE=str(CACHE_MAX_AGE),
        TERMINOLOGY_RELOAD_INTERVAL=str(RELOAD_INTERVAL),
    )


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str, postgres_schema: str) -> Iterator[Topology]:
    with topology(tmp_path, env(postgres_url, postgres_schema)) as running:
        yield running


def rebuild_seconds(log: str) -> list[float]:
    """The snapshot rebuilds a replica logged (after a load or another replica's write)."""
    return [
        float(s)
        for s in re.findall(r"now serving content generation \d+ \(loaded in ([\d.]+) s\)", log)
    ]


def test_answers_come_through_nginx_from_both_replicas(cluster: Topology) -> None:
    session = requests.Session()
    for _ in range(20):
        r = session.get(f"{cluster.base}/fhir/metadata", timeout=10)
        assert r.status_code == 200
        assert r.json()["resourceType"] == "CapabilityStatement"
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])
    # A client's own id reaches the replica and comes back; an insane one is replaced.
    r = session.get(
        f"{cluster.base}/fhir/metadata", headers={"X-Request-Id": "order-42"}, timeout=10
    )
    assert r.headers["X-Request-Id"] == "order-42"
    r = session.get(f"{cluster.base}/fhir/metadata", headers={"X-Request-Id": "a b<c>"}, timeout=10)
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])
    # Bodies over the replicas' 4 MiB get their 413; far larger ones nginx's, in FHIR too.
    for size, diagnostics in [(5, "request-id: big-5"), (9, "(8 MiB)")]:
        r = session.post(
            f"{cluster.base}/fhir/ValueSet/$validate-code",
            data=b" " * (size * 1024 * 1024),
            headers={"Content-Type": "application/fhir+json", "X-Request-Id": f"big-{size}"},
            timeout=30,
        )
        assert r.status_code == 413
        assert r.headers["Content-Type"].startswith("application/fhir+json")
        assert r.headers["X-Request-Id"] == f"big-{size}"
        assert r.json()["resourceType"] == "OperationOutcome"
        assert diagnostics in r.json()["issue"][0]["diagnostics"]
    upstreams = {json.loads(line)["upstream"] for line in cluster.access_log()}
    ports = {s.base.split("/")[2] for s in cluster.replicas}
    assert ports <= upstreams


def test_the_operation_cache_keeps_variants_apart(cluster: Topology) -> None:
    def get(path: str, **headers: str) -> requests.Response:
        return requests.get(cluster.base + path, headers=headers, timeout=10)

    json_miss, json_hit = get(LOOKUP), get(LOOKUP)
    assert (json_miss.headers["X-Cache-Status"], json_hit.headers["X-Cache-Status"]) == (
        "MISS",
        "HIT",
    )
    assert json_hit.content == json_miss.content
    assert json_hit.headers["Content-Type"].startswith("application/fhir+json")
    # A replayed answer carries the id of the request it answers, not the one that stored it.
    assert get(LOOKUP, **{"X-Request-Id": "replayed-1"}).headers["X-Request-Id"] == "replayed-1"

    xml = get(LOOKUP, Accept="application/fhir+xml")
    assert xml.headers["X-Cache-Status"] == "MISS"
    assert xml.headers["Content-Type"].startswith("application/fhir+xml")
    assert xml.text.lstrip().startswith("<")
    assert get(LOOKUP, Accept="application/fhir+xml").content == xml.content
    formatted = get(LOOKUP + "&_format=xml")
    assert formatted.headers["X-Cache-Status"] == "MISS"
    assert formatted.headers["Content-Type"].startswith("application/fhir+xml")
    assert get(LOOKUP).headers["Content-Type"].startswith("application/fhir+json")

    assert get(LOOKUP, **{"Accept-Language": "de"}).headers["X-Cache-Status"] == "MISS"

    plain = get(EXPAND, **{"Accept-Encoding": "identity"})
    zipped = requests.get(
        cluster.base + EXPAND, headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True
    )
    assert plain.headers["X-Cache-Status"] == "MISS" and "Content-Encoding" not in plain.headers
    assert zipped.headers["X-Cache-Status"] == "MISS"
    assert zipped.headers["Content-Encoding"] == "gzip"
    # Another spelling of "gzip accepted" is the same entry.
    again = get(EXPAND, **{"Accept-Encoding": "deflate, gzip;q=0.8"})
    assert again.headers["X-Cache-Status"] == "HIT" and again.headers["Content-Encoding"] == "gzip"
    assert again.json() == zipped.json()  # the very answer stored, identifier and all
    assert again.json()["expansion"]["contains"] == plain.json()["expansion"]["contains"]
    assert get(EXPAND, **{"Accept-Encoding": "identity"}).headers["X-Cache-Status"] == "HIT"

    # Errors carry their request's id: not replayed. Credentials bypass the shared cache.
    missing = LOOKUP.replace("J18.9", "J18.99")
    assert [get(missing).headers["X-Cache-Status"] for _ in range(2)] == ["MISS", "MISS"]
    assert (
        get(missing, **{"X-Request-Id": "err-7"})
        .json()["issue"][0]["diagnostics"]
        .endswith("request-id: err-7")
    )
    assert get(LOOKUP, Authorization=f"Bearer {TOKEN}").headers["X-Cache-Status"] == "BYPASS"
    # POST answers never go through the cache (nginx reports no cache status for them).
    for _ in range(2):
        posted = requests.post(
            cluster.base + "/fhir/CodeSystem/$lookup",
            data={"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "J18.9"},
            timeout=10,
        )
        assert posted.status_code == 200 and "X-Cache-Status" not in posted.headers


def test_a_write_on_one_replica_is_served_by_the_other_within_the_bound(cluster: Topology) -> None:
    first, second = cluster.replicas
    rid = "propagated"
    r = requests.put(
        f"{first.base}/ValueSet/{rid}", json=value_set(rid, ["J18.9"]), headers=WRITE, timeout=60
    )
    assert r.status_code == 201, r.text
    written = time.monotonic()
    while True:
        seen = requests.get(f"{second.base}/ValueSet/{rid}", timeout=10)
        if seen.status_code == 200:
            break
        assert time.monotonic() - written < 30, "the other replica never served the write"
        time.sleep(0.02)
    elapsed = time.monotonic() - written
    assert seen.json() == r.json()
    rebuilds = rebuild_seconds(second.log())
    assert rebuilds, second.log()
    bound = RELOAD_INTERVAL + max(rebuilds)
    print(f"propagation {elapsed:.3f} s; rebuilds {rebuilds}; bound {bound:.3f} s")
    assert elapsed <= bound + SLACK, (elapsed, rebuilds)

    # Through nginx with its cache: an operation answer about the value set follows the write
    # within the bound plus the replicas' max-age (after which nginx revalidates).
    expand = f"/fhir/ValueSet/$expand?url=http://example.org/replicas/{rid}"
    assert requests.get(cluster.base + expand, timeout=10).headers["X-Cache-Status"] == "MISS"
    cached = requests.get(cluster.base + expand, timeout=10)
    assert cached.headers["X-Cache-Status"] == "HIT"
    assert [c["code"] for c in cached.json()["expansion"]["contains"]] == ["J18.9"]
    r = requests.put(
        f"{second.base}/ValueSet/{rid}",
        json=value_set(rid, ["J18.9", "J15.9"]),
        headers=WRITE,
        timeout=60,
    )
    assert r.status_code == 200, r.text
    written = time.monotonic()
    while True:
        answer = requests.get(cluster.base + expand, timeout=10)
        assert answer.status_code == 200
        if len(answer.json()["expansion"]["contains"]) == 2:
            break
        assert time.monotonic() - written < 30, "nginx never served the new answer"
        time.sleep(0.05)
    elapsed = time.monotonic() - written
    rebuilds = rebuild_seconds(first.log())
    assert elapsed <= RELOAD_INTERVAL + max(rebuilds) + CACHE_MAX_AGE + SLACK, (elapsed, rebuilds)


def test_concurrent_writers_on_both_replicas_lose_no_acknowledged_write(cluster: Topology) -> None:
    """Writers through nginx and straight to each replica: every acknowledged create is there
    afterwards on both, and increments of one shared counter made with If-Match are all kept
    (a lost update would leave the counter short of the acknowledged increments)."""
    entries = [cluster.base + "/fhir", *(s.base for s in cluster.replicas)]
    requests.put(
        f"{entries[1]}/ValueSet/counter",
        json=value_set("counter", ["J18.9"], "0"),
        headers=WRITE,
        timeout=60,
    ).raise_for_status()
    # Every way in serves the counter before the writers start (the other replica within the
    # propagation bound), so no writer reads a 404 it would take for a lost write.
    deadline = time.monotonic() + 30
    for entry in entries:
        while requests.get(f"{entry}/ValueSet/counter", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, f"{entry} never served the counter"
            time.sleep(0.05)
    acknowledged: dict[str, str] = {}
    increments: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        session = requests.Session()
        for i in range(4):
            base = entries[(n + i) % len(entries)]
            rid = f"w{n}-{i}"
            r = session.put(
                f"{base}/ValueSet/{rid}",
                json=value_set(rid, ["J18.9"], f"t{n}.{i}"),
                headers=WRITE,
                timeout=60,
            )
            with lock:
                if r.status_code == 201:
                    acknowledged[rid] = f"t{n}.{i}"
                else:
                    failures.append(f"{rid}: {r.status_code} {r.text[:200]}")
            for _attempt in range(300):
                # Read from the replica written to: the store decides If-Match, whatever
                # generation the reading replica serves.
                read = session.get(f"{base}/ValueSet/counter", timeout=10)
                count = int(read.json()["title"])
                put = session.put(
                    f"{base}/ValueSet/counter",
                    json=value_set("counter", ["J18.9"], str(count + 1)),
                    headers={**WRITE, "If-Match": read.headers["ETag"]},
                    timeout=60,
                )
                if put.status_code == 200:
                    with lock:
                        increments.append(rid)
                    break
                if put.status_code != 412:
                    with lock:
                        failures.append(f"counter: {put.status_code} {put.text[:200]}")
                    break
                time.sleep(0.05 * (n % 3 + 1))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert len(acknowledged) == 24
    time.sleep(
        RELOAD_INTERVAL + max(rebuild_seconds("".join(s.log() for s in cluster.replicas))) + SLACK
    )
    for server in cluster.replicas:
        session = requests.Session()
        for rid, title in acknowledged.items():
            r = session.get(f"{server.base}/ValueSet/{rid}", timeout=10)
            assert r.status_code == 200 and r.json()["title"] == title, (server.base, rid)
        counter = session.get(f"{server.base}/ValueSet/counter", timeout=10).json()
        assert int(counter["title"]) == len(increments), (counter["title"], len(increments))
    assert len(increments) == 24


def test_killing_a_replica_under_load_fails_no_request(
    tmp_path: Path, postgres_url: str, postgres_schema: str
) -> None:
    with topology(tmp_path, env(postgres_url, postgres_schema)) as cluster:
        paths = [
            "/fhir/metadata",
            "/fhir/CodeSystem/$validate-code?url=http://hl7.org/fhir/sid/icd-10-cm&code=J18.9",
            "/fhir/ValueSet?_summary=count",
        ]
        statuses: list[int] = []
        cut: list[float] = []
        stop = threading.Event()

        def load(offset: int) -> None:
            session = requests.Session()
            i = offset
            while not stop.is_set():
                # A query that changes keeps the operation cache from answering for a replica.
                path = paths[i % len(paths)]
                joined = f"{path}{'&' if '?' in path else '?'}n={i}"
                try:
                    r = session.get(cluster.base + joined, timeout=30)
                except requests.exceptions.ChunkedEncodingError:
                    # nginx had passed on the killed replica's headers when it died: the body
                    # was cut, and no proxy can resend an answer it has begun. Only the
                    # requests in flight at the kill can end so; counted, not hidden.
                    cut.append(time.monotonic())
                    session = requests.Session()
                else:
                    statuses.append(r.status_code)
                i += 1

        # Offsets far apart: a thread that caught up with another's queries would be answered
        # from nginx's cache, by no replica.
        threads = [threading.Thread(target=load, args=(n * 10_000_000,)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        before = len(statuses)
        cluster.kill_replica(0)
        time.sleep(3)
        # Writes go on too, through the replica left.
        rid = "after-kill"
        r = requests.put(
            f"{cluster.base}/fhir/ValueSet/{rid}",
            json=value_set(rid, ["J18.9"]),
            headers=WRITE,
            timeout=60,
        )
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert r.status_code == 201, r.text
        assert before > 0 and len(statuses) > before + 10
        assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
        # At most one cut answer per client, each at the kill (the four were in flight then).
        assert len(cut) <= len(threads), cut
        survivor = cluster.replicas[1].base.split("/")[2]
        # The last answers a replica gave (a cache hit names none).
        answered = [json.loads(line) for line in cluster.access_log()]
        after = [entry for entry in answered if entry["upstream"]][-5:]
        assert all(entry["upstream"].endswith(survivor) for entry in after), [
            (entry.get("upstream"), entry.get("status"), entry.get("path")) for entry in after
        ]

        # With no replica left, nginx answers a FHIR OperationOutcome of its own.
        cluster.kill_replica(1)
        r = requests.get(
            f"{cluster.base}/fhir/metadata", headers={"X-Request-Id": "gone-1"}, timeout=30
        )
        assert r.status_code == 502
        assert r.headers["Content-Type"].startswith("application/fhir+json")
        assert r.headers["X-Request-Id"] == "gone-1"
        outcome = r.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["diagnostics"].endswith("request-id: gone-1")
