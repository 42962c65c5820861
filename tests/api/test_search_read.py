"""Read and search of CodeSystem, ValueSet and ConceptMap, with _summary, _count and paging."""

from __future__ import annotations

import pytest

from terminology.uris import CPT, PROJECT_BASE
from tests.conftest import RunningServer
from tests.helpers import single_issue

INDICATIONS = f"{PROJECT_BASE}/ValueSet/chest-imaging-indications"


def test_read_code_system(server: RunningServer) -> None:
    r = server.get("/CodeSystem/cpt-2018")
    assert r.status_code == 200
    body = r.json()
    assert body["resourceType"] == "CodeSystem"
    assert body["id"] == "cpt-2018"
    assert body["url"] == CPT
    assert body["version"] == "2018"
    assert any(c["code"] == "71045" for c in body["concept"])


@pytest.mark.parametrize("rtype", ["CodeSystem", "ValueSet", "ConceptMap"])
def test_read_unknown_id_is_404(server: RunningServer, rtype: str) -> None:
    r = server.get(f"/{rtype}/no-such-id")
    assert r.status_code == 404
    assert single_issue(r.json())["code"] == "not-found"


def test_search_by_url_returns_every_version(server: RunningServer) -> None:
    r = server.get("/CodeSystem", params={"url": CPT, "_count": "100"})
    assert r.status_code == 200
    bundle = r.json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "searchset"
    assert bundle["total"] == 10
    versions = [e["resource"]["version"] for e in bundle["entry"]]
    assert versions == [str(y) for y in range(2017, 2027)]
    first = bundle["entry"][0]
    assert first["fullUrl"] == f"{server.base}/CodeSystem/cpt-2017"
    assert first["search"]["mode"] == "match"


def test_search_by_url_and_version(server: RunningServer) -> None:
    bundle = server.get("/CodeSystem", params={"url": CPT, "version": "2021"}).json()
    assert bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["id"] == "cpt-2021"


def test_search_value_set_by_url(server: RunningServer) -> None:
    bundle = server.get("/ValueSet", params={"url": INDICATIONS}).json()
    assert bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["url"] == INDICATIONS


def test_search_by_name_is_a_case_insensitive_prefix(server: RunningServer) -> None:
    name = server.get("/ValueSet", params={"url": INDICATIONS}).json()["entry"][0]["resource"][
        "name"
    ]
    bundle = server.get("/ValueSet", params={"name": name[:6].lower()}).json()
    assert any(e["resource"]["url"] == INDICATIONS for e in bundle["entry"])
    exact = server.get("/ValueSet", params={"name:exact": name[:6].lower()}).json()
    assert exact["total"] == 0


def test_search_by_title_and_status(server: RunningServer) -> None:
    title = server.get("/ValueSet", params={"url": INDICATIONS}).json()["entry"][0]["resource"][
        "title"
    ]
    bundle = server.get(
        "/ValueSet", params={"title:contains": title[3:12], "status": "active"}
    ).json()
    assert any(e["resource"]["url"] == INDICATIONS for e in bundle["entry"])
    assert server.get("/ValueSet", params={"status": "retired"}).json()["total"] == 0


def test_summary_true_drops_concepts_and_marks_the_subset(server: RunningServer) -> None:
    bundle = server.get(
        "/CodeSystem", params={"url": CPT, "version": "2026", "_summary": "true"}
    ).json()
    resource = bundle["entry"][0]["resource"]
    assert "concept" not in resource
    assert resource["content"] == "fragment"
    assert any(t["code"] == "SUBSETTED" for t in resource["meta"]["tag"])


def test_summary_count_gives_the_total_only(server: RunningServer) -> None:
    bundle = server.get("/CodeSystem", params={"_summary": "count"}).json()
    assert bundle["total"] >= 24
    assert "entry" not in bundle


def test_paging_with_count_and_next_links(server: RunningServer) -> None:
    seen: list[str] = []
    url: str | None = f"{server.base}/CodeSystem?url={CPT}&_count=4"
    pages = 0
    while url:
        bundle = server.get(url[len(server.base) :]).json()
        seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        pages += 1
    assert pages == 3
    assert seen == [f"cpt-{y}" for y in range(2017, 2027)]


def test_read_with_summary(server: RunningServer) -> None:
    body = server.get("/CodeSystem/icd10cm-2026", params={"_summary": "true"}).json()
    assert "concept" not in body
    assert body["version"] == "2026"


def test_elements_keeps_listed_and_mandatory_elements(server: RunningServer) -> None:
    body = server.get("/ValueSet", params={"url": INDICATIONS, "_elements": "url"}).json()
    resource = body["entry"][0]["resource"]
    assert set(resource) == {"resourceType", "id", "meta", "status", "url"}


def test_unknown_search_parameters_are_ignored(server: RunningServer) -> None:
    r = server.get("/ConceptMap", params={"x-client-trace": "abc"})
    assert r.status_code == 200
    assert r.json()["total"] == 4


@pytest.mark.parametrize("params", [{"_count": "-1"}, {"_count": "many"}, {"_summary": "maybe"}])
def test_bad_paging_or_summary_is_400(server: RunningServer, params: dict[str, str]) -> None:
    r = server.get("/ValueSet", params=params)
    assert r.status_code == 400
    assert single_issue(r.json())["expression"] == [next(iter(params))]


def test_post_search(server: RunningServer) -> None:
    r = server.post("/CodeSystem/_search", data={"url": CPT, "version": "2017"})
    assert r.status_code == 200
    assert r.json()["total"] == 1
