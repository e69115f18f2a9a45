"""The desk the saved-view tests share: people in every role, a known set of tickets, and the documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from core.enums import Priority, Role, StatusKind
from models.accounts import Group
from models.cti import Category, Item, TicketType
from models.tickets import Ticket
from tests.helpers import (
    ERRORS,
    Person,
    gql,
    gql_data,
    make_category,
    make_group,
    make_item,
    make_person,
    make_ticket,
    make_type,
    status_of,
)

VIEW = "id name shared mine filter sort createdAt owner { id name } problems { field reason message }"
SAVE = f"""mutation($input: SaveViewInput!) {{ saveView(input: $input) {{ view {{ {VIEW} }} {ERRORS} }} }}"""
DELETE = f"""mutation($id: ID!) {{ deleteView(input: {{id: $id}}) {{ deletedId {ERRORS} }} }}"""
LIST = f"query {{ savedViews {{ {VIEW} }} }}"
QUEUE = """query($view: ID, $filter: TicketFilterInput, $sort: TicketSort!) {
  tickets(view: $view, filter: $filter, sort: $sort, first: 100) { totalCount edges { node { number } } } }"""
QUEUE_OF_VIEW = """query($view: ID, $filter: TicketFilterInput) {
  tickets(view: $view, filter: $filter, first: 100) { totalCount edges { node { number } } } }"""


@dataclass
class Desk:
    admin: Person
    other_admin: Person
    staff: Person
    other_staff: Person
    outsider: Person  # staff whose group's scope is Software only
    owner: Person
    stranger: Person
    hardware: Category
    software: Category
    laptop: TicketType
    battery: Item
    group: Group
    tickets: list[Ticket]


async def desk() -> Desk:
    """Two categories, staff in and out of the Hardware scope, and tickets across priorities, statuses,
    assignees, groups and types whose right answer for each filter is known."""
    admin, other_admin = await make_person(Role.ADMIN), await make_person(Role.ADMIN)
    staff, other_staff, outsider = [await make_person(Role.STAFF) for _ in range(3)]
    owner, stranger = await make_person(), await make_person()
    hardware, software = await make_category("Hardware"), await make_category("Software")
    laptop = await make_type(hardware, "Laptop")
    battery = await make_item(laptop, "Battery")
    group = await make_group("Desk", members=[staff, other_staff], scope=[(hardware, None)])
    await make_group("Apps", members=[outsider], scope=[(software, None)])
    resolved = await status_of(StatusKind.RESOLVED)
    closed = await status_of(StatusKind.CLOSED)
    tickets = []
    for i in range(12):
        ticket = await make_ticket(
            hardware if i % 3 else software,
            requester=owner,
            ticket_type=laptop if i % 3 == 1 else None,
            item=battery if i % 6 == 1 else None,
            assignee=staff if i % 4 == 0 else None,
            group=group if i % 5 == 0 else None,
            priority=list(Priority)[i % 4],
            status=closed if i == 11 else resolved if i % 7 == 3 else None,
            subject=f"Printer {i}" if i % 2 else f"Screen {i}",
        )
        tickets.append(ticket)
    return Desk(admin, other_admin, staff, other_staff, outsider, owner, stranger, hardware, software, laptop,
                battery, group, tickets)  # fmt: skip


async def save(client: httpx.AsyncClient, person: Person | None, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", "My queue")
    body = await gql(client, SAVE, {"input": fields}, person.token if person else None)
    payload: dict[str, Any] = (body.get("data") or {}).get("saveView") or body
    return payload


async def saved(client: httpx.AsyncClient, person: Person, **fields: Any) -> dict[str, Any]:
    payload = await save(client, person, **fields)
    assert payload["errors"] == [], payload
    view: dict[str, Any] = payload["view"]
    return view


async def views_of(client: httpx.AsyncClient, person: Person) -> list[dict[str, Any]]:
    views: list[dict[str, Any]] = (await gql_data(client, LIST, token=person.token))["savedViews"]
    return views


async def queue(client: httpx.AsyncClient, person: Person, **variables: Any) -> list[int]:
    document = QUEUE if "sort" in variables else QUEUE_OF_VIEW
    data = (await gql_data(client, document, variables, person.token))["tickets"]
    found = [e["node"]["number"] for e in data["edges"]]
    assert data["totalCount"] == len(found)
    return found
