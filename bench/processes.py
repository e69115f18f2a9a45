"""Starting the three servers as child processes, each with production settings, and reading CPU time from /proc.

Each server is one process (uvicorn with one worker runs in the process it was started in; PostGraphile is one
node process), so /proc/<pid>/stat of the child is the whole server: every thread, nothing else. PostgreSQL's
share is the sum over the backends connected to the bench database (`backend_pids`), read the same way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from bench.tools import NODE_MODULES
from bench.workloads import OURS, POSTGRAPHILE, RAW

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
PORTS = {OURS: 5801, POSTGRAPHILE: 5802, RAW: 5803}
STARTUP_SECONDS = 60


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        # The command name may hold spaces and parentheses: the fields start after the last ")".
        fields = fh.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def backend_pids(conn: asyncpg.Connection, database: str) -> list[int]:
    """Client backends connected to the bench database, except `conn`'s own (the command's monitor)."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'"
        " AND pid <> pg_backend_pid()",
        database,
    )
    return [int(r["pid"]) for r in rows]


def backends_cpu(pids: list[int]) -> dict[int, float]:
    seconds: dict[int, float] = {}
    for pid in pids:
        try:
            seconds[pid] = cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return seconds


@dataclass
class Server:
    system: str
    database_url: str
    pool_size: int
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _workdir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def command(self) -> tuple[list[str], dict[str, str]]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST")}
        if self.system == OURS:
            assert self._workdir is not None
            env.update(
                DATABASE_URL=self.database_url,
                HELPDESK_DATA_DIR=str(Path(self._workdir.name) / "data"),
                ACCESS_LOG="off",
                DATABASE_POOL_SIZE=str(self.pool_size),
            )
            args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
            return [sys.executable, "-m", "server.cli", *args], env
        if self.system == POSTGRAPHILE:
            env.update(
                DATABASE_URL=self.database_url,
                PORT=str(self.port),
                POOL_SIZE=str(self.pool_size),
                NODE_PATH=str(NODE_MODULES),
                NODE_ENV="production",
            )
            return ["node", str(ROOT / "bench" / "postgraphile_server.js")], env
        env.update(BENCH_RAW_DATABASE_URL=self.database_url, BENCH_RAW_POOL_SIZE=str(self.pool_size))
        args = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "1", "--no-access-log"]
        return [sys.executable, "-m", "uvicorn", "bench.raw_server:app", *args, "--log-level", "warning"], env

    async def start(self) -> None:
        self.port = self.port or PORTS[self.system]
        self._workdir = tempfile.TemporaryDirectory(prefix=f"helpdesk-bench-{self.system}-")
        self.log_path = Path(self._workdir.name) / "server.log"
        self._spawn()
        await self._wait_ready()

    def _spawn(self) -> None:
        assert self.log_path is not None
        argv, env = self.command()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        probe = ("/health", None) if self.system != POSTGRAPHILE else ("/graphql", {"query": "{ __typename }"})
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as http:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.system} exited during start-up:\n{self.log_tail()}")
                try:
                    if probe[1] is None:
                        response = await http.get(probe[0])
                    else:
                        response = await http.post(probe[0], json=probe[1])
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.system} did not answer within {STARTUP_SECONDS} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    async def __aenter__(self) -> Server:
        try:
            await self.start()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        self.stop()
