"""The hourly close sweep (issue 3): which tickets it closes, what it writes, and that it closes each once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from core import clock
from core.enums import Role, StatusKind
from models.audit import AuditEntry
from models.cti import Category
from models.outbox import OutboxMessage
from models.settings import Setting
from models.statuses import Status
from models.tickets import Ticket
from resolvers.tickets.sweep import close_expired_tickets
from tests.conftest import QueryCounter
from tests.helpers import Person, gql_data, make_category, make_person, make_ticket, status_of

NOW = datetime(2025, 3, 10, 12, 0, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)


async def resolved_ticket(
    category: Category, requester: Person | None, resolved_at: datetime, status: Status | None = None
) -> Ticket:
    """A ticket in a Resolved-kind status, resolved at `resolved_at` (set directly: the sweep is under test)."""
    ticket = await make_ticket(category, requester=requester, status=status or await status_of(StatusKind.RESOLVED))
    await Ticket.filter(id=ticket.id).update(resolved_at=resolved_at)
    return ticket


async def status_kind(ticket: Ticket) -> StatusKind:
    fresh = await Ticket.get(id=ticket.id).prefetch_related("status")
    return StatusKind(fresh.status.kind)


async def outbox_rows(topic: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await OutboxMessage.filter(topic=topic).order_by("id").values("channel", "ticket_id", "payload", "status")
    )
    return rows


async def test_closes_exactly_the_tickets_whose_window_has_expired(db: str) -> None:
    clock.set_now(NOW)
    category = await make_category()
    requester = await make_person(Role.USER)
    expired = await resolved_ticket(category, requester, NOW - WINDOW - timedelta(seconds=1))
    at_expiry = await resolved_ticket(category, requester, NOW - WINDOW)
    inside = await resolved_ticket(category, requester, NOW - WINDOW + timedelta(seconds=1))
    # Statuses other than Resolved are never touched, however old their resolved_at.
    reopened = await make_ticket(category, requester=requester)
    await Ticket.filter(id=reopened.id).update(resolved_at=NOW - timedelta(days=30))

    assert await close_expired_tickets() == 2

    assert await status_kind(expired) is StatusKind.CLOSED
    assert await status_kind(at_expiry) is StatusKind.CLOSED
    assert await status_kind(inside) is StatusKind.RESOLVED
    assert await status_kind(reopened) is StatusKind.NEW
    row = await Ticket.get(id=expired.id).values("closed_at", "updated_at")
    assert row == {"closed_at": NOW, "updated_at": NOW}
    assert await Ticket.get(id=inside.id).values_list("closed_at", flat=True) is None

    # Two seconds later the last one's window has expired too (one second ago).
    clock.advance(timedelta(seconds=2))
    assert await close_expired_tickets() == 1
    assert await status_kind(inside) is StatusKind.CLOSED


async def test_each_closed_ticket_gets_one_audit_row_one_email_and_one_event(db: str) -> None:
    clock.set_now(NOW)
    category = await make_category()
    requester = await make_person(Role.USER, email="Requester@Example.com")
    by_user = await resolved_ticket(category, requester, NOW - timedelta(days=8))
    by_guest = await resolved_ticket(category, None, NOW - timedelta(days=9))
    await Ticket.filter(id=by_guest.id).update(guest_email="guest@example.org")
    resolved_id = (await status_of(StatusKind.RESOLVED)).id
    closed_id = (await status_of(StatusKind.CLOSED)).id

    assert await close_expired_tickets() == 2

    audit = (
        await AuditEntry.filter(action="ticket.closed")
        .order_by("ticket_id")
        .values("actor_id", "actor_label", "entity_type", "entity_id", "ticket_id", "before", "after")
    )
    assert audit == [
        {
            "actor_id": None,
            "actor_label": "system",
            "entity_type": "ticket",
            "entity_id": str(ticket.id),
            "ticket_id": ticket.id,
            "before": {"status_id": resolved_id, "closed_at": None},
            "after": {"status_id": closed_id, "closed_at": NOW.isoformat()},
        }
        for ticket in (by_user, by_guest)
    ]
    emails = sorted(await outbox_rows("ticket_closed"), key=lambda row: row["ticket_id"])
    assert emails == [
        {
            "channel": "email",
            "ticket_id": by_user.id,
            "payload": {"to": "requester@example.com", "number": by_user.number},
            "status": "PENDING",
        },
        {
            "channel": "email",
            "ticket_id": by_guest.id,
            "payload": {"to": "guest@example.org", "number": by_guest.number},
            "status": "PENDING",
        },
    ]
    events = sorted(await outbox_rows("ticket.closed"), key=lambda row: row["ticket_id"])
    assert [(e["channel"], e["ticket_id"], e["payload"]) for e in events] == [
        ("event", by_user.id, {"number": by_user.number}),
        ("event", by_guest.id, {"number": by_guest.number}),
    ]
    # Integrations following status changes see system closes like manual ones.
    changes = sorted(await outbox_rows("ticket.status_changed"), key=lambda row: row["ticket_id"])
    assert [(e["ticket_id"], e["payload"]["toStatusId"]) for e in changes] == [
        (by_user.id, closed_id),
        (by_guest.id, closed_id),
    ]


async def test_running_it_again_closes_and_writes_nothing_more(db: str) -> None:
    clock.set_now(NOW)
    category = await make_category()
    requester = await make_person(Role.USER)
    for days in (8, 10, 30):
        await resolved_ticket(category, requester, NOW - timedelta(days=days))

    assert await close_expired_tickets() == 3
    counts = (await AuditEntry.all().count(), await OutboxMessage.all().count())
    clock.advance(timedelta(hours=1))
    assert await close_expired_tickets() == 0
    # Per ticket: one audit row; one email, one ticket.status_changed and one ticket.closed outbox row.
    assert (await AuditEntry.all().count(), await OutboxMessage.all().count()) == counts == (3, 9)


async def test_closed_tickets_read_as_closed_through_graphql(client: httpx.AsyncClient) -> None:
    clock.set_now(NOW)
    category = await make_category()
    requester = await make_person(Role.USER)
    ticket = await resolved_ticket(category, requester, NOW - timedelta(days=8))
    await close_expired_tickets()
    data = await gql_data(
        client, "query($n: Int!) { ticket(number: $n) { status { kind } } }", {"n": ticket.number}, requester.token
    )
    assert data["ticket"]["status"]["kind"] == "CLOSED"


async def test_a_window_of_zero_days_closes_every_resolved_ticket_at_the_next_run(db: str) -> None:
    clock.set_now(NOW)
    await Setting.create(key="reopen_window_days", value=0)
    category = await make_category()
    just_now = await resolved_ticket(category, None, NOW)
    a_second_ago = await resolved_ticket(category, None, NOW - timedelta(seconds=1))
    assert await close_expired_tickets() == 2
    assert await status_kind(just_now) is StatusKind.CLOSED
    assert await status_kind(a_second_ago) is StatusKind.CLOSED


async def test_a_longer_window_setting_keeps_tickets_open_longer(db: str) -> None:
    clock.set_now(NOW)
    await Setting.create(key="reopen_window_days", value=30)
    category = await make_category()
    recent = await resolved_ticket(category, None, NOW - timedelta(days=29))
    old = await resolved_ticket(category, None, NOW - timedelta(days=31))
    assert await close_expired_tickets() == 1
    assert await status_kind(recent) is StatusKind.RESOLVED
    assert await status_kind(old) is StatusKind.CLOSED


async def test_every_status_of_kind_resolved_is_swept(db: str) -> None:
    clock.set_now(NOW)
    first = await status_of(StatusKind.RESOLVED)
    second = await Status.create(name="Resolved by customer", kind=StatusKind.RESOLVED, sort_order=45)
    category = await make_category()
    standard = await resolved_ticket(category, None, NOW - timedelta(days=8), status=first)
    custom = await resolved_ticket(category, None, NOW - timedelta(days=8), status=second)
    assert await close_expired_tickets() == 2
    assert await status_kind(standard) is StatusKind.CLOSED
    assert await status_kind(custom) is StatusKind.CLOSED
    before = await AuditEntry.get(ticket_id=custom.id).values_list("before", flat=True)
    assert before == {"status_id": second.id, "closed_at": None}


async def test_nothing_resolved_means_nothing_to_do(db: str) -> None:
    category = await make_category()
    await make_ticket(category)
    assert await close_expired_tickets() == 0
    assert await AuditEntry.all().count() == 0


async def test_batches_are_set_based_so_statements_grow_with_batches_not_tickets(
    db: str, count_queries: QueryCounter
) -> None:
    clock.set_now(NOW)
    category = await make_category()
    for _ in range(3):
        await resolved_ticket(category, None, NOW - timedelta(days=8))
    count_queries.statements.clear()
    assert await close_expired_tickets(batch_size=50) == 3
    small = count_queries.count

    for _ in range(40):
        await resolved_ticket(category, None, NOW - timedelta(days=8))
    count_queries.statements.clear()
    assert await close_expired_tickets(batch_size=50) == 40
    assert count_queries.count == small

    # Batches of 7 over 40 tickets: 6 batches (the last one short), each a fixed handful of statements.
    for _ in range(40):
        await resolved_ticket(category, None, NOW - timedelta(days=8))
    count_queries.statements.clear()
    assert await close_expired_tickets(batch_size=7) == 40
    updates = [s for s in count_queries.statements if s.lstrip().upper().startswith(("UPDATE", "WITH"))]
    assert len(updates) == 6
    assert count_queries.count <= 3 + 6 * 3


async def test_concurrent_sweeps_close_each_ticket_once_and_queue_one_email_each(db: str) -> None:
    clock.set_now(NOW)
    category = await make_category()
    requester = await make_person(Role.USER)
    resolved = await status_of(StatusKind.RESOLVED)
    await Ticket.bulk_create(
        [
            Ticket(subject=f"Old {i}", description="x", category=category, status=resolved, requester=requester.user)
            for i in range(200)
        ]
    )
    await Ticket.all().update(resolved_at=NOW - timedelta(days=8))

    if db == "postgres":
        # Each sweep's transactions get their own pooled connection: the sweeps really run side by side and
        # SKIP LOCKED makes them split the rows.
        results = await asyncio.gather(*(close_expired_tickets(batch_size=15) for _ in range(4)))
    else:
        # SQLite has one writer; sweeps one after the other must still add up to each ticket once.
        results = [await close_expired_tickets(batch_size=15) for _ in range(4)]

    assert sum(results) == 200
    closed = await status_of(StatusKind.CLOSED)
    assert await Ticket.filter(status_id=closed.id).count() == 200
    audited = Counter(await AuditEntry.filter(action="ticket.closed").values_list("ticket_id", flat=True))
    emailed = Counter(await OutboxMessage.filter(topic="ticket_closed").values_list("ticket_id", flat=True))
    evented = Counter(await OutboxMessage.filter(topic="ticket.closed").values_list("ticket_id", flat=True))
    ticket_ids = set(await Ticket.all().values_list("id", flat=True))
    for seen in (audited, emailed, evented):
        assert set(seen) == ticket_ids
        assert set(seen.values()) == {1}
