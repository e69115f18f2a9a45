"""A real `helpdesk serve` for tests of what only the whole process shows (its log, its workers): started on a
free loopback port with a temporary SQLite database, used once it answers /health, stopped, its output kept."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
# Bounded waits for the real server: answer within STARTUP_SECONDS, stop within STOP_SECONDS.
STARTUP_SECONDS = 30
STOP_SECONDS = 15


@dataclass
class Served:
    http: httpx.AsyncClient
    output: str = ""
    """Everything the server printed (stdout and stderr), once it has stopped."""


@asynccontextmanager
async def serving(tmp_path: Path, *arguments: str) -> AsyncIterator[Served]:
    """`helpdesk serve --port <free> *arguments` on the embedded defaults (no DATABASE_URL, Redis or SMTP)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST")}
    env["HELPDESK_DATA_DIR"] = str(tmp_path)
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "serve", "--port", str(port), *arguments,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    served: Served | None = None
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for _ in range(STARTUP_SECONDS * 10):
                assert server.returncode is None, "helpdesk serve exited early"
                try:
                    if (await http.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"helpdesk serve did not answer within {STARTUP_SECONDS} s")
            served = Served(http)
            yield served
    finally:
        server.terminate()
        output, _ = await asyncio.wait_for(server.communicate(), STOP_SECONDS)
        if served is not None:
            served.output = output.decode()
