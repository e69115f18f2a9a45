"""updateTicket: staff reclassify and re-prioritise within scope; the CTI cascade clears children."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import Priority, Role
from models.audit import AuditEntry
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import (
    ERRORS,
    Guest,
    Person,
    assert_query_refused,
    assert_refused,
    gql,
    make_category,
    make_group,
    make_guest,
    make_item,
    make_person,
    make_ticket,
    make_type,
    refusals,
)

UPDATE = f"""
mutation($input: UpdateTicketInput!) {{
  updateTicket(input: $input) {{
    ticket {{ number subject priority category {{ name }} type {{ name }} item {{ name }} }}
    {ERRORS}
  }}
}}"""


async def update(client: httpx.AsyncClient, person: Person | Guest | None, **fields: Any) -> dict[str, Any]:
    body = await gql(client, UPDATE, {"input": fields}, person.token if person else None)
    return body


async def world() -> dict[str, Any]:
    hardware, software = await make_category("Hardware"), await make_category("Software")
    laptop, printer = await make_type(hardware, "Laptop"), await make_type(hardware, "Printer")
    battery = await make_item(laptop, "Battery")
    toner = await make_item(printer, "Toner")
    office = await make_type(software, "Office")
    owner = await make_person(Role.USER)
    staff_in, staff_out = await make_person(Role.STAFF), await make_person(Role.STAFF)
    await make_group("Hardware", members=[staff_in], scope=[(hardware, None)])
    ticket = await make_ticket(hardware, ticket_type=laptop, item=battery, requester=owner)
    return locals()


async def test_changing_the_category_clears_type_and_item(client: httpx.AsyncClient) -> None:
    w = await world()
    body = await update(client, w["staff_in"], number=w["ticket"].number, categoryId=str(w["software"].id))
    result = body["data"]["updateTicket"]
    assert result["errors"] == []
    assert (result["ticket"]["category"], result["ticket"]["type"], result["ticket"]["item"]) == (
        {"name": "Software"},
        None,
        None,
    )


async def test_changing_the_type_clears_the_item_unless_given(client: httpx.AsyncClient) -> None:
    w = await world()
    cleared = await update(client, w["staff_in"], number=w["ticket"].number, typeId=str(w["printer"].id))
    assert cleared["data"]["updateTicket"]["ticket"]["item"] is None
    both = await update(
        client, w["staff_in"], number=w["ticket"].number, typeId=str(w["laptop"].id), itemId=str(w["battery"].id)
    )
    assert both["data"]["updateTicket"]["ticket"]["item"] == {"name": "Battery"}


async def test_same_category_keeps_type_and_item(client: httpx.AsyncClient) -> None:
    w = await world()
    body = await update(client, w["staff_in"], number=w["ticket"].number, categoryId=str(w["hardware"].id))
    assert body["data"]["updateTicket"]["ticket"]["item"] == {"name": "Battery"}


async def test_new_category_with_a_foreign_type_is_refused_and_nothing_changes(client: httpx.AsyncClient) -> None:
    w = await world()
    body = await update(
        client,
        w["staff_in"],
        number=w["ticket"].number,
        categoryId=str(w["software"].id),
        typeId=str(w["laptop"].id),
        priority="HIGH",
    )
    assert_refused(body["data"]["updateTicket"], Reason.NOT_IN_CATEGORY, "typeId")
    ticket = await Ticket.get(id=w["ticket"].id)
    assert (ticket.category_id, ticket.priority) == (w["hardware"].id, Priority.MEDIUM)


async def test_archived_nodes_stay_on_the_ticket_but_cannot_be_newly_chosen(client: httpx.AsyncClient) -> None:
    w = await world()
    w["laptop"].archived = True
    await w["laptop"].save()
    kept = await update(client, w["staff_in"], number=w["ticket"].number, priority="LOW")
    assert kept["data"]["updateTicket"]["errors"] == []
    await update(client, w["staff_in"], number=w["ticket"].number, typeId=str(w["printer"].id))
    back = await update(client, w["staff_in"], number=w["ticket"].number, typeId=str(w["laptop"].id))
    assert_refused(back["data"]["updateTicket"], Reason.ARCHIVED, "typeId")


async def test_priority_cannot_be_cleared_and_category_is_required(client: httpx.AsyncClient) -> None:
    w = await world()
    body = await update(client, w["staff_in"], number=w["ticket"].number, priority=None, categoryId=None)
    assert refusals(body["data"]["updateTicket"]) == [
        (Reason.CANNOT_CLEAR, "priority"),
        (Reason.CANNOT_CLEAR, "categoryId"),
    ]


async def test_update_writes_an_audit_row_with_before_and_after(client: httpx.AsyncClient) -> None:
    w = await world()
    await update(client, w["staff_in"], number=w["ticket"].number, priority="CRITICAL", subject="New words")
    entry = await AuditEntry.get(action="ticket.updated")
    assert entry.actor_id == w["staff_in"].id
    assert entry.before == {"subject": w["ticket"].subject, "priority": "MEDIUM"}
    assert entry.after == {"subject": "New words", "priority": "CRITICAL"}


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("admin", None),
        ("staff_in", None),
        ("staff_out", Reason.OUT_OF_SCOPE),
        ("owner", Reason.STAFF_ONLY),
        ("other", Reason.STAFF_ONLY),
        ("guest", Reason.FIELD_NOT_ALLOWED),  # on their own guest ticket: the gate refuses it before it runs
        ("anonymous", Reason.SIGN_IN_REQUIRED),
    ],
)
async def test_role_matrix(client: httpx.AsyncClient, who: str, reason: Reason | None) -> None:
    w = await world()
    if who == "guest":
        guest = await make_guest(w["ticket"])
    people = {
        "admin": await make_person(Role.ADMIN),
        "staff_in": w["staff_in"],
        "staff_out": w["staff_out"],
        "owner": w["owner"],
        "other": await make_person(Role.USER),
        "guest": guest if who == "guest" else None,
        "anonymous": None,
    }
    body = await update(client, people[who], number=w["ticket"].number, priority="HIGH")
    ticket = await Ticket.get(id=w["ticket"].id)
    if who in ("anonymous", "guest"):  # without an account updateTicket cannot be called at all
        assert_query_refused(body, reason, "Mutation.updateTicket")
        assert body["data"] is None
    else:
        assert refusals(body["data"]["updateTicket"]) == ([(reason, None)] if reason else [])
    assert (ticket.priority is Priority.HIGH) is (reason is None)


async def test_unknown_ticket_is_not_found(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    body = await update(client, admin, number=999, priority="HIGH")
    assert_refused(body["data"]["updateTicket"], Reason.TICKET_NOT_FOUND, "number")


async def test_archived_category_type_and_item_on_a_ticket_survive_updates_that_keep_them(
    client: httpx.AsyncClient,
) -> None:
    """Archiving stops new choices, not old tickets: an update that leaves (or repeats) the classification keeps
    every archived level, and choosing a live child under an archived parent keeps the parent."""
    w = await world()
    old_item = await make_item(w["laptop"], "Old battery", archived=True)
    live_item = w["battery"]
    ticket = w["ticket"]
    await Ticket.filter(id=ticket.id).update(item_id=old_item.id)
    for node in (w["hardware"], w["laptop"]):
        node.archived = True
        await node.save()
    archived = {"category": {"name": "Hardware"}, "type": {"name": "Laptop"}, "item": {"name": "Old battery"}}

    def classification(body: dict[str, Any]) -> dict[str, Any]:
        payload = body["data"]["updateTicket"]
        assert payload["errors"] == [], payload["errors"]
        return {level: payload["ticket"][level] for level in ("category", "type", "item")}

    assert classification(await update(client, w["staff_in"], number=ticket.number, priority="LOW")) == archived
    assert classification(await update(client, w["staff_in"], number=ticket.number, subject="Renamed")) == archived
    same = {"categoryId": str(w["hardware"].id), "typeId": str(w["laptop"].id), "itemId": str(old_item.id)}
    assert classification(await update(client, w["staff_in"], number=ticket.number, **same)) == archived
    # A live item under the archived category and type: both parents stay.
    moved = await update(client, w["staff_in"], number=ticket.number, **{**same, "itemId": str(live_item.id)})
    assert classification(moved) == {**archived, "item": {"name": "Battery"}}
    stored = await Ticket.get(id=ticket.id)
    assert (stored.category_id, stored.type_id, stored.item_id) == (w["hardware"].id, w["laptop"].id, live_item.id)
    # Once it has left the archived item, it cannot go back to it.
    back = await update(client, w["staff_in"], number=ticket.number, itemId=str(old_item.id))
    assert_refused(back["data"]["updateTicket"], Reason.ARCHIVED, "itemId")
