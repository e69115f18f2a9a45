"""Benchmark: the pathological Markdown corpus (tests/markdown_corpus.py) through the bounded renderer.

Not part of the test suite. Run from the repository root:

    python -m bench.markdown                         # every input at 100,000 characters, the default limit (2 s)
    python -m bench.markdown --length 20000
    MARKDOWN_TIME_LIMIT=5 python -m bench.markdown   # what a longer limit would let through

Each input (and an ordinary 5 KB text) goes through `render_markdown_bounded`, the renderer every write uses,
one at a time, so each row is the wall time of one write's render: a worker process from the pool
(MARKDOWN_WORKERS) renders it, or pebble stops it at MARKDOWN_TIME_LIMIT and starts a fresh worker. Printed per
input: wall seconds, the outcome (rendered, or over the limit and refused), and the size of the HTML; then the
worst time. With `--unbounded`, the inputs that finished within the limit are also rendered in this process
without any limit, to show what the event loop used to pay for them (the ones over the limit are skipped: some
would take minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time

from core.config import get_config
from resolvers.kernel.errors import DomainError
from resolvers.kernel.markdown import render_markdown
from resolvers.kernel.markdown_bounded import render_markdown_bounded, shutdown_markdown_pool
from tests.markdown_corpus import CORPUS, ordinary_text


async def run(length: int, unbounded: bool) -> None:
    config = get_config()
    print(f"{len(CORPUS)} inputs of {length:,} characters; {config.markdown_workers} workers, "
          f"limit {config.markdown_time_limit:g} s per render")
    await render_markdown_bounded("start the *pool*", "text")  # worker start-up is not what is measured
    inputs = {"ordinary 5 KB text": ordinary_text(5_000)} | {name: build(length) for name, build in CORPUS.items()}
    worst = ("", 0.0)
    print(f"{'input':32} {'seconds':>8}  {'outcome':9} {'HTML chars':>10}" + ("  unbounded s" if unbounded else ""))
    for name, source in inputs.items():
        started = time.perf_counter()
        try:
            html, refused = await render_markdown_bounded(source, "text"), False
        except DomainError:
            html, refused = "", True
        elapsed = time.perf_counter() - started
        size = "" if refused else f"{len(html):,}"
        line = f"{name:32} {elapsed:8.3f}  {'REFUSED' if refused else 'rendered':9} {size:>10}"
        if unbounded and not refused:
            started = time.perf_counter()
            render_markdown(source)
            line += f"  {time.perf_counter() - started:11.3f}"
        print(line, flush=True)
        if elapsed > worst[1]:
            worst = (name, elapsed)
    print(f"worst: {worst[1]:.3f} s ({worst[0]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--length", type=int, default=100_000, help="characters per input (default 100,000)")
    parser.add_argument("--unbounded", action="store_true", help="also time the fast ones without the pool")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the refusals are the table's business, not the log's
    try:
        asyncio.run(run(args.length, args.unbounded))
    finally:
        shutdown_markdown_pool()


# The guard matters: the pool's fork server imports this module as the main module of every worker.
if __name__ == "__main__":
    main()
