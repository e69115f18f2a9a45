"""Reading the conversation and history of tickets, filtered by what the viewer may see (SPEC 4, 12).

Staff see every reply, internal notes included, and deleted replies as placeholders; everyone else sees
public, undeleted replies only. History: staff see every entry; requesters see ticket-level entries that are
not internal (reply texts, edits and deletions stay out of their view); guests see none (SPEC 1: a guest reads
the ticket and its public thread, not who changed what).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q

from models.audit import AuditEntry
from models.replies import Reply
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import Problems, Reason
from resolvers.kernel.rows import USER_COLUMNS, as_row
from resolvers.kernel.sql import Statement, nested, select_list

Row = dict[str, Any]

REPLY_COLUMNS = (
    "id",
    "ticket_id",
    "author_id",
    "guest_email",
    "body",
    "body_html",
    "internal",
    "created_at",
    "edited_at",
    "deleted_at",
)
HISTORY_COLUMNS = (
    "id",
    "ticket_id",
    "actor_id",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "created_at",
)


# The most replies one ticket's `replies(first:)` or `replies(last:)` returns.
MAX_REPLIES = 100


def visible_reply_condition(actor: Actor | None) -> Q:
    """The replies the actor may read: every one for staff, public undeleted ones for everyone else."""
    if actor is not None and actor.is_staff:
        return Q()
    return Q(internal=False, deleted_at__isnull=True)


def _reply_sql(actor: Actor | None, internal: bool | None, statement: Statement) -> list[str]:
    """The same rule as `visible_reply_condition` in SQL, plus the caller's `internal` choice (None: both kinds)."""
    conditions = [] if actor is not None and actor.is_staff else ['NOT r."internal"', 'r."deleted_at" IS NULL']
    if internal is not None:
        conditions.append(f'r."internal" = {statement.param(internal)}')
    return conditions


def check_window(first: int | None, last: int | None) -> None:
    """`first` (the earliest N) or `last` (the latest N), each 0..MAX_REPLIES, not both: a VALIDATION error."""
    problems = Problems()
    if first is not None and last is not None:
        problems.add("last", "Give first or last, not both.", Reason.EXCLUSIVE_ARGUMENTS)
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_REPLIES:
            problems.add(name, f"{name} is {value}; it must be between 0 and {MAX_REPLIES}.", Reason.OUT_OF_RANGE)
    problems.raise_if_any()


def _history_condition(actor: Actor | None) -> Q:
    if actor is None or actor.is_guest:
        return Q(id__isnull=True)  # matches no row
    if actor.is_staff:
        return Q()
    return Q(internal=False, entity_type="ticket")


def _grouped(rows: list[Row], ticket_ids: Sequence[int]) -> list[list[Row]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["ticket_id"]].append(row)
    return [grouped.get(t, []) for t in ticket_ids]


async def replies_for_tickets(
    actor: Actor | None,
    ticket_ids: Sequence[int],
    *,
    first: int | None = None,
    last: int | None = None,
    internal: bool | None = None,
    authors: bool = False,
) -> list[list[Row]]:
    """Replies of each ticket in posting order, as far as the actor may see them: all of them, the `first` N or
    the `last` N (check_window), only notes or only public replies with `internal`; with `authors`, each row
    holds its author's user row under "author" (None for a guest's). One statement for any number of tickets
    (the window picked per ticket in SQL); the caller has already checked it may see the tickets."""
    check_window(first, last)
    if not ticket_ids or first == 0 or last == 0:
        return [[] for _ in ticket_ids]
    statement = Statement()
    columns = select_list("r", REPLY_COLUMNS) + (", " + select_list("u", USER_COLUMNS, "author") if authors else "")
    source = '"replies" AS r' + (' LEFT JOIN "users" AS u ON u."id" = r."author_id"' if authors else "")
    limit = first if first is not None else last
    newest = "DESC" if last is not None else "ASC"
    if limit is not None and statement.postgres:
        # Per ticket, the index on (ticket_id, created_at) yields its N replies: the cost does not grow with the
        # length of the thread.
        ids = statement.param(list(ticket_ids))
        where = " AND ".join(['r."ticket_id" = k."id"', *_reply_sql(actor, internal, statement)])
        text = (
            f'SELECT x.* FROM unnest({ids}::int[]) AS k("id") CROSS JOIN LATERAL (SELECT {columns} FROM {source}'
            f' WHERE {where} ORDER BY r."created_at" {newest}, r."id" {newest} LIMIT {statement.param(limit)}) AS x'
        )
    else:
        where = " AND ".join([f'r."ticket_id" IN {statement.params_in(ticket_ids)}',
                              *_reply_sql(actor, internal, statement)])  # fmt: skip
        if limit is None:
            text = f"SELECT {columns} FROM {source} WHERE {where}"
        else:
            rank = f'ROW_NUMBER() OVER (PARTITION BY r."ticket_id" ORDER BY r."created_at" {newest}, r."id" {newest})'
            inner = f'SELECT {columns}, {rank} AS "rank" FROM {source} WHERE {where}'
            text = f'SELECT * FROM ({inner}) AS x WHERE x."rank" <= {statement.param(limit)}'
    times = ["created_at", "edited_at", "deleted_at"] + (["author__last_login_at", "author__created_at"] * authors)
    flags = ["internal"] + (["author__disabled"] if authors else [])
    rows = await statement.rows(text, times=times, flags=flags)
    rows.sort(key=_posting_order)
    if authors:
        for row in rows:
            row["author"] = nested(row, "author", USER_COLUMNS)
    return _grouped(rows, ticket_ids)


def _posting_order(row: Row) -> tuple[Any, int]:
    return row["created_at"], row["id"]


async def history_for_tickets(actor: Actor | None, ticket_ids: Sequence[int]) -> list[list[Row]]:
    rows = await (
        AuditEntry.filter(_history_condition(actor), ticket_id__in=list(ticket_ids))
        .order_by("created_at", "id")
        .values(*HISTORY_COLUMNS)
    )
    if not (actor is not None and actor.is_staff):
        rows = [_without_staff_notes(row) for row in rows]
    return _grouped(rows, ticket_ids)


# Values staff write for each other (a reopening's reason) that requesters do not see in the history.
STAFF_ONLY_KEYS = frozenset({"reason"})


def _without_staff_notes(row: Row) -> Row:
    for key in ("before", "after"):
        values = row[key]
        if isinstance(values, dict) and STAFF_ONLY_KEYS & values.keys():
            row = {**row, key: {k: v for k, v in values.items() if k not in STAFF_ONLY_KEYS}}
    return row


def reply_row(reply: Reply) -> Row:
    """A reply as a plain row, for a payload right after a change its author was allowed to make: the instance
    the change just wrote, so the payload costs no statement of its own."""
    return as_row(reply, REPLY_COLUMNS)
