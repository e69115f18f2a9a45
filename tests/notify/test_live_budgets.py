"""What a live event costs the database (docs/subscriptions.md, "Cost"; docs/performance.md): one statement per
committed change for the process's hub, then a constant number per subscriber, whatever the number of
subscribers, events or tickets."""

from __future__ import annotations

from contextlib import AsyncExitStack

from tests.conftest import StatementLog
from tests.live import TICKET_EVENTS, live_server, socket
from tests.notify.live_desk import open_desk

# Per subscriber: the credential read again, the ticket's visibility, then the selection: `ticket` (one row with
# its relations) and `reply` (one row).
PER_SUBSCRIBER = 4
# Per change, for all subscribers together: the hub reads the committed events once.
PER_CHANGE = 1


async def test_each_subscriber_costs_the_same_few_statements(db: str, count_statements: StatementLog) -> None:
    async with live_server() as server:
        desk = await open_desk(server)
        costs: dict[int, int] = {}
        for subscribers in (0, 1, 3):
            async with AsyncExitStack() as stack:
                streams = [await stack.enter_async_context(socket(server, desk.staff_in.token))
                           for _ in range(subscribers)]  # fmt: skip
                for live in streams:
                    await live.subscribe(TICKET_EVENTS, {"number": desk.number})
                count_statements.clear()
                await desk.reply(desk.number, f"Reply with {subscribers} listening", by="staff_in")
                for live in streams:
                    assert (await live.event())["kind"] == "REPLY_ADDED"
                costs[subscribers] = count_statements.count
    assert costs[1] - costs[0] == PER_CHANGE + PER_SUBSCRIBER, costs
    assert costs[3] - costs[0] == PER_CHANGE + 3 * PER_SUBSCRIBER, costs
