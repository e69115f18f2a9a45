"""Who is asking. Built fresh on every request, so role changes and disabling apply at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.accounts import GroupMember, GroupScope
from models.enums import Role
from resolvers.errors import DomainError, ErrorCode, forbidden


@dataclass
class Actor:
    user_id: int
    role: Role
    email: str
    name: str
    # Loaded on first use: only staff visibility needs them.
    _group_ids: list[int] | None = field(default=None, repr=False)
    _scope: list[tuple[int, int | None]] | None = field(default=None, repr=False)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Staff or admin: the people who work tickets."""
        return self.role in (Role.ADMIN, Role.STAFF)

    async def group_ids(self) -> list[int]:
        if self._group_ids is None:
            ids: list[Any] = await GroupMember.filter(user_id=self.user_id).values_list("group_id", flat=True)
            self._group_ids = [int(i) for i in ids]
        return self._group_ids

    async def scope_entries(self) -> list[tuple[int, int | None]]:
        """(category_id, type_id or None) for every scope entry of every group the actor belongs to."""
        if self._scope is None:
            rows = await GroupScope.filter(group__memberships__user_id=self.user_id).values_list(
                "category_id", "type_id"
            )
            self._scope = sorted({(c, t) for c, t in rows}, key=lambda e: (e[0], e[1] or 0))
        return self._scope


def require_user(actor: Actor | None) -> Actor:
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "You need to sign in to do this.")
    return actor


def require_staff(actor: Actor | None) -> Actor:
    actor = require_user(actor)
    if not actor.is_staff:
        raise forbidden("Only staff can do this.")
    return actor


def require_admin(actor: Actor | None) -> Actor:
    actor = require_user(actor)
    if not actor.is_admin:
        raise forbidden("Only admins can do this.")
    return actor
