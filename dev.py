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
import shutil
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


def _nginx_found() -> bool:
    return shutil.which("nginx") is not None or any(
        Path(p).exists() for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
    )


def ensure_nginx() -> None:
    """tests/replicas/ run nginx in front of the replicas: install Debian's package when the
    binary is missing and apt-get can (as root); else the tests say what is missing."""
    apt = shutil.which("apt-get")
    if _nginx_found() or apt is None or os.geteuid() != 0:
        return
    print("installing nginx (for tests/replicas) with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt_get(*args: str) -> int:
        return subprocess.run([apt, *args], stdout=subprocess.DEVNULL, env=env).returncode

    # nginx-light is enough (Debian 12); later releases have only nginx.
    for package in ("nginx-light", "nginx"):
        install = ["install", "-y", "-q", "--no-install-recommends", package]
        if apt_get(*install) == 0:
            return
        # A fresh machine may have no package lists yet.
        apt_get("update", "-q")
        if apt_get(*install) == 0:
            return


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


def ensure_test_environment() -> None:
    ensure_environment()
    ensure_nginx()


def serve(args: list[str]) -> int:
    ensure_environment()
    os.execv(BIN / "terminology", [str(BIN / "terminology"), "serve", *args])
    return 0  # not reached


def test(args: list[str]) -> int:
    ensure_test_environment()
    steps = [
        [BIN / "ruff", "check", "terminology", "tests", "dev.py"],
        [BIN / "lint-imports"],
        [BIN / "hadolint", "docker/Dockerfile"],
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
