"""Turning a bearer token into an Actor, fresh on every request."""

from __future__ import annotations

from typing import Any

from core import clock
from models.accounts import ApiKey, SessionToken
from models.enums import Role
from resolvers.actor import Actor
from resolvers.credentials import API_KEY_PREFIX, token_hash

_USER_COLUMNS = ("user_id", "user__role", "user__email", "user__name")


async def authenticate(token: str | None) -> Actor | None:
    """The actor behind a session token or API key; None when missing, unknown, expired, revoked or disabled.

    One joined query per request. Role and the disabled flag are read every time, so an admin's change
    applies to the very next request.
    """
    if not token:
        return None
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
