"""Memory per worker of `helpdesk serve --workers N`, for docs/operations.md.

    python -m bench.workers [--workers 2] [--requests 200]     # on the database bench.compare built

Starts `helpdesk serve --workers N` (production settings: ACCESS_LOG=off) on BENCH_COMPARE_DATABASE_URL (default
the bench.compare database, which must exist: run bench.compare first), reads the resident memory (VmRSS) of the
supervisor and of every worker once they serve, sends `--requests` requests of W1 and of W2 (the queue page and a
ticket thread, 8 at a time, spread over the workers by the kernel), and reads it again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.check import send
from bench.compare import DEFAULT_URL
from bench.dataset import bench_token
from bench.processes import ROOT, rss_mib
from bench.workloads import OURS, template


def children(pid: int) -> list[int]:
    """The worker processes of a uvicorn supervisor (spawned by multiprocessing; its resource tracker left out)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid and b"spawn_main" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return sorted(found)


def report(label: str, supervisor: int, workers: list[int]) -> None:
    sizes = ", ".join(f"{rss_mib(w):.0f}" for w in workers)
    print(f"{label}: supervisor {rss_mib(supervisor):.0f} MiB; workers {sizes} MiB")


async def main(workers: int, requests: int) -> None:
    url = os.environ.get("BENCH_COMPARE_DATABASE_URL", DEFAULT_URL)
    port = 5811
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-workers-") as tmp:
        env = {**os.environ, "DATABASE_URL": url, "HELPDESK_DATA_DIR": tmp, "ACCESS_LOG": "off"}
        argv = [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", str(workers)]
        server = _spawn(argv, env)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
                deadline = time.monotonic() + 60
                while len(children(server.pid)) < workers or not await _healthy(http):
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("helpdesk serve did not start its workers")
                    await asyncio.sleep(0.5)
                await asyncio.sleep(2)
                pids = children(server.pid)
                report("started", server.pid, pids)
                token = bench_token(1)
                for workload, number in (("W1", 0), ("W2", 77)):
                    request = template(OURS, workload)
                    for start in range(0, requests, 8):
                        batch = [send(http, request, number + i, token) for i in range(start, min(requests, start + 8))]
                        await asyncio.gather(*batch)
                report(f"after {requests} W1 and {requests} W2 requests", server.pid, pids)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _spawn(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _healthy(http: httpx.AsyncClient) -> bool:
    try:
        return (await http.get("/health")).status_code == 200
    except httpx.TransportError:
        return False


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.workers, arguments.requests))
