"""The classification tree: the `categories` query and the admin mutations for categories, types and items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from core.enums import Role
from models.audit import AuditEntry
from models.cti import Category, Item, TicketType
from resolvers.kernel.errors import Reason
from tests.conftest import QueryCounter
from tests.helpers import (
    admin_token,
    assert_admins_only,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_item,
    make_person,
    make_ticket,
    make_type,
    mutation_document,
    mutation_payload,
)

NODE = "id name sortOrder archived"
SELECTIONS = {
    "createCategory": f"category {{ {NODE} }}",
    "updateCategory": f"category {{ {NODE} }}",
    "deleteCategory": "deletedId",
    "createType": f"type {{ {NODE} }}",
    "updateType": f"type {{ {NODE} }}",
    "deleteType": "deletedId",
    "createItem": f"item {{ {NODE} }}",
    "updateItem": f"item {{ {NODE} }}",
    "deleteItem": "deletedId",
}


def mutation(name: str) -> str:
    return mutation_document(name, SELECTIONS[name])


async def run(client: httpx.AsyncClient, operation: str, token: str | None, /, **input: Any) -> dict[str, Any]:
    """The payload of one admin mutation (asserting no top-level error)."""
    return await mutation_payload(client, mutation(operation), operation, token, input)


async def tree_state() -> list[Any]:
    """Everything a refused mutation must leave alone."""
    return [
        await Category.all().order_by("id").values(),
        await TicketType.all().order_by("id").values(),
        await Item.all().order_by("id").values(),
        await AuditEntry.all().count(),
    ]


@dataclass
class Tree:
    category: Category
    ticket_type: TicketType
    item: Item
    # Childless ones, which may be deleted.
    empty_category: Category
    empty_type: TicketType


async def make_tree() -> Tree:
    category = await make_category("Hardware")
    ticket_type = await make_type(category, "Laptop")
    return Tree(category, ticket_type, await make_item(ticket_type), await make_category(), await make_type(category))


# Each mutation with an input that succeeds for an admin.
VALID_INPUTS: dict[str, Callable[[Tree], dict[str, Any]]] = {
    "createCategory": lambda t: {"name": "Network"},
    "updateCategory": lambda t: {"categoryId": str(t.category.id), "name": "Renamed"},
    "deleteCategory": lambda t: {"categoryId": str(t.empty_category.id)},
    "createType": lambda t: {"categoryId": str(t.category.id), "name": "VPN"},
    "updateType": lambda t: {"typeId": str(t.ticket_type.id), "archived": True},
    "deleteType": lambda t: {"typeId": str(t.empty_type.id)},
    "createItem": lambda t: {"typeId": str(t.ticket_type.id), "name": "Client"},
    "updateItem": lambda t: {"itemId": str(t.item.id), "sortOrder": 5},
    "deleteItem": lambda t: {"itemId": str(t.item.id)},
}
VERBS = {"create": "created", "update": "updated", "delete": "deleted"}


@pytest.mark.parametrize("name", list(VALID_INPUTS))
@pytest.mark.parametrize("role", [Role.STAFF, Role.USER, None], ids=["staff", "user", "anonymous"])
async def test_only_admins_may_change_the_tree(client: httpx.AsyncClient, name: str, role: Role | None) -> None:
    tree = await make_tree()
    token = (await make_person(role)).token if role else None
    before = await tree_state()
    body = await gql(client, mutation(name), {"input": VALID_INPUTS[name](tree)}, token=token)
    assert_admins_only(body, name, signed_in=role is not None)
    assert await tree_state() == before


@pytest.mark.parametrize("name", list(VALID_INPUTS))
async def test_admins_change_the_tree_and_each_change_is_audited(client: httpx.AsyncClient, name: str) -> None:
    tree = await make_tree()
    admin = await make_person(Role.ADMIN)
    payload = await run(client, name, admin.token, **VALID_INPUTS[name](tree))
    assert payload["errors"] == []
    entity = {"Category": "category", "Type": "ticket_type", "Item": "item"}[name[6:]]
    entries = await AuditEntry.all().values("action", "entity_type", "actor_id")
    assert entries == [{"action": f"{entity}.{VERBS[name[:6]]}", "entity_type": entity, "actor_id": admin.id}]


async def test_create_category_trims_the_name_and_records_it(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    payload = await run(client, "createCategory", token, name="  Network  ", sortOrder=3)
    category = payload["category"]
    assert category == {"id": category["id"], "name": "Network", "sortOrder": 3, "archived": False}
    entry = await AuditEntry.get(action="category.created")
    assert (entry.entity_type, entry.entity_id) == ("category", category["id"])
    assert entry.before is None
    assert entry.after == {"name": "Network", "sort_order": 3, "archived": False}


@pytest.mark.parametrize(("value", "reason"), [("   ", Reason.REQUIRED), ("x" * 101, Reason.TOO_LONG)])
async def test_names_must_have_one_to_a_hundred_characters(
    client: httpx.AsyncClient, value: str, reason: Reason
) -> None:
    token = await admin_token()
    category = await make_category("Hardware")
    ticket_type = await make_type(category)
    for name, input in [
        ("createCategory", {"name": value}),
        ("createType", {"categoryId": str(category.id), "name": value}),
        ("createItem", {"typeId": str(ticket_type.id), "name": value}),
        ("updateCategory", {"categoryId": str(category.id), "name": value}),
    ]:
        payload = await run(client, name, token, **input)
        assert_refused(payload, reason, "name")
    assert await Category.all().values_list("name", flat=True) == ["Hardware"]
    assert await AuditEntry.all().count() == 0


async def test_references_must_be_ids_of_existing_rows(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    payload = await run(client, "createType", token, categoryId="abc", name="VPN")
    assert_refused(payload, Reason.INVALID_ID, "categoryId")
    category, type_, item = Reason.CATEGORY_NOT_FOUND, Reason.TYPE_NOT_FOUND, Reason.ITEM_NOT_FOUND
    cases: list[tuple[str, dict[str, Any], str, Reason]] = [
        ("createType", {"categoryId": "999", "name": "VPN"}, "categoryId", category),
        ("createItem", {"typeId": "999", "name": "Client"}, "typeId", type_),
        ("updateCategory", {"categoryId": "999", "name": "X"}, "categoryId", category),
        ("updateType", {"typeId": "999", "archived": True}, "typeId", type_),
        ("updateItem", {"itemId": "999", "sortOrder": 1}, "itemId", item),
        ("deleteCategory", {"categoryId": "999"}, "categoryId", category),
        ("deleteType", {"typeId": "999"}, "typeId", type_),
        ("deleteItem", {"itemId": "999"}, "itemId", item),
    ]
    for name, values, field, reason in cases:
        payload = await run(client, name, token, **values)
        assert_refused(payload, reason, field)


async def test_names_are_unique_among_siblings_ignoring_case(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    hardware = await make_category("Hardware")
    software = await make_category("Software")
    laptop = await make_type(hardware, "Laptop")
    await make_item(laptop, "Battery")

    def name_taken(payload: dict[str, Any], message: str) -> None:
        assert_refused(payload, Reason.NAME_TAKEN, "name")
        assert payload["errors"][0]["message"] == message  # it says among which siblings

    payload = await run(client, "createCategory", token, name="hardware")
    name_taken(payload, 'name "hardware" is already used by another category; names must be unique.')
    payload = await run(client, "updateCategory", token, categoryId=str(software.id), name="HARDWARE")
    name_taken(payload, 'name "HARDWARE" is already used by another category; names must be unique.')
    payload = await run(client, "createType", token, categoryId=str(hardware.id), name="laptop")
    name_taken(payload, 'name "laptop" is already used by another type in this category; names must be unique.')
    payload = await run(client, "createItem", token, typeId=str(laptop.id), name="BATTERY")
    name_taken(payload, 'name "BATTERY" is already used by another item in this type; names must be unique.')
    assert await AuditEntry.all().count() == 0

    # The same name under another parent is fine, and so is changing the case of one's own name.
    assert (await run(client, "createType", token, categoryId=str(software.id), name="Laptop"))["errors"] == []
    renamed = await run(client, "updateCategory", token, categoryId=str(hardware.id), name="HARDWARE")
    assert renamed["errors"] == [] and renamed["category"]["name"] == "HARDWARE"


async def test_update_changes_only_what_is_given_and_audits_the_difference(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    category = await Category.create(name="Hardware", sort_order=4)
    payload = await run(client, "updateCategory", token, categoryId=str(category.id), archived=True)
    assert payload["category"] == {"id": str(category.id), "name": "Hardware", "sortOrder": 4, "archived": True}
    entry = await AuditEntry.get(action="category.updated")
    assert (entry.before, entry.after) == ({"archived": False}, {"archived": True})

    # Sending the current values changes nothing, so nothing is recorded.
    await run(client, "updateCategory", token, categoryId=str(category.id), name="Hardware", archived=True)
    assert await AuditEntry.filter(action="category.updated").count() == 1


# Deleting: refused while anything refers to the row.


async def test_delete_is_refused_while_tickets_children_or_group_scopes_refer_to_it(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    hardware = await make_category("Hardware")
    laptop = await make_type(hardware, "Laptop")
    battery = await make_item(laptop, "Battery")
    await make_ticket(hardware, ticket_type=laptop, item=battery)
    await make_group("Desk", scope=[(hardware, laptop)])
    before = await tree_state()

    # IN_USE, and the message says what refers to the row, so the admin knows what to move first.
    payload = await run(client, "deleteCategory", token, categoryId=str(hardware.id))
    assert payload["deletedId"] is None
    assert_refused(payload, Reason.IN_USE, "categoryId")
    assert payload["errors"][0]["message"] == (
        'Category "Hardware" cannot be deleted while 1 ticket, 1 type and '
        "1 group scope entry (Desk) refer to it; archive it instead."
    )
    payload = await run(client, "deleteType", token, typeId=str(laptop.id))
    assert_refused(payload, Reason.IN_USE, "typeId")
    assert payload["errors"][0]["message"] == (
        'Type "Laptop" cannot be deleted while 1 ticket, 1 item and 1 group scope entry (Desk) '
        "refer to it; archive it instead."
    )
    payload = await run(client, "deleteItem", token, itemId=str(battery.id))
    assert_refused(payload, Reason.IN_USE, "itemId")
    assert payload["errors"][0]["message"] == (
        'Item "Battery" cannot be deleted while 1 ticket refers to it; archive it instead.'
    )
    assert await tree_state() == before


async def test_a_category_used_only_by_tickets_can_be_archived_but_not_deleted(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    network = await make_category("Network")
    for _ in range(2):
        await make_ticket(network)
    payload = await run(client, "deleteCategory", token, categoryId=str(network.id))
    assert_refused(payload, Reason.IN_USE, "categoryId")
    assert "2 tickets" in payload["errors"][0]["message"]
    archived = await run(client, "updateCategory", token, categoryId=str(network.id), archived=True)
    assert archived["errors"] == [] and archived["category"]["archived"] is True


async def test_deleting_an_unused_leaf_removes_it_and_records_what_it_was(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    category = await make_category("Hardware")
    ticket_type = await TicketType.create(category=category, name="Laptop", sort_order=2)
    item = await make_item(ticket_type, "Battery")

    assert await run(client, "deleteItem", token, itemId=str(item.id)) == {"deletedId": str(item.id), "errors": []}
    assert await run(client, "deleteType", token, typeId=str(ticket_type.id)) == {
        "deletedId": str(ticket_type.id),
        "errors": [],
    }
    assert await run(client, "deleteCategory", token, categoryId=str(category.id)) == {
        "deletedId": str(category.id),
        "errors": [],
    }
    assert not await Category.exists() and not await TicketType.exists() and not await Item.exists()
    entry = await AuditEntry.get(action="ticket_type.deleted")
    assert entry.entity_id == str(ticket_type.id)
    assert entry.before == {"name": "Laptop", "sort_order": 2, "archived": False, "category_id": category.id}
    assert entry.after is None


# Reading the tree.

CATEGORIES = """
query ($all: Boolean!) {
  categories(includeArchived: $all) {
    name archived
    types(includeArchived: $all) { name archived items(includeArchived: $all) { name archived } }
  }
}"""


async def test_categories_are_ordered_and_hide_archived_rows_unless_asked(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    await Category.create(name="Zeta", sort_order=1)
    beta = await Category.create(name="beta", sort_order=2)
    alpha = await Category.create(name="Alpha", sort_order=2)
    await make_category("Old", archived=True)
    await TicketType.create(category=alpha, name="Second", sort_order=2)
    first = await TicketType.create(category=alpha, name="First", sort_order=1)
    await make_type(alpha, "Gone", archived=True)
    await make_item(first, "Kept")
    await make_item(first, "Dropped", archived=True)
    await make_type(beta, "Only")

    data = await gql_data(client, CATEGORIES, {"all": False}, token=user.token)
    assert [c["name"] for c in data["categories"]] == ["Zeta", "Alpha", "beta"]
    alpha_row = data["categories"][1]
    assert [t["name"] for t in alpha_row["types"]] == ["First", "Second"]
    assert alpha_row["types"][0]["items"] == [{"name": "Kept", "archived": False}]

    # Archived rows are for staff and admins (tests/guests/test_guest_visibility.py): a user's includeArchived is
    # ignored.
    assert await gql_data(client, CATEGORIES, {"all": True}, token=user.token) == data
    staff = await make_person(Role.STAFF)
    data = await gql_data(client, CATEGORIES, {"all": True}, token=staff.token)
    assert [c["name"] for c in data["categories"]] == ["Old", "Zeta", "Alpha", "beta"]
    alpha_row = data["categories"][2]
    assert [(t["name"], t["archived"]) for t in alpha_row["types"]] == [
        ("Gone", True),
        ("First", False),
        ("Second", False),
    ]
    assert [i["name"] for i in alpha_row["types"][1]["items"]] == ["Dropped", "Kept"]


async def test_categories_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    await make_category("Hardware")
    body = await gql(client, "{ categories { name } }")
    assert body["data"] is None
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED)
    for role in (Role.USER, Role.STAFF, Role.ADMIN):
        person = await make_person(role)
        data = await gql_data(client, "{ categories { name } }", token=person.token)
        assert data["categories"] == [{"name": "Hardware"}]


async def test_reading_the_tree_costs_the_same_statements_however_big_it_is(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    user = await make_person(Role.USER)

    async def statements_for_tree() -> int:
        count_queries.statements.clear()
        await gql_data(client, CATEGORIES, {"all": True}, token=user.token)
        return count_queries.count

    category = await make_category()
    await make_item(await make_type(category))
    small = await statements_for_tree()
    for _ in range(4):
        category = await make_category()
        for _ in range(3):
            await make_item(await make_type(category))
    assert await statements_for_tree() == small
