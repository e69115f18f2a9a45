"""Tickets as plain rows, with the relations a read asks for joined into the same statement (docs/performance.md).

A read path names the relations its caller will show (the schema finds them by looking ahead at the selection
once); each one is a LEFT JOIN of the ticket's foreign key, and its columns come back nested in the row under the
relation's name (`row["status"]`, `row["requester"]`...; None when the key is NULL). A relation not asked for is
simply absent from the row, and whoever shows it loads it later. Statuses are always joined: the queue's default
filter reads their kind.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from resolvers.kernel.rows import CTI_COLUMNS, STATUS_COLUMNS, USER_COLUMNS
from resolvers.kernel.sql import Row, Statement, nested, select_list
from resolvers.tickets import sla

TICKET_COLUMNS = (
    "id", "number", "subject", "description", "description_html", "category_id", "type_id", "item_id", "priority",
    "status_id", "requester_id", "guest_email", "assignee_id", "assigned_group_id", "resolution_notes", "resolved_at",
    "closed_at", "reopened", "created_at", "updated_at", "sla_due_at",
)  # fmt: skip
TICKET_TIMES = ("resolved_at", "closed_at", "created_at", "updated_at", "sla_due_at")


@dataclass(frozen=True)
class Join:
    table: str
    key: str
    columns: tuple[str, ...]
    times: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


_USER = {"table": "users", "columns": USER_COLUMNS, "times": ("last_login_at", "created_at"), "flags": ("disabled",)}
JOINS: dict[str, Join] = {
    "status": Join("statuses", "status_id", STATUS_COLUMNS, flags=("pauses_sla",)),
    "category": Join("categories", "category_id", CTI_COLUMNS, flags=("archived",)),
    "type": Join("ticket_types", "type_id", (*CTI_COLUMNS, "category_id"), flags=("archived",)),
    "item": Join("items", "item_id", (*CTI_COLUMNS, "type_id"), flags=("archived",)),
    "requester": Join(key="requester_id", **_USER),  # type: ignore[arg-type]
    "assignee": Join(key="assignee_id", **_USER),  # type: ignore[arg-type]
    "assigned_group": Join("groups", "assigned_group_id", ("id", "name")),
}
# The alias of the tickets table in every statement here; conditions are written against it.
T = "t"


# The newest change of any ticket, as a column of a queue page (`walk_started`): where a walk through a sort that
# moves starts (resolvers/tickets/queue_cursor.py). One probe of the updated_at index.
WALK_STARTED = 'SELECT MAX("updated_at") FROM "tickets"'


def ticket_select(relations: Collection[str], *, walk_started: bool = False) -> str:
    """`SELECT <ticket columns and joined columns> FROM tickets t <joins>`; status is joined as `s`."""
    wanted = [name for name in JOINS if name in relations and name != "status"]
    columns = [select_list(T, TICKET_COLUMNS), select_list("s", STATUS_COLUMNS, "status")]
    if walk_started:
        columns.append(f'({WALK_STARTED}) AS "walk_started"')
    joins = [f'JOIN "statuses" AS s ON s."id" = {T}."status_id"']
    for i, name in enumerate(wanted):
        join = JOINS[name]
        columns.append(select_list(f"j{i}", join.columns, name))
        joins.append(f'LEFT JOIN "{join.table}" AS j{i} ON j{i}."id" = {T}."{join.key}"')
    if "sla" in relations:
        # Ticket.sla: the clock columns, the policy and the setting (resolvers/tickets/sla.py).
        sla_columns, sla_join = sla.select_sql(T)
        columns.append(sla_columns)
        joins.append(sla_join)
    return f'SELECT {", ".join(columns)} FROM "tickets" AS {T} ' + " ".join(joins)


async def fetch_tickets(
    statement: Statement, text: str, relations: Collection[str], *, walk_started: bool = False
) -> list[Row]:
    """Run a statement that starts with `ticket_select(relations)` and nest each joined relation in its row."""
    names = ["status", *(name for name in JOINS if name in relations and name != "status")]
    times = [*TICKET_TIMES, *(["walk_started"] if walk_started else [])]
    flags = ["reopened"]
    for name in names:
        times.extend(f"{name}__{c}" for c in JOINS[name].times)
        flags.extend(f"{name}__{c}" for c in JOINS[name].flags)
    with_sla = "sla" in relations
    if with_sla:
        times.extend(sla.READ_TIMES)
    rows = await statement.rows(text, times=times, flags=flags)
    for row in rows:
        for name in names:
            row[name] = nested(row, name, JOINS[name].columns)
        if with_sla:
            sla.nest(row)
    return rows
