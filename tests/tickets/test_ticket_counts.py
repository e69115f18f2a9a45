"""ticketCounts(filter, groupBy): per role and filter, the buckets equal what counting the `tickets` pages by hand
gives, on both databases; zero buckets where the set is known; one statement after authentication."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from core.enums import Priority, Role
from models.cti import Category
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from resolvers.tickets.counts import NO_ASSIGNEE, NO_GROUP
from tests.conftest import StatementLog
from tests.helpers import (
    Person,
    assert_query_refused,
    gql,
    gql_data,
    make_category,
    make_guest,
    make_person,
    make_ticket,
)
from tests.tickets.queue_world import World, seed_world

COUNTS = """query($groupBy: TicketCountGroup!, $filter: TicketFilterInput) {
  ticketCounts(groupBy: $groupBy, filter: $filter) { key label count } }"""
PAGES = """query($filter: TicketFilterInput, $after: String) {
  tickets(filter: $filter, sort: CREATED_ASC, first: 25, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { number priority createdAt status { id name } category { id name }
                   assignee { id name } assignedGroup { id name } } } } }"""
GROUPS = ["STATUS", "PRIORITY", "ASSIGNEE", "GROUP", "CATEGORY", "CREATED_DAY"]


async def by_hand(client: httpx.AsyncClient, viewer: Person, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every ticket `tickets` lists for this viewer and filter, page after page of 25."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = (await gql_data(client, PAGES, {"filter": filter, "after": after}, viewer.token))["tickets"]
        nodes += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes
        after = data["pageInfo"]["endCursor"]


def bucket_of(group: str, node: dict[str, Any]) -> tuple[str | None, str]:
    """(key, label) of a listed ticket's bucket, from the fields the list shows."""
    if group == "STATUS":
        return node["status"]["id"], node["status"]["name"]
    if group == "PRIORITY":
        return node["priority"], node["priority"].title()
    if group == "CATEGORY":
        return node["category"]["id"], node["category"]["name"]
    if group in ("ASSIGNEE", "GROUP"):
        holder = node["assignee" if group == "ASSIGNEE" else "assignedGroup"]
        return (holder["id"], holder["name"]) if holder else (None, NO_ASSIGNEE if group == "ASSIGNEE" else NO_GROUP)
    day = datetime.fromisoformat(node["createdAt"]).astimezone(UTC).date().isoformat()
    return day, day


async def counted(client: httpx.AsyncClient, viewer: Person, group: str, filter: Any) -> list[dict[str, Any]]:
    data = await gql_data(client, COUNTS, {"groupBy": group, "filter": filter}, viewer.token)
    buckets: list[dict[str, Any]] = data["ticketCounts"]
    return buckets


def filters(world: World) -> list[dict[str, Any] | None]:
    return [
        None,
        {"priorities": ["CRITICAL", "HIGH"]},
        {"statusIds": [str(s.id) for s in world.statuses.values()]},
        {"search": "printer", "reopened": False},
        {"groupIds": [str(world.desk.id)], "assignee": "UNASSIGNED"},
    ]


@pytest.mark.parametrize("who", ["admin", "staff_in", "staff_out", "owner", "other", "stranger"])
async def test_counts_equal_counting_the_pages_by_hand(client: httpx.AsyncClient, who: str) -> None:
    world = await seed_world()
    viewer: Person = getattr(world, who)
    statuses = [str(s.id) for s in await Status.all().order_by("sort_order", "name", "id")]
    categories = await Category.all().order_by("sort_order", "name", "id")
    for filter in filters(world):
        listed = await by_hand(client, viewer, filter)
        for group in GROUPS:
            buckets = await counted(client, viewer, group, filter)
            keys = [b["key"] for b in buckets]
            assert len(keys) == len(set(keys)), (group, buckets)
            hand = Counter(bucket_of(group, node) for node in listed)
            # Every ticket listed is in its bucket with its label, and nothing else is counted.
            assert {(b["key"], b["label"]): b["count"] for b in buckets if b["count"]} == dict(hand), (who, group)
            assert sum(b["count"] for b in buckets) == len(listed)
            if group == "STATUS":
                assert keys == statuses  # every status, zero or not, in its order
            elif group == "PRIORITY":
                assert keys == [p.name for p in Priority]
            elif group == "CATEGORY":
                holding = {node["category"]["id"] for node in listed}
                assert keys == [str(c.id) for c in categories if not c.archived or str(c.id) in holding]
            elif group == "CREATED_DAY":
                assert keys == sorted(keys) and all(b["count"] for b in buckets)
            else:
                # Most tickets first; only holders of tickets.
                assert [b["count"] for b in buckets] == sorted((b["count"] for b in buckets), reverse=True)
                assert all(b["count"] for b in buckets)
    if who != "stranger":
        assert await by_hand(client, viewer, None), f"{who} has an empty queue: the test proves nothing for them"


async def test_created_day_is_the_utc_day(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    late = await make_ticket(category)
    early = await make_ticket(category)
    # 23:30 in New York on 1 June is 03:30 (UTC) on 2 June; 00:30 at +02:00 on 3 June is 22:30 UTC on 2 June.
    await Ticket.filter(id=late.id).update(created_at=datetime.fromisoformat("2026-06-01T23:30:00-04:00"))
    await Ticket.filter(id=early.id).update(created_at=datetime.fromisoformat("2026-06-03T00:30:00+02:00"))
    assert await counted(client, admin, "CREATED_DAY", None) == [
        {"key": "2026-06-02", "label": "2026-06-02", "count": 2}
    ]


async def test_counts_are_for_accounts_only(client: httpx.AsyncClient) -> None:
    category = await make_category()
    guest = await make_guest(await make_ticket(category))
    body = await gql(client, COUNTS, {"groupBy": "STATUS"}, guest.token)
    assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, "Query.ticketCounts")
    body = await gql(client, COUNTS, {"groupBy": "STATUS"})
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.ticketCounts")
    # A bad filter is refused the way `tickets` refuses it.
    admin = await make_person(Role.ADMIN)
    body = await gql(client, COUNTS, {"groupBy": "STATUS", "filter": {"categoryId": "x"}}, admin.token)
    assert_query_refused(body, Reason.INVALID_ID, "filter.categoryId")


@pytest.mark.parametrize("count", [3, 40])
async def test_counts_cost_one_statement_after_authentication(
    client: httpx.AsyncClient, count_statements: StatementLog, count: int
) -> None:
    world = await seed_world(count=count)
    for viewer in (world.admin, world.staff_in, world.owner):
        for group in GROUPS:
            await counted(client, viewer, group, {"priorities": ["HIGH", "LOW"]})  # warm the driver
            count_statements.clear()
            await counted(client, viewer, group, {"priorities": ["HIGH", "LOW"]})
            # Authentication (with the groups and scope), then the counts.
            assert count_statements.count == 2, count_statements.statements
