"""What a live event costs the database (docs/subscriptions.md, "Cost"; docs/performance.md): a few statements per
committed change, read once for all the staff subscribed on a process, whatever their number: their credentials
are checked together, and what they may see is the same."""

from __future__ import annotations

from contextlib import AsyncExitStack

from core.enums import Role
from tests.conftest import StatementLog
from tests.helpers import make_person
from tests.live import TICKET_EVENTS, live_server, socket
from tests.notify.live_desk import open_desk

# Per change, for all staff subscribers together: the hub reads the committed events; every subscriber's
# credential, in one statement; the ticket (its visibility check and the selected `ticket { number subject }` are
# the same read); the reply (resolvers/notify/live_events.py `credential_now`, `event_ticket`, `event_reply`).
PER_CHANGE = 4
PER_SUBSCRIBER = 0


async def test_each_subscriber_costs_the_same_few_statements(db: str, count_statements: StatementLog) -> None:
    async with live_server() as server:
        desk = await open_desk(server)
        costs: dict[int, int] = {}
        for subscribers in (0, 1, 3):
            async with AsyncExitStack() as stack:
                # Each its own staff member: distinct credentials, checked in one statement.
                staff = [await make_person(Role.STAFF) for _ in range(subscribers)]
                streams = [await stack.enter_async_context(socket(server, person.token)) for person in staff]
                for live in streams:
                    await live.subscribe(TICKET_EVENTS, {"number": desk.number})
                count_statements.clear()
                await desk.reply(desk.number, f"Reply with {subscribers} listening", by="staff_in")
                for live in streams:
                    assert (await live.event())["kind"] == "REPLY_ADDED"
                costs[subscribers] = count_statements.count
    assert costs[1] - costs[0] == PER_CHANGE + PER_SUBSCRIBER, costs
    assert costs[3] - costs[0] == PER_CHANGE + 3 * PER_SUBSCRIBER, costs
