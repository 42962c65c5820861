"""Each row's figures read against its target (issue 8): printed, never asserted, because
throughput on a shared machine is measured, not promised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The targets as one line, printed above the verdicts.
TARGETS = (
    "$validate-code and full-ICD-10-CM $lookup req/s >= 0.7x the ceiling's (POST >= 0.5x), "
    "p99 <= 2x the ceiling's p99; resource $validate p99 <= 10 ms, Bundle/$validate >= 2,000 "
    "claims/s per worker; every answer right"
)


@dataclass(frozen=True, slots=True)
class Verdict:
    #: True when every target is met, False when one is missed, None for a row without target.
    met: bool | None
    text: str

    @property
    def label(self) -> str:
        return {True: "met", False: "MISSED", None: "-"}[self.met]


def verdict(row: dict[str, Any]) -> Verdict:
    """The verdict on one row of the figures (a ``RowResult`` as a plain dict)."""
    target = row.get("target")
    if not target:
        return Verdict(None, "no target")
    rps = row["ratios"]["rps_vs_ceiling"]
    p99 = row["ratios"]["p99_vs_ceiling"]
    parts = []
    rps_met = p99_met = True
    if target["rps_ratio"]:
        rps_met = rps >= target["rps_ratio"]
        parts.append(f"req/s {rps:.2f}x {'>=' if rps_met else '<'} {target['rps_ratio']:.2f}x")
    if target["p99_ratio"] != float("inf"):
        p99_met = p99 <= target["p99_ratio"]
        parts.append(f"p99 {p99:.2f}x {'<=' if p99_met else '>'} {target['p99_ratio']:.2f}x")
    if target.get("p99_ms") is not None:
        ms = row["load"]["p99_ms"]
        p99_met = p99_met and ms <= target["p99_ms"]
        parts.append(
            f"p99 {ms:.1f} ms {'<=' if ms <= target['p99_ms'] else '>'} {target['p99_ms']:.0f} ms"
        )
    if target.get("resources_per_worker") is not None:
        per_worker = row.get("resources_per_worker", 0.0)
        enough = per_worker >= target["resources_per_worker"]
        rps_met = rps_met and enough
        parts.append(
            f"{per_worker:,.0f} resources/s per worker {'>=' if enough else '<'} "
            f"{target['resources_per_worker']:,.0f}"
        )
    errors = row["load"]["errors"] + row["single"]["errors"]
    answers_right = not errors and not row.get("wrong_answer")
    if not answers_right:
        parts.append(f"{errors} failed requests" if errors else "a wrong answer")
    return Verdict(rps_met and p99_met and answers_right, ", ".join(parts))


def render_verdicts(rows: list[dict[str, Any]]) -> list[str]:
    """The verdict section of the report: one line per row, then a summary."""
    width = max(len(r["name"]) for r in rows) + 2
    verdicts = [(r["name"], verdict(r)) for r in rows]
    lines = [f"verdict against the targets ({TARGETS}):"]
    lines += [f"  {name:<{width}}{v.label:<8}{v.text}" for name, v in verdicts]
    judged = [v for _, v in verdicts if v.met is not None]
    met = sum(1 for v in judged if v.met)
    lines.append(f"targets met by {met} of {len(judged)} rows with targets")
    return lines
