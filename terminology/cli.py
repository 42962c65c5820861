"""The ``terminology`` command: ``serve`` the content, ``check-content`` a content directory,
``load`` vendor files, and the client commands (``lookup``, ``validate-code``, ...)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from terminology.cli_load import add_load_command
from terminology.cli_settings import settings_of as _settings
from terminology.errors import TerminologyError


def check_content(content_dir: Path) -> list[str]:
    """Problems that would make the server serve wrong content; empty when all is well."""
    from terminology.codec.content_checks import validate_directory

    return validate_directory(content_dir)


def _serve(args: argparse.Namespace) -> int:
    from terminology.serving import metrics_directory

    # Before anything imports prometheus-client: it reads the variable once, on import, and the
    # workers inherit it.
    with metrics_directory():
        return _serve_with_metrics(args)


def _serve_with_metrics(args: argparse.Namespace) -> int:
    from terminology import logs
    from terminology.serving import check_address_free, serve_wsgi

    settings = _settings(args)
    try:
        write_tokens = settings.write_tokens()
    except ValueError as exc:
        sys.exit(f"terminology: {exc}")
    # Checked first so a second server on a busy port fails at once; serve_wsgi checks again.
    check_address_free(settings.host, settings.port)
    problems = check_content(settings.content_dir)
    if problems:
        for problem in problems:
            print(f"terminology: {problem}", file=sys.stderr)
        print(
            f"terminology: {settings.content_dir} has invalid content; not serving it",
            file=sys.stderr,
        )
        return 1
    # Loaded here, once, rather than by each worker as it starts.
    from terminology.app import open_store

    opened = open_store(settings)
    # The workers build the app from these variables, so they serve what was just checked.
    os.environ["TERMINOLOGY_CONTENT_DIR"] = str(settings.content_dir)
    os.environ["TERMINOLOGY_STORE"] = str(settings.store_path)
    os.environ["TERMINOLOGY_MAX_BODY_BYTES"] = str(settings.max_body_bytes)
    print(
        f"serving {settings.content_dir} (store {opened.location}) at http://{settings.host}:{settings.port}"
        f"{settings.base_path} with {settings.workers} workers",
        flush=True,
    )
    # How many tokens, never which.
    writes = (
        f"enabled, {len(write_tokens)} write token(s)"
        if write_tokens
        else "disabled (no write token configured)"
    )
    reads = "need a token" if settings.read_token else "open"
    print(f"REST writes: {writes}; reads: {reads}", flush=True)
    serve_wsgi(
        "terminology.wsgi:app",
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        # The app writes its own access lines (JSON, with the route and request id), so
        # granian's are off; TERMINOLOGY_ACCESS_LOG reaches the workers through the environment.
        access_log=False,
        log_config=logs.config(logs.log_format()),
        threads=settings.threads,
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    problems = check_content(settings.content_dir)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{settings.content_dir}: content is valid")
    return 1 if problems else 0


def _package(args: argparse.Namespace) -> int:
    from terminology import __version__
    from terminology.loaders.fhir_package import write_package
    from terminology.storage.loader import load_content

    settings = _settings(args)
    content = load_content(settings.content_dir)
    resources = [r for rtype in content.by_type.values() for r in rtype]
    write_package(
        resources,
        args.out,
        args.name,
        args.package_version or __version__,
        description="Chest-imaging procedure and indication codes: CodeSystems (our CPT "
        "descriptions, HCPCS, LOINC, SNOMED CT and RadLex subsets), ValueSets and ConceptMaps.",
    )
    print(f"wrote {len(resources)} resources to {args.out}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from terminology.bench.report import failures, render
    from terminology.bench.runner import bench
    from terminology.bench.wrk import BenchError

    try:
        figures = bench(
            duration=args.duration,
            connections=args.connections,
            workers=args.workers,
            response_cache=not args.no_response_cache,
            rounds=max(1, args.rounds),
            target=args.target,
            only=tuple(args.only or ()),
        )
    except BenchError as exc:
        print(f"terminology bench: {exc}", file=sys.stderr)
        return 2
    print(render(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    problems = failures(figures)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    from terminology import logs

    try:
        logs.configure()
    except ValueError as exc:
        sys.exit(f"terminology: {exc}")
    parser = argparse.ArgumentParser(prog="terminology", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the FHIR terminology API")
    check = commands.add_parser("check-content", help="validate a content directory")
    for sub in (serve, check):
        sub.add_argument(
            "--content-dir",
            type=Path,
            default=None,
            help="directory of FHIR JSON content (env TERMINOLOGY_CONTENT_DIR)",
        )
        sub.add_argument(
            "--host",
            default=None,
            help=argparse.SUPPRESS
            if sub is check
            else "address to bind (env TERMINOLOGY_HOST, default 127.0.0.1)",
        )
        sub.add_argument(
            "--port",
            type=int,
            default=None,
            help=argparse.SUPPRESS if sub is check else "port (env TERMINOLOGY_PORT, default 8080)",
        )
        sub.add_argument(
            "--workers",
            type=int,
            default=None,
            help=argparse.SUPPRESS
            if sub is check
            else "worker processes (env TERMINOLOGY_WORKERS, default 2)",
        )
    load = add_load_command(commands)
    for sub in (serve, check, load):
        sub.add_argument(
            "--store",
            type=Path,
            default=None,
            help=argparse.SUPPRESS
            if sub is check
            else "the SQLite content store (env TERMINOLOGY_STORE; default: one per content "
            "directory under $XDG_DATA_HOME/chest-imaging-terminology)",
        )
    package = commands.add_parser(
        "package", help="write the content directory as a FHIR NPM package (.tgz)"
    )
    package.add_argument("out", type=Path, help="the .tgz file to write")
    package.add_argument(
        "--name", default="org.chest-imaging-terminology.content", help="the package name"
    )
    package.add_argument(
        "--package-version", default=None, help="the package version (default: the server's)"
    )
    package.add_argument("--content-dir", type=Path, default=None, help="the content to package")
    package.set_defaults(run=_package, host=None, port=None, workers=None)
    bench = commands.add_parser(
        "bench", help="measure the server against a bare-Flask ceiling (needs wrk)"
    )
    bench.add_argument(
        "--duration",
        type=float,
        default=15,
        help="seconds per row for each of the server and the ceiling (default 15)",
    )
    bench.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating slices the row's time is split into, server and ceiling in turn; the "
        "ratio is the median of the slices' ratios (default 3)",
    )
    bench.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    bench.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    bench.add_argument("--json", default=None, help="also write the figures to this JSON file")
    bench.add_argument(
        "--target",
        default=None,
        metavar="URL",
        help="measure the server already running at URL (on this machine: replicas behind "
        "nginx, say) instead of starting one; the ceiling is still one bare-Flask server of "
        "--workers workers",
    )
    bench.add_argument(
        "--no-response-cache",
        action="store_true",
        help="serve with the response cache off, so every request is computed afresh",
    )
    bench.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="measure only the rows whose name contains TEXT (repeatable); for a quick look "
        "while working, not for the figures of record",
    )
    bench.set_defaults(run=_bench)
    from terminology.client.commands import add_commands

    add_commands(commands)
    serve.set_defaults(run=_serve)
    check.set_defaults(run=_check)
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except TerminologyError as exc:
        print(f"terminology: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
