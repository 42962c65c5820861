"""LOINC loaded into a PostgreSQL store (TERMINOLOGY_DATABASE_URL) and served: the Playbook
attributes answer ``$expand`` property filters as on SQLite (tests/api/test_loinc.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from terminology.authoring.loinc import TERMS
from terminology.uris import LOINC
from tests.conftest import CONTENT_DIR, start_server, stop_server, terminology_command
from tests.helpers import param, properties
from tests.loaders.fixtures.loinc import make_fixture as fx

FIXTURE = Path(__file__).resolve().parents[1] / "loaders" / "fixtures" / "loinc" / "Loinc_2.84"


def test_loinc_filters_on_postgresql(
    tmp_path: Path, postgres_url: str, postgres_schema: str
) -> None:
    env = {
        "TERMINOLOGY_DATABASE_URL": postgres_url,
        "TERMINOLOGY_DATABASE_SCHEMA": postgres_schema,
        "TERMINOLOGY_CONTENT_DIR": str(CONTENT_DIR),
    }
    loaded = subprocess.run(
        [*terminology_command(), "load", "loinc", str(FIXTURE), "--release-date", "2026-02-01"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert loaded.returncode == 0, loaded.stderr
    assert f"loaded {LOINC}|2.84: 31 concepts" in loaded.stdout
    server = start_server(tmp_path, env=env)
    try:
        assert "(store postgresql://" in server.log()
        look = server.get("/CodeSystem/$lookup", params={"system": LOINC, "code": "36266-5"})
        assert param(look.json(), "version") == "2.84"
        props = properties(look.json())
        assert props["modality"] == ["CT"] and props["modality-subtype"] == ["Angio"]
        include = {
            "system": LOINC,
            "filter": [
                {"property": "modality", "op": "=", "value": "CT"},
                {"property": "region-imaged", "op": "=", "value": "Chest"},
            ],
        }
        body = {
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "valueSet",
                    "resource": {
                        "resourceType": "ValueSet",
                        "status": "active",
                        "compose": {"include": [include]},
                    },
                }
            ],
        }
        r = server.post("/ValueSet/$expand", json=body)
        assert r.status_code == 200, r.text
        codes = {c["code"] for c in r.json()["expansion"]["contains"]}
        ours = {code for code, _name, modality, _c in TERMS if modality == "CT"}
        assert codes == ours | {fx.CT_CHEST_FIXTURE, fx.CT_CHEST_DISCOURAGED}
    finally:
        stop_server(server)
