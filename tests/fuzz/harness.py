"""Sends fuzz requests to a server of its own and checks every reply against the invariants.

Invariants, for every reply:

- no 5xx;
- FHIR JSON (``application/fhir+json`` or ``application/json``) that parses, whatever the
  status; an error (>= 400) is an OperationOutcome with at least one issue;
- every OperationOutcome issue (of an error, or a validate-code's ``issues``) carries one
  ``operationoutcome-message-id`` and no deprecated ``location``;
- within the time bound (the requests timeout, so a hung worker cannot hang the campaign);
- within the size bound: 1 MiB (a search page of every CodeSystem with ``_count=1000`` and no
  summary is about 0.4 MiB) plus twice the request, since an answer may echo what it was sent;
- the same question asked twice gets the same answer (status and body), the expansion's
  ``identifier`` and ``timestamp`` aside: they are new for each expansion by design, as is
  the request id an error's diagnostics quote.

Violations are collected, not raised: a campaign reports every distinct failure class with the
smallest request that showed it instead of stopping at the first. A 5xx is classified by the
server's logged traceback (exception type and innermost frame of our code); a time-out by the
stack of the stuck worker, which the harness has Python's faulthandler print (SIGABRT) before
it restarts the server. A server that stops answering is restarted so the campaign goes on.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from terminology.codec.fhir_xml_read import parse_xml
from terminology.errors import TerminologyError
from tests.conftest import RunningServer, start_server, stop_server
from tests.fuzz.grammar import FuzzRequest, abbreviate
from tests.helpers import outcome_shape_problem

TIME_BOUND = float(os.environ.get("TERMINOLOGY_FUZZ_TIMEOUT", "5"))
SIZE_BOUND = 1024 * 1024
JSON_MEDIA = ("application/fhir+json", "application/json")
XML_MEDIA = ("application/fhir+xml", "application/xml", "text/xml")
#: Our own code, as it appears in tracebacks; the serving frames are where every worker waits.
_OURS = re.compile(r'File "([^"]*/terminology/[^"]+)", line (\d+),? in (\S+)')
_BOOT = ("/cli.py", "/serving.py")


@dataclass
class Reply:
    status: int | None
    content_type: str
    body: bytes
    elapsed: float
    error: str | None = None  # "timeout" or "connection: ..." when there is no reply

    def json(self) -> Any:
        """The body as FHIR JSON (an XML reply read into the JSON it stands for)."""
        if self.content_type.split(";")[0].strip().lower() in XML_MEDIA:
            try:
                return parse_xml(self.body)
            except TerminologyError as exc:
                raise ValueError(f"not FHIR XML: {exc.message}") from exc
        return json.loads(self.body)


@dataclass
class Failure:
    kind: str
    signature: str
    request: FuzzRequest
    detail: str
    count: int = 1

    def describe(self) -> dict[str, Any]:
        req = self.request
        body = None
        if req.body is not None:
            body = abbreviate(req.body.decode("utf-8", "backslashreplace"))
        return {
            "class": f"{self.kind}: {self.signature}",
            "seen": self.count,
            "method": req.method,
            "path": abbreviate(req.path),
            "query": abbreviate(req.query),
            "headers": req.headers,
            "body": body,
            "request_bytes": req.size(),
            "detail": self.detail[:500],
        }


@dataclass
class Collector:
    """What a campaign sent and found: per-operation counts, the slowest reply, failures."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    slowest: tuple[float, str] = (0.0, "")
    largest: tuple[int, str] = (0, "")
    failures: dict[str, Failure] = field(default_factory=dict)
    restarts: int = 0
    repeats: int = 0
    examples: int = 0
    stopped_by_budget: bool = False
    rss_before: int | None = None
    rss_after: int | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    profile: str = ""
    seed: str = ""

    def record(self, kind: str, signature: str, request: FuzzRequest, detail: str) -> None:
        key = f"{kind}: {signature}"
        found = self.failures.get(key)
        if found is None:
            self.failures[key] = Failure(kind, signature, request, detail)
            return
        found.count += 1
        if request.size() < found.request.size():
            found.request, found.detail = request, detail

    def summary(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "seed": self.seed,
            "examples": self.examples,
            "stopped_by_time_budget": self.stopped_by_budget,
            "requests": sum(self.requests.values()),
            "requests_per_operation": dict(sorted(self.requests.items())),
            "statuses": dict(sorted(self.statuses.items())),
            "repeated_for_determinism": self.repeats,
            "slowest_reply": {"seconds": round(self.slowest[0], 3), "request": self.slowest[1]},
            "largest_reply": {"bytes": self.largest[0], "request": self.largest[1]},
            "server_restarts": self.restarts,
            "server_rss_bytes": {"before": self.rss_before, "after": self.rss_after},
            "seconds": round(self.seconds, 1),
            "failure_classes": [f.describe() for f in self.failures.values()],
        }

    def text(self) -> str:
        s = self.summary()
        lines = [
            f"fuzz campaign ({s['profile']}, seed {s['seed']}): {s['examples']} examples, "
            f"{s['requests']} requests in {s['seconds']} s"
            + (", stopped by the time budget" if s["stopped_by_time_budget"] else ""),
            "requests per operation:",
            *(f"  {op:40} {n}" for op, n in s["requests_per_operation"].items()),
            f"statuses: {s['statuses']}",
            f"slowest reply: {s['slowest_reply']['seconds']} s  {s['slowest_reply']['request']}",
            f"largest reply: {s['largest_reply']['bytes']} bytes  {s['largest_reply']['request']}",
            f"server RSS (process group): before {s['server_rss_bytes']['before']} bytes, "
            f"after {s['server_rss_bytes']['after']} bytes; restarts: {s['server_restarts']}",
            f"distinct failure classes: {len(s['failure_classes'])}",
        ]
        for f in s["failure_classes"]:
            lines.append(f"- {f['class']} (seen {f['seen']}x)")
            lines.append(
                f"    {f['method']} {f['path']}" + (f"?{f['query']}" if f["query"] else "")
            )
            if f["headers"]:
                lines.append(f"    headers: {f['headers']}")
            if f["body"] is not None:
                lines.append(f"    body: {abbreviate(f['body'], 600)}")
            lines.append(f"    -> {f['detail'][:300]}")
        return "\n".join(lines)


def _short(request: FuzzRequest) -> str:
    return abbreviate(f"{request.method} {request.target}", 200)


def process_group_rss(pgid: int) -> int:
    """Resident memory of every process in the group, from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after it
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                    members.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return members


def _our_frames(text: str) -> list[tuple[str, str, str]]:
    return [
        (path.split("/terminology/", 1)[1], line, func)
        for path, line, func in _OURS.findall(text)
        if not path.endswith(_BOOT)
    ]


def traceback_signature(log: str) -> str | None:
    """``ExcType at file:line in func`` of the last Python traceback in ``log``."""
    start = log.rfind("Traceback (most recent call last):")
    if start < 0:
        return None
    block = log[start:]
    frames = _our_frames(block)
    exc = next((ln for ln in block.splitlines()[1:] if ln and not ln.startswith((" ", "\t"))), "?")
    exc_type = exc.split(":", 1)[0]
    where = f"{frames[-1][0]}:{frames[-1][1]} in {frames[-1][2]}" if frames else "outside our code"
    return f"{exc_type} at {where}"


def stack_signature(dump: str) -> str | None:
    """The innermost frame of our code in a faulthandler dump (most recent call first)."""
    for block in re.split(r"\n(?=(?:Current thread|Thread) 0x)", dump):
        frames = _our_frames(block)
        if frames:
            path, line, func = frames[0]
            return f"stuck at {path}:{line} in {func}"
    return None


#: granian 2.8's own request limits, measured and documented in the README: a request target
#: over 65,534 bytes is its 414; more than 100 header lines or a request head over its read
#: buffer (417,792 bytes) its 431. Both come with an empty body, before the app is called.
GRANIAN_MAX_TARGET = 65_534
GRANIAN_MAX_HEADER_LINES = 100
GRANIAN_HEAD_BUFFER = 417_792


def beyond_server_limits(request: FuzzRequest, status: int) -> bool:
    target = len(("/fhir" + request.target).encode())
    head = target + sum(len(k) + len(v) + 4 for k, v in request.headers.items())
    if status == 414:
        return target > GRANIAN_MAX_TARGET
    if status == 431:
        # requests adds a few headers of its own (Host, User-Agent, Accept-Encoding, ...).
        return (
            head > GRANIAN_HEAD_BUFFER - 1_024
            or len(request.headers) + 6 > GRANIAN_MAX_HEADER_LINES
        )
    return False


def granian_refused(request: FuzzRequest, reply: Reply) -> bool:
    """Whether granian itself refused ``request`` (an empty reply over one of its limits)."""
    media = reply.content_type.split(";")[0].strip()
    return not media and beyond_server_limits(request, reply.status or 0)


class FuzzServer:
    """A server for the campaign alone, restarted when it stops answering."""

    def __init__(self, tmp: Path, collector: Collector) -> None:
        self.tmp = tmp
        self.collector = collector
        self.server: RunningServer = self._start()
        self.session = requests.Session()
        self.log_offset = 0

    def _start(self) -> RunningServer:
        # faulthandler prints every thread's stack on SIGABRT: how a hang is classified.
        return start_server(self.tmp, env={"PYTHONFAULTHANDLER": "1"})

    @property
    def pgid(self) -> int:
        return self.server.process.pid

    def rss(self) -> int:
        return process_group_rss(self.pgid)

    def new_log(self) -> str:
        text = self.server.log_path.read_bytes()[self.log_offset :].decode("utf-8", "replace")
        self.log_offset += len(text.encode("utf-8", "replace"))
        return text

    def send(self, request: FuzzRequest) -> Reply:
        started = time.perf_counter()
        try:
            r = self.session.request(
                request.method,
                self.server.base + request.target,
                data=request.body,
                headers=request.headers,
                timeout=TIME_BOUND,
                allow_redirects=False,
            )
        except requests.Timeout:
            return Reply(None, "", b"", time.perf_counter() - started, "timeout")
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            # The server closed or reset the connection (other request errors are the harness's
            # own and propagate).
            error = f"connection: {type(exc).__name__}"
            return Reply(None, "", b"", time.perf_counter() - started, error)
        elapsed = time.perf_counter() - started
        return Reply(r.status_code, r.headers.get("Content-Type", ""), r.content, elapsed)

    def answers(self) -> bool:
        try:
            r = requests.get(f"{self.server.base}/metadata", timeout=TIME_BOUND)
        except requests.RequestException:
            return False
        return r.status_code == 200

    def dump_stacks(self) -> str:
        """Have every worker print its Python stacks (faulthandler) and return what it wrote."""
        self.new_log()
        for pid in _group_members(self.pgid):
            if pid != self.pgid:
                try:
                    os.kill(pid, signal.SIGABRT)
                except ProcessLookupError:
                    pass
        time.sleep(0.5)
        return self.new_log()

    def restart(self) -> None:
        self.collector.restarts += 1
        stop_server(self.server)
        self.server = self._start()
        self.session.close()
        self.session = requests.Session()
        self.log_offset = 0

    def stop(self) -> None:
        self.session.close()
        stop_server(self.server)


SUBSUMPTION_OUTCOMES = ("equivalent", "subsumes", "subsumed-by", "not-subsumed")
EXPECTED = {
    "metadata": ("CapabilityStatement", "TerminologyCapabilities", "Parameters"),
    "lookup": ("Parameters",),
    "cs-validate": ("Parameters",),
    "subsumes": ("Parameters",),
    "vs-validate": ("Parameters",),
    "expand": ("ValueSet",),
    "translate": ("Parameters",),
    "batch-validate": ("Parameters",),
    "read": ("CodeSystem", "ValueSet", "ConceptMap"),
    "search": ("Bundle",),
}


def normalise(document: Any) -> Any:
    """The body with what legitimately differs between two identical questions removed."""
    if isinstance(document, dict) and document.get("resourceType") == "ValueSet":
        expansion = document.get("expansion")
        if isinstance(expansion, dict):
            expansion = {k: v for k, v in expansion.items() if k not in ("identifier", "timestamp")}
            return {**document, "expansion": expansion}
    return document


#: The request id the server generates for each request and quotes in an error's diagnostics
#: (in JSON and in XML alike).
_REQUEST_ID = re.compile(rb"request-id: [0-9a-f]{32}")


def _without_request_id(reply: Reply) -> Reply:
    return Reply(
        reply.status,
        reply.content_type,
        _REQUEST_ID.sub(b"request-id: -", reply.body),
        reply.elapsed,
        reply.error,
    )


class Campaign:
    def __init__(self, server: FuzzServer, collector: Collector) -> None:
        self.server = server
        self.collector = collector
        self.previous: FuzzRequest | None = None

    def exchange(self, request: FuzzRequest, repeat: bool) -> None:
        reply = self._send(request)
        if reply is None or not repeat:
            return
        again = self._send(request)
        if again is None:
            return
        self.collector.repeats += 1
        self._compare(request, reply, again)

    def _send(self, request: FuzzRequest) -> Reply | None:
        c = self.collector
        c.requests[request.op] += 1
        reply = self.server.send(request)
        if reply.error is not None and reply.error.startswith("connection"):
            reply = self._retry_fresh(request, reply)
        self.previous = request
        if reply.elapsed > c.slowest[0]:
            c.slowest = (reply.elapsed, _short(request))
        if reply.error is not None:
            self._no_reply(request, reply)
            return None
        c.statuses[str(reply.status)] += 1
        if len(reply.body) > c.largest[0]:
            c.largest = (len(reply.body), _short(request))
        self._check(request, reply)
        return reply

    def _retry_fresh(self, request: FuzzRequest, reply: Reply) -> Reply:
        """A reset on a kept-alive connection may be the previous exchange's doing: ask again
        on a new connection, and blame the previous request if that one is answered."""
        self.server.session.close()
        again = self.server.send(request)
        if again.error is None and self.previous is not None:
            self.collector.record(
                "connection dropped",
                f"after {self.previous.op}, unannounced (the next request on it failed)",
                self.previous,
                f"{reply.error}; the same request on a new connection: HTTP {again.status}",
            )
        return again

    def _no_reply(self, request: FuzzRequest, reply: Reply) -> None:
        self.collector.statuses[reply.error or "?"] += 1
        server = self.server
        if server.answers():
            signature = f"{reply.error} ({request.op}); the server recovered"
        else:
            stuck = stack_signature(server.dump_stacks()) if reply.error == "timeout" else None
            signature = f"{reply.error}, server unresponsive, {stuck or 'no stack of our code'}"
            server.restart()
        detail = f"no reply within {TIME_BOUND} s" if reply.error == "timeout" else reply.error
        self.collector.record("no reply", signature, request, detail or "")

    def _check(self, request: FuzzRequest, reply: Reply) -> None:
        record = self.collector.record
        status = reply.status or 0
        if status >= 500:
            found = traceback_signature(self.server.new_log())
            signature = found or f"HTTP {status} without a logged traceback ({request.op})"
            record("5xx", signature, request, reply.body[:300].decode("utf-8", "replace"))
            return
        if reply.elapsed > TIME_BOUND:
            record("slow", request.op, request, f"{reply.elapsed:.1f} s")
        limit = SIZE_BOUND + 2 * request.size()
        if len(reply.body) > limit:
            record("too large", request.op, request, f"{len(reply.body)} bytes > {limit}")
        media = reply.content_type.split(";")[0].strip().lower()
        if request.method == "HEAD":
            return  # no body to check
        if granian_refused(request, reply):
            # granian refuses these before our app sees them (README, "Serving"): counted, and
            # kept apart from the failures, because no code of ours can answer them.
            self.collector.statuses[f"{status} from granian"] += 1
            return
        if media not in JSON_MEDIA and media not in XML_MEDIA:
            what = media or "no content type"
            preview = reply.body[:120].decode("utf-8", "replace")
            record("not FHIR JSON", f"HTTP {status} {what}", request, preview)
            return
        try:
            document = reply.json()
        except ValueError as exc:
            record("not FHIR JSON", f"HTTP {status} unparseable body", request, str(exc))
            return
        rtype = document.get("resourceType") if isinstance(document, dict) else None
        if status >= 400:
            issues = document.get("issue") if rtype == "OperationOutcome" else None
            if not (isinstance(issues, list) and issues):
                record("error not an OperationOutcome", f"HTTP {status}", request, str(rtype))
            elif problem := outcome_shape_problem(document):
                record("issue without message id", f"HTTP {status}", request, problem)
            return
        if not 200 <= status < 300:
            record("unexpected status", f"HTTP {status}", request, str(rtype))
            return
        family = request.op.split()[0]
        expected = EXPECTED.get(family)
        if expected and rtype not in expected:
            record("wrong resource", f"{family} answered {rtype}", request, str(document)[:200])
        if family == "batch-validate":
            for p in document.get("parameter", []):
                answer = p.get("resource") if isinstance(p, dict) else None
                kind = answer.get("resourceType") if isinstance(answer, dict) else None
                if p.get("name") != "validation" or kind not in ("Parameters", "OperationOutcome"):
                    record("wrong resource", "batch-validate entry", request, str(p)[:200])
            return
        if family in ("cs-validate", "vs-validate"):
            results = [
                p.get("valueBoolean")
                for p in document.get("parameter", [])
                if isinstance(p, dict) and p.get("name") == "result"
            ]
            if len(results) != 1 or not isinstance(results[0], bool):
                record("validate-code without one boolean result", family, request, str(results))
            for p in document.get("parameter", []):
                if isinstance(p, dict) and p.get("name") == "issues":
                    if problem := outcome_shape_problem(p.get("resource")):
                        record("issue without message id", family, request, problem)
        if family == "subsumes" and rtype == "Parameters":
            answers = [[{"name": "outcome", "valueCode": o}] for o in SUBSUMPTION_OUTCOMES]
            if document.get("parameter") not in answers:
                record("subsumes without one outcome", family, request, str(document)[:200])

    def _compare(self, request: FuzzRequest, first: Reply, second: Reply) -> None:
        if granian_refused(request, first) and granian_refused(request, second):
            # A request over both of granian's limits (target and head) gets its 414 or its
            # 431, by how much of the head granian had read when it checked: not our answer.
            return
        if first.status != second.status:
            detail = f"HTTP {first.status} then {second.status}"
            self.collector.record("different answers", request.op, request, detail)
            return
        first, second = _without_request_id(first), _without_request_id(second)
        try:
            a, b = normalise(first.json()), normalise(second.json())
        except ValueError:
            a, b = first.body, second.body
        if a != b:
            detail = f"bodies differ: {abbreviate(str(a), 200)} / {abbreviate(str(b), 200)}"
            self.collector.record("different answers", request.op, request, detail)

    def finish(self) -> None:
        """The server must still answer /metadata at the end."""
        r = self.server.send(FuzzRequest("metadata GET", "GET", "/metadata"))
        if r.status != 200:
            self.collector.record(
                "server gone",
                "no /metadata at the end",
                FuzzRequest("end", "GET", "/metadata"),
                f"{r.status} {r.error}",
            )
