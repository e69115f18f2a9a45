"""What people without an account see of accounts and of the classification tree (security review, docs/guests.md).

A guest reads staff names on their thread, but not roles, account states or creation dates; archived categories,
types and items are admin data, listed only to staff and admins whatever `includeArchived` says.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from core.enums import Role
from models.cti import Category
from models.replies import Reply
from models.settings import Setting
from resolvers.kernel.actor import guest_actor
from resolvers.kernel.errors import Reason
from resolvers.kernel.rate_limit import reset_local_counters
from resolvers.tickets.visibility import shows_archived_classification
from tests.helpers import (
    Guest,
    Person,
    assert_query_refused,
    gql,
    gql_data,
    make_category,
    make_guest,
    make_item,
    make_person,
    make_ticket,
    make_type,
)

AUTHORS = "query($n: Int!) { ticket(number: $n) { replies { author { name role disabled createdAt } } } }"
TREE = """{ categories(includeArchived: true) { name archived
  types(includeArchived: true) { name archived items(includeArchived: true) { name archived } } } }"""
CHILDREN = """{ categories { name
  types(includeArchived: true) { name items(includeArchived: true) { name } } } }"""
TICKET_TREE = """query($n: Int!) { ticket(number: $n) { category { name
  types(includeArchived: true) { name items(includeArchived: true) { name } } } } }"""
LIVE_TREE = [{"name": "Hardware", "types": [{"name": "Printer", "items": [{"name": "Toner"}]}]}]
WHOLE_TREE = [
    {
        "name": "Hardware",
        "types": [
            {"name": "Old printer", "items": []},
            {"name": "Printer", "items": [{"name": "Old toner"}, {"name": "Toner"}]},
        ],
    }
]


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    reset_local_counters()
    yield
    reset_local_counters()


def test_the_rules_themselves() -> None:
    guest = guest_actor(1, "visitor@example.net")
    assert not shows_archived_classification(None) and not shows_archived_classification(guest)


async def test_a_guest_sees_staff_names_but_no_account_details(client: httpx.AsyncClient) -> None:
    staff = await make_person(Role.STAFF, name="Sam Staff")
    requester = await make_person(Role.USER)
    ticket = await make_ticket(await make_category(), requester=requester)
    await Reply.create(ticket=ticket, author=staff.user, body="On it")
    seen_by_requester = await gql_data(client, AUTHORS, {"n": ticket.number}, requester.token)
    guest = await make_guest(ticket)

    names_only = "query($n: Int!) { ticket(number: $n) { replies { author { id name } } } }"
    seen_by_guest = await gql_data(client, names_only, {"n": ticket.number}, guest.token)
    seen_by_staff = await gql_data(client, AUTHORS, {"n": ticket.number}, staff.token)

    assert seen_by_guest["ticket"]["replies"] == [{"author": {"id": str(staff.id), "name": "Sam Staff"}}]
    for field in ("role", "disabled", "createdAt", "lastLoginAt", "groups { id }"):
        asked = names_only.replace("id name", f"name {field}")
        refused = await gql(client, asked, {"n": ticket.number}, guest.token)
        assert refused["data"] is None
        assert_query_refused(refused, Reason.FIELD_NOT_ALLOWED, f"User.{field.split()[0]}")
    # People with an account (the requester when it was theirs, staff) see the details.
    for seen in (seen_by_requester, seen_by_staff):
        (reply,) = seen["ticket"]["replies"]
        assert reply["author"]["role"] == "STAFF" and reply["author"]["disabled"] is False
        assert reply["author"]["createdAt"] is not None


async def classification() -> Category:
    """Hardware > Printer > Toner, each level with an archived sibling, and an archived category."""
    hardware = await make_category("Hardware")
    await make_category("Retired", archived=True)
    printer = await make_type(hardware, "Printer")
    await make_type(hardware, "Old printer", archived=True)
    await make_item(printer, "Toner")
    await make_item(printer, "Old toner", archived=True)
    return hardware


def names(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tree without the `archived` flags, for comparing with LIVE_TREE / WHOLE_TREE."""
    return [
        {
            "name": c["name"],
            "types": [{"name": t["name"], "items": [{"name": i["name"]} for i in t["items"]]} for t in c["types"]],
        }
        for c in categories
    ]


async def test_without_an_account_include_archived_is_ignored(client: httpx.AsyncClient) -> None:
    await Setting.create(key="guest_submission_enabled", value=True)
    await classification()
    ticket = await make_ticket(await make_category("Network"))
    guest: Guest = await make_guest(ticket)

    for token in (None, guest.token):
        tree = (await gql_data(client, TREE, token=token))["categories"]
        assert [c["name"] for c in tree] == ["Hardware", "Network"]
        assert names(tree)[:1] == LIVE_TREE
        assert "True" not in str(tree)  # nothing archived anywhere
        children = (await gql_data(client, CHILDREN, token=token))["categories"]
        assert [c for c in names(children) if c["name"] == "Hardware"] == LIVE_TREE


async def test_a_guest_reads_only_live_children_of_their_tickets_category(client: httpx.AsyncClient) -> None:
    hardware = await classification()
    requester = await make_person(Role.USER)
    staff = await make_person(Role.STAFF)
    ticket = await make_ticket(hardware, requester=requester)
    user_view = await gql_data(client, TICKET_TREE, {"n": ticket.number}, requester.token)
    guest = await make_guest(ticket)

    guest_view = await gql_data(client, TICKET_TREE, {"n": ticket.number}, guest.token)
    staff_view = await gql_data(client, TICKET_TREE, {"n": ticket.number}, staff.token)

    assert [guest_view["ticket"]["category"]] == LIVE_TREE
    assert [user_view["ticket"]["category"]] == LIVE_TREE
    assert [staff_view["ticket"]["category"]] == WHOLE_TREE


@pytest.mark.parametrize(("role", "archived_too"), [(Role.USER, False), (Role.STAFF, True), (Role.ADMIN, True)])
async def test_people_with_an_account_archived_rows_are_for_staff(
    client: httpx.AsyncClient, role: Role, archived_too: bool
) -> None:
    await classification()
    person: Person = await make_person(role)

    tree = (await gql_data(client, TREE, token=person.token))["categories"]

    if archived_too:
        assert [c["name"] for c in tree] == ["Hardware", "Retired"]
        assert names(tree)[:1] == WHOLE_TREE
    else:
        assert names(tree) == LIVE_TREE


async def test_while_submission_is_off_the_tree_stays_closed_without_an_account(client: httpx.AsyncClient) -> None:
    guest = await make_guest(await make_ticket(await classification()))
    assert_query_refused(await gql(client, TREE), Reason.SIGN_IN_REQUIRED)
    assert_query_refused(await gql(client, TREE, token=guest.token), Reason.GUEST_NOT_ALLOWED)
