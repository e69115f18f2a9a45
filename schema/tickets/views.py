"""Saved views of the queue: savedViews, saveView, deleteView, and what `tickets(view:)` applies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from resolvers.tickets import queue as ticket_queue
from resolvers.tickets import queue_filters, view_filters
from resolvers.tickets import views as view_rules
from resolvers.tickets.view_filters import as_input
from schema.accounts.types import User, load_user, user_from_row
from schema.context import Info
from schema.errors import INPUT, ErrorReason, UserError, mutate, query
from schema.lookahead import argument_given, later
from schema.tickets.inputs import TicketFilterInput, TicketSort


@strawberry.type(description="A part of a saved view that no longer applies; the view is applied without it.")
class ViewProblem:
    field: str = strawberry.field(description="The part, as the input names it (`filter.categoryId`, `sort`).")
    reason: ErrorReason = strawberry.field(  # type: ignore[valid-type]
        description="Why: the category, type, item, group, status or person it named was deleted "
        "(CATEGORY_NOT_FOUND, ...), or the queue no longer has that filter (FILTER_NO_LONGER_SUPPORTED)."
    )
    message: str = strawberry.field(description="What no longer applies, for people to read.")


def problem(found: view_filters.ViewProblem) -> ViewProblem:
    return ViewProblem(field=found.field, reason=ErrorReason[found.reason.name], message=found.message)


@strawberry.type(description="A named filter and sort of the queue: your own, or one an admin shared with all staff.")
class SavedView:
    id: strawberry.ID = strawberry.field(description="Pass it as `tickets(view:)`.")
    name: str = strawberry.field(description="Unique among its owner's views (and among shared views), ignoring case.")
    shared: bool = strawberry.field(description="Published by an admin to every staff member.")
    mine: bool = strawberry.field(description='You own it ("My Views"); false for a shared view of another admin.')
    filter: JSON = strawberry.field(
        description="What it shows, in the shape of TicketFilterInput (what it no longer applies is left out): "
        "`tickets(filter:)` with this and `sort` gives the same tickets as `tickets(view:)`."
    )
    sort: TicketSort = strawberry.field(description="In which order it shows them.")
    problems: list[ViewProblem] = strawberry.field(description="What no longer applies; empty when all does.")
    created_at: datetime = strawberry.field(description="When it was first saved.")
    _owner_id: strawberry.Private[int]
    _owner: strawberry.Private[dict[str, object] | None]

    @strawberry.field(description="Who saved it.")
    def owner(self, info: Info) -> User:
        if self._owner is not None:
            return user_from_row(info, self._owner)
        return later(self._load_owner(info))

    async def _load_owner(self, info: Info) -> User:
        user = await load_user(info, self._owner_id)
        assert user is not None  # foreign key
        return user

    @classmethod
    def of(cls, info: Info, view: view_rules.View) -> SavedView:
        actor = info.context.actor
        return cls(
            id=strawberry.ID(str(view.id)),
            name=view.name,
            shared=view.shared,
            mine=actor is not None and actor.user_id == view.owner_id,
            filter=cast(JSON, as_input(view.wanted)),
            sort=TicketSort[view.sort.name],
            problems=[problem(p) for p in view.problems],
            created_at=view.created_at,
            _owner_id=view.owner_id,
            _owner=view.owner,
        )


@strawberry.input(description="A view to save: a new one (no `id`), or new contents for one of yours.")
class SaveViewInput:
    name: str = strawberry.field(description="Trimmed, 1..100 characters; unique among your views, ignoring case.")
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The view to change: your own, or (admins) a shared one. Its name, filter and sort become "
        "the ones given here. Omit to create a view.",
    )
    filter: TicketFilterInput | None = strawberry.field(
        default=None, description="What it shows, checked as `tickets` checks it; every ID must exist. Default: none."
    )
    sort: TicketSort = strawberry.field(default=TicketSort.UPDATED_DESC, description="In which order.")
    shared: bool | None = strawberry.field(
        default=None,
        description="Admins: publish it to every staff member (true) or keep it yours (false). Omitted: a new view "
        "is yours, a changed one keeps its sharing.",
    )


@strawberry.input(description="The view to delete.")
class DeleteViewInput:
    id: strawberry.ID = strawberry.field(description="Your own view, or (admins) a shared one.")


@strawberry.type(description="The result of saveView.")
class SaveViewPayload:
    view: SavedView | None = strawberry.field(description="The view as saved; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="The result of deleteView.")
class DeleteViewPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="The ID that was deleted; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


async def view_queue(
    info: Info, view: strawberry.ID, wanted: queue_filters.TicketFilter | None, sort: ticket_queue.TicketSort
) -> tuple[queue_filters.TicketFilter, ticket_queue.TicketSort]:
    """What `tickets(view:)` runs: the view's filter and sort, explicit arguments winning (resolvers/tickets/views.py
    `apply_view`); a refusal is a top-level error, as for a bad filter."""
    explicit_sort = sort if argument_given(info, "sort") else None
    return await query(info, lambda actor: view_rules.apply_view(actor, view, wanted, explicit_sort))


@strawberry.type
class Query:
    @strawberry.field(description="Your saved views, then the shared ones, each by name. Staff and admins only.")
    async def saved_views(self, info: Info) -> list[SavedView]:
        return [SavedView.of(info, v) for v in await query(info, view_rules.list_views)]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Save the queue's filter and sort as a named view, or change one. Staff and admins; only admins "
        "share views and change shared ones."
    )
    async def save_view(self, info: Info, input: Annotated[SaveViewInput, INPUT]) -> SaveViewPayload:
        draft = view_rules.ViewDraft(
            name=input.name,
            wanted=input.filter.to_domain() if input.filter else queue_filters.TicketFilter(),
            sort=ticket_queue.TicketSort[input.sort.name],
            shared=input.shared,
            view_id=input.id,
        )
        view, errors = await mutate(info, lambda actor: view_rules.save_view(actor, draft))
        return SaveViewPayload(view=SavedView.of(info, view) if view else None, errors=errors)

    @strawberry.mutation(description="Delete a view: your own, or (admins) a shared one.")
    async def delete_view(self, info: Info, input: Annotated[DeleteViewInput, INPUT]) -> DeleteViewPayload:
        deleted, errors = await mutate(info, lambda actor: view_rules.delete_view(actor, input.id))
        return DeleteViewPayload(deleted_id=strawberry.ID(str(deleted)) if deleted else None, errors=errors)
