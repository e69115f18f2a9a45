"""The queue: filters, sorts, keyset pagination and a constant number of SQL statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.expressions import F

from core.enums import Priority, Role, StatusKind
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.conftest import QueryCounter
from tests.helpers import (
    Person,
    assert_query_refused,
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

LIST = """
query($filter: TicketFilterInput, $sort: TicketSort!, $first: Int, $after: String) {
  tickets(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { number } }
  }
}"""


async def numbers(
    client: httpx.AsyncClient,
    person: Person,
    filter: dict[str, Any] | None = None,
    sort: str = "UPDATED_DESC",
    first: int | None = None,
    after: str | None = None,
) -> tuple[list[int], dict[str, Any]]:
    variables = {"filter": filter, "sort": sort, "first": first, "after": after}
    data = (await gql_data(client, LIST, variables, person.token))["tickets"]
    return [e["node"]["number"] for e in data["edges"]], data


async def set_times(ticket: Ticket, created: datetime, updated: datetime) -> None:
    # auto_now would overwrite updated_at on save(); a query update keeps the chosen values.
    await Ticket.filter(id=ticket.id).update(created_at=created, updated_at=updated)


async def test_filters_combine(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    staff = await make_person(Role.STAFF)
    hardware, software = await make_category("Hardware"), await make_category("Software")
    laptop = await make_type(hardware, "Laptop")
    battery = await make_item(laptop, "Battery")
    group = await make_group("Desk", members=[staff])
    a = await make_ticket(hardware, ticket_type=laptop, item=battery, priority=Priority.HIGH, assignee=staff)
    b = await make_ticket(hardware, priority=Priority.LOW, group=group, subject="Broken screen")
    c = await make_ticket(software, priority=Priority.HIGH, subject="Screen sharing fails")
    d = await make_ticket(software, status=await status_of(StatusKind.RESOLVED))
    await Ticket.filter(id=d.id).update(reopened=True)
    old = datetime(2026, 1, 1, tzinfo=UTC)
    await set_times(c, old, old)

    async def only(filter: dict[str, Any], person: Person = admin) -> set[int]:
        return set((await numbers(client, person, filter))[0])

    assert await only({"priorities": ["HIGH"]}) == {a.number, c.number}
    assert await only({"categoryId": str(hardware.id)}) == {a.number, b.number}
    assert await only({"typeId": str(laptop.id)}) == {a.number}
    assert await only({"itemId": str(battery.id)}) == {a.number}
    assert await only({"assignee": "ME"}, staff) == {a.number}
    assert await only({"assignee": "UNASSIGNED"}) == {c.number, d.number}
    assert await only({"assigneeId": str(staff.id)}) == {a.number}
    assert await only({"groupIds": [str(group.id)]}) == {b.number}
    assert await only({"search": "screen"}) == {b.number, c.number}
    assert await only({"search": "screen", "priorities": ["HIGH"]}) == {c.number}
    assert await only({"reopened": True}) == {d.number}
    assert await only({"createdBefore": "2026-02-01T00:00:00+00:00"}) == {c.number}
    assert await only({"createdAfter": "2026-02-01T00:00:00+00:00", "categoryId": str(software.id)}) == {d.number}


async def test_bad_filter_ids_name_the_field(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    body = await gql(client, LIST, {"filter": {"categoryId": "x"}, "sort": "UPDATED_DESC"}, admin.token)
    assert_query_refused(body, Reason.INVALID_ID, "filter.categoryId")


async def test_sorts(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    base = datetime(2026, 3, 1, tzinfo=UTC)
    t1 = await make_ticket(category, priority=Priority.LOW)
    t2 = await make_ticket(category, priority=Priority.CRITICAL)
    t3 = await make_ticket(category, priority=Priority.LOW)
    # created: t1 < t2 < t3; updated: t2 newest, then t1, then t3
    await set_times(t1, base, base + timedelta(hours=5))
    await set_times(t2, base + timedelta(hours=1), base + timedelta(hours=9))
    await set_times(t3, base + timedelta(hours=2), base + timedelta(hours=3))
    assert (await numbers(client, admin))[0] == [t2.number, t1.number, t3.number]
    assert (await numbers(client, admin, sort="CREATED_DESC"))[0] == [t3.number, t2.number, t1.number]
    assert (await numbers(client, admin, sort="CREATED_ASC"))[0] == [t1.number, t2.number, t3.number]
    assert (await numbers(client, admin, sort="PRIORITY"))[0] == [t2.number, t1.number, t3.number]


async def test_keyset_pagination_walks_every_ticket_once_in_each_sort(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    same = datetime(2026, 5, 5, tzinfo=UTC)
    tickets = [await make_ticket(category, priority=Priority(1 + i % 4)) for i in range(11)]
    for i, ticket in enumerate(tickets):
        # Ties on the sort key (every third shares a timestamp) must still page without gaps or repeats.
        moment = same + timedelta(minutes=i // 3)
        await set_times(ticket, moment, moment)
    for sort in ("UPDATED_DESC", "CREATED_DESC", "CREATED_ASC", "PRIORITY"):
        seen: list[int] = []
        after = None
        while True:
            page, data = await numbers(client, admin, sort=sort, first=4, after=after)
            assert data["totalCount"] == 11
            seen += page
            assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
            if not data["pageInfo"]["hasNextPage"]:
                break
            after = data["pageInfo"]["endCursor"]
        everything, _ = await numbers(client, admin, sort=sort, first=100)
        assert seen == everything, sort
        assert sorted(seen) == sorted(t.number for t in tickets)


async def test_page_size_limits_and_bad_cursors(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    for _ in range(3):
        await make_ticket(category)
    for first in (0, 101):
        body = await gql(client, LIST, {"sort": "UPDATED_DESC", "first": first}, admin.token)
        assert_query_refused(body, Reason.OUT_OF_RANGE, "first")
    body = await gql(client, LIST, {"sort": "UPDATED_DESC", "after": "not-a-cursor"}, admin.token)
    assert_query_refused(body, Reason.INVALID_CURSOR, "after")
    # A cursor of another sort is no cursor of this list either.
    _, data = await numbers(client, admin, sort="CREATED_ASC", first=1)
    body = await gql(client, LIST, {"sort": "PRIORITY", "after": data["pageInfo"]["endCursor"]}, admin.token)
    assert_query_refused(body, Reason.INVALID_CURSOR, "after")


async def test_default_page_is_25(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    await Ticket.bulk_create(
        [
            Ticket(subject=f"t{i}", description="d", category=category, status=await status_of(StatusKind.NEW))
            for i in range(30)
        ]
    )
    await Ticket.filter(number__isnull=True).update(number=F("id"))
    page, data = await numbers(client, admin)
    assert (len(page), data["totalCount"], data["pageInfo"]["hasNextPage"]) == (25, 30, True)


QUEUE_WITH_RELATIONS = """
query($first: Int!) {
  tickets(first: $first) {
    totalCount
    edges { node {
      number subject priority
      status { name kind } category { name } type { name } item { name }
      requester { name email } assignee { name } assignedGroup { name }
    } }
  }
}"""


async def test_statement_count_does_not_grow_with_page_size(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    staff = await make_person(Role.STAFF)
    hardware = await make_category("Hardware")
    laptop = await make_type(hardware, "Laptop")
    items = [await make_item(laptop, f"Item {i}") for i in range(3)]
    group = await make_group("Desk", members=[staff], scope=[(hardware, None)])
    users = [await make_person(Role.USER) for _ in range(6)]
    workers = [await make_person(Role.STAFF) for _ in range(3)]
    for i in range(60):
        await make_ticket(
            hardware,
            ticket_type=laptop,
            item=items[i % 3],
            requester=users[i % 6],
            assignee=workers[i % 3],
            group=group,
        )

    async def statements(first: int) -> int:
        count_queries.statements.clear()
        data = await gql_data(client, QUEUE_WITH_RELATIONS, {"first": first}, staff.token)
        assert len(data["tickets"]["edges"]) == first
        assert data["tickets"]["edges"][0]["node"]["requester"]["email"]  # staff see emails
        return count_queries.count

    small, large = await statements(5), await statements(50)
    assert small == large
    # auth, groups with their scope (one query), page, count, one per relation kind (status, user, category,
    # type, item, group)
    assert large <= 10, count_queries.statements


async def test_odd_numeric_searches_are_plain_searches(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    ticket = await make_ticket(category, subject="Room ² heating")
    for search, expected in (("²", [ticket.number]), ("99999999999", []), (str(ticket.number), [ticket.number])):
        found, _ = await numbers(client, admin, {"search": search})
        assert found == expected, search


async def test_the_count_runs_only_when_total_count_is_asked_for(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    for _ in range(3):
        await make_ticket(category)
    count_queries.statements.clear()
    data = await gql_data(client, "{ tickets { edges { node { number } } } }", token=admin.token)
    assert len(data["tickets"]["edges"]) == 3
    assert not [s for s in count_queries.statements if "COUNT(" in s.upper()]
    data = await gql_data(client, "{ tickets { totalCount } }", token=admin.token)
    assert data["tickets"]["totalCount"] == 3
    through_fragments = (
        "query { tickets { ...Count ... on TicketConnection { pageInfo { hasNextPage } } } } "
        "fragment Count on TicketConnection { ... on TicketConnection { totalCount } }"
    )
    data = await gql_data(client, through_fragments, token=admin.token)
    assert data["tickets"]["totalCount"] == 3
    assert [s for s in count_queries.statements if "COUNT(" in s.upper()]
