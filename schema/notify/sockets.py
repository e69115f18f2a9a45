"""The websocket side of subscriptions (issue 11.3; docs/decisions.md, "HTTP transport").

strawberry builds one context per socket, at `connection_init`; an operation over that socket must not trust
it. So every subscription re-reads its credential before it starts and before each event it delivers
(resolvers/notify/event_stream.py), and a socket carries subscriptions only (`SocketOperations`): queries and
mutations go over POST, where each request authenticates. A credential that stops being valid closes the socket
with CREDENTIALS_ENDED; a subscriber that falls too far behind is closed with TOO_SLOW.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import suppress
from typing import Any

from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from resolvers.kernel.errors import DomainError
from resolvers.notify.event_hub import EventHub
from resolvers.notify.event_stream import (
    TOO_SLOW,
    Delivery,
    StreamEnded,
    needs_a_socket,
    subscriptions_only,
)  # fmt: skip
from schema.context import Context, Info
from schema.errors import top_level_error
from schema.loaders import Loaders

# Strong references to closes started from a synchronous callback (the loop keeps only weak ones).
_closing: set[asyncio.Task[None]] = set()


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    with suppress(RuntimeError, OSError):  # already closed by the client or by another stream of this socket
        await websocket.close(code=code, reason=reason)


def act_as(context: Context, actor: Any) -> None:
    """What the fields below resolve as, with loaders of their own: a socket's context outlives any one event
    (STACK-NOTES), and a loader's cache must not serve one event the data read for another."""
    context.actor = actor
    context.loaders = Loaders(actor)
    context.users = {}


Stream = Callable[[EventHub, Callable[[], None]], AsyncIterator[Delivery]]


async def live(info: Info, make: Stream) -> AsyncIterator[Delivery]:
    """Run a stream (`make(hub, on_drop)`, resolvers/notify/event_stream.py) for a subscription field: refusals
    become its GraphQL error, and an ended stream closes the socket with its code."""
    context = info.context
    websocket = context.request
    if context.events is None or not isinstance(websocket, WebSocket):
        raise top_level_error(needs_a_socket())

    def on_drop() -> None:
        task = asyncio.ensure_future(close(websocket, TOO_SLOW, "Too slow: reconnect with after"))
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    try:
        async for delivery in make(context.events, on_drop):
            act_as(context, delivery.actor)
            yield delivery
    except DomainError as error:
        raise top_level_error(error) from None
    except StreamEnded as ended:
        await close(websocket, ended.code, ended.reason)
        # Closing ends the socket's handler, which cancels this stream; until then it delivers nothing more.
        await asyncio.Event().wait()


class SocketOperations(SchemaExtension):
    """A websocket carries subscriptions only: a query or mutation over it would run with the credential of
    connection_init, which may have stopped being valid since (POST authenticates every request)."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        websocket = getattr(execution.context, "request", None)
        if isinstance(websocket, WebSocket) and execution.operation_type is not OperationType.SUBSCRIPTION:
            raise top_level_error(subscriptions_only())
        yield
