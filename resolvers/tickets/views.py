"""Saved views (SPEC 8): a named filter and sort of the queue. Staff keep their own ("My Views"); admins publish
shared ones that every staff member sees and that only admins change or delete. Requesters, guests and anonymous
callers have no queue, so no views.

A view is applied exactly as if its filter and sort were passed by hand (`apply_view`), through the same queue and
so always within what the viewer may see: a shared view never widens anyone's scope. Its filter is stored in the
form of resolvers/tickets/view_filters.py, which survives filter fields being added; references it names that
were deleted since load as problems and are left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models.views import SavedView
from resolvers.kernel.actor import Actor, require_staff
from resolvers.kernel.errors import Problems, Reason, forbidden, not_found
from resolvers.kernel.rows import USER_COLUMNS
from resolvers.kernel.sql import Row, Statement, nested, select_list
from resolvers.kernel.unique_names import name_taken, unique_index_guard
from resolvers.kernel.validation import clean_text, parse_id, required_id
from resolvers.tickets.queue import TicketSort, check_filter
from resolvers.tickets.queue_filters import TicketFilter
from resolvers.tickets.view_filters import (
    REFERENCES,
    ViewProblem,
    canonical,
    dump_filter,
    input_name,
    json_parameter,
    load_filter,
    missing_columns,
    missing_ids,
    without_missing,
)

MAX_NAME_LENGTH = 100  # the column's
_WHAT = "view of the same owner, or shared view"
_COLUMNS = ("id", "name", "shared", "filters", "sort", "owner_id", "created_at")
_STORED = 'v."filters"'
_INPUT = 'p."filters"'


@dataclass
class ViewDraft:
    """What saveView asks for: a new view (no `view_id`), or the new name, filter and sort of one the caller may
    change. `shared` None: a new view is private, a changed one keeps its sharing."""

    name: str
    wanted: TicketFilter
    sort: TicketSort = TicketSort.UPDATED_DESC
    shared: bool | None = None
    view_id: str | None = None


@dataclass
class View:
    """A saved view as it applies now: stale parts already left out of `wanted` (and listed in `problems`)."""

    id: int
    name: str
    shared: bool
    owner_id: int
    created_at: datetime
    wanted: TicketFilter
    sort: TicketSort
    problems: list[ViewProblem]
    # The owner's user row when the read joined it; the schema loads it otherwise.
    owner: Row | None = None


_TIMES = ("created_at", "owner__created_at", "owner__last_login_at")
_FLAGS = ("shared", "owner__disabled")


def _view_select(statement: Statement) -> str:
    """The views with their owners and, per reference field, the IDs that no longer exist."""
    columns = [select_list("v", _COLUMNS), select_list("u", USER_COLUMNS, "owner"), missing_columns(statement, _STORED)]
    return f'SELECT {", ".join(columns)} FROM "saved_views" AS v JOIN "users" AS u ON u."id" = v."owner_id"'


def _visible(statement: Statement, actor: Actor) -> str:
    """A staff member's own views and every shared one; nobody sees another's private view, admins included."""
    return f'(v."owner_id" = {statement.param(actor.user_id)} OR v."shared" = {statement.param(True)})'


def _view(row: Row) -> View:
    missing = missing_ids(row)
    stored = row["filters"]
    wanted, problems = load_filter(json.loads(stored) if isinstance(stored, str) else stored)
    wanted, gone = without_missing(wanted, missing)
    sort = TicketSort.__members__.get(row["sort"])
    if sort is None:
        message = f"sort {row['sort']} is no longer one of the queue's orders; the default order applies."
        problems.append(ViewProblem("sort", Reason.FILTER_NO_LONGER_SUPPORTED, message))
    return View(
        id=row["id"],
        name=row["name"],
        shared=row["shared"],
        owner_id=row["owner_id"],
        created_at=row["created_at"],
        wanted=wanted,
        sort=sort or TicketSort.UPDATED_DESC,
        problems=problems + gone,
        owner=nested(row, "owner", USER_COLUMNS),
    )


async def list_views(actor: Actor | None) -> list[View]:
    """The caller's own views, then every shared one (each by name). Staff and admins only. One statement."""
    actor = require_staff(actor)
    statement = Statement()
    text = _view_select(statement) + f" WHERE {_visible(statement, actor)}"
    order = ' ORDER BY v."shared", LOWER(v."name"), v."id"'
    return [_view(row) for row in await statement.rows(text + order, times=_TIMES, flags=_FLAGS)]


async def find_view(actor: Actor | None, raw_id: str | int | None, field: str = "view") -> View:
    """A view the caller may use (their own or a shared one); VIEW_NOT_FOUND otherwise. One statement."""
    actor = require_staff(actor)
    problems = Problems()
    view_id = required_id(problems, field, raw_id)
    problems.raise_if_any()
    statement = Statement()
    text = _view_select(statement) + f' WHERE v."id" = {statement.param(view_id)} AND {_visible(statement, actor)}'
    rows = await statement.rows(text, times=_TIMES, flags=_FLAGS)
    if not rows:
        raise not_found("View", field, Reason.VIEW_NOT_FOUND)
    return _view(rows[0])


async def apply_view(
    actor: Actor | None, raw_id: str | int | None, explicit: TicketFilter | None, sort: TicketSort | None
) -> tuple[TicketFilter, TicketSort]:
    """The filter and sort `tickets(view:)` runs: the view's, with each field of an explicit `filter` that is set
    taking the place of the view's (explicit wins, field by field), and an explicit `sort` the view's sort."""
    view = await find_view(actor, raw_id)
    wanted = view.wanted
    if explicit is not None:
        given = {f.name: getattr(explicit, f.name) for f in fields(explicit) if getattr(explicit, f.name) is not None}
        wanted = replace(wanted, **given)
    return wanted, sort or view.sort


async def _refuse_missing_references(stored: dict[str, Any]) -> None:
    """UNKNOWN_ID for every reference of a filter being saved that names nothing (one statement, when any)."""
    if not any(name in stored for name in REFERENCES):
        return
    statement = Statement()
    source = f'SELECT {json_parameter(statement, stored)} AS "filters"'
    (row,) = await statement.rows(f"SELECT {missing_columns(statement, _INPUT)} FROM ({source}) AS p")
    problems = Problems()
    for name, gone in missing_ids(row).items():
        field = input_name(name)
        noun = REFERENCES[name].noun
        problems.add(field, f"{field}: {noun} {', '.join(gone)} does not exist.", Reason.UNKNOWN_ID)
    problems.raise_if_any()


async def _locked(actor: Actor, view_id: int, field: str) -> SavedView:
    """The view to change, locked; VIEW_NOT_FOUND when the caller may not use it, ADMIN_ONLY when it is shared and
    the caller is not an admin (staff read shared views, never change them)."""
    view = await SavedView.select_for_update().get_or_none(id=view_id)
    if view is None or (view.owner_id != actor.user_id and not view.shared):
        raise not_found("View", field, Reason.VIEW_NOT_FOUND)
    if view.shared and not actor.is_admin:
        raise forbidden("Only admins change or delete shared views.", Reason.ADMIN_ONLY, field)
    return view


async def _ensure_unique(name: str, owner_id: int, shared: bool, other_than: int | None) -> None:
    """Names are unique among the owner's views and, for a shared view, among shared views (every staff member
    sees those side by side), ignoring case."""
    among = Q(owner_id=owner_id) | Q(shared=True) if shared else Q(owner_id=owner_id)
    clashes = SavedView.filter(among, name__iexact=name)
    if other_than is not None:
        clashes = clashes.exclude(id=other_than)
    if await clashes.exists():
        raise name_taken(name, _WHAT)


async def save_view(actor: Actor | None, draft: ViewDraft) -> View:
    """Create a view, or replace the name, filter and sort (and sharing, when given) of one the caller may change.
    Staff and admins; only admins share (or change a shared view). The filter is checked as the queue checks it,
    and every ID it names must exist; nothing is written unless all is well."""
    actor = require_staff(actor)
    if draft.shared and not actor.is_admin:
        raise forbidden("Only admins publish shared views; leave shared out or false.", Reason.ADMIN_ONLY, "shared")
    problems = Problems()
    view_id = parse_id(problems, "id", draft.view_id)
    name = clean_text(problems, "name", draft.name, max_length=MAX_NAME_LENGTH)
    check_filter(actor, draft.wanted, problems)
    problems.raise_if_any()
    wanted = canonical(draft.wanted)
    stored = dump_filter(wanted)
    await _refuse_missing_references(stored)
    with unique_index_guard(name, _WHAT):
        async with in_transaction():
            if view_id is None:
                assert actor.user_id is not None  # staff have accounts
                shared = bool(draft.shared)
                await _ensure_unique(name, actor.user_id, shared, None)
                view = await SavedView.create(
                    owner_id=actor.user_id, name=name, shared=shared, filters=stored, sort=draft.sort.name
                )
            else:
                view = await _locked(actor, view_id, "id")
                shared = view.shared if draft.shared is None else draft.shared
                await _ensure_unique(name, view.owner_id, shared, view.id)
                view.name, view.shared, view.filters, view.sort = name, shared, stored, draft.sort.name
                await view.save(update_fields=["name", "shared", "filters", "sort"])
    # What was written, with nothing stale (just checked): no reload.
    return View(view.id, view.name, view.shared, view.owner_id, view.created_at, wanted, draft.sort, [])


async def delete_view(actor: Actor | None, raw_id: str | int | None) -> int:
    """Delete a view the caller may change: their own private one; a shared one only as an admin."""
    actor = require_staff(actor)
    problems = Problems()
    view_id = required_id(problems, "id", raw_id)
    problems.raise_if_any()
    assert view_id is not None
    async with in_transaction():
        view = await _locked(actor, view_id, "id")
        await view.delete()
    return view_id
