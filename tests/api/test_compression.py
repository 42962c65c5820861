"""gzip over HTTP: replies by Accept-Encoding above the threshold, and gzip request bodies."""

from __future__ import annotations

import gzip
import http.client
import json
import time
from urllib.parse import urlencode, urlsplit

import pytest

from terminology.api.compression import accepts_gzip, inflate
from terminology.errors import TerminologyError
from terminology.uris import CPT, ICD10CM
from tests.conftest import RunningServer

EXPAND = "/ValueSet/$expand"
LARGE = {"url": f"{ICD10CM}?fhir_vs", "filter": "pneumonia", "count": "50"}


def raw_get(
    server: RunningServer, path: str, params: dict[str, str], headers: dict[str, str]
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """A GET with exactly these headers (requests adds an Accept-Encoding of its own)."""
    parts = urlsplit(server.base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", f"{parts.path}{path}?{urlencode(params)}", headers=headers)
        reply = conn.getresponse()
        return reply.status, reply.headers, reply.read()
    finally:
        conn.close()


def test_a_large_reply_is_gzipped_for_a_client_that_accepts_it(server: RunningServer) -> None:
    status, headers, body = raw_get(server, EXPAND, LARGE, {"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert int(headers["Content-Length"]) == len(body)
    expansion = json.loads(gzip.decompress(body))
    assert expansion["resourceType"] == "ValueSet"
    _, plain_headers, plain = raw_get(server, EXPAND, LARGE, {})
    assert "Content-Encoding" not in plain_headers
    fresh = json.loads(plain)
    for each in (fresh, expansion):  # each expansion has its own identifier and timestamp
        del each["expansion"]["identifier"], each["expansion"]["timestamp"]
    assert fresh == expansion
    assert len(body) < len(plain) / 3
    assert headers["ETag"] == plain_headers["ETag"]


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "gzip;q=0, *", "br", "*;q=0"])
def test_no_gzip_unless_accepted(server: RunningServer, accept: str) -> None:
    status, headers, body = raw_get(server, EXPAND, LARGE, {"Accept-Encoding": accept})
    assert status == 200
    assert "Content-Encoding" not in headers
    assert json.loads(body)["resourceType"] == "ValueSet"


def test_small_replies_and_304s_are_not_gzipped(server: RunningServer) -> None:
    params = {"url": CPT, "code": "71250"}
    status, headers, body = raw_get(
        server, "/CodeSystem/$validate-code", params, {"Accept-Encoding": "gzip"}
    )
    assert status == 200 and len(body) < 1024
    assert "Content-Encoding" not in headers
    status, headers, body = raw_get(
        server, EXPAND, LARGE, {"Accept-Encoding": "gzip", "If-None-Match": "*"}
    )
    assert status == 304 and body == b""
    assert "Content-Encoding" not in headers


def parameters_body(code: str) -> bytes:
    return json.dumps(
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "url", "valueUri": CPT},
                {"name": "code", "valueCode": code},
            ],
        }
    ).encode()


def test_a_gzip_request_body_is_read(server: RunningServer) -> None:
    headers = {"Content-Type": "application/fhir+json"}
    plain = server.post(
        "/CodeSystem/$validate-code", data=parameters_body("71250"), headers=headers
    )
    packed = server.post(
        "/CodeSystem/$validate-code",
        data=gzip.compress(parameters_body("71250")),
        headers={**headers, "Content-Encoding": "gzip"},
    )
    assert packed.status_code == plain.status_code == 200
    assert packed.json() == plain.json()


def test_a_gzip_bomb_is_refused_quickly(server: RunningServer) -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB in ~64 KiB
    started = time.monotonic()
    r = server.post(
        "/CodeSystem/$validate-code",
        data=bomb,
        headers={"Content-Type": "application/fhir+json", "Content-Encoding": "gzip"},
    )
    assert time.monotonic() - started < 2
    assert r.status_code == 413
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "too-costly"
    assert "decompresses" in outcome["issue"][0]["details"]["text"]


def test_bad_and_unknown_encodings(server: RunningServer) -> None:
    headers = {"Content-Type": "application/fhir+json"}
    broken = server.post(
        "/CodeSystem/$validate-code",
        data=b"not gzip at all",
        headers={**headers, "Content-Encoding": "gzip"},
    )
    assert broken.status_code == 400
    assert broken.json()["resourceType"] == "OperationOutcome"
    brotli = server.post(
        "/CodeSystem/$validate-code",
        data=parameters_body("71250"),
        headers={**headers, "Content-Encoding": "br"},
    )
    assert brotli.status_code == 415
    assert brotli.headers["Accept-Encoding"] == "gzip"
    assert brotli.json()["resourceType"] == "OperationOutcome"


def test_accept_encoding_rules() -> None:
    assert accepts_gzip("gzip")
    assert accepts_gzip("deflate, gzip;q=0.5")
    assert accepts_gzip("*")
    assert accepts_gzip("x-gzip")
    assert not accepts_gzip("gzip;q=0, *;q=1")
    assert not accepts_gzip("identity")
    assert not accepts_gzip("*;q=0")


def test_inflate_bounds() -> None:
    data = b"x" * 1000
    assert inflate(gzip.compress(data), 1000) == data
    assert inflate(gzip.compress(data[:500]) + gzip.compress(data[500:]), 1000) == data
    with pytest.raises(TerminologyError) as too_big:
        inflate(gzip.compress(data), 999)
    assert too_big.value.status == 413
    with pytest.raises(TerminologyError) as truncated:
        inflate(gzip.compress(data)[:-10], 5000)
    assert truncated.value.status == 400
