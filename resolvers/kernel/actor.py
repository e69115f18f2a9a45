"""Who is asking. Built fresh on every request, so role changes and disabling apply at once.

Two kinds of actor: a person with an account (`user_id` and `role` set), and a guest holding an access token
for one ticket (`guest_ticket_id` and `email` set, no `user_id`, no `role`). A guest has no account, so every
rule that needs one (`require_user`, `require_staff`, `require_admin`) refuses guests with FORBIDDEN; the few
paths guests may use (reading and replying on their ticket) ask for `require_requester` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.enums import Role
from models.accounts import GroupMember
from resolvers.kernel.errors import DomainError, Reason, forbidden


@dataclass
class Actor:
    # None for a guest: nothing may write a user id for someone without an account.
    user_id: int | None
    role: Role | None
    email: str
    name: str
    # The one ticket a guest's access token opens; None for people with an account.
    guest_ticket_id: int | None = None
    # Loaded on first use: only staff visibility needs them.
    _group_ids: list[int] | None = field(default=None, repr=False)
    _scope: list[tuple[int, int | None]] | None = field(default=None, repr=False)

    @property
    def is_guest(self) -> bool:
        return self.guest_ticket_id is not None

    @property
    def audit_label(self) -> str | None:
        """How the audit log names an actor without a user row ("guest:<email>"); None for users."""
        return f"guest:{self.email}" if self.is_guest else None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Staff or admin: the people who work tickets."""
        return self.role in (Role.ADMIN, Role.STAFF)

    async def group_ids(self) -> list[int]:
        await self._load_groups()
        return self._group_ids or []

    async def scope_entries(self) -> list[tuple[int, int | None]]:
        """(category_id, type_id or None) for every scope entry of every group the actor belongs to."""
        await self._load_groups()
        return self._scope or []

    async def _load_groups(self) -> None:
        """Memberships and their scope entries in one query (a group without scope gives one row of NULLs)."""
        if self._group_ids is not None or self.user_id is None:
            return
        rows: list[Any] = await GroupMember.filter(user_id=self.user_id).values_list(
            "group_id", "group__scopes__category_id", "group__scopes__type_id"
        )
        self._group_ids = sorted({int(group) for group, _, _ in rows})
        entries = {(int(c), t) for _, c, t in rows if c is not None}
        self._scope = sorted(entries, key=lambda e: (e[0], e[1] or 0))


def guest_actor(ticket_id: int, email: str) -> Actor:
    """The actor behind a valid guest access token for `ticket_id` (see resolvers/guests/tokens.py)."""
    return Actor(user_id=None, role=None, email=email, name=email, guest_ticket_id=ticket_id)


def require_requester(actor: Actor | None) -> Actor:
    """Anyone signed in, or a guest with a valid token: the paths a guest may use on their own ticket."""
    if actor is None:
        raise DomainError(Reason.SIGN_IN_REQUIRED, "You need to sign in to do this.")
    return actor


def require_user(actor: Actor | None) -> Actor:
    """Someone with an account. A guest token opens one ticket and nothing else: FORBIDDEN."""
    actor = require_requester(actor)
    if actor.is_guest:
        raise forbidden(
            "A guest link opens its one ticket only; sign in with an account to do this.", Reason.GUEST_NOT_ALLOWED
        )
    return actor


def require_staff(actor: Actor | None) -> Actor:
    actor = require_user(actor)
    if not actor.is_staff:
        raise forbidden("Only staff can do this.", Reason.STAFF_ONLY)
    return actor


def require_admin(actor: Actor | None) -> Actor:
    actor = require_user(actor)
    if not actor.is_admin:
        raise forbidden("Only admins can do this.", Reason.ADMIN_ONLY)
    return actor
