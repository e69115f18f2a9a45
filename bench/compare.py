"""Our server beside PostGraphile and a raw-SQL endpoint, on the same PostgreSQL data, in one command (issue 8).

    python -m bench.compare                                  # full size: 100,000 tickets, 500,000 replies, 2,000 users
    python -m bench.compare --tickets 5000 --replies 25000 --seconds 5 --warmup 2    # a small run, about 3 minutes
    BENCH_COMPARE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_compare   # default; DROPPED first

1. Installs what is missing (bench/tools.py: node and npm from Debian, PostGraphile into bench/.node, wrk).
2. Creates the database with our PostgreSQL migrations and fills it with SQL (bench/dataset.py).
3. Same answers: starts each system alone with PostgreSQL's statement log on for the bench database, sends the
   fixed inputs and compares the answers (bench/check.py), then counts SQL statements per request over
   sequential requests (bench/statements.py). Stops if the answers differ.
4. Timed rounds, statement log off: per round, each system alone (started fresh, in alternating order from one
   round to the next), W1-W4 at `--clients` concurrent clients, a warm-up then a measured wrk run each, with the
   server's and PostgreSQL's CPU time read from /proc; W3's rows are undone after each run (bench/write_set.py).
5. Writes bench/results.md (bench/report.py).

Traffic goes to 127.0.0.1 only; every run is bounded by --seconds; the servers are stopped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import check, dataset, tools, write_set
from bench.load import run_load
from bench.processes import ROOT, Server
from bench.report import Report, Run, render
from bench.statements import StatementLog, log_statements
from bench.workloads import OURS, SYSTEM_NAMES, SYSTEMS, WORKLOADS, RequestTemplate, template

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_compare"
WARM_REQUESTS = 3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--replies", type=int, default=500_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per workload and system")
    parser.add_argument("--warmup", type=float, default=5, help="unmeasured seconds before each measured run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=10, help="database connections per server (all three)")
    parser.add_argument(
        "--viewer",
        choices=("staff", "admin"),
        default="staff",
        help="who the clients are: staff with every category in scope (default), or admins",
    )
    parser.add_argument("--count-requests", type=int, default=20, help="sequential requests per statement count")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--reuse-database", action="store_true", help="keep the database of an earlier run")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.md")
    parser.add_argument("--note", default="", help="a line about the machine for the results file")
    args = parser.parse_args(argv)
    args.systems = [s for s in args.systems.split(",") if s]
    args.workloads = [w for w in args.workloads.split(",") if w]
    if set(args.systems) - set(SYSTEMS) or set(args.workloads) - set(WORKLOADS) or OURS not in args.systems:
        parser.error(f"--systems takes {','.join(SYSTEMS)} (ours included), --workloads {','.join(WORKLOADS)}")
    if args.rounds < 1 or args.seconds <= 0 or args.clients < 1:
        parser.error("--rounds, --seconds and --clients must be positive")
    return args


async def ours_replies_arguments(http: httpx.AsyncClient) -> str:
    """`(last: 5, internal: false)` once our `Ticket.replies` takes those arguments (issue 8 point 2), else ""."""
    query = '{ __type(name: "Ticket") { fields { name args { name } } } }'
    fields = (await http.post("/graphql", json={"query": query})).json()["data"]["__type"]["fields"]
    arguments = {a["name"] for f in fields if f["name"] == "replies" for a in f["args"]}
    return "(last: 5, internal: false)" if {"last", "internal"} <= arguments else ""


async def count_statements(
    http: httpx.AsyncClient,
    templates: dict[str, RequestTemplate],
    inputs: check.Inputs,
    log: StatementLog,
    monitor: asyncpg.Connection,
    requests: int,
    workloads: list[str],
    samples: dict[str, list[str]],
) -> dict[str, float]:
    """Statements per request over `requests` sequential requests per workload; `samples` gets those of one more."""
    counts: dict[str, float] = {}
    token = inputs.tokens[0]
    for workload in workloads:
        numbers = inputs.numbers(workload)
        mark = await write_set.save_tickets(monitor, numbers) if workload == "W3" else None
        try:
            for i in range(WARM_REQUESTS):
                await check.send(http, templates[workload], numbers[i % len(numbers)], token)
            offset = log.offset()
            for i in range(requests):
                await check.send(http, templates[workload], numbers[(i + WARM_REQUESTS) % len(numbers)], token)
            # Statements a server sends right after answering (none expected) still land in the window.
            await asyncio.sleep(0.5)
            counts[workload] = log.count_since(offset) / requests
            # One more, whose statements the results file lists.
            offset = log.offset()
            await check.send(http, templates[workload], numbers[(requests + WARM_REQUESTS) % len(numbers)], token)
            await asyncio.sleep(0.5)
            samples[workload] = log.statements_since(offset)
        finally:
            if mark is not None:
                await write_set.restore(monitor, mark, vacuum=False)
    return counts


def _load_average() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def _machine() -> dict[str, str]:
    def first(path: str, key: str) -> str:
        try:
            return next(line.split(":", 1)[1].strip() for line in open(path) if line.startswith(key))
        except (OSError, StopIteration):
            return "?"

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "code": commit.strip() + (" (with uncommitted changes)" if dirty.strip() else ""),
        "CPU": f"{first('/proc/cpuinfo', 'model name')}, {len(__import__('os').sched_getaffinity(0))} cores",
        "memory": first("/proc/meminfo", "MemTotal"),
        "Python": platform.python_version(),
        "wrk": wrk[0] if wrk else "?",
    }


async def timed_rounds(
    args: argparse.Namespace,
    url: str,
    inputs: check.Inputs,
    templates: dict[str, Any],
    monitor: asyncpg.Connection,
    report: Report,
    wrk: str,
) -> None:
    database = url.rpartition("/")[2]
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-load-") as workdir:
        for round_number in range(1, args.rounds + 1):
            order = args.systems if round_number % 2 else list(reversed(args.systems))
            for system in order:
                async with Server(system, url, args.pool_size) as server:
                    for workload in args.workloads:
                        numbers = inputs.numbers(workload)
                        mark = await write_set.save_tickets(monitor, numbers) if workload == "W3" else None
                        try:
                            result = await run_load(
                                wrk=wrk,
                                base_url=server.base_url,
                                request=templates[system][workload],
                                numbers=numbers,
                                tokens=inputs.tokens,
                                clients=args.clients,
                                warmup_seconds=args.warmup,
                                seconds=args.seconds,
                                server_pid=server.pid,
                                monitor=monitor,
                                database=database,
                                workdir=Path(workdir),
                            )
                        finally:
                            if mark is not None:
                                await write_set.restore(monitor, mark)
                        report.runs.append(Run(round_number, system, workload, result, _load_average()))
                        print(
                            f"round {round_number} {system:12} {workload}: {result.rps:8.0f} req/s, p50 "
                            f"{result.p50_ms:6.1f} ms, p99 {result.p99_ms:6.1f} ms, server {result.server_ms:6.2f}"
                            f" ms/req, PostgreSQL {result.pg_ms:6.2f} ms/req, failed {result.failed}, other load"
                            f" {result.other_cores:.2f} cores",
                            flush=True,
                        )
                        args.results.write_text(render(report))


async def main(args: argparse.Namespace) -> int:
    import os

    url = os.environ.get("BENCH_COMPARE_DATABASE_URL", DEFAULT_URL)
    database = url.rpartition("/")[2]
    versions: dict[str, str] = {}
    if "postgraphile" in args.systems:
        versions = tools.ensure_node_packages()
    wrk = tools.ensure_wrk()
    sizes = dataset.Sizes(tickets=args.tickets, replies=args.replies, users=args.users, clients=args.clients)
    steps: dict[str, float] = {}
    if not args.reuse_database:
        print(f"building {database}: {sizes}", flush=True)
        steps = await dataset.build(url, sizes)
        print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()), flush=True)
    # Opened before the statement log is switched on, and left out of every count.
    monitor = await asyncpg.connect(url)
    try:
        data: dict[str, Any] = await dataset.counts(monitor)
        data.update({f"{k} (seconds)": f"{v:.1f}" for k, v in steps.items()})
        inputs = await check.pick_inputs(monitor, sizes, args.viewer, args.clients)
        header = {
            **_machine(),
            "PostgreSQL": str(await monitor.fetchval("SHOW server_version")),
            **{k: v for k, v in versions.items()},
            "clients": f"{args.clients} ({args.viewer}; one wrk thread and connection each)",
            "pool": f"{args.pool_size} connections per server",
            "runs": f"{args.rounds} rounds; "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per workload and system",
            "note": args.note or "-",
        }
        log = await StatementLog.locate(monitor, database)
        statements_note = (
            f"Counted in PostgreSQL's statement log ({log.path}) over {args.count_requests} sequential requests"
            " per workload after 3 unmeasured ones, with `log_statement = 'all'` set on the bench database only."
            " Each statement a client sends counts once (a reset query of four commands sent together is one);"
            " what a SQL function runs inside (PostGraphile's `add_reply`) is not a statement of its own, its cost"
            " is in PostgreSQL's CPU."
            if isinstance(log, StatementLog)
            else f"Not counted: {log}."
        )
        report = Report(
            shlex.join([sys.executable, "-m", "bench.compare", *sys.argv[1:]]), header, data, {}, {}, statements_note
        )
        templates: dict[str, dict[str, RequestTemplate]] = {}
        collected: dict[str, dict[str, Any]] = {}
        if isinstance(log, StatementLog):
            await log_statements(monitor, database, on=True)
        try:
            for system in args.systems:
                async with Server(system, url, args.pool_size) as server:
                    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as http:
                        extra = await ours_replies_arguments(http) if system == OURS else ""
                        templates[system] = {w: template(system, w, ours_replies_arguments=extra) for w in WORKLOADS}
                        collected[system] = await check.answers(http, system, templates[system], inputs, monitor)
                        if isinstance(log, StatementLog):
                            report.statements[system] = await count_statements(
                                http,
                                templates[system],
                                inputs,
                                log,
                                monitor,
                                args.count_requests,
                                args.workloads,
                                report.samples.setdefault(system, {}),
                            )
                print(f"checked {SYSTEM_NAMES[system]}; statements per request: {report.statements.get(system)}")
        finally:
            if isinstance(log, StatementLog):
                await log_statements(monitor, database, on=False)
        report.checks = check.compare(collected, OURS)
        args.results.write_text(render(report))
        if any(report.checks.values()):
            for workload, difference in report.checks.items():
                if difference:
                    print(f"{workload}: the systems answer differently: {difference}", file=sys.stderr)
            return 1
        started = time.monotonic()
        await timed_rounds(args, url, inputs, templates, monitor, report, wrk)
        print(f"timed rounds took {math.ceil(time.monotonic() - started)} s; results in {args.results}")
    finally:
        await monitor.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
