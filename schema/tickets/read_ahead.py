"""Reading ahead for a page of tickets: what the root field's selection asks for, fetched before graphql-core walks
the tickets, one statement per kind of row (docs/performance.md, "The read path"). The joined relations go into the
page's own statement (`relations_in`); replies, attachments and links are read here for the whole page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolvers.kernel.errors import DomainError
from resolvers.tickets.attachments import attachments_for_tickets
from resolvers.tickets.thread import replies_for_tickets
from schema.context import Info
from schema.lookahead import Selection
from schema.tickets.attachments import Attachment, by_reply
from schema.tickets.link_types import read_links_ahead
from schema.tickets.replies import Reply

if TYPE_CHECKING:
    from schema.tickets.types import Ticket

# GraphQL field name -> relation joined into the ticket's row (resolvers/tickets/rows.py).
RELATIONS = {"status": "status", "category": "category", "type": "type", "item": "item", "requester": "requester",
             "assignee": "assignee", "assignedGroup": "assigned_group", "sla": "sla"}  # fmt: skip


def relations_in(selected: Selection) -> set[str]:
    return {relation for name, relation in RELATIONS.items() if name in selected}


async def read_ahead(info: Info, tickets: list[Ticket], selected: Selection) -> None:
    """Read the replies these tickets will show, one statement per distinct `replies(...)` arguments (with their
    authors joined when asked for), their attachments and their links when shown (one statement each), before
    graphql-core walks the tickets (docs/performance.md)."""
    if not tickets:
        return
    await read_links_ahead(info, tickets, selected)
    if "replies" in selected:
        await _read_replies(info, tickets, selected)
    if "attachments" in selected or "attachments" in selected.child("replies"):
        await _read_attachments(info, tickets)


async def _read_attachments(info: Info, tickets: list[Ticket]) -> None:
    rows = await attachments_for_tickets(info.context.actor, [int(t.id) for t in tickets])
    for ticket, found in zip(tickets, rows, strict=True):
        ticket._attachments = [Attachment.from_row(r) for r in found]
        of_reply = by_reply(ticket._attachments)
        for replies in (ticket._replies or {}).values():
            for reply in replies:
                reply._attachments = of_reply.get(str(reply.id), [])


async def _read_replies(info: Info, tickets: list[Ticket], selected: Selection) -> None:
    authors = "author" in selected.child("replies")
    ids = [int(t.id) for t in tickets]
    for arguments in selected.arguments("replies"):
        first, last, internal = arguments.get("first"), arguments.get("last"), arguments.get("internal")
        try:
            rows = await replies_for_tickets(
                info.context.actor, ids, first=first, last=last, internal=internal, authors=authors
            )
        except DomainError:
            continue  # bad arguments: each ticket's field reports them
        for ticket, replies in zip(tickets, rows, strict=True):
            if ticket._replies is None:
                ticket._replies = {}
            ticket._replies[(first, last, internal)] = [Reply.from_row(r) for r in replies]
