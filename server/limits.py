"""A cap on the size of request bodies, as plain ASGI middleware (no dependency).

Without it an anonymous 300 MB `login` request made the server hold 1.36 GB: the GraphQL view reads the whole
body, then parses it. `BodySizeLimit` refuses a declared Content-Length over the limit before reading anything,
and counts the bytes of bodies sent without one (chunked), stopping at the first chunk past the limit. What it
passes on is at most `max_bytes`, read once and handed to the wrapped app as one message.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            # Anything else is not a length; the body is counted as it arrives instead.
            return int(text) if text.isascii() and text.isdigit() else None
    return None


def error_body(message: str, code: str) -> bytes:
    """The JSON body of every request refused before GraphQL runs: a GraphQL-shaped error a client already reads,
    `{"errors": [{"message": ..., "extensions": {"code": ...}}]}`."""
    return json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()


async def refuse_too_large(send: Send, message: str) -> None:
    """413 with a GraphQL-shaped error body, closing the connection (the rest of the body is never read)."""
    body = error_body(message, "PAYLOAD_TOO_LARGE")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuses HTTP request bodies larger than `max_bytes` with 413 PAYLOAD_TOO_LARGE; other scopes pass through."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await refuse_too_large(send, f"Request body is {declared} bytes; the maximum is {self.max_bytes}.")
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # nobody left to answer
            body.extend(message.get("body", b""))
            if len(body) > self.max_bytes:
                await refuse_too_large(
                    send, f"Request body is more than {self.max_bytes} bytes; the maximum is {self.max_bytes}."
                )
                return
            more = bool(message.get("more_body", False))
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the body already read, then whatever the client sends next (a disconnect)."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
