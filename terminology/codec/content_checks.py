"""Whole-directory content checks run before serving (``terminology check-content``): the
content loads and every file is valid FHIR R4. (Not ``$validate-code``: that is
``operations/validate_code.py``.)"""

from __future__ import annotations

from pathlib import Path

from terminology.codec.fhir_models import validate_resource
from terminology.errors import TerminologyError
from terminology.providers.registry import build_providers
from terminology.storage.loader import load_content, read_json


def validate_directory(directory: Path) -> list[str]:
    problems: list[str] = []
    try:
        content = load_content(directory)
        build_providers(content.code_systems)
    except TerminologyError as exc:
        return [exc.message]
    for path in sorted(directory.rglob("*.json")):
        for problem in validate_resource(read_json(path)):
            problems.append(f"{path.relative_to(directory)}: {problem}")
    return problems
