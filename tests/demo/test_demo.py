"""Demo data: an empty database becomes a believable help desk, consistent with every rule of the model."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from core import clock
from core.enums import Role, StatusKind
from models.accounts import Group, GroupMember, GroupScope, User
from models.audit import AuditEntry
from models.cti import Category, Item, TicketType
from models.statuses import Status
from models.tickets import Ticket
from resolvers.accounts.credentials import verify_password
from resolvers.demo.loader import load_demo_data
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import DomainError, Reason
from resolvers.tickets.visibility import queue_tickets
from tests.helpers import assert_refused, gql_data, make_category, make_person

TICKET_COLUMNS = (
    "id",
    "number",
    "subject",
    "category_id",
    "type_id",
    "item_id",
    "priority",
    "status__kind",
    "status__name",
    "requester_id",
    "assignee_id",
    "assigned_group_id",
    "resolution_notes",
    "resolved_at",
    "closed_at",
    "reopened",
    "created_at",
    "updated_at",
)


async def _tickets() -> list[dict[str, Any]]:
    return list(await Ticket.all().order_by("id").values(*TICKET_COLUMNS))


async def test_demo_tickets_cover_every_status_with_valid_classification(db: str) -> None:
    await load_demo_data(ticket_count=60)
    tickets = await _tickets()
    assert len(tickets) == 60
    per_status = Counter(t["status__name"] for t in tickets)
    assert set(per_status) == {"New", "In Progress", "Pending", "Resolved", "Closed"}
    assert all(n > 0 for n in per_status.values())
    assert {t["priority"] for t in tickets} == {1, 2, 3, 4}

    type_category = dict(await TicketType.all().values_list("id", "category_id"))
    item_type = dict(await Item.all().values_list("id", "type_id"))
    categories_with_types = set(type_category.values())
    types_with_items = set(item_type.values())
    for t in tickets:
        assert t["number"] == t["id"]
        if t["type_id"] is None:
            assert t["item_id"] is None
        else:
            assert type_category[t["type_id"]] == t["category_id"]
        if t["item_id"] is not None:
            assert item_type[t["item_id"]] == t["type_id"]
        # A category without types takes no type; a type without items takes no item (SPEC 2).
        if t["category_id"] not in categories_with_types:
            assert t["type_id"] is None
        if t["type_id"] is not None and t["type_id"] not in types_with_items:
            assert t["item_id"] is None
    assert len({t["category_id"] for t in tickets}) == 4


async def test_demo_timestamps_agree_with_each_status(db: str) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    clock.set_now(now)
    await load_demo_data(ticket_count=60)
    tickets = await _tickets()
    assert [t["created_at"] for t in tickets] == sorted(t["created_at"] for t in tickets)
    assert min(t["created_at"] for t in tickets) >= now - timedelta(days=90)
    assert max(t["updated_at"] for t in tickets) <= now
    # updated_at is spread out, not the moment of loading.
    assert len({t["updated_at"] for t in tickets}) == 60
    for t in tickets:
        kind = t["status__kind"]
        assert t["created_at"] <= t["updated_at"]
        if kind in (StatusKind.RESOLVED, StatusKind.CLOSED) or t["reopened"]:
            # A reopened ticket keeps the notes and time of its earlier resolution.
            assert t["resolution_notes"]
            assert t["created_at"] <= t["resolved_at"] <= t["updated_at"]
        else:
            assert t["resolved_at"] is None
        if kind is StatusKind.CLOSED:
            assert t["resolved_at"] <= t["closed_at"] == t["updated_at"]
        else:
            assert t["closed_at"] is None
        if kind is StatusKind.RESOLVED:
            # Inside the reopen window (default 7 days): the close sweep would have closed older ones.
            assert t["resolved_at"] >= now - timedelta(days=7)
        if t["reopened"]:
            # Reopened by a reply inside the reopen window.
            assert kind is StatusKind.NEW
            assert t["updated_at"] <= t["resolved_at"] + timedelta(days=7)


async def test_demo_tree_people_and_groups_have_the_documented_shape(db: str) -> None:
    logins = await load_demo_data(ticket_count=60)
    names: list[Any] = await Category.all().values_list("name", flat=True)
    tree: dict[str, dict[str, list[str]]] = {c: {} for c in names}
    for c, t in await TicketType.all().values_list("category__name", "name"):
        tree[c][t] = []
    for c, t, i in await Item.all().order_by("sort_order").values_list("type__category__name", "type__name", "name"):
        tree[c][t].append(i)
    assert tree == {
        "Hardware": {
            "Laptop": ["Battery", "Screen", "Keyboard"],
            "Desktop": ["Monitor", "Power supply"],
            "Printer": ["Paper jam", "Toner"],
        },
        "Software": {"Microsoft 365": ["Outlook", "Teams", "Excel"], "VPN": [], "Custom application": []},
        "Access Requests": {},
        "Facilities": {"Heating": [], "Cleaning": []},
    }
    scopes = await GroupScope.all().values_list("group__name", "category__name", "type__name")
    assert sorted(scopes, key=str) == sorted(
        [
            ("Service Desk", "Hardware", None),
            ("Service Desk", "Access Requests", None),
            ("Apps Team", "Software", "Microsoft 365"),
            ("Apps Team", "Software", "VPN"),
        ],
        key=str,
    )
    roles = Counter(role for role, _, _ in logins)
    assert roles == {"ADMIN": 1, "STAFF": 4, "USER": 6}
    assert all(email.endswith("@demo.helpdesk.test") for _, email, _ in logins)
    assert await User.all().count() == len(logins)
    memberships = Counter(await GroupMember.all().values_list("user__email", flat=True))
    staff = await User.filter(role=Role.STAFF).values_list("email", flat=True)
    assert sorted(memberships.get(e, 0) for e in staff) == [0, 1, 1, 2]
    assert await AuditEntry.filter(action="demo.loaded").count() == 1


async def test_demo_assignments_follow_group_membership_and_every_queue_has_work(db: str) -> None:
    await load_demo_data(ticket_count=60)
    members = set(await GroupMember.all().values_list("group_id", "user_id"))
    staff_ids = set(await User.filter(role__in=[Role.STAFF, Role.ADMIN]).values_list("id", flat=True))
    tickets = await _tickets()
    assert any(t["assignee_id"] is None and t["assigned_group_id"] is None for t in tickets)
    assert any(t["assignee_id"] is not None for t in tickets)
    for t in tickets:
        if t["assignee_id"] is not None:
            assert t["assignee_id"] in staff_ids
        if t["assignee_id"] is not None and t["assigned_group_id"] is not None:
            assert (t["assigned_group_id"], t["assignee_id"]) in members
    user_ids = set(await User.filter(role=Role.USER).values_list("id", flat=True))
    assert {t["requester_id"] for t in tickets} <= user_ids
    for user in await User.filter(role=Role.STAFF).values("id", "role", "email", "name"):
        actor = Actor(user_id=user["id"], role=user["role"], email=user["email"], name=user["name"])
        assert await (await queue_tickets(actor)).count() > 0, user["email"]


async def test_demo_logins_sign_in_through_graphql(client: httpx.AsyncClient) -> None:
    logins = await load_demo_data(ticket_count=10)
    for _, email, password in logins:
        user = await User.get(email=email)
        assert await verify_password(user.password_hash, password)
    role, email, password = logins[0]
    data = await gql_data(
        client,
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p})"
        " { token user { role } errors { code } } }",
        {"e": email, "p": password},
    )
    assert data["login"]["errors"] == []
    assert data["login"]["user"]["role"] == role
    me = await gql_data(client, "{ me { email } }", token=data["login"]["token"])
    assert me["me"]["email"] == email


async def test_demo_refuses_a_database_that_has_data(db: str) -> None:
    await load_demo_data(ticket_count=20)
    with pytest.raises(DomainError) as refused:
        await load_demo_data(ticket_count=20)
    assert_refused(refused.value, Reason.DATABASE_NOT_EMPTY)
    assert await Ticket.all().count() == 20
    assert await User.all().count() == 11


@pytest.mark.parametrize("existing", ["user", "category"])
async def test_demo_refuses_users_or_categories_and_writes_nothing(db: str, existing: str) -> None:
    if existing == "user":
        await make_person(Role.ADMIN)
    else:
        await make_category("Hardware")
    with pytest.raises(DomainError) as refused:
        await load_demo_data(ticket_count=5)
    assert_refused(refused.value, Reason.DATABASE_NOT_EMPTY)
    assert await Ticket.all().count() == 0
    assert await Group.all().count() == 0
    assert await Category.all().count() == (1 if existing == "category" else 0)


async def test_demo_rejects_a_negative_ticket_count(db: str) -> None:
    with pytest.raises(DomainError) as refused:
        await load_demo_data(ticket_count=-1)
    assert_refused(refused.value, Reason.OUT_OF_RANGE, "ticketCount")
    assert await User.all().count() == 0


async def _wipe_demo() -> None:
    # Children before parents: the foreign keys restrict deletes.
    for model in (AuditEntry, Ticket, GroupScope, GroupMember, Group, Item, TicketType, Category, User):
        await model.all().delete()


async def _fingerprint() -> list[tuple[Any, ...]]:
    rows = await Ticket.all().order_by("id").values_list(
        "subject", "priority", "status__name", "category__name", "type__name", "item__name",
        "requester__email", "assignee__email", "assigned_group__name", "created_at", "updated_at", "closed_at",
    )  # fmt: skip
    return [tuple(r) for r in rows]


async def test_demo_default_load_is_deterministic_for_a_seed(db: str) -> None:
    clock.set_now(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    logins = await load_demo_data()
    first = await _fingerprint()
    assert len(first) == 300
    assert Counter(row[2] for row in first).keys() == {"New", "In Progress", "Pending", "Resolved", "Closed"}
    assert await Ticket.filter(reopened=True).exists()
    await _wipe_demo()
    assert await load_demo_data() == logins
    assert await _fingerprint() == first
    await _wipe_demo()
    await load_demo_data(seed=8)
    assert await _fingerprint() != first
    assert await Status.all().count() == 5


def _readme_operations() -> list[str]:
    """The ```graphql blocks of README.md, in order: the first signs in, the rest use its token."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    return re.findall(r"```graphql\n(.*?)```", readme, flags=re.DOTALL)


async def test_the_readme_graphql_session_works_on_demo_data(client: httpx.AsyncClient) -> None:
    await load_demo_data(ticket_count=30)
    login, *operations = _readme_operations()
    assert len(operations) >= 4
    data = await gql_data(client, login)
    assert data["login"]["errors"] == []
    token = data["login"]["token"]
    for operation in operations:
        data = await gql_data(client, operation, token=token)
        for result in data.values():
            assert result is not None, operation
            if isinstance(result, dict):
                assert result.get("errors", []) == [], (operation, result)
    created = await gql_data(client, "{ ticket(number: 31) { subject priority category { name } } }", token=token)
    assert created["ticket"] == {
        "subject": "Projector in room 4 shows no picture",
        "priority": "HIGH",
        "category": {"name": "Hardware"},
    }
