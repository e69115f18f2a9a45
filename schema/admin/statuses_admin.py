"""Reading and managing ticket statuses."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import strawberry

from resolvers.admin import statuses as status_rules
from schema.admin.statuses import Status
from schema.context import Info
from schema.errors import UserError, mutate, query

_NAME = "Display name: trimmed, 1..50 characters, unique (ignoring case)."
_COLOUR = "Hex colour like #2563eb."
_SORT = "Position in lists, ascending."
_PAUSES = "Whether time in this status stops the SLA clocks."
_ERRORS = "Why the change was refused; empty on success."


@strawberry.input(description="A new custom status.")
class CreateStatusInput:
    name: str = strawberry.field(description=_NAME)
    color: str = strawberry.field(description=_COLOUR)
    sort_order: int | None = strawberry.field(default=None, description=_SORT + " Default: after the last status.")
    pauses_sla: bool | None = strawberry.field(default=None, description=_PAUSES + " Default false.")


@strawberry.input(description="Changes to a status (system ones included); omitted fields stay as they are.")
class UpdateStatusInput:
    status_id: strawberry.ID = strawberry.field(description="The status to change.")
    name: str | None = strawberry.field(default=None, description=_NAME + " The kind never changes.")
    color: str | None = strawberry.field(default=None, description=_COLOUR)
    sort_order: int | None = strawberry.field(default=None, description=_SORT)
    pauses_sla: bool | None = strawberry.field(default=None, description=_PAUSES)


@strawberry.input(description="The status to delete.")
class DeleteStatusInput:
    status_id: strawberry.ID = strawberry.field(description="The status to delete.")


@strawberry.type
class _StatusResult:
    status: Status | None = strawberry.field(description="The status as saved; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of createStatus.")
class CreateStatusPayload(_StatusResult):
    pass


@strawberry.type(description="The result of updateStatus.")
class UpdateStatusPayload(_StatusResult):
    pass


@strawberry.type(description="The result of deleteStatus.")
class DeleteStatusPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="The ID that was deleted; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


def _status(row: dict[str, Any] | None) -> Status | None:
    return Status.from_row(row) if row else None


@strawberry.type
class Query:
    @strawberry.field(description="Every status, in sort order. Any signed-in user.")
    async def statuses(self, info: Info) -> list[Status]:
        return [Status.from_row(r) for r in await query(info, status_rules.list_statuses)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a custom status. Admins only.")
    async def create_status(
        self, info: Info, input: Annotated[CreateStatusInput, strawberry.argument(description="The status.")]
    ) -> CreateStatusPayload:
        work = partial(
            status_rules.create_status,
            name=input.name,
            color=input.color,
            sort_order=input.sort_order,
            pauses_sla=input.pauses_sla,
        )
        row, errors = await mutate(info, work)
        return CreateStatusPayload(status=_status(row), errors=errors)

    @strawberry.mutation(description="Rename, recolour or reorder any status, or change its SLA pause. Admins only.")
    async def update_status(
        self, info: Info, input: Annotated[UpdateStatusInput, strawberry.argument(description="The changes.")]
    ) -> UpdateStatusPayload:
        work = partial(
            status_rules.update_status,
            status_id=input.status_id,
            name=input.name,
            color=input.color,
            sort_order=input.sort_order,
            pauses_sla=input.pauses_sla,
        )
        row, errors = await mutate(info, work)
        return UpdateStatusPayload(status=_status(row), errors=errors)

    @strawberry.mutation(
        description="Delete a custom status. Admins only. Refused (CONFLICT) for the system statuses "
        "(NEW, RESOLVED, CLOSED) and for a status any ticket uses."
    )
    async def delete_status(
        self, info: Info, input: Annotated[DeleteStatusInput, strawberry.argument(description="What to delete.")]
    ) -> DeleteStatusPayload:
        deleted, errors = await mutate(info, partial(status_rules.delete_status, status_id=input.status_id))
        return DeleteStatusPayload(deleted_id=strawberry.ID(str(deleted)) if deleted else None, errors=errors)
