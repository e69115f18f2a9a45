"""The workloads of bench/perf.py inside this process, for quick before/after comparisons while working.

    python -m bench.perf_inproc --tickets 10000 [--only W1,W2] [--concurrency 32] [--requests 320] [--profile W1]

The app is `create_app(manage_db=False)` on the bench database (bench/perf_seed.py), called as uvicorn calls it
(an ASGI scope, one body message) with `--concurrency` requests in flight, after the server's start-up GC
settings (server/app.py). CPU is this process's `process_time` per request; the garbage collector's work is timed
with `gc.callbacks`. No HTTP parsing and no socket: the numbers sit below bench/perf.py's, but move with them.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import time
from typing import Any

from bench.perf import Workload, workloads
from bench.perf_seed import database_url
from core.db import close_db, init_db
from server.app import create_app
from server.gc_policy import tune_gc

_gc = {"runs": [0, 0, 0], "pause": [0.0, 0.0, 0.0], "max": [0.0, 0.0, 0.0], "collected": 0, "t": 0.0}


def _timer(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc["t"] = time.thread_time()
        return
    g = info["generation"]
    pause = time.thread_time() - _gc["t"]  # type: ignore[operator]
    _gc["runs"][g] += 1  # type: ignore[index]
    _gc["pause"][g] += pause  # type: ignore[index]
    _gc["max"][g] = max(_gc["max"][g], pause)  # type: ignore[index]
    _gc["collected"] += info["collected"]  # type: ignore[operator]


def _reset_gc() -> None:
    _gc.update(runs=[0, 0, 0], pause=[0.0, 0.0, 0.0], max=[0.0, 0.0, 0.0], collected=0)


async def call(app: Any, workload: Workload, body: dict[str, Any]) -> dict[str, Any]:
    payload = json.dumps(body).encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"authorization", f"Bearer {workload.token}".encode())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent = False
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    result: dict[str, Any] = json.loads(b"".join(chunks))
    if result.get("errors") or (result.get("data") or {}).get("addReply", {}).get("errors"):
        raise RuntimeError(f"{workload.name}: {result}")
    return result


async def run(app: Any, workload: Workload, concurrency: int, requests: int) -> None:
    queue = list(range(requests))

    async def client() -> None:
        while queue:
            i = queue.pop()
            await call(app, workload, workload.bodies[i % len(workload.bodies)])

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def main_async(args: argparse.Namespace) -> None:
    await init_db(database_url(args.tickets), with_aerich=False)
    try:
        app = create_app(manage_db=False, run_jobs=False)
        loads = workloads(args.tickets, all_replies=args.all_replies)
        if args.only:
            loads = [w for w in loads if w.name in set(args.only.split(","))]
        for workload in loads:
            await run(app, workload, 4, 20)  # warm-up: caches, the pool, prepared statements
        tune_gc()
        gc.callbacks.append(_timer)
        print("| workload | CPU ms/req | wall ms/req | gen0/1/2 runs | gen2 max ms | GC ms/req | collected/req |")
        print("|---|---|---|---|---|---|---|")
        for _ in range(args.rounds):
            for workload in loads:
                _reset_gc()
                cpu, wall = time.process_time(), time.perf_counter()
                await run(app, workload, args.concurrency, args.requests)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                n = args.requests
                runs = "/".join(str(r) for r in _gc["runs"])  # type: ignore[attr-defined]
                gc_ms = 1000 * sum(_gc["pause"]) / n  # type: ignore[arg-type]
                print(
                    f"| {workload.name} | {1000 * cpu / n:.2f} | {1000 * wall / n:.2f} | {runs} |"
                    f" {1000 * _gc['max'][2]:.1f} | {gc_ms:.2f} | {_gc['collected'] / n:.0f} |"  # type: ignore[index,operator]
                )
        if args.profile:
            workload = next(w for w in loads if w.name == args.profile)
            profiler = cProfile.Profile()
            profiler.enable()
            await run(app, workload, args.concurrency, args.requests)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(35)
            stats.sort_stats("cumulative").print_stats(40)
    finally:
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--only")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=320)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile")
    parser.add_argument("--all-replies", action="store_true", help="W1 without replies' arguments (the old API)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
