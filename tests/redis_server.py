"""A Redis outage that ends: a loopback port where nothing listens yet, and a real `redis-server` started on that
very port when the test says so (the binary is installed on every machine that runs the suite; without it the
test fails, it never skips).

Import the fixture into a test module (`redis_later = redis_server.redis_later`) and use it by name.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.smtp import free_port

# Bounded wait for a fresh redis-server to answer PING (it usually takes a few milliseconds).
START_SECONDS = 20.0


class RedisServer:
    """A throw-away redis-server on 127.0.0.1:`port`: no persistence, its files in a temporary directory."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._process: asyncio.subprocess.Process | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="helpdesk-redis-")

    def url(self, database: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    async def start(self) -> None:
        """Start it and wait (bounded) until it answers."""
        if self._process is None:
            command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
            command += ["no", "--dir", self._dir.name]
            self._process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_SECONDS
        client = Redis.from_url(self.url())
        try:
            while True:
                assert self._process.returncode is None, f"redis-server on port {self.port} exited at start"
                try:
                    if await client.ping():
                        return
                except (RedisError, OSError):
                    pass
                if loop.time() > deadline:
                    raise AssertionError(f"redis-server on port {self.port} did not answer within {START_SECONDS} s")
                await asyncio.sleep(0.02)
        finally:
            await client.aclose()

    def client(self) -> Redis:
        return Redis.from_url(self.url())

    async def stop(self) -> None:
        """Stop it (an outage); `start()` brings it back on the same port, empty."""
        if self._process is not None:
            self._process.terminate()
            await asyncio.wait_for(self._process.wait(), 15)
            self._process = None

    async def close(self) -> None:
        await self.stop()
        self._dir.cleanup()


@pytest.fixture
async def redis_later() -> AsyncIterator[RedisServer]:
    """A Redis URL where nothing listens yet; `await redis_later.start()` brings Redis up on it."""
    server = RedisServer(free_port())
    try:
        yield server
    finally:
        await server.close()
