"""Tickets read and locked inside a change's transaction, with what its rules need: the status kind and whether
the actor may change the ticket (in a staff member's scope). One statement for any number of tickets, the write
path's first step (docs/performance.md): replies, links and resolveChildren start here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.enums import StatusKind
from models.tickets import Ticket
from resolvers.kernel.actor import Actor
from resolvers.kernel.sql import Statement
from resolvers.tickets.rows import T
from resolvers.tickets.visibility import EVERYTHING, as_sql, queue_parts, visible_parts

# Parent/child links are written one at a time on PostgreSQL (a transaction-scoped advisory lock with this key):
# two links that each pass the cycle check alone can close a cycle together (resolvers/tickets/links.py).
TREE_LOCK_KEY = 7_305_001


def numbered(*numbers: int) -> Callable[[Statement], str]:
    """The `where` of `locked_tickets` for tickets by number."""
    return lambda statement: f'{T}."number" IN {statement.params_in(numbers)}'


@dataclass
class LockedTicket:
    """A ticket read and locked inside the caller's transaction, with its status kind and whether the actor may
    change it (`in_scope`: in a staff member's queue; always for admins, and when the caller did not ask)."""

    ticket: Ticket
    kind: StatusKind
    in_scope: bool


async def locked_tickets(
    actor: Actor,
    where: Callable[[Statement], str],
    *,
    scoped: bool = True,
    lock: bool = True,
    tree_lock: bool = False,
) -> list[LockedTicket]:
    """The tickets matching `where` (a condition on `t`, written on the statement it is given) that the actor may
    open, in id order, locked `FOR UPDATE` on PostgreSQL unless `lock` is off: in id order, so two transactions
    locking the same tickets never deadlock. `scoped` asks whether each is in the actor's queue; `tree_lock` also
    takes the parent/child links' lock, before any ticket."""
    statement = Statement()
    scope = None
    if scoped:
        parts = await queue_parts(actor)
        scope = None if parts == EVERYTHING else as_sql(parts, statement, T)
    in_scope = f"CASE WHEN {scope} THEN 1 ELSE 0 END" if scope else "1"
    text = (
        f'SELECT {T}.*, s."kind" AS "status__kind", {in_scope} AS "in_scope" FROM "tickets" AS {T}'
        f' JOIN "statuses" AS s ON s."id" = {T}."status_id" WHERE {where(statement)}'
    )
    visible = as_sql(visible_parts(actor), statement, T)
    text += f" AND {visible}" if visible else ""
    if tree_lock and statement.postgres:
        # An uncorrelated condition: PostgreSQL evaluates it once, before it reads (and locks) any ticket.
        text += f" AND (SELECT pg_advisory_xact_lock({TREE_LOCK_KEY})) IS NOT NULL"
    text += f' ORDER BY {T}."id"' + (f" FOR UPDATE OF {T}" if lock and statement.postgres else "")
    found: list[LockedTicket] = []
    for row in await statement.db.execute_query_dict(text, statement.params):
        kind, allowed = StatusKind(row.pop("status__kind")), bool(row.pop("in_scope"))
        # The row as Tortoise itself turns rows into instances, so a change can save() it.
        found.append(LockedTicket(Ticket._init_from_db(**row), kind, allowed))
    return found
