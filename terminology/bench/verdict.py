"""Each row's figures read against its target (issue 8): printed, never asserted, because
throughput on a shared machine is measured, not promised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The targets as one line, printed above the verdicts.
TARGETS = (
    "$validate-code and full-ICD-10-CM $lookup req/s >= 0.7x the ceiling's (POST >= 0.5x), "
    "p99 <= 2x the ceiling's p99, every answer right"
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
    rps_met = rps >= target["rps_ratio"]
    p99_met = p99 <= target["p99_ratio"]
    parts = [
        f"req/s {rps:.2f}x {'>=' if rps_met else '<'} {target['rps_ratio']:.2f}x",
        f"p99 {p99:.2f}x {'<=' if p99_met else '>'} {target['p99_ratio']:.2f}x",
    ]
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
