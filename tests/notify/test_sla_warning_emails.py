"""SLA warning emails (sla_at_risk, sla_breached) through the real SLA pass and a real SMTP server: the assignee,
else the active staff of the assigned group, else nobody; once each; editable and previewable like every topic."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Any

import httpx

from core import clock
from core.enums import Role
from jobs.email import deliver_pending_emails
from models.outbox import OutboxMessage
from models.tickets import Ticket
from resolvers.tickets.sla_alerts import raise_sla_events
from tests import smtp
from tests.helpers import make_group, make_person, mutation_document, mutation_payload
from tests.smtp import SmtpServer
from tests.tickets.sla_world import Desk, at, desk, policy, set_sla

smtp_server = smtp.smtp_server

UPDATE = mutation_document("updateEmailTemplate", "template { topic customised }")
PREVIEW = mutation_document("previewEmailTemplate", "preview { subject text html }")


async def sla_desk() -> Desk:
    world = await desk()
    await set_sla(True)
    await policy("Standard", 6000, 60)  # resolution in 60 minutes: at risk from minute 48, breached at 60
    return world


async def file(world: Desk, client: httpx.AsyncClient, **fields: object) -> int:
    """A ticket filed at minute 0, without the ticket_created email (not what these tests are about)."""
    number = await world.file(client, at(0), **fields)
    await OutboxMessage.filter(channel="email").delete()
    return number


async def evaluate_and_deliver(*minutes: float) -> None:
    for minute in minutes:
        clock.set_now(at(minute))
        await raise_sla_events()
    await deliver_pending_emails({})


def delivered(server: SmtpServer) -> list[tuple[str, str]]:
    """(recipient, subject) of every message the SMTP server accepted, sorted."""
    return sorted((address, str(r.message["Subject"])) for r in server.received for address in r.recipients)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def test_the_assignee_gets_one_at_risk_and_one_breached_email(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    world = await sla_desk()
    number = await file(world, client, subject="Printer jams")
    await Ticket.filter(number=number).update(assignee_id=world.staff.user.id)
    await evaluate_and_deliver(50, 51)  # a second pass at risk queues nothing more
    await evaluate_and_deliver(61, 62, 500)
    assert delivered(smtp_server) == [
        (world.staff.user.email, f"[#{number}] SLA at risk: Printer jams"),
        (world.staff.user.email, f"[#{number}] SLA breached: Printer jams"),
    ]
    at_risk, breached = (r.message for r in smtp_server.received)
    assert "will breach its SLA at 2026-01-05 10:00 UTC" in text_of(at_risk)
    assert "breached its SLA at 2026-01-05 10:00 UTC" in text_of(breached)
    assert await OutboxMessage.filter(channel="email", topic__startswith="sla_").count() == 2


async def test_a_batch_costs_the_same_statements_for_two_tickets_as_for_eight(
    client: httpx.AsyncClient, count_statements: Any
) -> None:
    world = await sla_desk()
    early = [await file(world, client) for _ in range(2)]  # at risk from 48, breached at 60
    late = [await world.file(client, at(30)) for _ in range(6)]  # at risk from 78, breached at 90
    await Ticket.filter(number__in=early + late).update(assignee_id=world.staff.user.id)
    await OutboxMessage.all().delete()
    counts = []
    for minute in (55, 95):  # two at-risk warnings, then eight breaches (no at-risk warning is due at 95)
        clock.set_now(at(minute))
        count_statements.clear()
        await raise_sla_events()
        counts.append(count_statements.count)
    # Per pass: BEGIN, the claim, COMMIT; a pass that claimed tickets adds the recipients of all and one INSERT.
    assert counts == [8, 8]
    assert await OutboxMessage.filter(channel="email", topic="sla_at_risk").count() == 2
    # The late tickets were first found breached: the breached email only.
    assert await OutboxMessage.filter(channel="email", topic="sla_breached").count() == 8


async def test_concurrent_passes_queue_each_warning_once(client: httpx.AsyncClient) -> None:
    world = await sla_desk()
    numbers = [await file(world, client) for _ in range(8)]
    await Ticket.filter(number__in=numbers).update(assignee_id=world.staff.user.id)
    for minute in (50, 70):
        clock.set_now(at(minute))
        # Small batches, so the passes interleave over several transactions each (PostgreSQL: SKIP LOCKED).
        await asyncio.gather(*(raise_sla_events(batch_size=3) for _ in range(4)))
    emails = await OutboxMessage.filter(channel="email").values_list("topic", "ticket_id")
    ids = sorted(await Ticket.filter(number__in=numbers).values_list("id", flat=True))
    for topic in ("sla_at_risk", "sla_breached"):
        assert sorted(ticket for t, ticket in emails if t == topic) == ids, topic


async def test_an_unassigned_ticket_warns_the_active_staff_of_its_group(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    world = await sla_desk()
    admin = await make_person(Role.ADMIN)
    disabled = await make_person(Role.STAFF, disabled=True)
    user = await make_person(Role.USER)
    group = await make_group("Night shift", members=[world.staff, admin, disabled, user])
    number = await file(world, client)
    await Ticket.filter(number=number).update(assignee_id=None, assigned_group_id=group.id)
    await evaluate_and_deliver(61)  # first found breached: the breached email only
    assert delivered(smtp_server) == sorted(
        (person.user.email, f"[#{number}] SLA breached: Printer jams") for person in (world.staff, admin)
    )


async def test_a_disabled_assignee_gets_nothing_and_their_group_is_warned_instead(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    world = await sla_desk()
    gone = await make_person(Role.STAFF, disabled=True)
    group = await make_group("Day shift", members=[world.staff, gone])
    number = await file(world, client)
    await Ticket.filter(number=number).update(assignee_id=gone.user.id, assigned_group_id=group.id)
    await evaluate_and_deliver(61)
    assert delivered(smtp_server) == [(world.staff.user.email, f"[#{number}] SLA breached: Printer jams")]


async def test_a_ticket_with_neither_assignee_nor_group_emails_nobody_but_still_raises_its_event(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    world = await sla_desk()
    number = await file(world, client)
    await Ticket.filter(number=number).update(assignee_id=None, assigned_group_id=None)
    await evaluate_and_deliver(50, 61)
    assert smtp_server.received == []
    assert await OutboxMessage.filter(channel="email").count() == 0
    assert await OutboxMessage.filter(channel="event", topic__startswith="ticket.sla_").count() == 2


async def test_tickets_without_sla_get_no_warning(client: httpx.AsyncClient, smtp_server: SmtpServer) -> None:
    world = await sla_desk()
    await set_sla(False)
    number = await file(world, client)  # filed while off: no policy, never tracked
    await set_sla(True)
    await Ticket.filter(number=number).update(assignee_id=world.staff.user.id)
    await evaluate_and_deliver(50, 61, 5000)
    assert smtp_server.received == []
    assert await OutboxMessage.filter(topic__contains="sla").count() == 0


async def test_an_edited_template_changes_what_arrives(client: httpx.AsyncClient, smtp_server: SmtpServer) -> None:
    world = await sla_desk()
    for topic, subject in (
        ("sla_at_risk", "Hurry: #{{ number }} by {{ due_at }}"),
        ("sla_breached", "Late: #{{ number }}"),
    ):
        payload = await mutation_payload(
            client, UPDATE, "updateEmailTemplate", world.admin.token, {"topic": topic, "subject": subject}
        )
        assert payload["errors"] == [] and payload["template"]["customised"] is True
    number = await file(world, client)
    await Ticket.filter(number=number).update(assignee_id=world.staff.user.id)
    await evaluate_and_deliver(50)
    await evaluate_and_deliver(61)
    assert [str(r.message["Subject"]) for r in smtp_server.received] == [
        f"Hurry: #{number} by 2026-01-05 10:00 UTC",
        f"Late: #{number}",
    ]


async def test_preview_renders_the_at_risk_topic_with_its_sample_values(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    preview = await mutation_payload(
        client, PREVIEW, "previewEmailTemplate", admin.token, {"topic": "sla_at_risk", "html": "<b>{{ due_at }}</b>"}
    )
    assert preview["errors"] == []
    assert preview["preview"]["subject"] == "[#123] SLA at risk: Printer on fire"
    assert preview["preview"]["html"] == "<b>2026-01-05 10:00 UTC</b>"
    assert "will breach its SLA at 2026-01-05 10:00 UTC" in preview["preview"]["text"]


async def test_preview_renders_the_breached_topic_with_its_sample_values(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    preview = await mutation_payload(client, PREVIEW, "previewEmailTemplate", admin.token, {"topic": "sla_breached"})
    assert preview["errors"] == []
    assert preview["preview"]["subject"] == "[#123] SLA breached: Printer on fire"
    assert "breached its SLA at 2026-01-05 10:00 UTC" in preview["preview"]["text"]
    assert "<strong>2026-01-05 10:00 UTC</strong>" in preview["preview"]["html"]
