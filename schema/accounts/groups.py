"""Reading and managing groups of staff and their scope."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import strawberry

from resolvers.accounts import groups as group_rules
from schema.accounts.types import Group
from schema.context import Info
from schema.errors import UserError, mutate, query

_NAME = "Display name: trimmed, 1..100 characters, unique (ignoring case)."
_ERRORS = "Why the change was refused; empty on success."


@strawberry.input(description="One scope entry: a whole category, or one type within it.")
class ScopeEntryInput:
    category_id: strawberry.ID = strawberry.field(description="The category in scope.")
    type_id: strawberry.ID | None = strawberry.field(
        default=None, description="A type of that category, to narrow the entry to it; omit for the whole category."
    )


@strawberry.input(description="A new group.")
class CreateGroupInput:
    name: str = strawberry.field(description=_NAME)
    member_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Its members: enabled staff or admin accounts, at most 500. Default: none.",
    )
    scope: list[ScopeEntryInput] = strawberry.field(
        default_factory=list,
        description="Where its members' queues look, at most 200 entries. Default: nowhere (assigned tickets only).",
    )


@strawberry.input(description="Changes to a group. A given list replaces the old one entirely; omitted fields stay.")
class UpdateGroupInput:
    group_id: strawberry.ID = strawberry.field(description="The group to change.")
    name: str | None = strawberry.field(default=None, description=_NAME)
    member_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="The complete new member list (staff or admin accounts, at most 500; a disabled account may "
        "stay but not be added); [] removes everyone.",
    )
    scope: list[ScopeEntryInput] | None = strawberry.field(
        default=None, description="The complete new scope, at most 200 entries; [] removes every entry."
    )


@strawberry.input(description="The group to delete.")
class DeleteGroupInput:
    group_id: strawberry.ID = strawberry.field(description="The group to delete.")


@strawberry.type
class _GroupResult:
    group: Group | None = strawberry.field(description="The group as saved; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of createGroup.")
class CreateGroupPayload(_GroupResult):
    pass


@strawberry.type(description="The result of updateGroup.")
class UpdateGroupPayload(_GroupResult):
    pass


@strawberry.type(description="The result of deleteGroup.")
class DeleteGroupPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="The ID that was deleted; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


def _entries(scope: list[ScopeEntryInput] | None) -> list[group_rules.RawScopeEntry] | None:
    return None if scope is None else [(entry.category_id, entry.type_id) for entry in scope]


def _group(row: dict[str, Any] | None) -> Group | None:
    return Group.from_row(row) if row else None


@strawberry.type
class Query:
    @strawberry.field(description="Every group, by name. Staff and admins only.")
    async def groups(self, info: Info) -> list[Group]:
        return [Group.from_row(r) for r in await query(info, group_rules.list_groups)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a group with its members and scope. Admins only.")
    async def create_group(
        self, info: Info, input: Annotated[CreateGroupInput, strawberry.argument(description="The group.")]
    ) -> CreateGroupPayload:
        work = partial(
            group_rules.create_group, name=input.name, member_ids=input.member_ids, scope=_entries(input.scope) or []
        )
        row, errors = await mutate(info, work)
        return CreateGroupPayload(group=_group(row), errors=errors)

    @strawberry.mutation(description="Rename a group, or replace its members or scope. Admins only.")
    async def update_group(
        self, info: Info, input: Annotated[UpdateGroupInput, strawberry.argument(description="The changes.")]
    ) -> UpdateGroupPayload:
        work = partial(
            group_rules.update_group,
            group_id=input.group_id,
            name=input.name,
            member_ids=input.member_ids,
            scope=_entries(input.scope),
        )
        row, errors = await mutate(info, work)
        return UpdateGroupPayload(group=_group(row), errors=errors)

    @strawberry.mutation(
        description="Delete a group. Admins only. Refused (CONFLICT) while open tickets are assigned to it; "
        "closed tickets simply stop naming it."
    )
    async def delete_group(
        self, info: Info, input: Annotated[DeleteGroupInput, strawberry.argument(description="What to delete.")]
    ) -> DeleteGroupPayload:
        deleted, errors = await mutate(info, partial(group_rules.delete_group, group_id=input.group_id))
        return DeleteGroupPayload(deleted_id=strawberry.ID(str(deleted)) if deleted else None, errors=errors)
