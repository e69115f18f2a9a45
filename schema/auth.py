"""Signing in and out, the current user, API keys."""

from __future__ import annotations

import strawberry

from schema.accounts import User
from schema.context import Info


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user, or null when the request carries no valid token.")
    async def me(self, info: Info) -> User | None:
        actor = info.context.actor
        if actor is None:
            return None
        row = await info.context.loaders.user_by_id.load(actor.user_id)
        return User.from_row(row) if row else None
