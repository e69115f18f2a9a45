"""The results file of `bench.compare` (bench/results.md): every figure of every round, their mean, every ratio
between the systems, the bars of issue 8 point 2, and what else the machine was doing."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.load import LoadResult
from bench.workloads import DESCRIPTIONS, OURS, POSTGRAPHILE, RAW, SYSTEM_NAMES, SYSTEMS, WORKLOADS

# Issue 8, point 2: CPU ms per request and statements per request for our server; p99 under 4 x p50.
CPU_BARS = {"W1": 12.0, "W2": 1.5, "W3": 2.5, "W4": 1.5}
STATEMENT_BARS = {"W1": 4, "W2": 3, "W3": 10, "W4": 3}
P99_OVER_P50 = 4.0


@dataclass
class Run:
    round: int
    system: str
    workload: str
    result: LoadResult
    load_average: str


@dataclass
class Report:
    command: str
    header: dict[str, str]
    data: dict[str, Any]
    checks: dict[str, str | None]
    statements: dict[str, dict[str, float]]
    statements_note: str
    runs: list[Run] = field(default_factory=list)
    # The statements of one request, per system and workload (first 100 characters of each).
    samples: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def mean(self, system: str, workload: str, attribute: str) -> float:
        values = [getattr(r.result, attribute) for r in self.runs if r.system == system and r.workload == workload]
        return statistics.fmean(values) if values else math.nan

    def spread(self, system: str, workload: str, attribute: str) -> float:
        values = [getattr(r.result, attribute) for r in self.runs if r.system == system and r.workload == workload]
        values = [v for v in values if v > 0 and not math.isnan(v)]
        return max(values) / min(values) if len(values) > 1 else math.nan


def _f(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _div(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def _ratio(a: float, b: float) -> str:
    value = _div(a, b)
    return "-" if math.isnan(value) else f"{value:.2f}"


def _table(head: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(head)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _systems(report: Report) -> list[str]:
    present = {r.system for r in report.runs} | set(report.statements)
    return [s for s in SYSTEMS if s in present]


def render(report: Report) -> str:
    systems = _systems(report)
    workloads = [w for w in WORKLOADS if any(r.workload == w for r in report.runs)]
    lines = ["# bench/compare: our server, PostGraphile and a raw-SQL endpoint on the same data", ""]
    lines += ["Written by `python -m bench.compare` (bench/README.md says what each figure means). Command:", ""]
    lines += ["```", report.command, "```", ""]
    header = dict(report.header)
    if report.runs:
        others = [r.result.other_cores for r in report.runs]
        header["load on the machine"] = (
            "besides the server, PostgreSQL's bench backends and wrk, other processes kept"
            f" {statistics.fmean(others):.2f} of the cores busy on average during the measured windows"
            f" (least {min(others):.2f}, most {max(others):.2f}; per run below)"
        )
    lines += _table(["", ""], ([k, v] for k, v in header.items()))
    lines += ["## Data", ""]
    lines += _table(["", ""], ([k, f"{v:,}" if isinstance(v, int) else str(v)] for k, v in report.data.items()))
    lines += ["## Same answers", ""]
    lines += [
        "Fixed inputs through all three, answers reduced to one shape (bench/workloads.py `normalise`; W3 compared",
        "on the rows written, bench/write_set.py):",
        "",
    ]
    lines += [
        f"- {w}: " + ("same data" if report.checks.get(w) is None else f"**DIFFERENT**: {report.checks[w]}")
        for w in WORKLOADS
        if w in report.checks
    ]
    lines += ["", "## Mean of the rounds", ""]
    head = [
        "workload",
        "system",
        "req/s",
        "p50 ms",
        "p99 ms",
        "server CPU ms/req",
        "PostgreSQL CPU ms/req",
        "SQL statements/req",
        "failed",
    ]
    rows = []
    for w in workloads:
        for s in systems:
            failed = sum(
                r.result.failed + r.result.socket_errors for r in report.runs if (r.system, r.workload) == (s, w)
            )
            rows.append(
                [
                    f"{w} {DESCRIPTIONS[w]}" if s == systems[0] else "",
                    SYSTEM_NAMES[s],
                    _f(report.mean(s, w, "rps"), 0),
                    _f(report.mean(s, w, "p50_ms")),
                    _f(report.mean(s, w, "p99_ms")),
                    _f(report.mean(s, w, "server_ms"), 3),
                    _f(report.mean(s, w, "pg_ms"), 3),
                    _f(report.statements.get(s, {}).get(w, math.nan), 1),
                    str(failed),
                ]
            )
    lines += _table(head, rows)
    lines += ["## Ratios (mean of the rounds)", ""]
    pairs = [(OURS, POSTGRAPHILE), (OURS, RAW), (POSTGRAPHILE, RAW)]
    pairs = [(a, b) for a, b in pairs if a in systems and b in systems]
    metrics = [
        ("req/s", "rps"),
        ("p50", "p50_ms"),
        ("p99", "p99_ms"),
        ("server CPU/req", "server_ms"),
        ("PostgreSQL CPU/req", "pg_ms"),
    ]
    head = ["workload", "pair", *(m for m, _ in metrics), "statements/req"]
    rows = []
    for w in workloads:
        for a, b in pairs:
            values = [_ratio(report.mean(a, w, attr), report.mean(b, w, attr)) for _, attr in metrics]
            st = _ratio(report.statements.get(a, {}).get(w, math.nan), report.statements.get(b, {}).get(w, math.nan))
            rows.append([w if (a, b) == pairs[0] else "", f"{a} ÷ {b}", *values, st])
    lines += _table(head, rows)
    if OURS in systems:
        lines += ["## Issue 8, point 2: our server against the bars", ""]
        head = ["workload", "CPU ms/req (bar)", "statements/req (bar)", "p99 ÷ p50 (bar < 4)", "req/s ÷ PostGraphile's"]
        rows = []
        for w in workloads:
            cpu = report.mean(OURS, w, "server_ms")
            count = report.statements.get(OURS, {}).get(w, math.nan)
            tail = _div(report.mean(OURS, w, "p99_ms"), report.mean(OURS, w, "p50_ms"))
            rows.append(
                [
                    w,
                    f"{_f(cpu, 2)} ({CPU_BARS[w]}) {'met' if cpu <= CPU_BARS[w] else 'not met'}",
                    f"{_f(count, 1)} ({STATEMENT_BARS[w]}) {'met' if count <= STATEMENT_BARS[w] else 'not met'}",
                    f"{_f(tail, 2)} {'met' if tail < P99_OVER_P50 else 'not met'}",
                    _ratio(report.mean(OURS, w, "rps"), report.mean(POSTGRAPHILE, w, "rps")),
                ]
            )
        lines += _table(head, rows)
    lines += ["## Statements", "", report.statements_note, "", "The statements of one request:", ""]
    for w in workloads:
        for s in systems:
            sample = report.samples.get(s, {}).get(w)
            if sample is not None:
                lines.append(f"- {w}, {SYSTEM_NAMES[s]} ({len(sample)}):")
                lines += [f"  {i}. `{text.replace('`', chr(39))}`" for i, text in enumerate(sample, 1)]
    lines.append("")
    lines += ["## Every run", ""]
    head = [
        "round",
        "workload",
        "system",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "server CPU ms/req",
        "PostgreSQL CPU ms/req",
        "backends",
        "machine busy (cores)",
        "other load (cores)",
        "load average",
    ]
    rows = [
        [
            str(r.round),
            r.workload,
            r.system,
            f"{r.result.requests:,}",
            _f(r.result.rps, 0),
            _f(r.result.p50_ms),
            _f(r.result.p99_ms),
            _f(r.result.server_ms, 3),
            _f(r.result.pg_ms, 3),
            str(r.result.pg_backends),
            _f(r.result.machine_cores),
            _f(r.result.other_cores),
            r.load_average,
        ]
        for r in report.runs
    ]
    lines += _table(head, rows)
    lines += ["Round-to-round spread of CPU per request (largest ÷ smallest round):", ""]
    rows = [
        [w, s, _f(report.spread(s, w, "server_ms")), _f(report.spread(s, w, "pg_ms"))]
        for w in workloads
        for s in systems
    ]
    lines += _table(["workload", "system", "server CPU", "PostgreSQL CPU"], rows)
    failures = [r for r in report.runs if r.result.failed or r.result.socket_errors or r.result.timeouts]
    if failures:
        lines += ["## Failed requests", ""]
        lines += [
            f"- round {r.round} {r.system} {r.workload}: {r.result.failed} failed, {r.result.socket_errors} "
            f"socket errors, {r.result.timeouts} timeouts; first: `{r.result.sample_failure[:200]}`"
            for r in failures
        ]
        lines.append("")
    return "\n".join(lines)
