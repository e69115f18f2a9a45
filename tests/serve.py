"""A real `helpdesk serve` for tests of what only the whole process shows (its log, its workers, its start-up):
started on a free loopback port with a temporary SQLite database, used once it answers /health, stopped, its
output kept line by line while it runs."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
# Bounded waits for the real server: answer within STARTUP_SECONDS, stop within STOP_SECONDS.
STARTUP_SECONDS = 30
STOP_SECONDS = 15
# Variables of the test run that would point the server at shared services; `env=` puts back what a test wants.
_LEFT_OUT = ("DATABASE_URL", "REDIS_URL", "SMTP_HOST")


def serve_env(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The embedded defaults in `data_dir` (SQLite there, no Redis or SMTP), cheap hashing, then `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in _LEFT_OUT}
    return {**env, "HELPDESK_DATA_DIR": str(data_dir), "PASSWORD_HASH_PROFILE": "fast", **(extra or {})}


@dataclass
class Served:
    http: httpx.AsyncClient
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    """What the server printed so far (stdout and stderr), a line each; all of it once it has stopped."""

    @property
    def output(self) -> str:
        return "".join(self.lines)

    async def health(self, wanted: Mapping[str, str] | None = None) -> dict[str, str]:
        """Poll /health (bounded) until it answers 200 with a body that includes `wanted`; fail early if the
        server process died."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_SECONDS
        while True:
            assert self.process.returncode is None, "helpdesk serve exited early:\n" + self.output
            try:
                response = await self.http.get("/health")
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 200:
                body: dict[str, str] = response.json()
                if (wanted or {}).items() <= body.items():
                    return body
            assert loop.time() < deadline, f"/health never said {wanted} within {STARTUP_SECONDS} s:\n{self.output}"
            await asyncio.sleep(0.1)


@asynccontextmanager
async def serving(
    tmp_path: Path, *arguments: str, env: Mapping[str, str] | None = None, ready: Mapping[str, str] | None = None
) -> AsyncIterator[Served]:
    """`helpdesk serve --port <free> *arguments` on the embedded defaults plus `env`, yielded once /health answers
    with a body that includes `ready`."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "serve", "--port", str(port), *arguments,
        cwd=ROOT, env=serve_env(tmp_path, env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        served = Served(http, process)

        async def collect() -> None:
            assert process.stdout
            async for line in process.stdout:
                served.lines.append(line.decode())

        reader = asyncio.create_task(collect())
        try:
            await served.health(ready)
            yield served
        finally:
            if process.returncode is None:
                process.terminate()
            # A clean stop within the bound: no connection left open keeps a worker alive.
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
            await asyncio.wait_for(reader, STOP_SECONDS)
