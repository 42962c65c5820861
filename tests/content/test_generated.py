"""(a) The committed JSON is exactly what the generator writes, and the generator needs only
the standard library."""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

import pytest

from terminology.authoring import render

from .helpers import VALUESETS, file_names

PACKAGE = Path(__file__).resolve().parents[2] / "terminology"
AUTHORING = PACKAGE / "authoring"
#: Modules outside terminology/authoring the generator may import: the URIs it shares with the
#: server, in a module that itself imports only the standard library.
#: Plain-data modules the server and the generator share.
SHARED = ("terminology.uris", "terminology.checks.reasons")


@cache
def generated() -> dict[str, str]:
    return render()


def test_the_same_set_of_files_is_committed_and_generated() -> None:
    assert file_names() == sorted(generated())


@pytest.mark.parametrize("name", sorted(render()))
def test_committed_file_is_byte_for_byte_generated(name: str) -> None:
    path = VALUESETS / name
    assert path.is_file(), f"{name} is generated but not committed"
    assert path.read_bytes() == generated()[name].encode("utf-8"), (
        f"{name} differs from the generator: run `python -m terminology.authoring`"
    )


@pytest.mark.parametrize(
    "module",
    sorted(str(p.relative_to(PACKAGE)) for p in AUTHORING.glob("*.py"))
    + ["uris.py", "checks/reasons.py"],
)
def test_authoring_imports_only_the_standard_library(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            allowed = name.startswith("terminology.authoring") or name in SHARED
            assert top in sys.stdlib_module_names or allowed, (
                f"{module} imports {name}"
            )
