"""Authoring of the published content in ``valuesets/``.

The tables (one module per terminology) and the builders turn into FHIR R4 JSON resources;
``python -m terminology.authoring`` writes them, ``--check`` compares. Standard library only:
the server never imports this package, and the content can be regenerated without installing
anything.

Comments cite "reference §n" for /work/shared/reference/chest-imaging-codes.md (the research
notes this content comes from) and give the source URL where a fact was verified later.
"""

from __future__ import annotations

from pathlib import Path

from terminology.authoring import (
    conceptmaps,
    cpt,
    hcpcs,
    icd10cm,
    loinc,
    radlex,
    reasons,
    snomed,
)
from terminology.authoring import valuesets as valuesets_module
from terminology.authoring.fhir import Resource, file_name, serialize

#: The repository's valuesets/ directory (this file is terminology/authoring/__init__.py).
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "valuesets"


def build_resources() -> list[Resource]:
    """Every resource we publish, code systems first."""
    resources: list[Resource] = []
    modules = (cpt, hcpcs, icd10cm, loinc, snomed, radlex, reasons, valuesets_module, conceptmaps)
    for module in modules:
        resources.extend(module.build())
    return resources


def render() -> dict[str, str]:
    """File name -> exact file text, for every resource."""
    out: dict[str, str] = {}
    for resource in build_resources():
        name = file_name(resource)
        if name in out:
            raise ValueError(f"two resources would be written to {name}")
        out[name] = serialize(resource)
    return dict(sorted(out.items()))


def differences(directory: Path, files: dict[str, str]) -> list[str]:
    """Names of files that are missing, different, or generated-looking but not generated."""
    diffs = []
    for name, text in files.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            diffs.append(name)
    # Every *.json in valuesets/ is generated (valuesets/README.md), so a stray one is stale.
    diffs += sorted(p.name for p in directory.glob("*.json") if p.name not in files)
    return diffs


def write(directory: Path, files: dict[str, str]) -> list[str]:
    """Write every file that differs and delete stale *.json; return what changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = differences(directory, files)
    for name in changed:
        path = directory / name
        if name in files:
            # newline="" keeps "\n" line ends on every platform (byte-for-byte reproducible).
            path.write_text(files[name], encoding="utf-8", newline="")
        else:
            path.unlink()
    return changed
