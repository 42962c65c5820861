#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+, pip and venv.

    python3 dev.py serve [terminology serve options]   # serve the built-in content on :8080
    python3 dev.py test [pytest options]                # lint, architecture, types, all tests

Each command creates ``.venv`` when it is missing and reinstalls the project only when
``pyproject.toml`` changed since the last install, so running it again is cheap and safe.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("TERMINOLOGY_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-pyproject-sha256"


def _run(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"Python 3.11 or newer is required (this is {sys.version.split()[0]})")
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    print("installing the project and its test dependencies", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[test]")
    STAMP.write_text(wanted)


def serve(args: list[str]) -> int:
    ensure_environment()
    os.execv(BIN / "terminology", [str(BIN / "terminology"), "serve", *args])
    return 0  # not reached


def test(args: list[str]) -> int:
    ensure_environment()
    steps = [
        [BIN / "ruff", "check", "terminology", "tests", "dev.py"],
        [BIN / "lint-imports"],
        [BIN / "mypy"],
        [BIN / "python", "-m", "pytest", *args],
    ]
    for step in steps:
        print("+", " ".join(str(s) for s in step), flush=True)
        code = subprocess.run([str(s) for s in step], cwd=ROOT).returncode
        if code != 0:
            return code
    return 0


def main() -> int:
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
