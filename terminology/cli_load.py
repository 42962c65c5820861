"""``terminology load``: vendor files into the content store, one reader per kind."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminology.cli_settings import settings_of as _settings
from terminology.config import Settings

if TYPE_CHECKING:
    from terminology.loaders.sources import Provenance
    from terminology.storage.records import ConceptRecord


def add_load_command(commands: Any) -> argparse.ArgumentParser:
    """The ``load`` subcommand and its options (``--store`` is added with the others')."""
    load: argparse.ArgumentParser = commands.add_parser(
        "load",
        help="load a vendor's code-system file into the store (atomic; a running server "
        "serves it without a restart)",
    )
    load.add_argument(
        "kind",
        choices=[
            "icd10cm-tabular",
            "icd10cm-order",
            "hcpcs",
            "snomed",
            "fhir",
            "ncci",
            "loinc",
            "radlex",
            "cpt",
        ],
        help="icd10cm-tabular: the CDC/CMS ICD-10-CM tabular XML (.xml or .xml.gz); "
        "icd10cm-order: the CMS order file (icd10cm_order_YYYY.txt), flat, no chapters; "
        "hcpcs: the CMS HCPCS Level II annual fixed-width file (HCPC2026_JAN_ANWEB...txt); "
        "snomed: a SNOMED CT RF2 release (its folder or zip; the Snapshot files are read); "
        "fhir: a FHIR NPM package (.tgz) or a folder of FHIR JSON (its CodeSystems, "
        "ValueSets and ConceptMaps); ncci: CMS's NCCI PTP files (ccipra, ccioph; .txt or "
        "the quarterly .zip, all four parts at once) and MUE files (MCR_MUE_...csv); "
        "loinc: a LOINC release (folder or zip: LoincTable/Loinc.csv and the LOINC/RSNA "
        "Radiology Playbook); radlex: the RSNA RadLex Playbook CSV (needs --version); "
        "cpt: the folder of the AMA CPT data files (LONGULT, MEDU, SHORTU, MODUL, and the CPT "
        "Link history Deleted_DTK_tab.txt when present; the year from the folder name or "
        "--version)",
    )
    load.add_argument(
        "path", type=Path, nargs="+", help="the file or folder to load (ncci: one or more)"
    )
    load.add_argument(
        "--table",
        choices=["practitioner", "hospital"],
        default=None,
        help="ncci: which table the files are, when their names do not say "
        "(practitioner: professional claims; hospital: outpatient hospital, institutional)",
    )
    load.add_argument(
        "--version",
        default=None,
        help="the fiscal year of an ICD-10-CM order file; the year of an HCPCS file whose "
        "name does not say it; the date (YYYYMMDD) of a SNOMED CT release whose file names "
        "do not say it; the LOINC version (default: the newest VersionLastChanged); the "
        "RadLex Playbook release (required); the year of a CPT release whose folder name does "
        "not say it",
    )
    load.add_argument(
        "--edition-module",
        default=None,
        help="snomed: the edition's module id (US Edition 731000124108, International "
        "900000000000207008); default: read from the concepts' modules",
    )
    load.add_argument(
        "--language-refset",
        default=None,
        help="snomed: the language refset whose preferred terms are the displays (default: "
        "US English 900000000000509007, GB English 900000000000508004 for UK editions)",
    )
    load.add_argument(
        "--columns",
        type=Path,
        default=None,
        help="cpt: a TOML file saying where the fields of each AMA file are, for a release "
        "whose layout differs from the default (README, 'Loading vendor files')",
    )
    load.add_argument(
        "--playbook",
        type=Path,
        default=None,
        help="loinc: the LoincRsnaRadiologyPlaybook.csv to read (default: the release's own)",
    )
    load.add_argument(
        "--column",
        action="append",
        default=None,
        metavar="ROLE=HEADER",
        help="radlex: the header of a column whose name differs from RSNA's (roles: rpid, "
        "long_name, short_name, letter_code); repeatable",
    )
    load.add_argument("--release", default=None, help='e.g. "FY2027, April 1, 2027 update"')
    load.add_argument("--release-date", default=None, help="ISO date of the release")
    load.add_argument(
        "--content-dir",
        type=Path,
        default=None,
        help="the content directory whose store to load into (env TERMINOLOGY_CONTENT_DIR)",
    )
    load.set_defaults(run=_load, host=None, port=None, workers=None)
    return load


def _load(args: argparse.Namespace) -> int:
    from terminology.app import open_store
    from terminology.codec.fhir_models import validate_resource
    from terminology.loaders import fhir_package, hcpcs, icd10cm, snomed_rf2
    from terminology.loaders.load import Progress, load_code_system, load_resources
    from terminology.loaders.sources import Provenance

    settings = _settings(args)
    if args.kind == "ncci":
        return _load_ncci(args, settings)
    if args.kind == "cpt":
        return _load_cpt(args, settings)
    if len(args.path) > 1:
        sys.exit(f"terminology load {args.kind}: give one file or folder")
    path: Path = args.path[0]
    provenance = Provenance(
        release=args.release, release_date=args.release_date, obtained_from=str(path)
    )
    # Read (and refuse) the file before the store is touched.
    if args.kind == "fhir":
        content = fhir_package.read_package(path, check=validate_resource)
        store = open_store(settings)
        print(load_resources(store, content.resources, content.skipped).render())
    else:
        if args.kind == "icd10cm-tabular":
            header, records = icd10cm.code_system(icd10cm.read_tabular(path), provenance)
        elif args.kind == "icd10cm-order":
            if not args.version:
                sys.exit("terminology load icd10cm-order: --version (the fiscal year) is required")
            release = icd10cm.read_order_file(path, args.version)
            header, records = icd10cm.code_system(release, provenance)
        elif args.kind == "snomed":
            rf2 = snomed_rf2.read_release(
                path,
                edition_module=args.edition_module,
                version=args.version,
                language_refset=args.language_refset,
                progress=lambda text: print(text, file=sys.stderr, flush=True),
            )
            header, records = snomed_rf2.code_system(rf2, provenance)
        elif args.kind in ("loinc", "radlex"):
            header, records = _read_playbook_kind(args, path, provenance)
        else:
            header, records = hcpcs.code_system(hcpcs.read_hcpcs(path, args.version), provenance)
        store = open_store(settings)
        progress = Progress("storing concepts")
        print(load_code_system(store, header, records, progress=progress).render())
    print(
        f"store {store.location} is at generation {store.generation()}; running servers "
        f"serve it within {settings.reload_interval:g} s"
    )
    return 0


def _read_playbook_kind(
    args: argparse.Namespace, path: Path, provenance: Provenance
) -> tuple[dict[str, Any], list[ConceptRecord]]:
    """LOINC (with its Radiology Playbook) or the RadLex Playbook: header and records."""
    from terminology.loaders import loinc, radlex_playbook

    if args.kind == "loinc":
        release = loinc.read_release(
            path,
            version=args.version,
            playbook=args.playbook,
            progress=lambda text: print(text, file=sys.stderr, flush=True),
        )
        for note in release.notes:
            print(f"note: {note}", file=sys.stderr)
        return loinc.code_system(release, provenance)
    columns = radlex_playbook.column_overrides(args.column)
    playbook = radlex_playbook.read_playbook(path, version=args.version, columns=columns)
    return radlex_playbook.code_system(playbook, provenance)


def _load_ncci(args: argparse.Namespace, settings: Settings) -> int:
    from terminology.app import open_store
    from terminology.loaders.ncci import Setting, chest_codes, read_tables, store_tables

    store = open_store(settings)
    keep = chest_codes(store)
    settings_of: dict[str | None, Setting | None] = {
        "practitioner": "professional",
        "hospital": "institutional",
        None: None,
    }
    setting = settings_of[args.table]
    tables = read_tables(args.path, keep=keep.__contains__, release=args.release, setting=setting)
    store_tables(store, tables)
    for table in tables:
        which = "practitioner" if table.setting == "professional" else "outpatient hospital"
        print(
            f"loaded the {which} {table.kind.upper()} table ({table.source}): {table.size:,} "
            f"edits involving a chest-imaging code, of {table.rows_read:,} rows read"
        )
    print(
        f"store {store.location} is at generation {store.generation()}; running servers "
        f"serve it within {settings.reload_interval:g} s"
    )
    return 0


def _load_cpt(args: argparse.Namespace, settings: Settings) -> int:
    from terminology.app import open_store
    from terminology.loaders import cpt, cpt_files, cpt_layout
    from terminology.loaders.load import Progress, load_code_system
    from terminology.loaders.sources import Provenance

    if len(args.path) > 1:
        sys.exit("terminology load cpt: give one folder (the AMA CPT data files, unzipped)")
    path: Path = args.path[0]
    # Read (and refuse) the files before the store is touched.
    release = cpt_files.read_release(path, cpt_layout.read_layouts(args.columns), args.version)
    provenance = Provenance(
        release=args.release, release_date=args.release_date, obtained_from=str(path)
    )
    fragments = cpt.our_fragments(settings.content_dir)
    header, records, lacking = cpt.code_system(release, fragments, provenance)
    store = open_store(settings)
    updates = cpt.deletion_updates(store, release)
    summary = load_code_system(
        store, header, records, progress=Progress("storing concepts"), companions=updates
    )
    print(summary.render())
    print(
        f"  {len(release.modifiers):,} modifiers; {len(release.deletions):,} deleted codes in "
        "the history"
        if release.deletions
        else f"  {len(release.modifiers):,} modifiers; no "
        "deleted-codes history file (Deleted_DTK_tab.txt) in the release"
    )
    for version_header, _records in updates:
        print(f"  recorded this release's deletions in CPT {version_header['version']}")
    if lacking:
        print(
            f"  warning: {len(lacking)} of our chest-imaging codes of {release.year} are not in "
            f"this release: {', '.join(lacking)}",
            file=sys.stderr,
        )
    print(
        f"store {store.location} is at generation {store.generation()}; running servers "
        f"serve it within {settings.reload_interval:g} s"
    )
    return 0
