"""A soak (issue 8 point 5): the production server under `--clients` wrk clients for `--minutes`, RSS sampled
between stretches; it must end within 10% of where it was after warm-up.

    python -m bench.soak --tickets 100000 [--minutes 10] [--clients 32] [--warmup 60] [--stretch 30] [--only W1,W2,W4]

The server is bench/perf.py's (`bench.perf_server`, one worker, no access log) on bench/perf_seed.py's database.
The workloads take turns, one stretch of `--stretch` seconds each, for `--minutes` after `--warmup` seconds (whole
rotations) of the same; after each stretch: the server's resident set (`VmRSS` of /proc/<pid>/status), its CPU per
request in that stretch, and the requests it finished. W3 is left out by default: it grows the tables, not the
server, but it also changes what W1 reads.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from pathlib import Path

from bench.perf import HZ, cpu_ticks, gc_stats, idle, server, workloads, wrk
from bench.perf_seed import database_url


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=90, help="seconds; whole rotations, at least one")
    parser.add_argument("--stretch", type=float, default=30)
    parser.add_argument("--only", default="W1,W2,W4")
    args = parser.parse_args()
    url = database_url(args.tickets)
    loads = [w for w in workloads(args.tickets) if w.name in set(args.only.split(","))]
    rotation = itertools.cycle(loads)
    with server(url) as process:
        # Whole rotations of full stretches: each workload has reached its peak of objects in flight once
        # (W1's pages set the high-water mark; a shorter warm-up measured from below it, 85.7 MB, then W1's first
        # full stretch took it to 93.4 MB, where it stayed for ten minutes).
        warm_until = time.monotonic() + args.warmup
        while True:
            for workload in loads:
                wrk(workload, args.clients, args.stretch)
            if time.monotonic() >= warm_until:
                break
        idle()
        start_rss = rss_kb(process.pid)
        print(f"{args.tickets} tickets, {args.clients} clients, {args.minutes:g} min of {args.only} after "
              f"{args.warmup:g} s of warm-up; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        print("| minute | workload | requests | CPU ms/req | RSS MB | RSS / after warm-up |")
        print("|---|---|---|---|---|---|")
        print(f"| 0 | (after warm-up) | | | {start_rss / 1024:.1f} | 1.000 |")
        began = time.monotonic()
        rss = start_rss
        while time.monotonic() - began < args.minutes * 60:
            workload = next(rotation)
            gc_stats()
            before = cpu_ticks(process.pid)
            wrk(workload, args.clients, args.stretch)
            done = max(1, idle()["requests"]["done"])
            cpu = (cpu_ticks(process.pid) - before) * 1000 / HZ / done
            rss = rss_kb(process.pid)
            minute = (time.monotonic() - began) / 60
            print(f"| {minute:.1f} | {workload.name} | {done} | {cpu:.2f} | {rss / 1024:.1f} | {rss / start_rss:.3f} |",
                  flush=True)  # fmt: skip
        verdict = "within" if abs(rss - start_rss) <= 0.10 * start_rss else "NOT within"
        print(f"RSS after warm-up {start_rss / 1024:.1f} MB, at the end {rss / 1024:.1f} MB: {verdict} 10%")


if __name__ == "__main__":
    main()
