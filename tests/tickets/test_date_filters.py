"""Date filters compare instants, whatever offset a bound is written in, on both databases: the queue's
createdAfter/createdBefore and the audit log's since/until.

SQLite keeps datetimes as text, so a bound sent with +05:00 was compared as text with UTC values and selected
the wrong rows; PostgreSQL compared instants all along, and refused a bound without an offset (a 500).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core.enums import Role
from models.audit import AuditEntry
from models.tickets import Ticket
from tests.helpers import gql_data, make_category, make_person, make_ticket

QUEUE = """query($filter: TicketFilterInput) {
  tickets(filter: $filter, sort: CREATED_ASC, first: 100) { edges { node { subject } } } }"""
INSTANT = datetime(2026, 12, 1, 3, 43, 47, tzinfo=UTC)
# The same instant, as a client in three places might write it.
SPELLINGS = [
    "2026-12-01T03:43:47+00:00",
    "2026-12-01T03:43:47Z",
    "2026-12-01T08:43:47+05:00",
    "2026-11-30T22:13:47-05:30",
]
# Either side of the instant, and inside the five hours a text comparison with "08:43:47+05:00" gets wrong.
FILED = {
    "an hour before": -timedelta(hours=1),
    "a second before": -timedelta(seconds=1),
    "at the instant": timedelta(0),
    "a second after": timedelta(seconds=1),
    "two hours after": timedelta(hours=2),
    "six hours after": timedelta(hours=6),
}


async def filed_around_the_instant() -> str:
    category = await make_category()
    for subject, offset in FILED.items():
        ticket = await make_ticket(category, subject=subject)
        await Ticket.filter(id=ticket.id).update(created_at=INSTANT + offset)
    return (await make_person(Role.ADMIN)).token


async def subjects(client: httpx.AsyncClient, token: str, **bound: str) -> list[str]:
    data = await gql_data(client, QUEUE, {"filter": bound}, token)
    return [edge["node"]["subject"] for edge in data["tickets"]["edges"]]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_created_after_selects_the_same_tickets_in_any_offset(client: httpx.AsyncClient, spelling: str) -> None:
    token = await filed_around_the_instant()
    assert await subjects(client, token, createdAfter=spelling) == [
        "at the instant", "a second after", "two hours after", "six hours after"]  # fmt: skip


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_created_before_selects_the_same_tickets_in_any_offset(client: httpx.AsyncClient, spelling: str) -> None:
    token = await filed_around_the_instant()
    assert await subjects(client, token, createdBefore=spelling) == ["an hour before", "a second before"]


async def test_a_window_in_another_offset_holds_exactly_what_it_spans(client: httpx.AsyncClient) -> None:
    token = await filed_around_the_instant()
    window = {"createdAfter": "2026-12-01T08:43:48+05:00", "createdBefore": "2026-12-01T07:43:48+02:00"}
    assert await subjects(client, token, **window) == ["a second after", "two hours after"]


async def test_a_bound_without_an_offset_is_utc(client: httpx.AsyncClient) -> None:
    token = await filed_around_the_instant()
    assert await subjects(client, token, createdBefore="2026-12-01T03:43:47") == ["an hour before", "a second before"]


LOG = """query($f: AuditLogFilterInput) { auditLog(filter: $f, first: 100) { edges { node { action } } } }"""


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_the_audit_log_window_selects_the_same_entries_in_any_offset(
    client: httpx.AsyncClient, spelling: str
) -> None:
    for action, offset in FILED.items():
        entry = await AuditEntry.create(action=action, entity_type="ticket", entity_id="1")
        await AuditEntry.filter(id=entry.id).update(created_at=INSTANT + offset)
    token = (await make_person(Role.ADMIN)).token

    async def actions(**bound: str) -> list[str]:
        data = await gql_data(client, LOG, {"f": bound}, token)
        return [edge["node"]["action"] for edge in data["auditLog"]["edges"]]

    assert await actions(since=spelling) == ["six hours after", "two hours after", "a second after", "at the instant"]
    assert await actions(until=spelling) == ["a second before", "an hour before"]
