"""Live events under load (issue 11.3): how long an event takes to reach subscribers on another app process, and
what each delivery costs that process.

    python -m bench.live [--subscribers 50,200] [--events 200] [--rate 20]

Two `helpdesk serve` processes on one fresh PostgreSQL database and one Redis database (BENCH_LIVE_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/helpdesk_bench_live, DROPPED first; BENCH_LIVE_REDIS_URL, default
redis://127.0.0.1:6379/9, flushed). Process A takes the writes: `--events` public replies at `--rate` per second
to one ticket. Process B holds the subscribers: N websockets (graphql-transport-ws), each with
`ticketEvents(number)` selecting the event, the ticket with its status and the reply, all signed in as staff, so
every event goes to every subscriber (the worst fan-out). Latency: from A's answer to the reply mutation to the
event's arrival at a subscriber. CPU: B's own (utime + stime) over the run, per delivery (events x subscribers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from redis.asyncio import Redis
from websockets.asyncio.client import connect

from bench.perf import print_profile
from bench.processes import cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench_live")
REDIS_URL = os.environ.get("BENCH_LIVE_REDIS_URL", "redis://127.0.0.1:6379/9")
PORTS = (5811, 5812)
SUBSCRIPTION = """subscription($n: Int!) { ticketEvents(number: $n) {
  cursor kind ticket { number subject status { name } } reply { id body } } }"""
ERRORS = "errors { message }"
SETUP = f"mutation($i: SetupFirstAdminInput!) {{ setupFirstAdmin(input: $i) {{ token {ERRORS} }} }}"
CATEGORY = f'mutation {{ createCategory(input: {{name: "Hardware"}}) {{ category {{ id }} {ERRORS} }} }}'
TICKET = f"mutation($i: CreateTicketInput!) {{ createTicket(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"
HEADER = """| subscribers | deliveries | latency p50 ms | p99 ms | max ms | B CPU ms/delivery | B CPU share |
|---|---|---|---|---|---|---|"""
REPLY = f"mutation($i: AddReplyInput!) {{ addReply(input: $i) {{ reply {{ id }} {ERRORS} }} }}"


async def fresh_database() -> None:
    parts = urlsplit(DATABASE_URL)
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        name = parts.path.strip("/")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


def serve(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "HELPDESK_DATA_DIR": str(data_dir),
           "PASSWORD_HASH_PROFILE": "fast", "ACCESS_LOG": "off"}  # fmt: skip
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def healthy(http: httpx.AsyncClient) -> dict[str, Any]:
    for _ in range(600):
        try:
            response = await http.get("/health")
            if response.status_code == 200 and response.json().get("redis") == "ok":
                body: dict[str, Any] = response.json()
                return body
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{http.base_url} did not become healthy")


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = (await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)).json()
    payload = next(iter(body["data"].values()))
    assert not payload["errors"], payload
    return payload


async def subscriber(url: str, token: str, number: int, ready: asyncio.Event, arrivals: list[dict[int, float]],
                     wanted: int) -> None:  # fmt: skip
    """One socket; records when each event (by its reply id) arrived."""
    seen: dict[int, float] = {}
    arrivals.append(seen)
    async with connect(url, subprotocols=["graphql-transport-ws"], max_queue=None) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        await ws.recv()
        payload = {"query": SUBSCRIPTION, "variables": {"n": number}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        ready.set()
        while len(seen) < wanted:
            message = json.loads(await ws.recv())
            if message.get("type") == "next":
                seen[int(message["payload"]["data"]["ticketEvents"]["reply"]["id"])] = time.monotonic()


async def run(subscribers: int, events: int, rate: float, a: httpx.AsyncClient, b: httpx.AsyncClient,
              b_pid: int, admin: str, number: int) -> dict[str, float]:  # fmt: skip
    url = str(b.base_url).replace("http://", "ws://").rstrip("/") + "/graphql"
    arrivals: list[dict[int, float]] = []
    tasks = []
    for _ in range(subscribers):
        ready = asyncio.Event()
        tasks.append(asyncio.create_task(subscriber(url, admin, number, ready, arrivals, events)))
        await ready.wait()
    while (await b.get("/health")).json()["subscribers"] < subscribers:  # noqa: ASYNC110 (another process)
        await asyncio.sleep(0.05)
    sent: dict[int, float] = {}
    cpu_before = cpu_seconds(b_pid)
    began = time.monotonic()
    for i in range(events):
        payload = await gql(a, REPLY, {"i": {"number": number, "body": f"Reply {i}"}}, admin)
        sent[int(payload["reply"]["id"])] = time.monotonic()
        await asyncio.sleep(max(0.0, began + (i + 1) / rate - time.monotonic()))
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    cpu = cpu_seconds(b_pid) - cpu_before
    latencies = sorted((at - sent[reply]) * 1000 for seen in arrivals for reply, at in seen.items())
    return {
        "deliveries": len(latencies),
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "max": latencies[-1],
        "cpu_ms_per_delivery": cpu * 1000 / len(latencies),
        "cpu_share": cpu / (time.monotonic() - began),
    }


SPY_OUT = Path("/tmp/helpdesk-bench-live.spy.txt")


def spying(pid: int) -> subprocess.Popen[bytes]:
    spy = str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "-p", str(pid), "-f", "raw", "-o", str(SPY_OUT), "-r", "200"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise(spy: subprocess.Popen[bytes]) -> None:
    """Stop py-spy and print process B's own time (bench/perf.py's reading)."""
    spy.send_signal(2)
    spy.wait(30)
    print_profile(SPY_OUT, "process B")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", default="50,200")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="replies per second")
    parser.add_argument("--profile", action="store_true", help="py-spy process B during the first run")
    args = parser.parse_args()
    await fresh_database()
    data = Path("/tmp/helpdesk-bench-live")  # the secret key both processes share
    data.mkdir(exist_ok=True)  # noqa: ASYNC240 (once, before anything runs)
    processes = [serve(PORTS[0], data)]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORTS[0]}", timeout=30) as a:
            await healthy(a)  # A migrates first
            processes.append(serve(PORTS[1], data))
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORTS[1]}", timeout=30) as b:
                await healthy(b)
                person = {"email": "ops@example.com", "name": "Ops", "password": "a long enough password"}
                admin = (await gql(a, SETUP, {"i": person}))["token"]
                category = (await gql(a, CATEGORY, {}, admin))["category"]["id"]
                ticket = {"subject": "Live", "description": "Watched.", "categoryId": category}
                number = (await gql(a, TICKET, {"i": ticket}, admin))["ticket"]["number"]
                print(f"{args.events} replies at {args.rate:g}/s through process A; subscribers on process B; "
                      f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
                print(HEADER)
                for index, count in enumerate(int(n) for n in args.subscribers.split(",")):
                    spy = spying(processes[1].pid) if args.profile and index == 0 else None
                    r = await run(count, args.events, args.rate, a, b, processes[1].pid, admin, number)
                    if spy is not None:
                        summarise(spy)
                    print(f"| {count} | {r['deliveries']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | "
                          f"{r['cpu_ms_per_delivery']:.3f} | {r['cpu_share']:.2f} |", flush=True)  # fmt: skip
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)


if __name__ == "__main__":
    asyncio.run(main())
