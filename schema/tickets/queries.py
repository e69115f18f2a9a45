"""Reading tickets: one by number, and the queue with filters, sorts, saved views and keyset pages (SPEC 8)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.tickets import queue as ticket_queue
from schema.context import Info
from schema.errors import query
from schema.lookahead import look_ahead
from schema.pagination import Connection, Edge, PageInfo
from schema.tickets.inputs import TicketFilterInput, TicketSort
from schema.tickets.read_ahead import read_ahead, relations_in
from schema.tickets.types import Ticket, read_ticket
from schema.tickets.views import view_queue

_VIEW = (
    "A saved view (savedViews) to apply, as if its filter and sort were given here; a `filter` field you give takes "
    "the place of the view's, a `sort` you give the view's order. Always within what you may see."
)


@strawberry.type
class Query:
    @strawberry.field(description="One ticket by number; null when it does not exist or you may not see it.")
    async def ticket(
        self, info: Info, number: Annotated[int, strawberry.argument(description="The ticket number.")]
    ) -> Ticket | None:
        return await read_ticket(
            info, lambda relations: query(info, lambda a: ticket_queue.ticket_row(a, number, relations))
        )

    @strawberry.field(description="Your queue: the tickets your role and groups let you see, filtered and sorted.")
    async def tickets(
        self,
        info: Info,
        filter: Annotated[TicketFilterInput | None, strawberry.argument(description="What to show.")] = None,
        sort: Annotated[TicketSort, strawberry.argument(description="In which order.")] = TicketSort.UPDATED_DESC,
        first: Annotated[int | None, strawberry.argument(description="Page size: default 25, at most 100.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Continue after this cursor.")] = None,
        view: Annotated[strawberry.ID | None, strawberry.argument(description=_VIEW)] = None,
    ) -> Connection[Ticket]:
        wanted = filter.to_domain() if filter else None
        queue_sort = ticket_queue.TicketSort[sort.name]
        if view is not None:
            wanted, queue_sort = await view_queue(info, view, wanted, queue_sort)
        selected = look_ahead(info)
        nodes = selected.child("edges").child("node")
        relations = relations_in(nodes)
        page = await query(
            info,
            lambda actor: ticket_queue.list_tickets(
                actor,
                wanted,
                queue_sort,
                first,
                after,
                # Counting scans every matching ticket; skip it when the client did not ask for totalCount.
                with_total="totalCount" in selected,
                relations=relations,
            ),
        )
        tickets = [Ticket.from_row(r) for r in page.rows]
        await read_ahead(info, tickets, nodes)
        # Cursors only when selected (the look-ahead never misses a selected field; it may see one that is skipped).
        cursors = "cursor" in selected.child("edges")
        return Connection(
            edges=[Edge(cursor=page.cursor(i) if cursors else "", node=t) for i, t in enumerate(tickets)],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursor(0) if tickets else None,
                end_cursor=page.cursor(len(tickets) - 1) if tickets else None,
            ),
            total_count=page.total,
        )
