"""Bulk changes (SPEC 8): one status, assignment or priority change applied to up to 100 tickets at once.

Each ticket follows exactly the rules of the single change, because it goes through the same function
(`move_ticket` of changeStatus, `assign` of assignTicket, `change_ticket` of updateTicket), in a transaction of its
own: one refusal leaves the others changed, each change has its own audit, email and event rows, and only one
ticket is locked at a time (so two bulk changes over the same tickets cannot deadlock). A dry run does the very
same work and rolls each transaction back, so it answers what would happen by the same rules, and leaves no row
and queues no email.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from tortoise.transactions import in_transaction

from core.enums import Priority
from models.tickets import Ticket
from resolvers.kernel.actor import Actor, require_staff
from resolvers.kernel.errors import DomainError, Problems, Reason
from resolvers.kernel.validation import KEEP, _Keep, check_list_length
from resolvers.notify import outbox
from resolvers.tickets.assignment import assign, check_assignee
from resolvers.tickets.filing import TicketChanges, change_ticket
from resolvers.tickets.lifecycle import move_ticket, status_to_move_to

MAX_TICKETS = 100

Change = Callable[[int], Awaitable[tuple[Ticket, bool]]]


class Outcome(Enum):
    CHANGED = "CHANGED"
    UNCHANGED = "UNCHANGED"
    REFUSED = "REFUSED"


@dataclass
class BulkChange:
    numbers: list[int]
    status_id: str | None = None
    # KEEP: not part of the change; None: nobody.
    assignee_id: str | _Keep | None = KEEP
    group_id: str | _Keep | None = KEEP
    priority: Priority | None = None
    dry_run: bool = False


@dataclass
class TicketResult:
    """What happened (or, in a dry run, would happen) to one ticket: the ticket after it unless refused, and why
    when refused."""

    number: int
    outcome: Outcome
    ticket: Ticket | None = None
    error: DomainError | None = None


async def bulk_update_tickets(actor: Actor | None, change: BulkChange) -> list[TicketResult]:
    """Staff apply one change to each ticket named (repeats count once), in the order given. A request that names
    no change, more than one kind, more than 100 tickets or a change no ticket could take (an unknown status, a
    requester as assignee...) is refused as a whole before any ticket is touched."""
    actor = require_staff(actor)
    apply = await _checked(actor, change)
    return [await _each(number, apply, change.dry_run) for number in dict.fromkeys(change.numbers)]


def _kinds(change: BulkChange) -> list[str]:
    """The input fields of each kind of change given, the assignment's person and group counting as one."""
    assignment = [name for name, value in (("assigneeId", change.assignee_id), ("groupId", change.group_id))
                  if not isinstance(value, _Keep)]  # fmt: skip
    status = ["statusId"] if change.status_id is not None else []
    priority = ["priority"] if change.priority is not None else []
    return [fields[0] for fields in (status, assignment, priority) if fields]


async def _checked(actor: Actor, change: BulkChange) -> Change:
    """The change, checked once for every ticket, as the function that applies it to one ticket."""
    kinds = _kinds(change)
    if not kinds:
        # About no field in particular: nothing was given.
        raise DomainError(Reason.NO_CHANGE, "Give one change: statusId, assigneeId and/or groupId, or priority.")
    problems = Problems()
    if len(kinds) > 1:
        problems.add(
            kinds[1],
            f"{' and '.join(kinds)} are different kinds of change; bulkUpdateTickets makes one at a time.",
            Reason.EXCLUSIVE_ARGUMENTS,
        )
    if not change.numbers:
        problems.add("numbers", "numbers is required: name at least one ticket.", Reason.REQUIRED)
    check_list_length(problems, "numbers", change.numbers, MAX_TICKETS)
    problems.raise_if_any()
    if change.status_id is not None:
        target = await status_to_move_to(change.status_id)

        async def move(number: int) -> tuple[Ticket, bool]:
            async with in_transaction():
                return await move_ticket(actor, number, target)

        return move
    if change.priority is not None:
        priority = change.priority

        async def reprioritise(number: int) -> tuple[Ticket, bool]:
            return await change_ticket(actor, TicketChanges(number=number, priority=priority))

        return reprioritise
    assignee = await check_assignee(change.assignee_id, change.group_id)

    async def reassign(number: int) -> tuple[Ticket, bool]:
        async with in_transaction():
            return await assign(actor, number, assignee)

    return reassign


class _Undone(Exception):
    """Rolls a dry run's transaction back, carrying what the work returned."""

    def __init__(self, result: tuple[Ticket, bool]) -> None:
        super().__init__("dry run")
        self.result = result


async def _rolled_back(number: int, apply: Change) -> tuple[Ticket, bool]:
    try:
        async with in_transaction():
            raise _Undone(await apply(number))
    except _Undone as undone:
        return undone.result
    finally:
        # Nothing it queued exists any more; none of it may be announced.
        outbox.forget_queued()


async def _each(number: int, apply: Change, dry_run: bool) -> TicketResult:
    try:
        if dry_run:
            ticket, changed = await _rolled_back(number, apply)
        else:
            # Committed per ticket, so what each queued starts on its way at once.
            ticket, changed = await outbox.announcing(lambda: apply(number))
    except DomainError as error:
        return TicketResult(number, Outcome.REFUSED, error=error)
    return TicketResult(number, Outcome.CHANGED if changed else Outcome.UNCHANGED, ticket)
