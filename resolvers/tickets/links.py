"""Links between tickets (SPEC 5): linking, unlinking, and reading them for the tickets a page shows.

A link is stored as two rows, one per direction, each with the type as seen from its source ("A PARENT_OF B" is
also "B CHILD_OF A"), so a ticket's links are the rows whose source it is, and both rows are written and removed
in one transaction. Staff and admins link; the ticket named by `number` must be one they may change (in their
scope), the other one they may open (staff open any ticket): a link adds nothing to the other ticket but the link
itself (docs/decisions.md, "Links"). Parent/child links form a tree: one parent per ticket, no cycles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tortoise import timezone
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.enums import LinkType
from models.links import TicketLink
from models.tickets import Ticket
from resolvers.kernel import audit
from resolvers.kernel.actor import Actor, require_staff
from resolvers.kernel.bulk import insert_rows
from resolvers.kernel.errors import Reason, conflict, forbidden, not_found, validation
from resolvers.kernel.rows import STATUS_COLUMNS
from resolvers.kernel.sql import Row, Statement, nested, select_list
from resolvers.notify.outbox import queue_many
from resolvers.tickets.locked import locked_tickets, numbered
from resolvers.tickets.visibility import OUT_OF_SCOPE, as_sql, visible_parts

# The type of the row in the other direction.
REVERSE: dict[LinkType, LinkType] = {
    LinkType.RELATED_TO: LinkType.RELATED_TO,
    LinkType.PARENT_OF: LinkType.CHILD_OF,
    LinkType.CHILD_OF: LinkType.PARENT_OF,
    LinkType.CAUSED_BY: LinkType.CAUSES,
    LinkType.CAUSES: LinkType.CAUSED_BY,
    LinkType.DUPLICATE_OF: LinkType.DUPLICATED_BY,
    LinkType.DUPLICATED_BY: LinkType.DUPLICATE_OF,
}
# Parent/child links take the tree lock (resolvers/tickets/locked.py): two links that each pass the cycle check
# alone can close a cycle together (A->B and C->D exist; B->C and D->A are added at once), and locking the two
# tickets of each link does not stop that. SQLite has one writer anyway.
TREE = (LinkType.PARENT_OF, LinkType.CHILD_OF)
_LINK_COLUMNS = ("source_id", "target_id", "type", "created_by_id", "created_at")


async def _pair(actor: Actor, number: int, other_number: int, *, tree: bool = False) -> tuple[Ticket, Ticket]:
    """Both tickets of a link, locked; `number` must be one the actor may change, `otherNumber` one they may open."""
    if number == other_number:
        raise validation("otherNumber", f"Ticket {number} cannot be linked to itself.", Reason.LINK_TO_ITSELF)
    found = {t.ticket.number: t for t in await locked_tickets(actor, numbered(number, other_number), tree_lock=tree)}
    for field, wanted in (("number", number), ("otherNumber", other_number)):
        if wanted not in found:
            raise not_found(f"Ticket {wanted}", field, Reason.TICKET_NOT_FOUND)
    if not found[number].in_scope:
        raise forbidden(OUT_OF_SCOPE, Reason.OUT_OF_SCOPE, "number")
    return found[number].ticket, found[other_number].ticket


async def _check_new_link(ticket: Ticket, other: Ticket, link_type: LinkType) -> None:
    """Refuse a second link between the same two tickets (any type), a second parent and a parent cycle. One
    statement: the existing link, and for a parent/child link the child's parent and whether the child is already
    an ancestor of the parent (a recursive walk up the parent links; UNION stops on any cycle left in the data)."""
    statement = Statement()
    text = ""
    parent, child = (ticket, other) if link_type is LinkType.PARENT_OF else (other, ticket)
    tree = link_type in TREE
    if tree:
        child_of = f"'{LinkType.CHILD_OF.value}'"
        text = (
            f'WITH RECURSIVE up("id") AS (SELECT l."target_id" FROM "ticket_links" AS l'
            f' WHERE l."source_id" = {statement.param(parent.id)} AND l."type" = {child_of}'
            f' UNION SELECT l."target_id" FROM "ticket_links" AS l JOIN up ON l."source_id" = up."id"'
            f' WHERE l."type" = {child_of}) '
        )
    text += (
        f'SELECT (SELECT l."type" FROM "ticket_links" AS l WHERE l."source_id" = {statement.param(ticket.id)}'
        f' AND l."target_id" = {statement.param(other.id)}) AS "existing"'
    )
    if tree:
        text += (
            f', (SELECT p."number" FROM "ticket_links" AS l JOIN "tickets" AS p ON p."id" = l."target_id"'
            f' WHERE l."source_id" = {statement.param(child.id)} AND l."type" = {child_of}) AS "parent"'
            f', CASE WHEN EXISTS (SELECT 1 FROM up WHERE up."id" = {statement.param(child.id)}) THEN 1 ELSE 0 END'
            ' AS "cycle"'
        )
    (row,) = await statement.db.execute_query_dict(text, statement.params)
    if row["existing"] is not None:
        raise conflict(
            f"Tickets {ticket.number} and {other.number} are already linked ({ticket.number} {row['existing']} "
            f"{other.number}); unlink them first to change the type.",
            Reason.ALREADY_LINKED,
            "otherNumber",
        )
    if tree and row["parent"] is not None:
        raise conflict(
            f"Ticket {child.number} already has a parent, ticket {row['parent']}; a ticket has one parent at most.",
            Reason.HAS_PARENT,
            "otherNumber",
        )
    if tree and row["cycle"]:
        raise conflict(
            f"Ticket {child.number} is already an ancestor of ticket {parent.number}: making it a child of "
            f"{parent.number} would make a cycle.",
            Reason.LINK_CYCLE,
            "otherNumber",
        )


async def link_tickets(actor: Actor | None, number: int, other_number: int, link_type: LinkType) -> Ticket:
    """Link two tickets both ways in one transaction (staff and admins). Statements: BEGIN, both tickets locked,
    the checks, both link rows, both audit rows, the `ticket.linked` event, COMMIT."""
    actor = require_staff(actor)
    async with in_transaction():
        ticket, other = await _pair(actor, number, other_number, tree=link_type in TREE)
        await _check_new_link(ticket, other, link_type)
        now = timezone.now()
        rows = [
            (ticket.id, other.id, link_type.value, actor.user_id, now),
            (other.id, ticket.id, REVERSE[link_type].value, actor.user_id, now),
        ]
        try:
            ids = sorted(await insert_rows(TicketLink, _LINK_COLUMNS, rows))
        except IntegrityError:
            # Only reachable if the lock above were bypassed: the unique (source, target) still says no.
            raise conflict(
                f"Tickets {number} and {other_number} are already linked.", Reason.ALREADY_LINKED, "otherNumber"
            ) from None
        await _record(actor, "link.created", ids, ticket, other, link_type)
        await _events("ticket.linked", ticket, other, link_type)
    return ticket


async def unlink_tickets(actor: Actor | None, number: int, other_number: int) -> Ticket:
    """Remove the link between two tickets, both directions at once (staff and admins; `number` in scope)."""
    actor = require_staff(actor)
    async with in_transaction():
        ticket, other = await _pair(actor, number, other_number)
        statement = Statement()
        pair = f'"source_id" = {statement.param(ticket.id)} AND "target_id" = {statement.param(other.id)}'
        reverse = f'"source_id" = {statement.param(other.id)} AND "target_id" = {statement.param(ticket.id)}'
        text = f'DELETE FROM "ticket_links" WHERE ({pair}) OR ({reverse}) RETURNING "id", "source_id", "type"'
        removed = await statement.db.execute_query_dict(text, statement.params)
        if not removed:
            raise not_found(f"A link between tickets {number} and {other_number}", "otherNumber", Reason.LINK_NOT_FOUND)
        link_type = next(LinkType(r["type"]) for r in removed if r["source_id"] == ticket.id)
        ids = [r["id"] for r in sorted(removed, key=lambda r: r["source_id"] != ticket.id)]
        await _record(actor, "link.removed", ids, ticket, other, link_type)
        await _events("ticket.unlinked", ticket, other, link_type)
    return ticket


async def _events(topic: str, ticket: Ticket, other: Ticket, link_type: LinkType) -> None:
    """One event per ticket, each as seen from its ticket (like the audit rows): the links of both changed, and a
    webhook or a live stream that follows either must hear of it. One INSERT."""
    sides = ((ticket, other, link_type), (other, ticket, REVERSE[link_type]))
    await queue_many(events=[(topic, a.id, {"number": a.number, "otherNumber": b.number, "type": kind.value})
                             for a, b, kind in sides])  # fmt: skip


async def _record(
    actor: Actor, action: str, ids: Sequence[int], ticket: Ticket, other: Ticket, link_type: LinkType
) -> None:
    """One audit row on each ticket, as seen from it (entity "link": staff history only, like reply texts, since a
    requester may not be allowed to see the other ticket)."""
    key = "after" if action == "link.created" else "before"
    entries = [
        (ids[0], ticket.id, {key: {"type": link_type.value, "number": other.number}}),
        (ids[1], other.id, {key: {"type": REVERSE[link_type].value, "number": ticket.number}}),
    ]
    await audit.record_each(actor, action, "link", entries)


async def links_for_tickets(actor: Actor | None, ticket_ids: Sequence[int]) -> list[list[Row]]:
    """Each ticket's links in the order they were made, as rows with the other ticket's number and subject and its
    status (under "status"), only those whose other end the actor may open: staff every one, requesters the links
    between their own tickets, guests none. One statement for any number of tickets; the caller may see them."""
    if not ticket_ids:
        return []
    statement = Statement()
    text = (
        f'SELECT l."source_id" AS "ticket_id", l."type", l."created_at", o."number", o."subject",'
        f' {select_list("s", STATUS_COLUMNS, "status")} FROM "ticket_links" AS l'
        ' JOIN "tickets" AS o ON o."id" = l."target_id" JOIN "statuses" AS s ON s."id" = o."status_id"'
        f' WHERE l."source_id" IN {statement.params_in(ticket_ids)}'
    )
    visible = as_sql(visible_parts(actor), statement, "o")
    text += (f" AND {visible}" if visible else "") + ' ORDER BY l."id"'
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in await statement.rows(text, times=["created_at"], flags=["status__pauses_sla"]):
        row["status"] = nested(row, "status", STATUS_COLUMNS)
        grouped[row["ticket_id"]].append(row)
    return [grouped.get(t, []) for t in ticket_ids]
