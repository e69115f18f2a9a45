"""Resolve all children (SPEC 5): on a resolved parent, resolve every child that is not Resolved or Closed with the
parent's resolution notes, in one transaction, each exactly as resolveTicket would (resolvers/tickets/lifecycle.py
`resolve_locked`: the same audit row, email and events). A child the caller may not change is refused on its own
and the others still go ahead; a dry run answers the same outcomes and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tortoise.transactions import in_transaction

from core.enums import LinkType, StatusKind
from models.tickets import Ticket
from resolvers.kernel.actor import Actor, require_staff
from resolvers.kernel.errors import DomainError, Reason, conflict, forbidden, not_found
from resolvers.kernel.sql import Statement
from resolvers.tickets.lifecycle import resolve_locked, status_of_kind
from resolvers.tickets.locked import LockedTicket, locked_tickets, numbered
from resolvers.tickets.rows import T
from resolvers.tickets.visibility import OUT_OF_SCOPE


class Outcome(Enum):
    RESOLVED = "RESOLVED"
    ALREADY_RESOLVED = "ALREADY_RESOLVED"
    ALREADY_CLOSED = "ALREADY_CLOSED"
    REFUSED = "REFUSED"


@dataclass
class ChildResult:
    ticket: Ticket
    outcome: Outcome
    error: DomainError | None = None


@dataclass
class ChildrenResolution:
    parent: Ticket
    children: list[ChildResult]
    dry_run: bool


def _outcome(child: LockedTicket) -> tuple[Outcome, DomainError | None]:
    """What resolving this child does; the same answer with and without a dry run."""
    if child.kind is StatusKind.RESOLVED:
        return Outcome.ALREADY_RESOLVED, None
    if child.kind is StatusKind.CLOSED:
        return Outcome.ALREADY_CLOSED, None
    if not child.in_scope:
        # resolveTicket's own refusal (workable_ticket), for this child only.
        return Outcome.REFUSED, forbidden(OUT_OF_SCOPE, Reason.OUT_OF_SCOPE)
    return Outcome.RESOLVED, None


async def resolve_children(actor: Actor | None, number: int, dry_run: bool = False) -> ChildrenResolution:
    """Staff and admins, on a parent they may change that is Resolved or Closed (its notes are the answer the
    children get): every child in ticket order with what happened to it, or with `dry_run` what would."""
    actor = require_staff(actor)
    resolved = await status_of_kind(StatusKind.RESOLVED)
    async with in_transaction():
        found = await locked_tickets(actor, numbered(number), lock=not dry_run)
        if not found:
            raise not_found(f"Ticket {number}", "number", Reason.TICKET_NOT_FOUND)
        (parent,) = found
        if not parent.in_scope:
            raise forbidden(OUT_OF_SCOPE, Reason.OUT_OF_SCOPE, "number")
        if parent.kind not in (StatusKind.RESOLVED, StatusKind.CLOSED):
            raise conflict(
                f"Ticket {number} is not resolved; resolve it first: its children get its resolution notes.",
                Reason.PARENT_NOT_RESOLVED,
                "number",
            )

        def children_of_parent(statement: Statement) -> str:
            return (
                f'{T}."id" IN (SELECT l."target_id" FROM "ticket_links" AS l WHERE l."source_id" ='
                f" {statement.param(parent.ticket.id)} AND l.\"type\" = '{LinkType.PARENT_OF.value}')"
            )

        results: list[ChildResult] = []
        for child in await locked_tickets(actor, children_of_parent, lock=not dry_run):
            outcome, error = _outcome(child)
            if outcome is Outcome.RESOLVED and not dry_run:
                await resolve_locked(actor, child.ticket, resolved, parent.ticket.resolution_notes)
            results.append(ChildResult(child.ticket, outcome, error))
    return ChildrenResolution(parent.ticket, results, dry_run)
