"""Whether one ticket is in an actor's queue under a filter now: what a `queueEvents` subscription asks of each
event (resolvers/notify/event_stream.py), with the very conditions `tickets` lists by (`queue_where`)."""

from __future__ import annotations

from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import Problems
from resolvers.kernel.sql import Statement
from resolvers.tickets.queue import queue_where, where_clause
from resolvers.tickets.queue_filters import TicketFilter
from resolvers.tickets.rows import T


async def check_queue_filter(actor: Actor, wanted: TicketFilter) -> None:
    """Refuse a filter `tickets` would refuse (SLA filters included), before a stream starts: the very checks of
    `queue_where`."""
    problems = Problems()
    await queue_where(actor, wanted, problems, Statement())
    problems.raise_if_any()


async def in_queue(actor: Actor, wanted: TicketFilter, ticket_id: int) -> bool:
    """One statement."""
    statement = Statement()
    where = [f'{T}."id" = {statement.param(ticket_id)}', *await queue_where(actor, wanted, Problems(), statement)]
    text = f'SELECT {T}."id" FROM "tickets" AS {T} JOIN "statuses" AS s ON s."id" = {T}."status_id"'
    return bool(await statement.rows(text + where_clause(where)))
