"""Who may see which tickets: the one place every read path starts from.

Two views of the same rule (SPEC 1):
- `visible_tickets(actor)`: tickets the actor may open. Admin and staff: every ticket (staff open any
  ticket by number); users: their own.
- `queue_tickets(actor)`: the default queue, what lists, searches and counts show. Admin: all; staff:
  tickets matching any scope entry of any of their groups, plus tickets assigned to them or to one of
  their groups; users: their own.
Guests (a valid access token, no account) may open exactly the ticket of their token and have no queue at
all. Which fields of that ticket they may ask for is resolvers/guests/fields.py, checked for every operation by
the schema's gate; the rules below filter data inside those fields (SPEC 1, 10; docs/guests.md).
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from core.enums import Role
from models.tickets import Ticket
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import Reason, forbidden, not_found
from resolvers.kernel.sql import Statement

_NOTHING = Q(id__isnull=True)  # primary keys are never NULL: matches no row
OUT_OF_SCOPE = "This ticket is outside your groups' scope; ask an admin or a member of its group."

# Which tickets a rule lets through, as data, so that the ORM (Q) and the hand-written SQL of the hot read paths
# (resolvers/kernel/sql.py) render the same rule: any of the parts (OR), each part all of its column conditions (AND).
# A value is an id (=), a list of ids (IN) or None (IS NULL). No parts: nothing; one empty part: every ticket.
Part = dict[str, int | list[int] | None]
EVERYTHING: list[Part] = [{}]
NOTHING: list[Part] = []


def visible_parts(actor: Actor | None) -> list[Part]:
    """The tickets the actor may open."""
    if actor is None:
        return NOTHING
    if actor.is_guest:
        # The token's ticket and nothing else; authentication already checked its guest email.
        return [{"id": actor.guest_ticket_id, "requester_id": None}]
    if actor.is_staff:
        return EVERYTHING
    return [{"requester_id": actor.user_id}]


async def queue_parts(actor: Actor | None) -> list[Part]:
    """The actor's queue: what lists, searches and counts show."""
    if actor is None or actor.is_guest:
        # "The guest can never see ... lists" (SPEC 10): no queue, no search, no counts.
        return NOTHING
    if actor.role is Role.ADMIN:
        return EVERYTHING
    if actor.role is Role.USER:
        return [{"requester_id": actor.user_id}]
    scope = await actor.scope_entries()
    group_ids = await actor.group_ids()
    whole_categories = sorted({c for c, t in scope if t is None})
    # A Category + Type entry only adds something when the whole category is not already in scope.
    pairs = [(c, t) for c, t in scope if t is not None and c not in whole_categories]
    parts: list[Part] = [{"assignee_id": actor.user_id}]
    if group_ids:
        parts.append({"assigned_group_id": group_ids})
    if whole_categories:
        parts.append({"category_id": whole_categories})
    parts.extend({"category_id": c, "type_id": t} for c, t in pairs)
    return parts


def as_q(parts: list[Part]) -> Q:
    if not parts:
        return _NOTHING
    alternatives: list[Q] = []
    for part in parts:
        conditions: dict[str, Any] = {}
        for column, value in part.items():
            if value is None:
                conditions[f"{column}__isnull"] = True
            elif isinstance(value, list):
                conditions[f"{column}__in"] = value
            else:
                conditions[column] = value
        alternatives.append(Q(**conditions))
    return reduce(or_, alternatives)


def as_sql(parts: list[Part], statement: Statement, alias: str) -> str | None:
    """The parts as one SQL condition on the tickets table under `alias`; None when every ticket passes."""
    if not parts:
        return "1 = 0"
    alternatives: list[str] = []
    for part in parts:
        if not part:
            return None
        conditions: list[str] = []
        for column, value in part.items():
            if value is None:
                conditions.append(f'{alias}."{column}" IS NULL')
            elif isinstance(value, list):
                conditions.append(f'{alias}."{column}" IN {statement.params_in(value)}')
            else:
                conditions.append(f'{alias}."{column}" = {statement.param(value)}')
        alternatives.append(" AND ".join(conditions))
    return "(" + " OR ".join(f"({a})" for a in alternatives) + ")"


def visible_tickets(actor: Actor | None) -> QuerySet[Ticket]:
    parts = visible_parts(actor)
    return Ticket.all() if parts == EVERYTHING else Ticket.filter(as_q(parts))


async def queue_condition(actor: Actor | None) -> Q:
    """The SQL condition for the actor's queue."""
    parts = await queue_parts(actor)
    return Q() if parts == EVERYTHING else as_q(parts)


async def queue_tickets(actor: Actor | None) -> QuerySet[Ticket]:
    return Ticket.filter(await queue_condition(actor))


async def workable_ticket(actor: Actor, number: int) -> Ticket:
    """A ticket a staff member may change: admins any, staff those in their queue (SPEC 1: staff update
    tickets within their group scope). Out of scope but openable is FORBIDDEN; invisible is NOT_FOUND."""
    ticket = await visible_tickets(actor).get_or_none(number=number)
    if ticket is None:
        raise not_found(f"Ticket {number}", "number", Reason.TICKET_NOT_FOUND)
    if actor.role is Role.STAFF and not await Ticket.filter(await queue_condition(actor), id=ticket.id).exists():
        raise forbidden(OUT_OF_SCOPE, Reason.OUT_OF_SCOPE)
    return ticket


def shows_sla(actor: Actor | None) -> bool:
    """SLA data (deadlines, state) is for staff and admins: it measures the team, not the request, so requesters
    never see it, and guests cannot ask for it (resolvers/guests/fields.py)."""
    return actor is not None and actor.is_staff


def shows_guest_email(actor: Actor | None, email: str | None) -> bool:
    """A guest's email (on a ticket or a reply) is for staff, and for that guest themselves."""
    if actor is None or email is None:
        return False
    return actor.is_staff or (actor.is_guest and actor.email.lower() == email.lower())


def shows_user_email(actor: Actor | None, user_id: int) -> bool:
    """A person's email is for staff (who work with requesters) and for the person; requesters see names only."""
    return actor is not None and (actor.is_staff or actor.user_id == user_id)


def shows_last_login(actor: Actor | None, user_id: int) -> bool:
    """When someone last signed in is for admins and the person."""
    return actor is not None and (actor.is_admin or actor.user_id == user_id)


def shows_team_details(actor: Actor | None) -> bool:
    """Group memberships and scopes are staff business."""
    return actor is not None and actor.is_staff


def shows_archived_classification(actor: Actor | None) -> bool:
    """Archived categories, types and items are admin data (they stay on old tickets, and admins un-archive them):
    staff and admins list them on request; for everyone else `includeArchived` is ignored."""
    return actor is not None and actor.is_staff
