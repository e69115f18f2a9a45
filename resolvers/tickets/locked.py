"""Tickets read and locked inside a change's transaction, with what its rules need: the status kind and whether
the actor may change the ticket (in a staff member's scope). One statement for any number of tickets, the write
path's first step (docs/performance.md): replies, links and resolveChildren start here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.enums import StatusKind
from models.tickets import Ticket
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import Reason, forbidden, not_found
from resolvers.kernel.sql import Statement
from resolvers.tickets.rows import T
from resolvers.tickets.visibility import EVERYTHING, OUT_OF_SCOPE, as_sql, queue_parts, visible_parts

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
    # The status kind by a subquery, not a join: when the row was changed while we waited for its lock, PostgreSQL
    # re-checks the locked row's new version against the rows it had joined, so a concurrent status change made a
    # joined status mismatch and the ticket vanish (NOT_FOUND); the subquery is evaluated on the new version.
    kind = f'(SELECT s."kind" FROM "statuses" AS s WHERE s."id" = {T}."status_id")'
    text = (
        f'SELECT {T}.*, {kind} AS "status__kind", {in_scope} AS "in_scope" FROM "tickets" AS {T}'
        f" WHERE {where(statement)}"
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


async def locked_ticket_for(actor: Actor, number: int, *, in_scope: bool) -> tuple[Ticket, StatusKind]:
    """One ticket by number, read and locked inside the caller's transaction with its status kind. When `in_scope`
    (a change, a public reply) a staff member must have it in their queue. Requesters and guests reach what they
    may open; a ticket out of sight is NOT_FOUND, one a staff member may open but not change FORBIDDEN. Checking on
    the locked row means a reassignment between the check and the change cannot slip through."""
    found = await locked_tickets(actor, numbered(number), scoped=actor.is_staff and in_scope)
    if not found:
        raise not_found(f"Ticket {number}", "number", Reason.TICKET_NOT_FOUND)
    (locked,) = found
    if not locked.in_scope:
        raise forbidden(OUT_OF_SCOPE, Reason.OUT_OF_SCOPE)
    return locked.ticket, locked.kind
