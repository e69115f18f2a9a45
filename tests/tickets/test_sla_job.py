"""The SLA evaluation job: ticket.sla_at_risk and ticket.sla_breached through the outbox, once each per ticket,
also with several runs at the same time (PostgreSQL: separate connections and transactions)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from core import clock
from jobs.sla import raise_sla_events_job
from models.outbox import OutboxMessage
from resolvers.tickets.sla_alerts import AT_RISK_EVENT, BREACHED_EVENT, raise_sla_events
from tests.tickets.sla_world import Desk, at, desk, iso, policy, set_sla


async def events() -> list[tuple[str, int, dict[str, Any]]]:
    rows = (
        await OutboxMessage.filter(topic__startswith="ticket.sla_")
        .order_by("id")
        .values("topic", "ticket_id", "payload", "channel")
    )
    assert {row["channel"] for row in rows} <= {"event"}
    return [(row["topic"], row["ticket_id"], row["payload"]) for row in rows]


async def sla_desk() -> Desk:
    world = await desk()
    await set_sla(True)
    await policy("Standard", 6000, 60)
    return world


async def ticket_id(number: int) -> int:
    from models.tickets import Ticket

    return (await Ticket.get(number=number)).id


async def test_at_risk_and_breached_are_raised_once_each(client: httpx.AsyncClient) -> None:
    world = await sla_desk()
    paused = await world.file(client, at(0))
    plain = await world.file(client, at(0))
    await world.move(client, paused, world.pending, at(5))
    await world.move(client, paused, world.working, at(35))
    first, second = await ticket_id(paused), await ticket_id(plain)

    for minute in (40, 47):
        clock.set_now(at(minute))
        assert await raise_sla_events() == 0
    clock.set_now(at(55))  # the plain ticket has 5 of 60 minutes left
    assert await raise_sla_events_job({}) == 1
    assert await raise_sla_events() == 0  # again at the same moment: nothing new
    clock.set_now(at(80))  # the plain one is past its deadline (60); the paused one has 50 counted minutes
    assert await raise_sla_events() == 2
    clock.set_now(at(95))  # the paused one is past its deadline (90)
    assert await raise_sla_events() == 1
    for minute in (96, 500):
        clock.set_now(at(minute))
        assert await raise_sla_events() == 0
    assert await events() == [
        (AT_RISK_EVENT, second, {"number": plain, "atRiskSince": iso(at(48))}),
        (BREACHED_EVENT, second, {"number": plain, "breachedAt": iso(at(60))}),
        (AT_RISK_EVENT, first, {"number": paused, "atRiskSince": iso(at(78))}),
        (BREACHED_EVENT, first, {"number": paused, "breachedAt": iso(at(90))}),
    ]


async def test_a_ticket_first_found_breached_gets_only_the_breached_event(client: httpx.AsyncClient) -> None:
    world = await sla_desk()
    number = await world.file(client, at(0))
    clock.set_now(at(61))
    assert await raise_sla_events() == 1
    clock.set_now(at(62))
    assert await raise_sla_events() == 0
    assert [(topic, payload["number"]) for topic, _, payload in await events()] == [(BREACHED_EVENT, number)]


async def test_nothing_is_raised_while_the_setting_is_off_or_for_tickets_without_sla(
    client: httpx.AsyncClient,
) -> None:
    world = await sla_desk()
    await set_sla(False)
    await world.file(client, at(0))  # filed while off: no policy
    await set_sla(True)
    managed = await world.file(client, at(0))
    await set_sla(False)
    clock.set_now(at(100))
    assert await raise_sla_events() == 0
    assert await events() == []
    # On again: the breach that happened meanwhile is raised now, for the managed ticket only.
    await set_sla(True)
    assert await raise_sla_events() == 1
    assert [payload["number"] for _, _, payload in await events()] == [managed]


async def test_concurrent_runs_raise_each_event_once(client: httpx.AsyncClient) -> None:
    world = await sla_desk()
    numbers = [await world.file(client, at(0)) for _ in range(12)]
    clock.set_now(at(50))
    # Small batches, so the runs interleave over several transactions each.
    counts = await asyncio.gather(*(raise_sla_events(batch_size=2) for _ in range(4)))
    assert sum(counts) == 12
    clock.set_now(at(70))
    counts = await asyncio.gather(*(raise_sla_events(batch_size=3) for _ in range(4)))
    assert sum(counts) == 12
    raised = await events()
    ids = [await ticket_id(n) for n in numbers]
    assert sorted(t for topic, t, _ in raised if topic == AT_RISK_EVENT) == sorted(ids)
    assert sorted(t for topic, t, _ in raised if topic == BREACHED_EVENT) == sorted(ids)


async def test_the_embedded_runtime_raises_them_at_every_minute(client: httpx.AsyncClient) -> None:
    from jobs.runtime import JobRuntime

    world = await sla_desk()
    number = await world.file(client, at(0))
    clock.set_now(at(54.5))
    runtime = JobRuntime(None)
    await runtime.start()
    try:
        await _until(lambda: clock.sleepers().count(at(55)) == 3)  # the email, SLA and webhook passes
        clock.set_now(at(55))
        await _until(lambda: clock.sleepers().count(at(56)) == 3)
    finally:
        await runtime.stop()
    assert [(topic, payload["number"]) for topic, _, payload in await events()] == [(AT_RISK_EVENT, number)]


async def _until(condition: Any) -> None:
    """Wait (bounded, not timed: the bound only turns a hang into a failure) until the loops are where we want."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not condition():
        assert loop.time() < deadline, clock.sleepers()
        await asyncio.sleep(0.01)
