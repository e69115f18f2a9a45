"""createTicket: every rule of SPEC 2 through the GraphQL endpoint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.enums import Priority, Role
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.settings import Setting
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import (
    ERRORS,
    Person,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_guest,
    make_item,
    make_person,
    make_ticket,
    make_type,
)

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()

CREATE = f"""
mutation($input: CreateTicketInput!) {{
  createTicket(input: $input) {{
    ticket {{ id number subject priority status {{ name kind }} category {{ name }} type {{ name }} item {{ name }}
             requester {{ id }} }}
    {ERRORS}
  }}
}}"""


async def create(client: httpx.AsyncClient, person: Person | None, **fields: Any) -> dict[str, Any]:
    payload = {"subject": "Printer on fire", "description": "Smoke **everywhere**", **fields}
    body = await gql(client, CREATE, {"input": payload}, person.token if person else None)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["createTicket"]
    return result


async def test_user_files_a_ticket_as_new_with_medium_priority(client: httpx.AsyncClient) -> None:
    category = await make_category("Hardware")
    user = await make_person(Role.USER)
    result = await create(client, user, categoryId=str(category.id), subject="  Printer on fire  ")
    assert result["errors"] == []
    ticket = result["ticket"]
    assert ticket["subject"] == "Printer on fire"
    assert ticket["priority"] == "MEDIUM"
    assert ticket["status"] == {"name": "New", "kind": "NEW"}
    assert ticket["requester"] == {"id": str(user.id)}
    assert ticket["number"] == int(ticket["id"])


async def test_creation_writes_audit_email_and_event_rows_in_one_go(client: httpx.AsyncClient) -> None:
    category = await make_category()
    user = await make_person(Role.USER)
    result = await create(client, user, categoryId=str(category.id))
    ticket_id = int(result["ticket"]["id"])
    entry = await AuditEntry.get(ticket_id=ticket_id)
    assert (entry.action, entry.actor_id) == ("ticket.created", user.id)
    assert entry.after["subject"] == "Printer on fire"  # type: ignore[index]
    emails = await OutboxMessage.filter(ticket_id=ticket_id, channel="email").values_list("topic", "payload")
    assert emails == [("ticket_created", {"to": user.user.email, "number": ticket_id})]
    assert await OutboxMessage.filter(ticket_id=ticket_id, channel="event", topic="ticket.created").count() == 1


async def test_anonymous_caller_gets_unauthenticated(client: httpx.AsyncClient) -> None:
    category = await make_category()
    body = await gql(client, CREATE, {"input": {"subject": "s", "description": "d", "categoryId": str(category.id)}})
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Mutation.createTicket")
    assert await Ticket.all().count() == 0


async def test_a_guest_cannot_file_tickets_with_createticket(client: httpx.AsyncClient) -> None:
    category = await make_category()
    guest = await make_guest(await make_ticket(category))
    body = await gql(
        client, CREATE, {"input": {"subject": "s", "description": "d", "categoryId": str(category.id)}}, guest.token
    )
    # A guest link cannot call it at all (resolvers/guests/fields.py): refused before it runs.
    assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, "Mutation.createTicket")
    assert await Ticket.all().count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "reason", "fragment"),
    [
        ({"subject": "   "}, "subject", Reason.REQUIRED, "required"),
        ({"subject": "x" * 256}, "subject", Reason.TOO_LONG, "256 characters; the maximum is 255"),
        ({"description": " \n "}, "description", Reason.REQUIRED, "required"),
        ({"categoryId": None}, "categoryId", Reason.REQUIRED, "required"),
        ({"categoryId": "999"}, "categoryId", Reason.UNKNOWN_ID, "does not exist"),
        ({"categoryId": "abc"}, "categoryId", Reason.INVALID_ID, "must be an ID"),
        ({"categoryId": "99999999999"}, "categoryId", Reason.INVALID_ID, "between 1 and 2147483647"),
        ({"categoryId": "0"}, "categoryId", Reason.INVALID_ID, "between 1 and 2147483647"),
    ],
)
async def test_bad_fields_are_refused_with_field_and_rule(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str, reason: Reason, fragment: str
) -> None:
    category = await make_category()
    user = await make_person(Role.USER)
    result = await create(client, user, **{"categoryId": str(category.id), **fields})
    assert result["ticket"] is None
    assert_refused(result, reason, field)
    # The message names the rule for people (DESIGN).
    assert fragment in result["errors"][0]["message"]
    assert await Ticket.all().count() == 0


async def test_subject_of_exactly_255_characters_after_trimming_is_accepted(client: httpx.AsyncClient) -> None:
    category = await make_category()
    user = await make_person(Role.USER)
    result = await create(client, user, categoryId=str(category.id), subject="  " + "x" * 255 + "  ")
    assert result["errors"] == []
    assert len(result["ticket"]["subject"]) == 255


async def test_every_bad_field_is_reported_at_once(client: httpx.AsyncClient) -> None:
    await make_category()
    user = await make_person(Role.USER)
    result = await create(client, user, subject="", description="", categoryId=None)
    assert {e["field"] for e in result["errors"]} == {"subject", "description", "categoryId"}


async def test_without_any_category_creation_fails_clearly(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    result = await create(client, user, categoryId=None)
    assert_refused(result, Reason.NO_CATEGORIES, "categoryId")


async def test_cti_cascade_accepts_a_consistent_choice(client: httpx.AsyncClient) -> None:
    hardware = await make_category("Hardware")
    laptop = await make_type(hardware, "Laptop")
    battery = await make_item(laptop, "Battery")
    user = await make_person(Role.USER)
    result = await create(client, user, categoryId=str(hardware.id), typeId=str(laptop.id), itemId=str(battery.id))
    assert result["errors"] == []
    assert (result["ticket"]["type"], result["ticket"]["item"]) == ({"name": "Laptop"}, {"name": "Battery"})


async def test_cti_cascade_refusals(client: httpx.AsyncClient) -> None:
    hardware = await make_category("Hardware")
    software = await make_category("Software")
    access = await make_category("Access")  # no types
    laptop = await make_type(hardware, "Laptop")
    vpn = await make_type(software, "VPN")  # no items
    battery = await make_item(laptop, "Battery")
    office = await make_type(software, "Office")
    outlook = await make_item(office, "Outlook")
    old_type = await make_type(hardware, "Typewriter", archived=True)
    old_item = await make_item(laptop, "Floppy", archived=True)
    archived = await make_category("Fax", archived=True)
    user = await make_person(Role.USER)
    outside_category, outside_type = Reason.NOT_IN_CATEGORY, Reason.NOT_IN_TYPE
    cases = [
        ({"categoryId": hardware.id, "typeId": vpn.id}, "typeId", outside_category, "does not belong"),
        ({"categoryId": access.id, "typeId": laptop.id}, "typeId", outside_category, "has no types"),
        ({"categoryId": hardware.id, "itemId": battery.id}, "itemId", Reason.ITEM_NEEDS_TYPE, "the type first"),
        ({"categoryId": hardware.id, "typeId": laptop.id, "itemId": outlook.id}, "itemId", outside_type, "belong"),
        ({"categoryId": software.id, "typeId": vpn.id, "itemId": outlook.id}, "itemId", outside_type, "no items"),
        ({"categoryId": hardware.id, "typeId": old_type.id}, "typeId", Reason.ARCHIVED, "archived"),
        (
            {"categoryId": hardware.id, "typeId": laptop.id, "itemId": old_item.id},
            "itemId",
            Reason.ARCHIVED,
            "archived",
        ),
        ({"categoryId": archived.id}, "categoryId", Reason.ARCHIVED, "archived"),
    ]
    for ids, field, reason, fragment in cases:
        result = await create(client, user, **{k: str(v) for k, v in ids.items()})
        assert_refused(result, reason, field)
        # The message says which case it is ("has no types", not only "does not belong").
        assert fragment in result["errors"][0]["message"], (ids, result["errors"])
    assert await Ticket.all().count() == 0


async def test_user_priority_is_refused_unless_the_setting_allows_it(client: httpx.AsyncClient) -> None:
    category = await make_category()
    user = await make_person(Role.USER)
    refused = await create(client, user, categoryId=str(category.id), priority="HIGH")
    assert_refused(refused, Reason.PRIORITY_NOT_SELECTABLE, "priority")
    assert await Ticket.all().count() == 0
    # The README tells new users which code to expect; it once said VALIDATION.
    promised = re.search(r"refused with a `(\w+)` error on `priority`", " ".join(README.split()))
    assert promised and promised.group(1) == refused["errors"][0]["code"]
    await Setting.create(key="user_selectable_priority", value=True)
    allowed = await create(client, user, categoryId=str(category.id), priority="HIGH")
    assert allowed["ticket"]["priority"] == "HIGH"


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
async def test_staff_and_admins_set_priority_and_file_for_a_user(client: httpx.AsyncClient, role: Role) -> None:
    category = await make_category()
    worker = await make_person(role)
    user = await make_person(Role.USER)
    result = await create(client, worker, categoryId=str(category.id), priority="CRITICAL", requesterId=str(user.id))
    assert result["errors"] == []
    assert result["ticket"]["priority"] == "CRITICAL"
    assert result["ticket"]["requester"] == {"id": str(user.id)}
    ticket = await Ticket.get(id=int(result["ticket"]["id"]))
    assert (ticket.created_by_id, ticket.priority) == (worker.id, Priority.CRITICAL)


async def test_user_cannot_file_for_someone_else(client: httpx.AsyncClient) -> None:
    category = await make_category()
    user, other = await make_person(Role.USER), await make_person(Role.USER)
    result = await create(client, user, categoryId=str(category.id), requesterId=str(other.id))
    assert_refused(result, Reason.FOR_YOURSELF_ONLY, "requesterId")
    assert await Ticket.all().count() == 0


async def test_staff_cannot_file_for_a_missing_or_disabled_account(client: httpx.AsyncClient) -> None:
    category = await make_category()
    staff = await make_person(Role.STAFF)
    disabled = await make_person(Role.USER, disabled=True)
    missing = await create(client, staff, categoryId=str(category.id), requesterId="9999")
    assert_refused(missing, Reason.UNKNOWN_ID, "requesterId")
    off = await create(client, staff, categoryId=str(category.id), requesterId=str(disabled.id))
    assert_refused(off, Reason.ACCOUNT_DISABLED, "requesterId")


async def test_created_ticket_is_readable_by_its_number(client: httpx.AsyncClient) -> None:
    category = await make_category()
    user = await make_person(Role.USER)
    number = (await create(client, user, categoryId=str(category.id)))["ticket"]["number"]
    data = await gql_data(client, "query($n: Int!) { ticket(number: $n) { subject } }", {"n": number}, user.token)
    assert data["ticket"] == {"subject": "Printer on fire"}
