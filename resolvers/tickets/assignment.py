"""Who works on a ticket (SPEC 6): a staff member, a group, both (the person a member of the group), or nobody.

Staff and admins assign tickets in their queue to any enabled staff member or admin and any group, whatever the
scope of that person or group (the ticket then shows in their queue: resolvers/tickets/visibility.py); requesters
and guests never assign. `assignToMe` takes an unassigned ticket in one step, and refuses one someone else took a
moment earlier: the ticket is read locked (PostgreSQL; SQLite has one writer), so two staff clicking at once end
with one assignee and one ALREADY_ASSIGNED, never a lost update.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from core.enums import Role
from models.tickets import Ticket
from resolvers.kernel import audit
from resolvers.kernel.actor import Actor, require_staff
from resolvers.kernel.errors import DomainError, Problems, Reason, conflict, validation
from resolvers.kernel.sql import Statement
from resolvers.kernel.validation import KEEP, _Keep, parse_id
from resolvers.notify import recipients as notify
from resolvers.tickets.locked import locked_ticket_for

PERSON, GROUP = "assigneeId", "groupId"


@dataclass(frozen=True)
class Assignee:
    """A checked assignment to apply to tickets: each side a new value (an id, or None for nobody) or KEEP (what
    each ticket has), with what the membership rule needs to judge any ticket without another statement."""

    person_id: int | _Keep | None
    group_id: int | _Keep | None
    person_email: str | None = None
    # The groups the new person belongs to, and the members of the new group.
    person_groups: frozenset[int] = frozenset()
    group_members: frozenset[int] = frozenset()

    def for_ticket(self, ticket: Ticket) -> tuple[int | None, int | None]:
        """The (person, group) this assignment gives the ticket, or NOT_IN_GROUP when the person would not be a
        member of the group (an assignment the ticket already has is left as it is)."""
        keeps_person = isinstance(self.person_id, _Keep)
        person = ticket.assignee_id if isinstance(self.person_id, _Keep) else self.person_id
        group = ticket.assigned_group_id if isinstance(self.group_id, _Keep) else self.group_id
        unchanged = (person, group) == (ticket.assignee_id, ticket.assigned_group_id)
        if person is None or group is None or unchanged:
            return person, group
        member = person in self.group_members if keeps_person else group in self.person_groups
        if not member:
            raise validation(
                GROUP if keeps_person else PERSON,
                f"Ticket {ticket.number}: user {person} is not a member of group {group}; choose one of its "
                "members, or another group.",
                Reason.NOT_IN_GROUP,
            )
        return person, group


async def check_assignee(raw_person: str | _Keep | None, raw_group: str | _Keep | None) -> Assignee:
    """The person and group named, checked in one statement (none when both are nobody or kept): the person an
    enabled staff or admin account, the group one that exists, and when both are named the person in the group.
    Every bad field is reported at once."""
    problems = Problems()
    person_id = raw_person if isinstance(raw_person, _Keep) else parse_id(problems, PERSON, raw_person)
    group_id = raw_group if isinstance(raw_group, _Keep) else parse_id(problems, GROUP, raw_group)
    problems.raise_if_any()
    statement = Statement()
    parts = []
    if isinstance(person_id, int):
        parts.append(
            'SELECT \'person\' AS "kind", u."id" AS "id", u."role" AS "role", u."disabled" AS "disabled",'
            ' u."email" AS "email", m."group_id" AS "other" FROM "users" AS u'
            ' LEFT JOIN "group_members" AS m ON m."user_id" = u."id"'
            f' WHERE u."id" = {statement.param(person_id)}'
        )
    if isinstance(group_id, int):
        parts.append(
            'SELECT \'group\' AS "kind", g."id" AS "id", NULL AS "role", NULL AS "disabled", NULL AS "email",'
            ' m."user_id" AS "other" FROM "groups" AS g'
            ' LEFT JOIN "group_members" AS m ON m."group_id" = g."id"'
            f' WHERE g."id" = {statement.param(group_id)}'
        )
    rows = await statement.rows(" UNION ALL ".join(parts), flags=("disabled",)) if parts else []
    people = [row for row in rows if row["kind"] == "person"]
    groups = [row for row in rows if row["kind"] == "group"]
    person_groups = frozenset(int(row["other"]) for row in people if row["other"] is not None)
    group_members = frozenset(int(row["other"]) for row in groups if row["other"] is not None)
    if isinstance(person_id, int):
        if not people:
            problems.add(PERSON, f"User {person_id} does not exist.", Reason.UNKNOWN_ID)
        elif Role(people[0]["role"]) is Role.USER:
            problems.add(
                PERSON,
                f"User {person_id} is a requester account; tickets are assigned to staff and admins.",
                Reason.NOT_STAFF,
            )
        elif people[0]["disabled"]:
            problems.add(PERSON, f"User {person_id} is disabled; enable the account first.", Reason.ACCOUNT_DISABLED)
    if isinstance(group_id, int) and not groups:
        problems.add(GROUP, f"Group {group_id} does not exist.", Reason.UNKNOWN_ID)
    if isinstance(person_id, int) and isinstance(group_id, int) and people and groups:
        if group_id not in person_groups:
            problems.add(
                PERSON,
                f"User {person_id} is not a member of group {group_id}; choose one of its members, or another group.",
                Reason.NOT_IN_GROUP,
            )
    problems.raise_if_any()
    email = str(people[0]["email"]) if people else None
    return Assignee(person_id, group_id, email, person_groups, group_members)


async def assign(actor: Actor, number: int, assignee: Assignee) -> tuple[Ticket, bool]:
    """Inside the caller's transaction: the staff member's ticket (locked, in their queue) given to `assignee`, its
    audit row, emails and `ticket.assigned` event; and whether anything changed (False: it already had that
    assignment, and nothing was written). assignTicket's rule, applied by bulkUpdateTickets to each ticket."""
    ticket, _ = await locked_ticket_for(actor, number, in_scope=True)
    return ticket, await _reassign(actor, ticket, assignee)


async def _reassign(actor: Actor, ticket: Ticket, assignee: Assignee) -> bool:
    person, group = assignee.for_ticket(ticket)
    before = {"assignee_id": ticket.assignee_id, "assigned_group_id": ticket.assigned_group_id}
    if (person, group) == (before["assignee_id"], before["assigned_group_id"]):
        return False
    ticket.assignee_id, ticket.assigned_group_id = person, group
    await ticket.save(update_fields=["assignee_id", "assigned_group_id", "updated_at"])
    old, new = audit.changed(before, {"assignee_id": person, "assigned_group_id": group})
    await audit.record(actor, "ticket.assigned", "ticket", ticket.id, before=old, after=new, ticket_id=ticket.id)
    await notify.assigned(
        ticket,
        previous_assignee_id=before["assignee_id"],
        previous_group_id=before["assigned_group_id"],
        assignee_address=assignee.person_email,
        by_user_id=actor.user_id,
    )
    return True


async def assign_ticket(
    actor: Actor | None, number: int, raw_person: str | None, raw_group: str | None
) -> Ticket:  # fmt: skip
    """Give a ticket in your queue to a staff member, a group, both, or nobody (both None). Assigning what it
    already has changes nothing and records nothing."""
    actor = require_staff(actor)
    assignee = await check_assignee(raw_person, raw_group)
    async with in_transaction():
        ticket, _ = await assign(actor, number, assignee)
    return ticket


async def assign_to_me(actor: Actor | None, number: int) -> Ticket:
    """A staff member takes an unassigned ticket in their queue, keeping its group (of which they must be a
    member). Someone else's ticket is ALREADY_ASSIGNED; one already theirs is left as it is."""
    actor = require_staff(actor)
    assert actor.user_id is not None  # staff have accounts
    # The actor's groups were read with the account (resolvers/kernel/actor.py): no statement here.
    me = Assignee(actor.user_id, KEEP, actor.email, frozenset(await actor.group_ids()))
    async with in_transaction():
        ticket, _ = await locked_ticket_for(actor, number, in_scope=True)
        if ticket.assignee_id not in (None, actor.user_id):
            raise conflict(
                f"Ticket {number} is already assigned to someone else (perhaps a moment ago); reload it, or use "
                "assignTicket to reassign it.",
                Reason.ALREADY_ASSIGNED,
            )
        if ticket.assignee_id == actor.user_id:
            return ticket
        group = ticket.assigned_group_id
        if group is not None and group not in me.person_groups:
            raise DomainError(
                Reason.NOT_IN_GROUP,
                f"Ticket {number} is assigned to group {group}, which you are not a member of; use assignTicket "
                "to take it together with another group (or none).",
            )
        await _reassign(actor, ticket, me)
    return ticket
