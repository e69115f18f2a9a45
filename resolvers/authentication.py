"""Turning a bearer token into an Actor, fresh on every request."""

from __future__ import annotations

import hmac
from typing import Any

from core import clock
from models.accounts import ApiKey, SessionToken
from models.enums import Role
from models.tickets import Ticket
from resolvers.actor import Actor, guest_actor
from resolvers.credentials import API_KEY_PREFIX, token_hash
from resolvers.guest_tokens import GUEST_TOKEN_PREFIX, email_tag, read_guest_token

_USER_COLUMNS = ("user_id", "user__role", "user__email", "user__name")


async def authenticate(token: str | None) -> Actor | None:
    """The actor behind a session token or API key; None when missing, unknown, expired, revoked or disabled.

    Guest access tokens (`hdg_`) give a guest actor for their one ticket. One query per request. Role and the
    disabled flag are read every time, so an admin's change applies to the very next request.
    """
    if not token:
        return None
    if token.startswith(GUEST_TOKEN_PREFIX):
        return await authenticate_guest(token)
    digest = token_hash(token)
    rows: list[dict[str, Any]]
    if token.startswith(API_KEY_PREFIX):
        rows = await ApiKey.filter(key_hash=digest, revoked_at__isnull=True, user__disabled=False).values(
            *_USER_COLUMNS
        )
    else:
        rows = await SessionToken.filter(token_hash=digest, expires_at__gt=clock.now(), user__disabled=False).values(
            *_USER_COLUMNS
        )
    if not rows:
        return None
    row = rows[0]
    return Actor(user_id=row["user_id"], role=Role(row["user__role"]), email=row["user__email"], name=row["user__name"])


async def authenticate_guest(token: str) -> Actor | None:
    """A guest actor when the token is signed, unexpired, and its ticket still exists as a guest ticket of the
    same email; None otherwise (a tampered, expired or stale link is simply no credential)."""
    claim = read_guest_token(token)
    if claim is None:
        return None
    rows = await Ticket.filter(id=claim.ticket_id, requester_id__isnull=True).values_list("guest_email", flat=True)
    email = rows[0] if rows else None
    if not email or not hmac.compare_digest(email_tag(str(email)), claim.email_tag):
        return None
    return guest_actor(claim.ticket_id, str(email).lower())
