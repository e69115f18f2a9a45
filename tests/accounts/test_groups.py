"""Groups: the `groups` query and createGroup / updateGroup / deleteGroup for admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from core.enums import Role, StatusKind
from models.accounts import Group, GroupMember, GroupScope
from models.audit import AuditEntry
from models.cti import Category, TicketType
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import (
    Person,
    admin_token,
    assert_admins_only,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_person,
    make_ticket,
    make_type,
    mutation_document,
    mutation_payload,
    refusals,
    status_of,
)

GROUP = "group { id name members { id } scope { category { id } type { id } } }"
MUTATIONS = {
    "createGroup": mutation_document("createGroup", GROUP),
    "updateGroup": mutation_document("updateGroup", GROUP),
    "deleteGroup": mutation_document("deleteGroup", "deletedId"),
}
GROUPS = "{ groups { name members { name } scope { category { name } type { name } } } }"


async def run(client: httpx.AsyncClient, operation: str, token: str | None, /, **input: Any) -> dict[str, Any]:
    return await mutation_payload(client, MUTATIONS[operation], operation, token, input)


async def state() -> list[Any]:
    """Everything a refused group mutation must leave alone."""
    return [
        await Group.all().order_by("id").values("id", "name"),
        await GroupMember.all().order_by("id").values("group_id", "user_id"),
        await GroupScope.all().order_by("id").values("group_id", "category_id", "type_id"),
        await AuditEntry.all().count(),
    ]


def entry(category: Category, ticket_type: TicketType | None = None) -> dict[str, str | None]:
    return {"categoryId": str(category.id), "typeId": str(ticket_type.id) if ticket_type else None}


def ids(*people: Person) -> list[str]:
    return [str(p.id) for p in people]


VALID_INPUTS: dict[str, Callable[[Group, Person, Category], dict[str, Any]]] = {
    "createGroup": lambda g, member, c: {"name": "Network", "memberIds": ids(member), "scope": [entry(c)]},
    "updateGroup": lambda g, member, c: {"groupId": str(g.id), "memberIds": ids(member)},
    "deleteGroup": lambda g, member, c: {"groupId": str(g.id)},
}


@pytest.mark.parametrize("operation", list(MUTATIONS))
@pytest.mark.parametrize("role", [Role.STAFF, Role.USER, None], ids=["staff", "user", "anonymous"])
async def test_only_admins_may_manage_groups(client: httpx.AsyncClient, operation: str, role: Role | None) -> None:
    group = await make_group("Desk")
    member = await make_person(Role.STAFF)
    category = await make_category()
    token = (await make_person(role)).token if role else None
    before = await state()
    body = await gql(client, MUTATIONS[operation], {"input": VALID_INPUTS[operation](group, member, category)}, token)
    assert_admins_only(body, operation, signed_in=role is not None)
    assert await state() == before


@pytest.mark.parametrize("operation", list(MUTATIONS))
async def test_admins_manage_groups_and_each_change_is_audited(client: httpx.AsyncClient, operation: str) -> None:
    group = await make_group("Desk")
    member = await make_person(Role.STAFF)
    admin = await make_person(Role.ADMIN)
    payload = await run(client, operation, admin.token, **VALID_INPUTS[operation](group, member, await make_category()))
    assert payload["errors"] == []
    verb = {"create": "created", "update": "updated", "delete": "deleted"}[operation[:6]]
    entries = await AuditEntry.all().values("action", "entity_type", "actor_id")
    assert entries == [{"action": f"group.{verb}", "entity_type": "group", "actor_id": admin.id}]


async def test_create_saves_members_and_scope(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    staff = await make_person(Role.STAFF)
    admin = await make_person(Role.ADMIN)
    hardware = await make_category("Hardware")
    network = await make_category("Network")
    vpn = await make_type(network, "VPN")
    payload = await run(
        client,
        "createGroup",
        token,
        name="  Infrastructure ",
        memberIds=[*ids(staff, admin), str(staff.id)],  # repeats are harmless
        scope=[entry(network, vpn), entry(hardware)],
    )
    assert payload["errors"] == []
    group = payload["group"]
    assert group["name"] == "Infrastructure"
    assert sorted(m["id"] for m in group["members"]) == sorted(ids(staff, admin))
    assert {(s["category"]["id"], (s["type"] or {}).get("id")) for s in group["scope"]} == {
        (str(hardware.id), None),
        (str(network.id), str(vpn.id)),
    }
    audit = await AuditEntry.get(action="group.created")
    assert audit.entity_id == group["id"]
    assert audit.after == {
        "name": "Infrastructure",
        "member_ids": sorted([staff.id, admin.id]),
        "scope": [
            {"category_id": c, "type_id": t}
            for c, t in sorted([(hardware.id, None), (network.id, vpn.id)], key=lambda e: e[0])
        ],
    }


async def test_every_bad_member_and_scope_entry_is_reported_and_nothing_is_saved(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    requester = await make_person(Role.USER)
    staff = await make_person(Role.STAFF)
    hardware = await make_category("Hardware")
    network = await make_category("Network")
    vpn = await make_type(network, "VPN")
    before = await state()
    payload = await run(
        client,
        "createGroup",
        token,
        name="",
        memberIds=[str(staff.id), str(requester.id), "999", "x"],
        scope=[
            entry(hardware),
            {"categoryId": str(hardware.id), "typeId": str(vpn.id)},
            {"categoryId": "999"},
            {"categoryId": str(network.id), "typeId": "999"},
        ],
    )
    assert payload["group"] is None
    assert sorted(refusals(payload)) == sorted(
        [
            (Reason.REQUIRED, "name"),
            (Reason.INVALID_ID, "memberIds"),
            (Reason.UNKNOWN_ID, "memberIds"),
            (Reason.NOT_STAFF, "memberIds"),
            (Reason.NOT_IN_CATEGORY, "scope[1].typeId"),
            (Reason.UNKNOWN_ID, "scope[2].categoryId"),
            (Reason.UNKNOWN_ID, "scope[3].typeId"),
        ]
    )
    # The messages name the entries at fault.
    messages = " ".join(e["message"] for e in payload["errors"])
    for named in ("not 'x'", "exist: 999", f"requester accounts: {requester.id}", f"type {vpn.id} does not belong"):
        assert named in messages
    assert await state() == before


async def test_group_names_are_unique_ignoring_case(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    await make_group("Desk")
    other = await make_group("Network")
    staff = await make_person(Role.STAFF)
    before = await state()
    payload = await run(client, "createGroup", token, name="desk")
    assert_refused(payload, Reason.NAME_TAKEN, "name")
    assert payload["errors"][0]["message"] == 'name "desk" is already used by another group; names must be unique.'
    # A refused rename also leaves the members that came with it unsaved.
    payload = await run(client, "updateGroup", token, groupId=str(other.id), memberIds=ids(staff), name="desk")
    assert_refused(payload, Reason.NAME_TAKEN, "name")
    assert await state() == before


async def test_given_lists_replace_members_and_scope_and_omitted_ones_stay(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    alice, bob, carol = [await make_person(Role.STAFF) for _ in range(3)]
    hardware = await make_category("Hardware")
    network = await make_category("Network")
    vpn = await make_type(network, "VPN")
    group = await make_group("Desk", members=[alice, bob], scope=[(hardware, None)])

    payload = await run(client, "updateGroup", token, groupId=str(group.id), memberIds=ids(bob, carol))
    assert sorted(m["id"] for m in payload["group"]["members"]) == sorted(ids(bob, carol))
    assert [s["category"]["id"] for s in payload["group"]["scope"]] == [str(hardware.id)]  # untouched
    audit = await AuditEntry.get(action="group.updated")
    assert audit.before == {"member_ids": sorted([alice.id, bob.id])}
    assert audit.after == {"member_ids": sorted([bob.id, carol.id])}

    payload = await run(client, "updateGroup", token, groupId=str(group.id), scope=[entry(network, vpn)], name="Ops")
    assert payload["group"]["name"] == "Ops"
    assert payload["group"]["scope"] == [{"category": {"id": str(network.id)}, "type": {"id": str(vpn.id)}}]
    assert len(payload["group"]["members"]) == 2

    payload = await run(client, "updateGroup", token, groupId=str(group.id), memberIds=[], scope=[])
    assert payload["group"]["members"] == [] and payload["group"]["scope"] == []
    assert not await GroupMember.exists() and not await GroupScope.exists()


async def test_one_bad_scope_entry_leaves_the_group_as_it_was(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    alice = await make_person(Role.STAFF)
    bob = await make_person(Role.STAFF)
    hardware = await make_category("Hardware")
    network = await make_category("Network")
    group = await make_group("Desk", members=[alice], scope=[(hardware, None)])
    before = await state()
    payload = await run(
        client,
        "updateGroup",
        token,
        groupId=str(group.id),
        name="Renamed",
        memberIds=ids(bob),
        scope=[entry(network), {"categoryId": str(network.id), "typeId": "424242"}],
    )
    assert payload["group"] is None
    assert_refused(payload, Reason.UNKNOWN_ID, "scope[1].typeId")
    assert await state() == before


async def test_a_group_without_open_tickets_can_be_deleted(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    alice = await make_person(Role.STAFF)
    hardware = await make_category("Hardware")
    group = await make_group("Desk", members=[alice], scope=[(hardware, None)])
    closed = await make_ticket(hardware, group=group, status=await status_of(StatusKind.CLOSED))
    payload = await run(client, "deleteGroup", token, groupId=str(group.id))
    assert payload == {"deletedId": str(group.id), "errors": []}
    assert not await Group.exists() and not await GroupMember.exists() and not await GroupScope.exists()
    assert (await Ticket.get(id=closed.id)).assigned_group_id is None  # type: ignore[attr-defined]
    audit = await AuditEntry.get(action="group.deleted")
    assert audit.before == {
        "name": "Desk",
        "member_ids": [alice.id],
        "scope": [{"category_id": hardware.id, "type_id": None}],
    }


async def test_a_group_with_open_tickets_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    hardware = await make_category("Hardware")
    group = await make_group("Desk")
    await make_ticket(hardware, group=group)
    await make_ticket(hardware, group=group, status=await status_of(StatusKind.RESOLVED))
    before = await state()
    payload = await run(client, "deleteGroup", token, groupId=str(group.id))
    assert_refused(payload, Reason.IN_USE, "groupId")
    assert "while 2 open tickets are assigned to it" in payload["errors"][0]["message"]
    assert await state() == before


async def test_unknown_groups_are_not_found(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    assert_refused(await run(client, "updateGroup", token, groupId="999", name="X"), Reason.GROUP_NOT_FOUND, "groupId")
    assert_refused(await run(client, "deleteGroup", token, groupId="999"), Reason.GROUP_NOT_FOUND, "groupId")


async def test_groups_are_listed_for_staff_and_admins_only(client: httpx.AsyncClient) -> None:
    alice = await make_person(Role.STAFF, name="Alice")
    network = await make_category("Network")
    vpn = await make_type(network, "VPN")
    await make_group("Zulu")
    await make_group("Alpha", members=[alice], scope=[(network, vpn)])
    for role in (Role.STAFF, Role.ADMIN):
        person = await make_person(role)
        data = await gql_data(client, GROUPS, token=person.token)
        assert data["groups"] == [
            {
                "name": "Alpha",
                "members": [{"name": "Alice"}],
                "scope": [{"category": {"name": "Network"}, "type": {"name": "VPN"}}],
            },
            {"name": "Zulu", "members": [], "scope": []},
        ]
    user = await make_person(Role.USER)
    body = await gql(client, GROUPS, token=user.token)
    assert body["data"] is None
    assert_query_refused(body, Reason.STAFF_ONLY)
    body = await gql(client, GROUPS)
    assert body["data"] is None
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.groups")
