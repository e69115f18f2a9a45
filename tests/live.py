"""Subscriptions the way a client sees them: a real uvicorn server (in this process, on the test's database, or
a whole `helpdesk serve`) and a real websocket client (the `websockets` package) speaking graphql-transport-ws
or the older graphql-ws. Every wait is bounded; nothing sleeps."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from core.config import get_config
from resolvers.kernel.errors import Reason
from server.app import create_app
from tests.helpers import gql_data
from tests.smtp import free_port

WAIT_SECONDS = 15
TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"

TICKET_EVENTS = """subscription($number: Int!, $after: String) {
  ticketEvents(number: $number, after: $after) {
    cursor kind number inView ticket { number subject } reply { id internal }
  }
}"""
QUEUE_EVENTS = """subscription($filter: TicketFilterInput, $after: String) {
  queueEvents(filter: $filter, after: $after) { cursor kind number inView ticket { number } }
}"""


@dataclass
class LiveServer:
    url: str
    http: httpx.AsyncClient

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    async def subscribers(self) -> int:
        """How many streams listen on this server (its /health)."""
        count: int = (await self.http.get("/health")).json()["subscribers"]
        return count

    async def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        return await gql_data(self.http, query, variables, token)


@asynccontextmanager
async def live_server(**config_changes: Any) -> AsyncIterator[LiveServer]:
    """A real uvicorn serving a fresh app on the test's database (the `db` fixture must be active), its lifespan
    run (the event hub and relay start), on a free loopback port. Its catch-up waits an hour unless asked
    otherwise: one process hears every commit itself, and the statement budgets count exactly."""
    config_changes.setdefault("live_poll_seconds", 3600.0)
    app = create_app(replace(get_config(), **config_changes), manage_db=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not server.started:
                assert not task.done(), "uvicorn stopped before it started"
                await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT_SECONDS) as http:
            yield LiveServer(f"http://127.0.0.1:{port}", http)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT_SECONDS)


class Socket:
    """One websocket with its protocol's handshake done."""

    def __init__(self, connection: ClientConnection, protocol: str, server: LiveServer) -> None:
        self.connection = connection
        self.protocol = protocol
        self.server = server

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        """The next message, skipping keep-alives; bounded."""
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), WAIT_SECONDS)
            message: dict[str, Any] = json.loads(raw)
            if message.get("type") not in ("ka", "ping", "pong"):
                return message

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None = None, op: str = "1", *, listening: bool = True
    ) -> None:
        """Start operation `op`; with `listening`, return once the server says one more stream listens (a
        change made before that would not reach it: only a cursor catches up)."""
        before = await self.server.subscribers()
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send({"id": op, "type": kind, "payload": {"query": query, "variables": variables or {}}})
        if listening:
            async with asyncio.timeout(WAIT_SECONDS):
                while await self.server.subscribers() <= before:  # noqa: ASYNC110 (another process's state)
                    await asyncio.sleep(0.01)

    async def event(self, op: str = "1") -> dict[str, Any]:
        """The data of the next event of operation `op` (fails on anything else)."""
        message = await self.receive()
        wanted = "next" if self.protocol == TRANSPORT_WS else "data"
        assert message.get("type") == wanted and message.get("id") == op, message
        assert not message["payload"].get("errors"), message
        data: dict[str, Any] = next(iter(message["payload"]["data"].values()))
        return data

    async def refusal(self, op: str = "1") -> tuple[Reason, str | None]:
        """The reason and field of the error that ended operation `op` before any event (an `error` message, or
        a `next`/`data` carrying only errors)."""
        message = await self.receive()
        assert message.get("id") == op, message
        payload = message["payload"]
        errors = payload if isinstance(payload, list) else payload.get("errors") or [payload]
        assert message["type"] == "error" or not payload.get("data"), message
        extensions = errors[0].get("extensions") or {}
        return Reason(extensions.get("reason")), extensions.get("field")

    async def closed(self) -> tuple[int | None, str]:
        """Wait for the server to close the socket, with no other message first; its code and reason."""
        try:
            message = await self.receive()
        except ConnectionClosed as closed:
            return (closed.rcvd.code if closed.rcvd else None), (closed.rcvd.reason if closed.rcvd else "")
        raise AssertionError(f"expected the socket to close, got {message}")


@asynccontextmanager
async def socket(
    server: LiveServer, token: str | None = None, *, protocol: str = TRANSPORT_WS,
    payload: dict[str, Any] | None = None,
) -> AsyncIterator[Socket]:  # fmt: skip
    """A socket to `server` after connection_init with the token (or `payload`) and its ack."""
    async with connect(server.ws_url, subprotocols=[protocol], open_timeout=WAIT_SECONDS) as connection:  # type: ignore[list-item]
        live = Socket(connection, protocol, server)
        init = payload if payload is not None else ({"Authorization": f"Bearer {token}"} if token else {})
        await live.send({"type": "connection_init", "payload": init})
        ack = await live.receive()
        assert ack["type"] == "connection_ack", ack
        yield live
