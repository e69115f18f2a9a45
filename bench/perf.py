"""Issue 8's workloads W1-W4 against one real server process: CPU per request, latency, SQL statements as
PostgreSQL logs them, and garbage-collector pauses. Not part of the test suite.

    python -m bench.perf_seed --tickets 100000           # once: database helpdesk_perf_100000
    python -m bench.perf --tickets 100000 [--clients 32] [--seconds 15] [--rounds 2] [--only W1,W3]
    python -m bench.perf --tickets 100000 --profile W1    # py-spy (pip install py-spy) for --seconds, top functions

The server is `uvicorn bench.perf_server:app` (the production app, one worker, no access log, Redis DB 6 for the
job queue so no delivery runs in the process) and the load is `wrk` with `--clients` connections. Per workload:

- statements: with `log_statement = all` set on the bench database (a server started for this), the lines
  PostgreSQL logs for 5 requests after 3 warm-ups ("statement:" and "execute" lines: authentication, BEGIN,
  COMMIT and anything the pool sends included), divided by 5;
- CPU ms per request: the server process's utime + stime from /proc over the wrk run, and the same for the
  PostgreSQL backends serving it, divided by the requests wrk completed;
- p50 / p99 from wrk, and the full (generation 2) collections inside the run from bench/perf_server.py's timer.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.perf_seed import ADMIN_TOKEN, STAFF_TOKEN, database_url

PORT = 8765
NO_ANNOUNCE = False
PG_LOG = Path("/var/log/postgresql/postgresql-15-main.log")
HZ = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parent.parent

W1 = """query W1($after: String) { tickets(first: 50, after: $after) { edges { node { number subject priority
  status { name } requester { name email } assignee { name } category { name }
  replies(last: 5, internal: false) { body author { name } } } } } }"""
# Before `replies(first, last, internal)` existed the queue read every reply and the client kept five.
W1_ALL_REPLIES = W1.replace("replies(last: 5, internal: false)", "replies")
# Issue 9's bench: W1 with links, SLA and the group selected, and the dashboard's counts by status.
W1_ISSUE_9 = W1.replace(
    "category { name }",
    "category { name } assignedGroup { name } links { type number subject status { name } }"
    " sla { state responseDueAt resolutionDueAt }",
)
COUNTS = """query Counts { ticketCounts(groupBy: STATUS) { key label count } }"""
W2 = """query W2($number: Int!) { ticket(number: $number) { number subject description priority createdAt
  status { name } requester { name email } assignee { name } category { name }
  replies { id body internal createdAt author { name } } } }"""
W3 = """mutation W3($number: Int!, $body: String!) { addReply(input: {number: $number, body: $body}) {
  reply { id createdAt } errors { code field message } } }"""
W4 = """query W4($search: String!) { tickets(first: 25, filter: {search: $search}) {
  edges { node { number subject priority updatedAt status { name } } } } }"""


@dataclass
class Workload:
    name: str
    token: str
    bodies: list[dict[str, Any]]


def workloads(tickets: int, *, all_replies: bool = False, last_page: str | None = None) -> list[Workload]:
    w1 = W1_ALL_REPLIES if all_replies else W1
    # W3 replies on Closed tickets (bench/perf_seed.py: number % 10 == 9): the reply bumps them, and a Closed ticket
    # stays out of W1's page, so W1 and W2 read the seeded data in every round. W2 opens New tickets.
    spread = [(i * 7919) % (tickets // 10) * 10 for i in range(200)]
    closed, new = [n + 9 for n in spread], [n + 1 for n in spread]
    last = [Workload("W1 last page", ADMIN_TOKEN, [{"query": w1, "variables": {"after": last_page}}])]
    return [
        Workload("W1", ADMIN_TOKEN, [{"query": w1}]),
        *(last if last_page else []),
        Workload("W1 staff", STAFF_TOKEN, [{"query": w1}]),
        Workload("W2", ADMIN_TOKEN, [{"query": W2, "variables": {"number": n}} for n in new]),
        Workload(
            "W3",
            ADMIN_TOKEN,
            [{"query": W3, "variables": {"number": n, "body": f"Bench reply on {n}, *noted*."}} for n in closed],
        ),
        Workload("W4", ADMIN_TOKEN, [{"query": W4, "variables": {"search": "printer"}}]),
        Workload("W1 links+sla", ADMIN_TOKEN, [{"query": W1_ISSUE_9}]),
        Workload("counts", ADMIN_TOKEN, [{"query": COUNTS}]),
    ]


async def last_page_cursor(url: str) -> str:
    """The `after` cursor that opens the admin's last queue page of 50 (keyset: it must cost what the first does)."""
    from resolvers.tickets.queue import TicketSort, ticket_cursor

    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            'SELECT t.updated_at, t.id FROM tickets t JOIN statuses s ON s.id = t.status_id WHERE s.kind <> $1'
            " ORDER BY t.updated_at ASC, t.id ASC OFFSET 50 LIMIT 1",
            "CLOSED",
        )
    finally:
        await conn.close()
    return ticket_cursor(TicketSort.UPDATED_DESC, dict(row))


# --- the server ----------------------------------------------------------------------------------------------


@contextmanager
def server(url: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        # --no-announce: an address where no Redis answers, so committed emails wait for the worker's pending pass
        # instead of becoming arq jobs (the write set alone, as PostGraphile's W3 does it).
        "REDIS_URL": "redis://127.0.0.1:1/0" if NO_ANNOUNCE else "redis://127.0.0.1:6379/6",
        "HELPDESK_DATA_DIR": tempfile.mkdtemp(prefix="helpdesk-perf-"),
        "SECRET_KEY": "bench-secret",
    }
    command = [sys.executable, "-m", "uvicorn", "bench.perf_server:bench_app", "--port", str(PORT), "--no-access-log"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{PORT}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError((process.stderr.read() if process.stderr else b"").decode())
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # still working through requests wrk gave up on
            process.kill()
            process.wait()


def post(workload: Workload, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {workload.token}"}
    response = httpx.post(f"http://127.0.0.1:{PORT}/graphql", json=body, headers=headers, timeout=30)
    result: dict[str, Any] = response.json()
    if response.status_code != 200 or result.get("errors"):
        raise RuntimeError(f"{workload.name}: {response.status_code} {result}")
    return result


def describe(workload: Workload, result: dict[str, Any]) -> str:
    data = result["data"]
    if "tickets" in data:
        edges = data["tickets"]["edges"]
        replies = sum(len(e["node"].get("replies") or []) for e in edges)
        return f"{len(edges)} tickets" + (f", {replies} replies" if replies else "")
    if "ticket" in data:
        return f"1 ticket, {len(data['ticket']['replies'])} replies"
    if "ticketCounts" in data:
        return f"{len(data['ticketCounts'])} buckets"
    return "1 reply" if data["addReply"]["reply"] else str(data["addReply"]["errors"])


# --- statements as PostgreSQL logs them ----------------------------------------------------------------------

_LOGGED = re.compile(r" LOG:  (statement|execute [^:]*):")


def logged_statements(database: str, offset: int) -> tuple[int, list[str]]:
    with PG_LOG.open("rb") as log:
        log.seek(offset)
        text = log.read().decode(errors="replace")
    lines = [line for line in text.splitlines() if f"@{database} LOG:  " in line and _LOGGED.search(line)]
    return len(lines), lines


async def set_logging(url: str, on: bool) -> None:
    database = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(url)
    try:
        value = "SET log_statement = 'all'" if on else "RESET log_statement"
        await conn.execute(f'ALTER DATABASE "{database}" {value}')
    finally:
        await conn.close()


def count_statements(url: str, loads: list[Workload], show: bool) -> dict[str, tuple[float, str]]:
    import asyncio

    database = url.rsplit("/", 1)[1]
    asyncio.run(set_logging(url, True))
    counts: dict[str, tuple[float, str]] = {}
    try:
        with server(url):
            for workload in loads:
                for body in workload.bodies[:3]:
                    post(workload, body)
                time.sleep(0.3)
                offset = PG_LOG.stat().st_size
                results = [post(workload, body) for body in workload.bodies[3:8] or workload.bodies * 5]
                time.sleep(0.5)
                n, lines = logged_statements(database, offset)
                counts[workload.name] = (n / len(results), describe(workload, results[0]))
                if show:
                    print(f"--- {workload.name}: {n} lines for {len(results)} requests")
                    for line in lines[: n // len(results) + 1]:
                        print("   ", line.split(" LOG:  ", 1)[1][:160])
    finally:
        asyncio.run(set_logging(url, False))
    return counts


# --- CPU, latency, collections -------------------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def backend_pids(url: str) -> list[int]:
    database = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", database
        )
    finally:
        await conn.close()
    return [r["pid"] for r in rows]


def pg_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += cpu_ticks(pid)
        except FileNotFoundError:
            pass
    return total


def lua_script(workload: Workload) -> str:
    bodies = ",\n".join(f"[==[{json.dumps(b)}]==]" for b in workload.bodies)
    return f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {workload.token}"
local bodies = {{ {bodies} }}
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, "/graphql", nil, bodies[(i % #bodies) + 1])
end
"""


def _ms(text: str) -> float:
    found = re.match(r"([\d.]+)(us|ms|s)", text)
    if found is None:
        return float("nan")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(workload: Workload, clients: int, seconds: float) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(workload))
    command = ["wrk", "-t1", f"-c{clients}", f"-d{int(seconds)}s", "--timeout", "30s", "--latency", "-s", script.name,
               f"http://127.0.0.1:{PORT}/graphql"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError(f"{workload.name}: {out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50, p99 = (re.search(rf"{p}%\s+(\S+)", out) for p in (50, 99))
    return {
        "requests": requests,
        "p50": _ms(p50.group(1)) if p50 else math.nan,
        "p99": _ms(p99.group(1)) if p99 else math.nan,
    }


def idle() -> dict[str, Any]:
    """Wait for the server to finish the requests wrk left in flight; its counters then."""
    while True:
        stats = gc_stats(reset=False)
        if stats["requests"]["in_flight"] == 0:
            return stats
        time.sleep(0.2)


def gc_stats(*, reset: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(f"http://127.0.0.1:{PORT}/bench/gc" + ("?reset=1" if reset else "")).json()
    return result


def measure(url: str, loads: list[Workload], clients: int, seconds: float, rounds: int) -> dict[str, list[dict]]:
    import asyncio

    results: dict[str, list[dict]] = {w.name: [] for w in loads}
    with server(url) as process:
        for workload in loads:  # warm-up: caches, the pool, prepared statements
            post(workload, workload.bodies[0])
            wrk(workload, clients, 2)
            idle()
        pids = asyncio.run(backend_pids(url))
        for round_ in range(rounds):
            order = loads if round_ % 2 == 0 else list(reversed(loads))
            for workload in order:
                gc_stats()
                before, pg_before = cpu_ticks(process.pid), pg_ticks(pids)
                run = wrk(workload, clients, seconds)
                stats = idle()
                done = max(1, stats["requests"]["done"])
                cpu = (cpu_ticks(process.pid) - before) * 1000 / HZ / done
                pg = (pg_ticks(pids) - pg_before) * 1000 / HZ / done
                results[workload.name].append(
                    {**run, "cpu": cpu, "pg": pg, "rps": run["requests"] / seconds, "gc2": stats["2"],
                     "plans": stats["plans"]}
                )  # fmt: skip
    return results


def profile(url: str, workload: Workload, clients: int, seconds: float) -> None:
    out = Path(tempfile.gettempdir()) / f"perf-{workload.name.replace(' ', '_')}.txt"
    with server(url) as process:
        post(workload, workload.bodies[0])
        wrk(workload, clients, 2)
        command = ["py-spy", "record", "-p", str(process.pid), "-d", str(int(seconds)), "-f", "raw", "-o", str(out)]
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wrk(workload, clients, seconds)
        spy.wait()
    print_profile(out, f"profile of {workload.name}")


def print_profile(out: Path, title: str) -> None:
    """A py-spy raw profile as own time by package (ours as one), then by function."""
    own: dict[str, int] = {}
    packages: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frame = stack.split(";")[-1]
        total += int(count)
        own[frame] = own.get(frame, 0) + int(count)
        package = _package(frame)
        packages[package] = packages.get(package, 0) + int(count)
    print(f"{title}, {total} samples ({out}): own time by package, then by function")
    for name, count in sorted(packages.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {100 * count / total:5.1f}%  {name}")
    for name, count in sorted(own.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {100 * count / total:5.1f}%  {name[:150]}")


OURS = {"core", "models", "resolvers", "schema", "jobs", "server", "bench"}


def _package(frame: str) -> str:
    """The package of a py-spy frame such as `execute (graphql/execution/executor.py:928)`; ours as one."""
    found = re.search(r"\(([^():]+):\d+\)$", frame)
    if found is None:
        return "native"
    path = found.group(1).split("site-packages/")[-1]
    top = path.split("/")[0].removesuffix(".py")
    return "ours" if top in OURS else top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", help="comma-separated workload names, e.g. W1,W3")
    parser.add_argument("--show-statements", action="store_true", help="print one request's logged statements")
    parser.add_argument("--profile", help="a workload name: py-spy it instead of measuring")
    parser.add_argument("--all-replies", action="store_true", help="W1 without replies' arguments (the old API)")
    parser.add_argument("--no-count", action="store_true", help="skip the statement count (no PG log access)")
    parser.add_argument("--no-announce", action="store_true", help="no Redis: emails are not handed to arq (W3)")
    parser.add_argument("--last-page", action="store_true", help="add W1 on the queue's last page (keyset)")
    args = parser.parse_args()
    global NO_ANNOUNCE
    NO_ANNOUNCE = args.no_announce
    url = database_url(args.tickets)
    import asyncio

    after = asyncio.run(last_page_cursor(url)) if args.last_page else None
    loads = workloads(args.tickets, all_replies=args.all_replies, last_page=after)
    if args.only:
        wanted = set(args.only.split(","))
        loads = [w for w in loads if w.name in wanted]
    if args.profile:
        profile(url, next(w for w in loads if w.name == args.profile), args.clients, args.seconds)
        return
    counts = {} if args.no_count else count_statements(url, loads, args.show_statements)
    results = measure(url, loads, args.clients, args.seconds, args.rounds)
    print(f"\n{args.tickets} tickets, {args.clients} clients, {args.rounds} x {args.seconds:g} s per workload")
    print("| workload | result | statements | CPU ms/req (rounds) | PG CPU ms/req | req/s | p50 ms | p99 ms |"
          " full GCs x max ms | planned:fallback, direct |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for workload in loads:
        runs = results[workload.name]
        n, what = counts.get(workload.name, (float("nan"), "-"))
        cpu = " / ".join(f"{r['cpu']:.2f}" for r in runs)
        pg = " / ".join(f"{r['pg']:.2f}" for r in runs)
        rps = " / ".join(f"{r['rps']:.0f}" for r in runs)
        p50 = " / ".join(f"{r['p50']:.1f}" for r in runs)
        p99 = " / ".join(f"{r['p99']:.1f}" for r in runs)
        gcs = " / ".join(f"{r['gc2']['runs']} x {1000 * r['gc2']['max']:.0f}" for r in runs)
        plans = " / ".join(
            f"{r['plans']['planned']}:{r['plans']['fallback']}, {r['plans'].get('direct', 0)}" for r in runs
        )
        print(f"| {workload.name} | {what} | {n:g} | {cpu} | {pg} | {rps} | {p50} | {p99} | {gcs} | {plans} |")


if __name__ == "__main__":
    main()
