"""People: users and groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from resolvers.tickets.visibility import shows_last_login, shows_team_details, shows_user_email
from schema.admin.cti import Category, TicketType
from schema.context import Info
from schema.enums import Role, to_graphql


@strawberry.type(description="A person with an account.")
class User:
    id: strawberry.ID = strawberry.field(description="User ID.")
    name: str = strawberry.field(description="Display name.")
    _role: strawberry.Private[Role]
    _disabled: strawberry.Private[bool]
    _created_at: strawberry.Private[datetime]
    _email: strawberry.Private[str]
    _last_login_at: strawberry.Private[datetime | None]

    # role, disabled and createdAt are not available to guests and anonymous callers (resolvers/guests/fields.py);
    # they stay nullable because they used to be null for them, and clients were written for that.
    @strawberry.field(description="What the account may do. Not available to guests and callers without an account.")
    def role(self) -> Role | None:
        return self._role

    @strawberry.field(
        description="Disabled accounts cannot sign in or be assigned. Not available to guests and callers without "
        "an account."
    )
    def disabled(self) -> bool | None:
        return self._disabled

    @strawberry.field(
        description="When the account was created. Not available to guests and callers without an account."
    )
    def created_at(self) -> datetime | None:
        return self._created_at

    @strawberry.field(description="Email address; visible to staff, admins and the person themselves, otherwise null.")
    def email(self, info: Info) -> str | None:
        return self._email if shows_user_email(info.context.actor, int(self.id)) else None

    @strawberry.field(description="Last successful sign-in; visible to admins and the person themselves.")
    def last_login_at(self, info: Info) -> datetime | None:
        return self._last_login_at if shows_last_login(info.context.actor, int(self.id)) else None

    @strawberry.field(description="Groups the user belongs to; visible to staff and admins.")
    async def groups(self, info: Info) -> list[Group]:
        if not shows_team_details(info.context.actor):
            return []
        rows = await info.context.loaders.group_ids_by_user_id.load(int(self.id))
        groups = await info.context.loaders.group_by_id.load_many([r["group_id"] for r in rows])
        return [Group.from_row(g) for g in groups if g is not None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            _role=to_graphql(Role, row["role"]),  # type: ignore[arg-type]
            _disabled=row["disabled"],
            _created_at=row["created_at"],
            _email=row["email"],
            _last_login_at=row.get("last_login_at"),
        )


@strawberry.type(description="One scope entry of a group: a whole category, or one type within it.")
class ScopeEntry:
    _category_id: strawberry.Private[int]
    _type_id: strawberry.Private[int | None]

    @strawberry.field(description="The category in scope.")
    async def category(self, info: Info) -> Category:
        row = await info.context.loaders.category_by_id.load(self._category_id)
        assert row is not None  # enforced by the foreign key
        return Category.from_row(row)

    @strawberry.field(description="The type in scope, or null when the whole category is.")
    async def type(self, info: Info) -> TicketType | None:
        if self._type_id is None:
            return None
        row = await info.context.loaders.type_by_id.load(self._type_id)
        return TicketType.from_row(row) if row else None


@strawberry.type(description="A team of staff. Its scope decides which tickets appear in its members' queues.")
class Group:
    id: strawberry.ID = strawberry.field(description="Group ID.")
    name: str = strawberry.field(description="Display name.")

    @strawberry.field(description="Staff in the group; empty unless you are staff.")
    async def members(self, info: Info) -> list[User]:
        if not shows_team_details(info.context.actor):
            return []
        rows = await info.context.loaders.member_ids_by_group_id.load(int(self.id))
        users = await info.context.loaders.user_by_id.load_many([r["user_id"] for r in rows])
        return [User.from_row(u) for u in users if u is not None]

    @strawberry.field(
        description="Scope entries: tickets in any of them appear in the members' queues. Empty unless you are staff."
    )
    async def scope(self, info: Info) -> list[ScopeEntry]:
        if not shows_team_details(info.context.actor):
            return []
        rows = await info.context.loaders.scopes_by_group_id.load(int(self.id))
        return [ScopeEntry(_category_id=r["category_id"], _type_id=r["type_id"]) for r in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Group:
        return cls(id=strawberry.ID(str(row["id"])), name=row["name"])


def user_from_row(info: Info, row: dict[str, Any]) -> User:
    """The User for a joined user row, built once per request and id (what it shows still depends on the viewer,
    decided by its fields)."""
    users = info.context.users
    user = users.get(row["id"])
    if user is None:
        user = users[row["id"]] = User.from_row(row)
    return user


async def load_user(info: Info, user_id: int | None) -> User | None:
    """The user behind a foreign key, through the request's DataLoader; None for no id or a missing row."""
    row = await info.context.loaders.user_by_id.load(user_id) if user_id else None
    return User.from_row(row) if row else None
