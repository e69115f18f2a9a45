"""A ticket's links as the Ticket type shows them (`links`, `parent`, `children`), read from plain rows
(resolvers/tickets/links.py `links_for_tickets`): once per page ahead of time, or through a DataLoader."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import enum_value

from resolvers.tickets.links import links_for_tickets
from schema.admin.statuses import Status
from schema.context import Info
from schema.lookahead import Selection


@strawberry.enum(description="How a ticket relates to another, read from it: `A PARENT_OF B` is `B CHILD_OF A`.")
class LinkType(Enum):
    RELATED_TO = enum_value("RELATED_TO", description="Related, both ways.")
    PARENT_OF = enum_value("PARENT_OF", description="The other ticket is one of this one's children.")
    CHILD_OF = enum_value("CHILD_OF", description="The other ticket is this one's parent (a ticket has one at most).")
    CAUSED_BY = enum_value("CAUSED_BY", description="This ticket was caused by the other one.")
    CAUSES = enum_value("CAUSES", description="This ticket caused the other one.")
    DUPLICATE_OF = enum_value("DUPLICATE_OF", description="This ticket repeats the other one.")
    DUPLICATED_BY = enum_value("DUPLICATED_BY", description="The other ticket repeats this one.")


@strawberry.type(description="A link from this ticket to another one, with what you need to show the other one.")
class TicketLink:
    type: LinkType = strawberry.field(description="How this ticket relates to the other one.")
    number: int = strawberry.field(description="The other ticket's number.")
    subject: str = strawberry.field(description="The other ticket's subject.")
    status: Status = strawberry.field(description="The other ticket's status.")
    linked_at: datetime = strawberry.field(description="When the link was made.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TicketLink:
        return cls(
            type=LinkType[row["type"]],
            number=row["number"],
            subject=row["subject"],
            status=Status.from_row(row["status"]),
            linked_at=row["created_at"],
        )


class Links:
    """The links of one ticket, made once from its rows, and the parent and children among them."""

    __slots__ = ("all", "children", "parent")

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.all = [TicketLink.from_row(row) for row in rows]
        self.parent = next((link for link in self.all if link.type is LinkType.CHILD_OF), None)
        self.children = [link for link in self.all if link.type is LinkType.PARENT_OF]


async def load_links(info: Info, ticket_id: int) -> Links:
    """A ticket's links through the request's DataLoader, when no read ahead fetched them (mutation payloads)."""
    return Links(await info.context.loaders.links_by_ticket_id.load(ticket_id))


# The fields of Ticket that show links: any of them selected, the read ahead fetches the page's links once.
LINK_FIELDS = frozenset({"links", "parent", "children"})


async def read_links_ahead(info: Info, tickets: Sequence[Any], selected: Selection) -> None:
    """The links of every ticket of a page in one statement, when the selection shows any (docs/performance.md)."""
    if not tickets or not LINK_FIELDS & selected.names():
        return
    rows = await links_for_tickets(info.context.actor, [int(t.id) for t in tickets])
    for ticket, found in zip(tickets, rows, strict=True):
        ticket._links = Links(found)
