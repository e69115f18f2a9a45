"""Dashboard counts (SPEC 8): how many tickets of the viewer's queue fall in each bucket of one grouping.

The same tickets `tickets` lists: the viewer's queue and the filter, through `queue_where` (one rule, so a count
can never show a ticket the list would not). One statement whatever the grouping. Buckets (docs/decisions.md,
"Dashboard counts"):
- STATUS: every status, in its sort order, zero or not; PRIORITY: the four priorities, critical first;
  CATEGORY: every category that is not archived, zero or not, and an archived one while it holds tickets.
- ASSIGNEE, GROUP: each person or group holding tickets of the set, most tickets first, and one bucket with
  `key` null for the tickets with none; a person or group without tickets is not listed (who may be assigned
  is not the viewer's business, and a zero says nothing a missing bucket does not).
- CREATED_DAY: each day (UTC, `YYYY-MM-DD`) on which tickets of the set were filed, oldest first; days without
  any are left out, so a long date range costs nothing.
- SLA_STATE: OK, AT_RISK, BREACHED (zero or not), then `key` null ("No SLA") for tickets without a policy, so the
  buckets add up to the set; for staff only and with the sla_enabled setting on, as the queue's SLA filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from core.enums import Priority
from resolvers.kernel.actor import Actor, require_user
from resolvers.kernel.errors import Problems
from resolvers.kernel.sql import Statement
from resolvers.tickets import sla
from resolvers.tickets.queue import check_sla_allowed, queue_where, where_clause
from resolvers.tickets.queue_filters import TicketFilter
from resolvers.tickets.rows import T


class CountGroup(Enum):
    STATUS = "STATUS"
    PRIORITY = "PRIORITY"
    ASSIGNEE = "ASSIGNEE"
    GROUP = "GROUP"
    CATEGORY = "CATEGORY"
    CREATED_DAY = "CREATED_DAY"
    SLA_STATE = "SLA_STATE"


@dataclass(frozen=True)
class Bucket:
    """One bucket: its key (an ID, a priority's name or a day; None for "no assignee" / "no group"), the label a
    dashboard shows, and how many tickets it holds."""

    key: str | None
    label: str
    count: int


# The label of the bucket of tickets without an assignee or group.
NO_ASSIGNEE = "Unassigned"
NO_GROUP = "No group"
NO_SLA = "No SLA"
# SPEC 8 names the states "within / at risk / breached".
SLA_LABELS = {sla.SlaState.OK: "Within target", sla.SlaState.AT_RISK: "At risk", sla.SlaState.BREACHED: "Breached"}
# Buckets whose rows come from a table of their own (every row is a bucket, zero or not): table, extra condition.
_EVERY_ROW = {CountGroup.STATUS: ("statuses", None), CountGroup.CATEGORY: ("categories", "archived")}
# Buckets that exist only where tickets are: the ticket column, the table naming it, the label of "none".
_HELD = {
    CountGroup.ASSIGNEE: ("assignee_id", "users", NO_ASSIGNEE),
    CountGroup.GROUP: ("assigned_group_id", "groups", NO_GROUP),
}
_FROM = f'FROM "tickets" AS {T} JOIN "statuses" AS s ON s."id" = {T}."status_id"'


def _day(statement: Statement) -> str:
    """The UTC day a ticket was filed, as YYYY-MM-DD (SQLite stores times as text with their offset; date() reads
    it into UTC)."""
    if statement.postgres:
        return f"to_char({T}.\"created_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return f'date({T}."created_at")'


def _sql(group: CountGroup, statement: Statement, where: str) -> str:
    """The one statement of a grouping: rows of `key`, `label` (and `o`, the sort order, for tables), `n`. `where`
    already holds its parameters, which come first in the text in every shape below. No ORDER BY: the buckets are
    put in order in Python, where text compares the same way whatever the database's collation."""
    if group in _EVERY_ROW:
        table, archived = _EVERY_ROW[group]
        column = "status_id" if group is CountGroup.STATUS else "category_id"
        counted = f'SELECT {T}."{column}" AS "k", COUNT(*) AS "n" {_FROM}{where} GROUP BY {T}."{column}"'
        shown = f' WHERE b."{archived}" = {statement.param(False)} OR c."n" IS NOT NULL' if archived else ""
        return (
            f'SELECT b."id" AS "key", b."name" AS "label", b."sort_order" AS "o", COALESCE(c."n", 0) AS "n"'
            f' FROM "{table}" AS b LEFT JOIN ({counted}) AS c ON c."k" = b."id"{shown}'
        )
    if group in _HELD:
        column, table, _ = _HELD[group]
        return (
            f'SELECT {T}."{column}" AS "key", b."name" AS "label", COUNT(*) AS "n" {_FROM}'
            f' LEFT JOIN "{table}" AS b ON b."id" = {T}."{column}"{where}'
            f' GROUP BY {T}."{column}", b."name"'
        )
    key = f'{T}."priority"' if group is CountGroup.PRIORITY else _day(statement)
    return f'SELECT {key} AS "key", COUNT(*) AS "n" {_FROM}{where} GROUP BY {key}'


async def count_tickets(actor: Actor | None, wanted: TicketFilter | None, group: CountGroup) -> list[Bucket]:
    """The number of tickets of the actor's queue (and filter) per bucket of `group`; refused as `tickets` is
    (guests: no queue). One statement after authentication."""
    actor = require_user(actor)
    problems = Problems()
    statement = Statement()
    if group is CountGroup.SLA_STATE:
        await check_sla_allowed(actor, "groupBy")
        # Its parameters (now) first: SQLite numbers parameters by their place in the text.
        state = sla.state_sql(statement, T)
    where = where_clause(await queue_where(actor, wanted or TicketFilter(), problems, statement))
    problems.raise_if_any()
    if group is CountGroup.SLA_STATE:
        rows = await statement.rows(f'SELECT {state} AS "key", COUNT(*) AS "n" {_FROM}{where} GROUP BY 1')
        found = {row["key"]: int(row["n"]) for row in rows}
        buckets = [Bucket(state.value, SLA_LABELS[state], found.get(state.value, 0)) for state in sla.SlaState]
        return [*buckets, Bucket(None, NO_SLA, found.get(None, 0))]
    rows = await statement.rows(_sql(group, statement, where))
    if group is CountGroup.PRIORITY:
        found = {int(row["key"]): int(row["n"]) for row in rows}
        return [Bucket(p.name, p.name.title(), found.get(p.value, 0)) for p in Priority]
    if group is CountGroup.CREATED_DAY:
        return sorted((Bucket(str(row["key"]), str(row["key"]), int(row["n"])) for row in rows), key=lambda b: b.label)
    if group in _EVERY_ROW:
        rows.sort(key=lambda row: (row["o"], row["label"], row["key"]))
        return [Bucket(str(row["key"]), str(row["label"]), int(row["n"])) for row in rows]
    # Most tickets first; the bucket of "none" after the named ones with as many.
    rows.sort(key=lambda row: (-int(row["n"]), row["key"] is None, row["label"] or "", row["key"] or 0))
    none_label = _HELD[group][2]
    return [
        Bucket(None, none_label, int(row["n"]))
        if row["key"] is None
        else Bucket(str(row["key"]), str(row["label"]), int(row["n"]))
        for row in rows
    ]
