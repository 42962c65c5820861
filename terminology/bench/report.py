"""The bench's report: the figures as a table with verdicts, and what makes a run fail."""

from __future__ import annotations

from typing import Any

from terminology.bench.verdict import render_verdicts


def render(figures: dict[str, Any]) -> str:
    s = figures["settings"]
    width = max([len("operation"), *(len(r["name"]) for r in figures["rows"])]) + 2
    measured = (
        f"target {s['target']} against a ceiling of"
        if s.get("target")
        else "the server and the ceiling each with"
    )
    lines = [
        f"terminology bench: {measured} {s['workers']} workers under {s['wsgi_server']}, "
        f"wrk -t{s['threads']} "
        f"-c{s['connections']}, {s['duration_s']:g}s per row and side in "
        f"{s.get('rounds', 1)} alternating slices, {figures['machine']['cpus']} CPUs, "
        # A target's response cache is its own setting, not the bench's.
        + (
            f"response cache {'on' if s['response_cache'] else 'off'}"
            if not s.get("target")
            else "the target's response cache as it is configured"
        ),
        "",
        f"{'operation':<{width}}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'ceil req/s':>12}{'ceil p99':>10}{'x req/s':>9}{'x p99':>8}{'1c p50':>9}"
        f"{'1c p99':>9}  answer",
    ]
    for r in figures["rows"]:
        load, ceiling, single, ratios = r["load"], r["ceiling"], r["single"], r["ratios"]
        lines.append(
            f"{r['name']:<{width}}{load['requests_per_second']:>9.0f}{load['p50_ms']:>9.2f}"
            f"{load['p99_ms']:>9.2f}{load['errors'] + single['errors']:>8}"
            f"{ceiling['requests_per_second']:>12.0f}{ceiling['p99_ms']:>10.2f}"
            f"{ratios['rps_vs_ceiling']:>9.2f}{ratios['p99_vs_ceiling']:>8.2f}"
            f"{single['p50_ms']:>9.2f}{single['p99_ms']:>9.2f}  {r['wrong_answer'] or 'ok'}"
        )
    rotating = [r for r in figures["rows"] if r.get("distinct")]
    if rotating:
        lines.append("")
    for r in rotating:
        passes = r["load"]["requests"] / r["distinct"]
        lines.append(
            f"{r['name']}: {r['distinct']} distinct requests, each sent {passes:.1f} times on "
            "average under load"
        )
    validating = [r for r in figures["rows"] if r.get("resources_per_worker")]
    if validating:
        lines.append("")
    for r in validating:
        lines.append(
            f"{r['name']}: {r['resources_per_worker']:,.0f} resources/s per worker "
            f"({r['resources_per_worker'] * s['workers']:,.0f} with {s['workers']} workers)"
        )
    stages = figures.get("validate_stages_us")
    if stages:
        lines.append(
            "cost per resource of $validate in one process (1,000 claims and 1,000 orders, "
            "memos warm): " + ", ".join(f"{stage} {us:.0f} us" for stage, us in stages.items())
        )
    payer = figures.get("payer_rules")
    if payer:
        with_rules, without = payer["claims_per_s_with"], payer["claims_per_s_without"]
        lines.append(
            f"payer rules (NCD 210.14, NCCI pairs and units), claims/s in one process: "
            f"{with_rules:,.0f} with them, {without:,.0f} without "
            f"({with_rules / without:.2f}x; {1e6 / with_rules - 1e6 / without:.0f} us a claim)"
        )
    lines += ["", *render_verdicts(figures["rows"])]
    if figures["server_memory_kind"]:
        memory = figures["server_memory_bytes"] / (1024 * 1024)
        lines += [
            "",
            f"server memory after the run: {memory:.1f} MiB "
            f"({figures['server_memory_kind']}, summed over all server processes)",
        ]
    start_up = figures.get("start_up")
    if start_up:
        lines.append(
            f"start-up to the first answer: {start_up['new_store_s']:.1f} s with a new store "
            f"(built from the shipped content), {start_up['built_store_s']:.1f} s with it built"
        )
    return "\n".join(lines)


def failures(figures: dict[str, Any]) -> list[str]:
    out = []
    for r in figures["rows"]:
        errors = r["load"]["errors"] + r["single"]["errors"]
        if errors:
            out.append(f"{r['name']}: {errors} requests failed")
        if r["wrong_answer"]:
            out.append(f"{r['name']}: wrong answer: {r['wrong_answer']}")
    return out
