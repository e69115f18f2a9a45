"""What admins see of everything the help desk sends: outbox emails, webhook deliveries and events in one list,
newest first, each with its delivery state.

The rows live in two tables (`outbox` holds emails and events, `webhook_deliveries` the webhook calls), so the
list is one `UNION ALL` read in a single statement, ordered by (created_at, kind, id) descending: the id alone is
not unique across the tables, and created_at alone is not unique within one. The cursor holds exactly that
triple, so a page continues strictly after the last row shown and pages neither repeat nor skip rows, whatever
is added meanwhile (new rows are newer: they appear on a fresh first page). The created_at of the cursor is the
value as the database returned it: a timestamp on PostgreSQL, the stored text on SQLite (compared as text, as
ORDER BY sorts it). A page costs one statement, and one more for `totalCount` only when it is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from core.enums import OutboxStatus
from resolvers.kernel.actor import Actor, require_admin
from resolvers.kernel.errors import Problems
from resolvers.kernel.pagination import Page, clean_page_size, not_a_cursor, read_position
from resolvers.kernel.sql import Statement
from resolvers.notify.outbox import EMAIL, EVENT


class OutgoingKind(IntEnum):
    """Its rank is the tie-breaker between rows created at the same moment (kept in cursors: do not renumber)."""

    EMAIL = 0
    WEBHOOK = 1
    EVENT = 2


@dataclass(frozen=True)
class OutgoingFilter:
    kind: OutgoingKind | None = None
    status: OutboxStatus | None = None


TIMES = ("created_at", "next_attempt_at", "sent_at")


def outgoing_position(row: dict[str, Any]) -> list[Any]:
    """The keyset position of a row in list order: (created_at as the database returned it, kind, id)."""
    sort_at = row["sort_at"]
    return [sort_at.isoformat() if isinstance(sort_at, datetime) else str(sort_at), int(row["kind"]), int(row["id"])]


async def list_outgoing_messages(
    actor: Actor | None,
    *,
    filter: OutgoingFilter = OutgoingFilter(),
    first: int | None = None,
    after: list[Any] | None = None,
    count: bool = True,
) -> Page:
    """Admins only: every outgoing email, webhook delivery and event, newest first, optionally of one kind and
    one status, `first` per page; `count` False leaves total_count at 0 and saves its statement."""
    require_admin(actor)
    problems = Problems()
    size = clean_page_size(problems, first)
    problems.raise_if_any()
    statement = Statement()
    start = _start(after, statement.postgres)
    text = _page_sql(statement, filter, start, size + 1)
    rows = await statement.rows(text, times=TIMES, flags=("fanned_out",))
    total = await _count(filter) if count else 0
    return Page(
        rows=rows[:size], has_next_page=len(rows) > size, has_previous_page=start is not None, total_count=total
    )


def _start(after: list[Any] | None, postgres: bool) -> tuple[Any, int, int] | None:
    position = read_position(after, str, int, int)
    if position is None:
        return None
    moment, kind, row_id = position
    if kind not in set(OutgoingKind):
        raise not_a_cursor()
    if postgres:
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            raise not_a_cursor() from None
        if moment.tzinfo is None:
            raise not_a_cursor()
    return moment, kind, row_id


def _sources(statement: Statement, wanted: OutgoingFilter) -> list[str]:
    """The SELECTs of the union, with the same columns; a filter by kind leaves the other table out. Parameters
    are added in text order."""
    kinds = {wanted.kind} if wanted.kind is not None else set(OutgoingKind)

    def status(alias: str) -> str:
        return "" if wanted.status is None else f' AND {alias}."status" = {statement.param(wanted.status.value)}'

    parts = []
    channels = [name for kind, name in ((OutgoingKind.EMAIL, EMAIL), (OutgoingKind.EVENT, EVENT)) if kind in kinds]
    if channels:
        to = "o.\"payload\" ->> 'to'" if statement.postgres else "json_extract(o.\"payload\", '$.to')"
        select = (
            f"SELECT CASE WHEN o.\"channel\" = '{EMAIL}' THEN {OutgoingKind.EMAIL.value} ELSE"
            f' {OutgoingKind.EVENT.value} END AS "kind", o."id", o."topic",'
            f' CASE WHEN o."channel" = \'{EMAIL}\' THEN {to} END AS "destination", o."status", o."attempts",'
            ' o."next_attempt_at", o."last_error", o."created_at", o."sent_at", NULL AS "response_code",'
            f' CASE WHEN o."channel" = \'{EVENT}\' THEN o."status" = \'SENT\' END AS "fanned_out",'
            ' t."number" AS "ticket_number", o."created_at" AS "sort_at"'
            ' FROM "outbox" AS o LEFT JOIN "tickets" AS t ON t."id" = o."ticket_id"'
        )
        where = f' WHERE o."channel" IN {statement.params_in(channels)}'
        parts.append(select + where + status("o"))
    if OutgoingKind.WEBHOOK in kinds:
        parts.append(
            f'SELECT {OutgoingKind.WEBHOOK.value} AS "kind", d."id", d."topic", w."url" AS "destination", d."status",'
            ' d."attempts", d."next_attempt_at", d."last_error", d."created_at", d."delivered_at" AS "sent_at",'
            ' d."response_code", NULL AS "fanned_out", t."number" AS "ticket_number", d."created_at" AS "sort_at"'
            ' FROM "webhook_deliveries" AS d JOIN "webhooks" AS w ON w."id" = d."webhook_id"'
            ' JOIN "outbox" AS e ON e."id" = d."event_id" LEFT JOIN "tickets" AS t ON t."id" = e."ticket_id"'
            " WHERE 1 = 1" + status("d")
        )
    return parts


def _page_sql(statement: Statement, wanted: OutgoingFilter, start: tuple[Any, int, int] | None, limit: int) -> str:
    """Parameters in text order (SQLite numbers them by position)."""
    union = " UNION ALL ".join(_sources(statement, wanted))
    following = ""
    if start is not None:
        moment, kind, row_id = start
        first, same = statement.param(moment), statement.param(moment)
        lower, equal, below = statement.param(kind), statement.param(kind), statement.param(row_id)
        following = (
            f' WHERE m."sort_at" < {first} OR (m."sort_at" = {same}'
            f' AND (m."kind" < {lower} OR (m."kind" = {equal} AND m."id" < {below})))'
        )
    order = ' ORDER BY m."sort_at" DESC, m."kind" DESC, m."id" DESC'
    return f"SELECT * FROM ({union}) AS m{following}{order} LIMIT {statement.param(limit)}"


async def _count(wanted: OutgoingFilter) -> int:
    """How many rows the filter matches across both tables: one statement."""
    statement = Statement()
    counts = [f"SELECT COUNT(*) FROM ({source}) AS s" for source in _sources(statement, wanted)]
    text = "SELECT " + " + ".join(f"({part})" for part in counts) + ' AS "total"'
    rows = await statement.rows(text)
    return int(rows[0]["total"])
