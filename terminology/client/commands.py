"""``terminology lookup|validate-code|validate-resource|expand --server URL``: the client on
the command line, for scripts. A readable table by default, the server's FHIR JSON with
``--json``. Exit status: 0 a valid answer, 1 ``result = false`` or an error issue, 2 a failed
call (no answer, or the server refused the request), so ``if terminology validate-code ...``
reads as it should."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from terminology.client.client import TerminologyClient
from terminology.client.errors import TerminologyClientError
from terminology.client.results import Issue

OK, NEGATIVE, FAILED = 0, 1, 2
SERVER_ENV = "TERMINOLOGY_SERVER"


def add_commands(commands: Any) -> None:
    """Add the four client commands to the ``terminology`` parser's subcommands."""
    specs = {
        "lookup": "look a code up in a code system",
        "validate-code": "is the code in the code system (or, with --valueset, the value set)?",
        "validate-resource": "$validate a ServiceRequest, Claim or Bundle read from a JSON file",
        "expand": "list the codes of a value set",
    }
    for name, help_text in specs.items():
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument(
            "--server",
            default=os.environ.get(SERVER_ENV),
            help=f"the server's FHIR base, e.g. http://127.0.0.1:8080/fhir (env {SERVER_ENV})",
        )
        sub.add_argument("--token", default=None, help="bearer token, if reads need one")
        sub.add_argument("--timeout", type=float, default=10.0, help="seconds per attempt")
        sub.add_argument("--json", action="store_true", help="print the server's FHIR JSON")
        if name in ("lookup", "validate-code"):
            sub.add_argument("--system", required=name == "lookup", help="code system URL")
            sub.add_argument("--code", required=True)
            sub.add_argument("--version", default=None, help="code system version")
        if name in ("validate-code", "expand"):
            sub.add_argument("--valueset", default=None, help="value set canonical URL")
        if name == "validate-code":
            sub.add_argument("--display", default=None, help="display to check")
        if name != "validate-resource":
            sub.add_argument("--date", default=None, help="date of service (YYYY-MM-DD)")
        if name == "expand":
            sub.add_argument("--filter", default=None, help="text filter")
            sub.add_argument("--limit", type=int, default=None, help="stop after N codes")
        if name == "validate-resource":
            sub.add_argument("file", type=Path, help="the resource, FHIR JSON")
        sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.server:
        print(
            f"terminology {args.command}: give --server URL (or set {SERVER_ENV})", file=sys.stderr
        )
        return FAILED
    try:
        with TerminologyClient(args.server, args.token, timeout=args.timeout) as client:
            return _COMMANDS[args.command](client, args)
    except TerminologyClientError as exc:
        print(f"terminology {args.command}: {exc.message}", file=sys.stderr)
        return FAILED
    except (OSError, ValueError) as exc:
        print(f"terminology {args.command}: {exc}", file=sys.stderr)
        return FAILED


def _lookup(client: TerminologyClient, args: argparse.Namespace) -> int:
    found = client.lookup(args.system, args.code, version=args.version, date=args.date)
    if args.json:
        return _print_json(found.raw, OK)
    rows = [("system", args.system), ("code", args.code), ("display", found.display)]
    rows += [("version", found.version), ("name", found.name)]
    rows += [(f"property {p.code}", _show(p.value)) for p in found.properties]
    _table(rows)
    _issue_table(found.issues)
    return NEGATIVE if any(i.is_error for i in found.issues) else OK


def _validate_code(client: TerminologyClient, args: argparse.Namespace) -> int:
    if args.valueset is None and args.system is None:
        raise ValueError("give --system (a code system) or --valueset (a value set)")
    verdict = client.validate_code(
        args.valueset,
        args.code,
        system=args.system,
        version=args.version,
        display=args.display,
        date=args.date,
    )
    status = OK if verdict.result and not any(i.is_error for i in verdict.issues) else NEGATIVE
    if args.json:
        return _print_json(verdict.raw, status)
    _table(
        [
            ("result", "true" if verdict.result else "false"),
            ("system", verdict.system or args.system),
            ("code", verdict.code or args.code),
            ("display", verdict.display),
            ("version", verdict.version),
            ("message", verdict.message),
        ]
    )
    _issue_table(verdict.issues)
    return status


def _validate_resource(client: TerminologyClient, args: argparse.Namespace) -> int:
    try:
        resource = json.loads(args.file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{args.file} is not JSON: {exc}") from exc
    if not isinstance(resource, dict):
        raise ValueError(f"{args.file} does not hold a FHIR resource")
    outcome = client.validate_resource(resource)
    status = OK if outcome.valid else NEGATIVE
    if args.json:
        return _print_json(outcome.raw, status)
    print(f"{resource.get('resourceType')} {args.file}: {'valid' if outcome.valid else 'INVALID'}")
    _issue_table(outcome.issues)
    return status


def _expand(client: TerminologyClient, args: argparse.Namespace) -> int:
    if args.valueset is None:
        raise ValueError("give --valueset URL")
    items = client.expand(args.valueset, filter=args.filter, date=args.date, limit=args.limit)
    if args.json:
        codes = [{k: v for k, v in vars(item).items() if v not in (None, False)} for item in items]
        return _print_json(codes, OK)
    _columns(["system", "code", "display"], ((i.system, i.code, i.display) for i in items))
    return OK


_COMMANDS = {
    "lookup": _lookup,
    "validate-code": _validate_code,
    "validate-resource": _validate_resource,
    "expand": _expand,
}


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("code") or value.get("display") or json.dumps(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _print_json(body: Any, status: int) -> int:
    print(json.dumps(body, indent=2, ensure_ascii=False))
    return status


def _table(rows: list[tuple[str, str | None]]) -> None:
    shown = [(k, v) for k, v in rows if v is not None]
    width = max(len(k) for k, _ in shown)
    for key, value in shown:
        print(f"{key.ljust(width)}  {value}")


def _columns(headers: list[str], rows: Iterable[tuple[str | None, ...]]) -> None:
    # Printed as the pages arrive; the widths are fixed so the first row need not wait.
    widths = [44, 12]
    print(f"{headers[0].ljust(widths[0])}  {headers[1].ljust(widths[1])}  {headers[2]}")
    count = 0
    for row in rows:
        cells = ["" if c is None else c for c in row]
        print(f"{cells[0].ljust(widths[0])}  {cells[1].ljust(widths[1])}  {cells[2]}")
        count += 1
    print(f"({count} codes)")


def _issue_table(issues: tuple[Issue, ...]) -> None:
    if not issues:
        return
    print()
    print("issues:")
    for issue in issues:
        where = f" [{', '.join(issue.expression)}]" if issue.expression else ""
        print(f"  {issue.severity:<11} {issue.code:<14} {issue.text or ''}{where}")
