"""The client and the client commands against the real server over HTTP (the session's
server fixture), and the README's client example run as a new user would paste it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from terminology.client import Coding, TerminologyClient, TerminologyClientError
from terminology.uris import CPT, ICD10CM
from tests.api.test_validate_resources import claim, order
from tests.conftest import ROOT, RunningServer, terminology_command

PNEUMONIA_INDICATIONS = (
    "https://chest-imaging-terminology.org/fhir/ValueSet/chest-imaging-indications"
)


@pytest.fixture
def tx(server: RunningServer):
    with TerminologyClient(server.base, timeout=10) as client:
        yield client


def test_every_operation_against_the_real_server(tx: TerminologyClient) -> None:
    found = tx.lookup(system=ICD10CM, code="J18.9", date="2025-06-01")
    assert found.display == "Pneumonia, unspecified organism"
    assert tx.lookup(coding=Coding(ICD10CM, "J18.9")).display == found.display

    assert tx.validate_code(system=ICD10CM, code="I50.9", date="2025-06-01").result is True
    missing = tx.validate_code(system=ICD10CM, code="Q99.99.9")
    assert missing.result is False and any(i.is_error for i in missing.issues)

    codes = [
        c.code for c in tx.expand(f"{ICD10CM}?fhir_vs", filter="pneumonia", page_size=7, limit=20)
    ]
    one_page = tx.expand_page(f"{ICD10CM}?fhir_vs", filter="pneumonia", count=20)
    assert codes == [c.code for c in one_page.contains] and len(set(codes)) == 20
    assert "A01.03" in codes  # typhoid pneumonia

    assert tx.subsumes("J09-J18", "J18.9", system=ICD10CM).outcome == "subsumes"
    translated = tx.translate(code="71020", system=CPT, date="2024-05-01")
    assert translated.result is True and translated.matches

    batch = tx.batch_validate_code(
        [{"system": ICD10CM, "code": "I50.9"}, {"system": ICD10CM, "code": "Q99.99.9"}]
    )
    assert [getattr(answer, "result", None) for answer in batch] == [True, False]
    reply = tx.batch(
        {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [
                {"request": {"method": "GET", "url": f"CodeSystem/$lookup?system={CPT}&code=71250"}}
            ],
        }
    )
    assert reply["entry"][0]["response"]["status"].startswith("200")
    assert tx.validate_resource(order()).valid
    assert tx.validate_resource(claim()).valid
    caps = tx.capabilities(terminology=True)
    assert ICD10CM in {cs.url for cs in caps.code_systems}
    assert tx.capabilities().fhir_version == "4.0.1"


def test_paging_yields_the_whole_expansion_in_order(tx: TerminologyClient) -> None:
    whole = tx.expand_page(PNEUMONIA_INDICATIONS, count=1000)
    paged = list(tx.expand(PNEUMONIA_INDICATIONS, page_size=3))
    assert [c.code for c in paged] == [c.code for c in whole.contains]
    assert whole.total == len(paged) > 3


def test_a_refused_request_raises_with_the_servers_outcome(tx: TerminologyClient) -> None:
    with pytest.raises(TerminologyClientError) as caught:
        tx.lookup(system=ICD10CM, code="NOT-A-CODE")
    assert caught.value.status == 404
    assert caught.value.outcome is not None and caught.value.issues[0].is_error


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*terminology_command(), *args], capture_output=True, text=True, timeout=60
    )


def test_cli_exit_statuses_and_output(server: RunningServer, tmp_path: Path) -> None:
    ok = _cli("validate-code", "--server", server.base, "--system", ICD10CM, "--code", "I50.9")
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"^result\s+true$", ok.stdout, re.M)
    assert "Heart failure, unspecified" in ok.stdout

    bad = _cli("validate-code", "--server", server.base, "--system", ICD10CM, "--code", "I50.99X")
    assert bad.returncode == 1 and re.search(r"^result\s+false$", bad.stdout, re.M)
    assert "error" in bad.stdout

    as_json = _cli(
        "lookup", "--server", server.base, "--system", ICD10CM, "--code", "J18.9", "--json"
    )
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout)["resourceType"] == "Parameters"

    in_vs = _cli(
        "validate-code",
        "--server",
        server.base,
        "--valueset",
        PNEUMONIA_INDICATIONS,
        "--system",
        CPT,
        "--code",
        "71250",
        "--json",
    )
    assert in_vs.returncode == 1
    assert json.loads(in_vs.stdout)["resourceType"] == "Parameters"

    listed = _cli(
        "expand",
        "--server",
        server.base,
        "--valueset",
        f"{ICD10CM}?fhir_vs",
        "--filter",
        "pneumonia",
        "--limit",
        "5",
    )
    assert listed.returncode == 0 and "(5 codes)" in listed.stdout

    good, broken = tmp_path / "claim.json", tmp_path / "broken.json"
    good.write_text(json.dumps(claim()))
    broken.write_text(json.dumps(order(code={"coding": [{"system": CPT, "code": "71020"}]})))
    assert _cli("validate-resource", "--server", server.base, str(good)).returncode == 0
    refused = _cli("validate-resource", "--server", server.base, str(broken))
    assert refused.returncode == 1 and "INVALID" in refused.stdout

    unknown = _cli("lookup", "--server", server.base, "--system", ICD10CM, "--code", "NOPE")
    assert unknown.returncode == 2 and "404" in unknown.stderr and "Traceback" not in unknown.stderr
    down = _cli(
        "lookup",
        "--server",
        "http://127.0.0.1:9/fhir",
        "--system",
        ICD10CM,
        "--code",
        "J18.9",
        "--timeout",
        "1",
    )
    assert down.returncode == 2 and "no answer" in down.stderr
    not_json = tmp_path / "not.json"
    not_json.write_text("{")
    failed = _cli("validate-resource", "--server", server.base, str(not_json))
    assert failed.returncode == 2 and "not JSON" in failed.stderr


def readme_client_example() -> str:
    """The Python block of the README's "Python client" section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Python client", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block, "README: the Python client section has no ```python block"
    return block.group(1)


def test_the_readme_client_example_runs_as_pasted(server: RunningServer) -> None:
    example = readme_client_example()
    assert len(example.strip().splitlines()) == 5
    # The example names the default local address; the test server runs on another port.
    assert "http://127.0.0.1:8080/fhir" in example
    code = example.replace("http://127.0.0.1:8080/fhir", server.base)
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/"
    )
    assert run.returncode == 0, run.stderr
    assert "Pneumonia, unspecified organism" in run.stdout
    assert "True" in run.stdout
