"""The per-request context: who is asking and the request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from resolvers.kernel.actor import Actor
from resolvers.notify.event_hub import EventHub
from schema.loaders import Loaders
from schema.masking import new_request_id


@dataclass
class Context:
    request: Request | WebSocket | None
    actor: Actor | None
    # The bearer token as presented, for logout.
    token: str | None = None
    loaders: Loaders = field(init=False)
    response: Any = None
    # Names this request in the server log and in a masked error's message (schema/masking.py).
    request_id: str = field(default_factory=new_request_id)
    # The User objects this request built from joined rows, by id: a page names the same few people hundreds of
    # times (schema/accounts.py user_from_row).
    users: dict[int, Any] = field(default_factory=dict)
    # Websockets only: this process's live events (resolvers/notify/event_hub.py), and what the client sent in
    # `connection_init` (strawberry sets it; server/app.py reads the credential from it).
    events: EventHub | None = None
    connection_params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.actor)


Info: TypeAlias = StrawberryInfo[Context, None]


def bearer_token(headers: Any) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


# Where clients put the credential in connection_init's payload: GraphiQL and graphql-ws users send the headers
# themselves ({"Authorization": "Bearer ..."}), Apollo's examples nest them ({"headers": {...}}) or name the token
# (authToken, token).
_PAYLOAD_KEYS = ("Authorization", "authorization", "authToken", "token")


def socket_token(params: Any, headers: Any) -> str | None:
    """A websocket's credential: from `connection_init`'s payload (browsers cannot set headers on a websocket),
    with or without the "Bearer " scheme; else the upgrade request's Authorization header."""
    if isinstance(params, dict):
        nested = params.get("headers")
        for source in (params, nested if isinstance(nested, dict) else {}):
            for key in _PAYLOAD_KEYS:
                value = source.get(key)
                if isinstance(value, str):
                    scheme, _, rest = value.strip().partition(" ")
                    token = rest if rest and scheme.lower() == "bearer" else value
                    return token.strip() or None
    return bearer_token(headers)


def client_address(request: Request | WebSocket | None) -> str | None:
    """The connecting peer's address, for per-address rate limits. Behind a proxy uvicorn trusts
    (FORWARDED_ALLOW_IPS), the client named in its X-Forwarded-For instead (docs/guests.md)."""
    client = request.client if request is not None else None
    return client.host if client else None
