"""Who sees which tickets (SPEC 1): the queue (`tickets`) and direct access (`ticket(number)`)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from core.enums import Role, StatusKind
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import (
    Person,
    assert_query_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
    make_type,
    status_of,
)

QUEUE = "{ tickets(first: 100) { totalCount edges { node { number } } } }"
ONE = "query($n: Int!) { ticket(number: $n) { number subject } }"


@dataclass
class World:
    admin: Person
    staff_in_scope: Person
    staff_type_scope: Person
    staff_out_of_scope: Person
    staff_assigned: Person
    staff_no_group: Person
    owner: Person
    other_user: Person
    hardware_ticket: Ticket  # Hardware / Laptop, owner's
    printer_ticket: Ticket  # Hardware / Printer, owner's
    software_ticket: Ticket  # Software, other user's, assigned to staff_assigned personally
    group_ticket: Ticket  # Facilities, owner's, assigned to the out-of-scope group


async def build_world() -> World:
    hardware, software, facilities = [await make_category(n) for n in ("Hardware", "Software", "Facilities")]
    laptop, printer = await make_type(hardware, "Laptop"), await make_type(hardware, "Printer")
    admin = await make_person(Role.ADMIN)
    staff_in_scope, staff_type_scope = await make_person(Role.STAFF), await make_person(Role.STAFF)
    staff_out_of_scope, staff_assigned = await make_person(Role.STAFF), await make_person(Role.STAFF)
    staff_no_group = await make_person(Role.STAFF)
    owner, other_user = await make_person(Role.USER), await make_person(Role.USER)
    await make_group("Hardware desk", members=[staff_in_scope], scope=[(hardware, None)])
    await make_group("Laptop desk", members=[staff_type_scope], scope=[(hardware, laptop)])
    apps = await make_group("Apps", members=[staff_out_of_scope, staff_assigned], scope=[(facilities, printer)])
    # A type entry from another category never matches (the pair must match); this group sees only what is
    # assigned to it or its members.
    return World(
        admin=admin,
        staff_in_scope=staff_in_scope,
        staff_type_scope=staff_type_scope,
        staff_out_of_scope=staff_out_of_scope,
        staff_assigned=staff_assigned,
        staff_no_group=staff_no_group,
        owner=owner,
        other_user=other_user,
        hardware_ticket=await make_ticket(hardware, ticket_type=laptop, requester=owner),
        printer_ticket=await make_ticket(hardware, ticket_type=printer, requester=owner),
        software_ticket=await make_ticket(software, requester=other_user, assignee=staff_assigned),
        group_ticket=await make_ticket(facilities, requester=owner, group=apps),
    )


async def queue_numbers(client: httpx.AsyncClient, person: Person) -> set[int]:
    data = await gql_data(client, QUEUE, token=person.token)
    numbers = {edge["node"]["number"] for edge in data["tickets"]["edges"]}
    assert data["tickets"]["totalCount"] == len(numbers)
    return numbers


async def test_queue_matrix(client: httpx.AsyncClient) -> None:
    w = await build_world()
    n = {
        name: getattr(w, name).number
        for name in ("hardware_ticket", "printer_ticket", "software_ticket", "group_ticket")
    }
    expected = {
        "admin": set(n.values()),
        "staff_in_scope": {n["hardware_ticket"], n["printer_ticket"]},
        "staff_type_scope": {n["hardware_ticket"]},
        # Members of Apps see the ticket assigned to their group, nothing from its mismatched scope entry.
        "staff_out_of_scope": {n["group_ticket"]},
        "staff_assigned": {n["group_ticket"], n["software_ticket"]},
        "staff_no_group": set(),
        "owner": {n["hardware_ticket"], n["printer_ticket"], n["group_ticket"]},
        "other_user": {n["software_ticket"]},
    }
    for who, numbers in expected.items():
        assert await queue_numbers(client, getattr(w, who)) == numbers, who


async def test_anonymous_gets_unauthenticated_for_queue_and_ticket(client: httpx.AsyncClient) -> None:
    w = await build_world()
    for query, variables, root in ((QUEUE, None, "tickets"), (ONE, {"n": w.hardware_ticket.number}, "ticket")):
        body = await gql(client, query, variables)
        assert_query_refused(body, Reason.SIGN_IN_REQUIRED, f"Query.{root}")


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("admin", True),
        ("staff_in_scope", True),
        ("staff_out_of_scope", True),  # staff open any ticket by number
        ("staff_no_group", True),
        ("owner", True),
        ("other_user", False),
    ],
)
async def test_open_by_number(client: httpx.AsyncClient, who: str, visible: bool) -> None:
    w = await build_world()
    person = getattr(w, who)
    data = await gql_data(client, ONE, {"n": w.hardware_ticket.number}, person.token)
    assert (data["ticket"] is not None) is visible


async def test_a_guest_has_no_queue_and_opens_only_their_own_ticket(client: httpx.AsyncClient) -> None:
    w = await build_world()
    category = await w.hardware_ticket.category
    guest_ticket = await make_ticket(category)
    guest = await make_guest(guest_ticket)
    await make_guest(await make_ticket(category))  # another guest's ticket
    body = await gql(client, QUEUE, token=guest.token)
    assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, "Query.tickets")
    assert body["data"] is None
    # Staff see the guest ticket in their queue as usual; the guest sees it by number only.
    assert guest_ticket.number in await queue_numbers(client, w.staff_in_scope)
    for number in [t.number for t in await Ticket.all()]:
        data = await gql_data(client, ONE, {"n": number}, guest.token)
        assert (data["ticket"] is not None) is (number == guest_ticket.number), number


async def test_missing_and_invisible_tickets_look_the_same(client: httpx.AsyncClient) -> None:
    w = await build_world()
    hidden = await gql(client, ONE, {"n": w.software_ticket.number}, w.owner.token)
    missing = await gql(client, ONE, {"n": 424242}, w.owner.token)
    assert hidden == missing == {"data": {"ticket": None}}


async def test_staff_typing_a_number_finds_a_ticket_outside_their_scope(client: httpx.AsyncClient) -> None:
    w = await build_world()
    query = "query($s: String) { tickets(filter: {search: $s}) { totalCount edges { node { number } } } }"
    data = await gql_data(client, query, {"s": str(w.software_ticket.number)}, w.staff_no_group.token)
    assert [e["node"]["number"] for e in data["tickets"]["edges"]] == [w.software_ticket.number]
    # A user typing someone else's number does not reach that ticket (digits only search their subjects).
    data = await gql_data(client, query, {"s": str(w.software_ticket.number)}, w.owner.token)
    assert w.software_ticket.number not in [e["node"]["number"] for e in data["tickets"]["edges"]]


async def test_closed_tickets_are_hidden_by_default_but_can_be_asked_for(client: httpx.AsyncClient) -> None:
    w = await build_world()
    closed = await status_of(StatusKind.CLOSED)
    w.printer_ticket.status = closed
    await w.printer_ticket.save()
    assert w.printer_ticket.number not in await queue_numbers(client, w.owner)
    query = "query($s: [ID!]) { tickets(filter: {statusIds: $s}) { edges { node { number } } } }"
    data = await gql_data(client, query, {"s": [str(closed.id)]}, w.owner.token)
    assert [e["node"]["number"] for e in data["tickets"]["edges"]] == [w.printer_ticket.number]


async def test_group_membership_change_applies_on_the_next_request(client: httpx.AsyncClient) -> None:
    w = await build_world()
    assert await queue_numbers(client, w.staff_no_group) == set()
    hardware = await w.hardware_ticket.category
    await make_group("Late joiners", members=[w.staff_no_group], scope=[(hardware, None)])
    assert await queue_numbers(client, w.staff_no_group) == {w.hardware_ticket.number, w.printer_ticket.number}
