"""FHIR NPM packages and folders of FHIR JSON: reading, writing, and refusing hostile archives
(built here, in memory, never on disk outside tmp_path)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from terminology.codec.fhir_models import validate_resource
from terminology.errors import TerminologyError
from terminology.loaders.fhir_package import Limits, read_package, write_package
from terminology.storage.loader import load_content

VALUESETS = Path(__file__).resolve().parents[2] / "valuesets"


def code_system(rid: str, url: str | None = None, **more: Any) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": rid,
        "url": url or f"http://example.org/CodeSystem/{rid}",
        "version": "1",
        "status": "active",
        "content": "complete",
        "concept": [{"code": "a", "display": "A"}],
        **more,
    }


def value_set(rid: str) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "id": rid,
        "url": f"http://example.org/ValueSet/{rid}",
        "status": "active",
        "compose": {"include": [{"system": "http://example.org/CodeSystem/cs"}]},
    }


def as_bytes(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


MANIFEST = as_bytes({"name": "example.test", "version": "0.1.0", "fhirVersions": ["4.0.1"]})


def tgz(path: Path, files: dict[str, bytes], *extra: tarfile.TarInfo) -> Path:
    """A gzipped tar of ``files`` (name -> bytes), then the members ``extra`` (no data)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    path.write_bytes(gzip.compress(raw.getvalue()))
    return path


# -- round trip and determinism ----------------------------------------------------------------


def test_a_written_package_reads_back_as_the_same_resources(tmp_path: Path) -> None:
    content = load_content(VALUESETS)
    resources = [r for rs in content.by_type.values() for r in rs]
    out = tmp_path / "chest.imaging-1.0.0.tgz"
    write_package(resources, out, "chest.imaging", "1.0.0", description="Chest imaging codes")
    package = read_package(out)
    assert package.by_type == content.by_type
    assert (package.name, package.version, package.fhir_versions) == (
        "chest.imaging", "1.0.0", ("4.0.1",),
    )  # fmt: skip
    assert package.skipped == {}

    with tarfile.open(out) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("package/package.json").read())  # type: ignore[union-attr]
        index = json.loads(tar.extractfile("package/.index.json").read())  # type: ignore[union-attr]
        assert all(m.mtime == 0 and m.uid == m.gid == 0 for m in tar.getmembers())
    assert names == sorted(names) and len(names) == len(resources) + 2
    assert manifest == {
        "name": "chest.imaging",
        "version": "1.0.0",
        "description": "Chest imaging codes",
        "author": "Chest Imaging Terminology Project",
        "fhirVersions": ["4.0.1"],
        "type": "Conformance",
        "dependencies": {"hl7.fhir.r4.core": "4.0.1"},
    }
    assert index["index-version"] == 2
    (hcpcs,) = [f for f in index["files"] if f["filename"] == "CodeSystem-hcpcs-2026.json"]
    assert hcpcs == {
        "filename": "CodeSystem-hcpcs-2026.json",
        "resourceType": "CodeSystem",
        "id": "hcpcs-2026",
        "url": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "version": "2026",
        "content": "fragment",
    }
    assert [f["filename"] for f in index["files"]] == sorted(
        n.removeprefix("package/") for n in names if n.count("-")
    )


def test_the_same_resources_give_the_same_bytes(tmp_path: Path) -> None:
    resources = [code_system("b"), value_set("vs"), code_system("a", version="2")]
    write_package(resources, tmp_path / "one.tgz", "example.test", "0.1.0")
    write_package(resources[::-1], tmp_path / "two.tgz", "example.test", "0.1.0")
    assert (tmp_path / "one.tgz").read_bytes() == (tmp_path / "two.tgz").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.tgz", "two.tgz"]


@pytest.mark.parametrize(
    ("resources", "name", "fhir_version", "message"),
    [
        ([code_system("a")], "example.test", "3.0.2", "FHIR version 3.0.2 is not one of"),
        ([code_system("a")], "Example Test", "4.0.1", "not a package name and version"),
        ([{"resourceType": "Patient", "id": "p"}], "example.test", "4.0.1", "not served here"),
        ([code_system("../a")], "example.test", "4.0.1", "'../a' is not a FHIR id"),
        ([code_system("a"), code_system("a")], "example.test", "4.0.1", "already used by"),
    ],
)
def test_write_package_refuses_what_it_could_not_read_back(
    tmp_path: Path, resources: list, name: str, fhir_version: str, message: str
) -> None:
    with pytest.raises(TerminologyError, match=message):
        write_package(resources, tmp_path / "p.tgz", name, "0.1.0", fhir_version)
    assert list(tmp_path.iterdir()) == []


# -- what a package holds ----------------------------------------------------------------------


def test_only_served_definitions_are_kept_and_the_rest_counted(tmp_path: Path) -> None:
    path = tgz(
        tmp_path / "p.tgz",
        {
            "package/package.json": MANIFEST,
            "package/.index.json": as_bytes({"index-version": 2, "files": []}),
            "package/CodeSystem-cs.json": as_bytes(code_system("cs")),
            "./package/ValueSet-vs.json": as_bytes(value_set("vs")),
            "package/StructureDefinition-sd.json": as_bytes(
                {"resourceType": "StructureDefinition", "id": "sd"}
            ),
            "package/example/CodeSystem-example.json": as_bytes(code_system("example")),
            "package/example/.index.json": b"{}",
            "package/other/spreadsheet.json": b"{}",
            "package/openapi/CodeSystem.openapi.json": as_bytes({"openapi": "3.0.2"}),
            "package/README.md": b"# read me",
            "package/xml/CodeSystem-cs.xml": b"<CodeSystem/>",
            "README.md": b"outside package/",
        },
    )
    package = read_package(path)
    assert [r["id"] for r in package.resources] == ["cs", "vs"]
    assert package.skipped == {
        "StructureDefinition": 1,
        "not JSON": 2,
        "not a FHIR resource": 1,
        "outside package/": 1,
        "package/example/": 2,
        "package/other/": 1,
    }


def test_every_resource_passes_the_content_directory_checks(tmp_path: Path) -> None:
    twice = {
        "package/package.json": MANIFEST,
        "package/CodeSystem-a.json": as_bytes(code_system("a", url="http://example.org/cs")),
        "package/CodeSystem-b.json": as_bytes(code_system("b", url="http://example.org/cs")),
    }
    with pytest.raises(TerminologyError, match=r"CodeSystem-b\.json: CodeSystem .* defined twice"):
        read_package(tgz(tmp_path / "twice.tgz", twice))
    no_url = {
        "package/package.json": MANIFEST,
        "package/cs.json": as_bytes({k: v for k, v in code_system("a").items() if k != "url"}),
    }
    with pytest.raises(TerminologyError, match=r"p\.tgz/package/cs\.json: the resource has no url"):
        read_package(tgz(tmp_path / "p.tgz", no_url))


def test_unreadable_json_is_refused_with_its_member_name(tmp_path: Path) -> None:
    files = {"package/package.json": MANIFEST, "package/CodeSystem-x.json": b'{"resourceType": '}
    with pytest.raises(
        TerminologyError, match=r"package/CodeSystem-x\.json: not readable FHIR JSON"
    ):
        read_package(tgz(tmp_path / "p.tgz", files))
    deep = {"package/package.json": MANIFEST, "package/deep.json": b"[" * 100_000}
    with pytest.raises(TerminologyError, match=r"package/deep\.json: not readable FHIR JSON"):
        read_package(tgz(tmp_path / "deep.tgz", deep))


def test_a_full_check_can_be_asked_for(tmp_path: Path) -> None:
    files = {
        "package/package.json": MANIFEST,
        "package/CodeSystem-x.json": as_bytes(code_system("x", count="many")),
    }
    path = tgz(tmp_path / "p.tgz", files)
    assert len(read_package(path).resources) == 1
    with pytest.raises(TerminologyError, match=r"CodeSystem-x\.json: not valid FHIR R4: count"):
        read_package(path, check=validate_resource)


def test_an_archive_without_package_json_is_no_package(tmp_path: Path) -> None:
    path = tgz(tmp_path / "p.tgz", {"package/CodeSystem-cs.json": as_bytes(code_system("cs"))})
    with pytest.raises(TerminologyError, match=r"not a FHIR package \(no package/package\.json\)"):
        read_package(path)
    bad = tgz(tmp_path / "bad.tgz", {"package/package.json": as_bytes({"name": "x"})})
    with pytest.raises(TerminologyError, match=r"package/package\.json: no name and version"):
        read_package(bad)


@pytest.mark.parametrize(
    "data",
    [b"not a tar file at all" * 100, gzip.compress(b"\0" * 100)[:-10], b"\x1f\x8bnot gzip"],
)
def test_a_file_that_is_no_archive_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "p.tgz"
    path.write_bytes(data)
    with pytest.raises(TerminologyError, match="not a readable package archive"):
        read_package(path)


# -- hostile archives --------------------------------------------------------------------------


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize(
    ("files", "extra"),
    [
        ({"/package/CodeSystem-x.json": b"{}"}, ()),
        ({"/etc/cron.d/evil": b"* * * * * root true"}, ()),
        ({"package/../../evil.json": b"{}"}, ()),
        ({"package/example/../../../evil.json": b"{}"}, ()),
        ({"..\\..\\evil.json": b"{}"}, ()),
        ({"C:/Windows/evil.json": b"{}"}, ()),
        ({}, (link("package/CodeSystem-x.json", "/etc/passwd"),)),
        ({}, (link("package/CodeSystem-x.json", "../../../etc/passwd", tarfile.LNKTYPE),)),
    ],
)
def test_members_that_leave_the_package_are_refused(
    tmp_path: Path, files: dict[str, bytes], extra: tuple[tarfile.TarInfo, ...]
) -> None:
    path = tgz(tmp_path / "p.tgz", {"package/package.json": MANIFEST, **files}, *extra)
    with pytest.raises(TerminologyError, match="refused: member name .* leaves the package"):
        read_package(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.tgz"]


def test_a_member_over_200_mb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    # A header that claims 300 MB, followed by a few bytes: the limit stops the read first.
    info = tarfile.TarInfo("package/CodeSystem-huge.json")
    info.size = 300 * 1024 * 1024
    raw = info.tobuf(tarfile.PAX_FORMAT) + b"{" * 4096
    path = tmp_path / "p.tgz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(TerminologyError, match="refused: 314572800 bytes, more than 209715200"):
        read_package(path)


def test_archives_past_the_total_or_member_count_limits_are_refused(tmp_path: Path) -> None:
    files = {"package/package.json": MANIFEST}
    files |= {f"package/CodeSystem-{i}.json": as_bytes(code_system(str(i))) for i in range(5)}
    path = tgz(tmp_path / "p.tgz", files)
    assert len(read_package(path).resources) == 5
    with pytest.raises(TerminologyError, match="the package holds more than 1000 bytes"):
        read_package(path, limits=Limits(total_bytes=1000))
    with pytest.raises(TerminologyError, match="refused: more than 3 members"):
        read_package(path, limits=Limits(members=3))


def test_data_hidden_in_tar_headers_counts_toward_the_limit(tmp_path: Path) -> None:
    # An extended (pax) header of 200 KB: no member's size, but bytes the reader must hold.
    info = tarfile.TarInfo("package/package.json")
    info.size = len(MANIFEST)
    info.pax_headers = {"comment": "x" * 200_000}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(MANIFEST))
    path = tmp_path / "p.tgz"
    path.write_bytes(gzip.compress(raw.getvalue()))
    assert read_package(path).name == "example.test"
    limits = Limits(total_bytes=10_000, members=10)
    with pytest.raises(TerminologyError, match=f"more than {limits.stream_bytes} bytes"):
        read_package(path, limits=limits)


# -- folders -----------------------------------------------------------------------------------


def test_a_folder_of_json_contributes_its_files_and_collection_bundles(tmp_path: Path) -> None:
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "http://example.org/CodeSystem/cs", "resource": code_system("cs")},
            {"resource": value_set("vs")},
            {"resource": {"resourceType": "Patient", "id": "p"}},
        ],
    }
    transaction = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    (tmp_path / "bundle.json").write_bytes(as_bytes(bundle))
    (tmp_path / "transaction.json").write_bytes(as_bytes(transaction))
    (tmp_path / "nested" / "deeper" / "cm.json").write_bytes(
        as_bytes(
            {
                "resourceType": "ConceptMap",
                "id": "cm",
                "url": "http://example.org/ConceptMap/cm",
                "status": "active",
            }
        )
    )
    (tmp_path / "nested" / "notes.txt").write_text("not JSON, not read")
    package = read_package(tmp_path)
    assert {t: [r["id"] for r in rs] for t, rs in package.by_type.items()} == {
        "CodeSystem": ["cs"], "ValueSet": ["vs"], "ConceptMap": ["cm"],
    }  # fmt: skip
    assert package.skipped == {"Bundle (transaction)": 1, "Patient": 1}
    assert package.name is None

    bad = {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "x"}]}
    (tmp_path / "bad.json").write_bytes(as_bytes(bad))
    with pytest.raises(TerminologyError, match=r"bad\.json: Bundle entry 0 holds no resource"):
        read_package(tmp_path)


def test_an_unpacked_package_folder_reads_as_its_archive(tmp_path: Path) -> None:
    write_package([code_system("cs"), value_set("vs")], tmp_path / "p.tgz", "example.test", "2")
    folder = tmp_path / "unpacked"
    with tarfile.open(tmp_path / "p.tgz") as tar:
        tar.extractall(folder, filter="data")
    (folder / "package" / "example").mkdir()
    (folder / "package" / "example" / "CodeSystem-ex.json").write_bytes(as_bytes(code_system("x")))
    from_folder, from_archive = read_package(folder), read_package(tmp_path / "p.tgz")
    assert from_folder.by_type == from_archive.by_type
    assert (from_folder.name, from_folder.version) == ("example.test", "2")
    assert from_folder.skipped == {"package/example/": 1}


def test_a_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TerminologyError, match="no such package file or folder"):
        read_package(tmp_path / "absent.tgz")
