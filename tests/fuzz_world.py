"""A small help desk for the schema fuzzer (tests/test_fuzz_schema.py) to aim at.

Without rows, every fuzzed `number` or `...Id` is NOT_FOUND and the resolvers' deeper paths never run. This
builds a few of everything (categories with types and items, a group with scope, tickets in New, Resolved and
Closed, a guest ticket, public replies and an internal note, an API key, an outbox row, audit rows) on the
freshly truncated database, so primary keys start at 1: `SMALL_IDS` covers every table's rows, and the fuzzer's
dictionaries steer ids and ticket numbers into that range.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import clock
from core.enums import Role, StatusKind
from models.accounts import ApiKey
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.replies import Reply
from models.settings import Setting
from resolvers.accounts.credentials import token_hash
from tests.helpers import (
    Person,
    make_category,
    make_group,
    make_guest,
    make_item,
    make_person,
    make_ticket,
    make_type,
    status_of,
)

# Ids (and ticket numbers) the world below is sure to have on a freshly truncated database.
SMALL_IDS = (1, 2, 3, 4, 5, 6)


@dataclass
class FuzzWorld:
    user: Person
    admin: Person

    def token_for(self, role: str) -> str | None:
        """The bearer token of the fuzzer's identity: "anonymous" has none."""
        return {"anonymous": None, "user": self.user.token, "admin": self.admin.token}[role]


async def build_fuzz_world() -> FuzzWorld:
    """Rows for the fuzzer; the fuzzing USER requests tickets 1, 2 and 5, the fuzzing ADMIN is its own account."""
    user = await make_person(Role.USER, name="Fuzz User")
    other = await make_person(Role.USER, name="Other User")
    staff = await make_person(Role.STAFF, name="Fuzz Staff")
    admin = await make_person(Role.ADMIN, name="Fuzz Admin")
    await make_person(Role.STAFF, name="Disabled Staff", disabled=True)

    hardware, software = await make_category("Hardware"), await make_category("Software")
    await make_category("Retired", archived=True)
    laptop, vpn = await make_type(hardware, "Laptop"), await make_type(software, "VPN")
    battery = await make_item(laptop, "Battery")
    await make_item(vpn, "Client")
    desk = await make_group("Service Desk", members=[staff], scope=[(hardware, None), (software, vpn)])

    first = await make_ticket(
        hardware, requester=user, ticket_type=laptop, item=battery, assignee=staff, group=desk, subject="Battery dies"
    )
    resolved = await make_ticket(software, requester=user, ticket_type=vpn, status=await status_of(StatusKind.RESOLVED))
    resolved.resolved_at = clock.now()
    await resolved.save(update_fields=["resolved_at"])
    await make_ticket(software, requester=other, subject="Someone else's")
    guest_ticket = await make_ticket(hardware, subject="From a guest")
    await make_guest(guest_ticket)
    closed = await make_ticket(hardware, requester=user, status=await status_of(StatusKind.CLOSED))
    closed.resolved_at = closed.closed_at = clock.now()
    await closed.save(update_fields=["resolved_at", "closed_at"])

    await Reply.create(ticket=first, author=staff.user, body="Have you tried **charging** it?")
    await Reply.create(ticket=first, author=staff.user, body="Internal: battery recall list.", internal=True)
    await Reply.create(ticket=first, author=user.user, body="Yes, twice.")
    await Reply.create(ticket=guest_ticket, guest_email=guest_ticket.guest_email, body="Any news?")
    await ApiKey.create(user=user.user, name="ci", prefix="hd_fuzz0", key_hash=token_hash("hd_fuzz-user-key"))
    await ApiKey.create(user=admin.user, name="ops", prefix="hd_fuzz1", key_hash=token_hash("hd_fuzz-admin-key"))
    await OutboxMessage.create(
        channel="email", topic="ticket_created", ticket=first, payload={"to": user.user.email, "number": 1}
    )
    await AuditEntry.create(
        actor=staff.user, actor_label=staff.user.email, action="ticket.created", entity_type="ticket",
        entity_id=str(first.id), ticket=first, after={"subject": first.subject},
    )  # fmt: skip
    await AuditEntry.create(
        actor=staff.user, actor_label=staff.user.email, action="reply.created", entity_type="reply",
        entity_id="2", ticket=first, internal=True, after={"internal": True},
    )  # fmt: skip
    # The dictionaries aim at ids 1..6: the database must really have been emptied with its sequences restarted.
    assert (user.id, admin.id, first.id, closed.id) == (1, 4, 1, 5), "the fuzz world's ids moved"
    # Guest submission on, so the anonymous fuzzer reaches submitGuestTicket and the anonymous category list.
    await Setting.create(key="guest_submission_enabled", value=True)
    return FuzzWorld(user=user, admin=admin)
