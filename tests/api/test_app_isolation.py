"""Two apps in one process each serve their own content: nothing derived from one app's content
(memoised metadata bodies, rendered look-ups, cached answers) is served by the other."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from terminology.app import create_app
from terminology.config import Settings
from terminology.uris import LOINC, RADLEX
from tests.conftest import CONTENT_DIR


def _app_serving(tmp_path: Path, name: str, files: list[str]) -> Flask:
    content = tmp_path / name
    content.mkdir()
    for file in files:
        shutil.copy(CONTENT_DIR / file, content / file)
    return create_app(Settings(content_dir=content))


def _systems(app: Flask) -> set[str]:
    reply = app.test_client().get("/fhir/metadata?mode=terminology")
    assert reply.status_code == 200
    return {cs["uri"] for cs in reply.get_json()["codeSystem"]}


def test_each_app_answers_metadata_from_its_own_content(tmp_path: Path) -> None:
    loinc_app = _app_serving(tmp_path, "loinc", ["CodeSystem-loinc-2.83.json"])
    radlex_app = _app_serving(tmp_path, "radlex", ["CodeSystem-radlex-playbook.json"])
    # The first app's body is encoded (and memoised) before the second app is asked.
    assert _systems(loinc_app) == {LOINC}
    assert _systems(radlex_app) == {RADLEX}
    assert _systems(loinc_app) == {LOINC}


def test_each_app_answers_lookups_from_its_own_content(tmp_path: Path) -> None:
    loinc_app = _app_serving(tmp_path, "loinc", ["CodeSystem-loinc-2.83.json"])
    radlex_app = _app_serving(tmp_path, "radlex", ["CodeSystem-radlex-playbook.json"])
    lookup = f"/fhir/CodeSystem/$lookup?system={LOINC}&code=36554-4"
    assert loinc_app.test_client().get(lookup).status_code == 200
    assert radlex_app.test_client().get(lookup).status_code == 404
