"""Listing accounts, and admin user management."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.enums import Role as StoredRole
from resolvers.accounts import users
from resolvers.kernel.pagination import decode_cursor
from schema.accounts.auth import user_from_model
from schema.accounts.types import User
from schema.context import Info
from schema.enums import Role
from schema.errors import INPUT, UserError, mutate, query
from schema.pagination import Connection, page_connection


def stored_role(role: Role | None) -> StoredRole | None:
    return None if role is None else StoredRole[role.name]


@strawberry.input(description="A new account, created by an admin.")
class CreateUserInput:
    email: str = strawberry.field(description="Email address; it is the sign-in name. Trimmed and lowercased.")
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    role: Role = strawberry.field(description="What the account may do.")
    password: str | None = strawberry.field(
        default=None,
        description="At least 10 characters. Without one the account cannot sign in until an admin sets it.",
    )


@strawberry.type(description="The result of createUser.")
class CreateUserPayload:
    user: User | None = strawberry.field(description="The new account; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.input(description="Changes to an account. Leave a field out (or null) to keep its value.")
class UpdateUserInput:
    user_id: strawberry.ID = strawberry.field(description="The account to change.")
    name: str | None = strawberry.field(default=None, description="New display name, 1 to 200 characters.")
    role: Role | None = strawberry.field(default=None, description="New role; applies from the next request.")
    disabled: bool | None = strawberry.field(
        default=None,
        description="True disables the account (it cannot sign in, its sessions end, its keys stop working).",
    )
    password: str | None = strawberry.field(
        default=None, description="New password, at least 10 characters; ends the account's other sessions."
    )


@strawberry.type(description="The result of updateUser.")
class UpdateUserPayload:
    user: User | None = strawberry.field(description="The account as it is now; null when refused.")
    errors: list[UserError] = strawberry.field(
        description="CONFLICT when the change would leave no enabled admin; NOT_FOUND for an unknown userId."
    )


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "Accounts ordered by name. Admins see every account; staff see enabled accounts only; "
            "users may not list accounts (FORBIDDEN)."
        )
    )
    async def users(
        self,
        info: Info,
        role: Annotated[Role | None, strawberry.argument(description="Only accounts with this role.")] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Part of the name or email address, case ignored.")
        ] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 25,
        after: Annotated[
            str | None,
            strawberry.argument(description="Continue after this cursor (pageInfo.endCursor of the previous page)."),
        ] = None,
    ) -> Connection[User]:
        page = await query(
            info,
            lambda actor: users.list_users(
                actor, role=stored_role(role), search=search, first=first, after=decode_cursor(after)
            ),
        )
        return page_connection(page, convert=User.from_row, position=users.user_position)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create an account of any role. Admins only.")
    async def create_user(self, info: Info, input: Annotated[CreateUserInput, INPUT]) -> CreateUserPayload:
        user, errors = await mutate(
            info,
            lambda actor: users.create_user(
                actor, input.email, input.name, StoredRole[input.role.name], input.password
            ),
        )
        return CreateUserPayload(user=user_from_model(user) if user else None, errors=errors)

    @strawberry.mutation(
        description="Rename, change the role of, disable/enable or set the password of an account. Admins only."
    )
    async def update_user(self, info: Info, input: Annotated[UpdateUserInput, INPUT]) -> UpdateUserPayload:
        changes = users.UserChanges(
            name=input.name, role=stored_role(input.role), disabled=input.disabled, password=input.password
        )
        user, errors = await mutate(info, lambda actor: users.update_user(actor, input.user_id, changes))
        return UpdateUserPayload(user=user_from_model(user) if user else None, errors=errors)
