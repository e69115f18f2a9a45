"""Every queue filter and sort, alone and combined, against a seeded queue whose right answer the test computes
from what it seeded (tests/tickets/queue_world.py), inside each viewer's queue, on both databases."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from core.enums import Priority, StatusKind
from resolvers.kernel.errors import Reason
from tests.conftest import StatementLog
from tests.helpers import Person, assert_query_refused, gql, gql_data, make_guest
from tests.tickets.queue_world import BASE, SORT_KEYS, Seeded, World, ascii_folded, in_order, seed_world

PAGE = """query($filter: TicketFilterInput, $sort: TicketSort!) {
  tickets(filter: $filter, sort: $sort, first: 100) { totalCount pageInfo { hasNextPage } edges { node { number } } }
}"""
Predicate = Callable[[Seeded], bool]


@dataclass
class Case:
    name: str
    filter: dict[str, Any]
    keep: Predicate  # which tickets the filter keeps, the default status rule aside
    sets_status: bool = False


def cases(world: World, viewer: Person) -> list[Case]:
    """One case per filter (a few per filter where it has shapes), each with its rule written out again."""
    s = world.statuses
    in_progress, pending, closed = s["In Progress"], s["Pending"], s[StatusKind.CLOSED]
    after, before = BASE + timedelta(hours=60), BASE + timedelta(hours=170)
    return [
        Case(
            "statuses",
            {"statusIds": [str(in_progress.id), str(pending.id)]},
            lambda t: t.status_id in (in_progress.id, pending.id),
            sets_status=True,
        ),
        Case("closed", {"statusIds": [str(closed.id)]}, lambda t: t.kind is StatusKind.CLOSED, sets_status=True),
        Case(
            "priorities",
            {"priorities": ["CRITICAL", "HIGH"]},
            lambda t: t.priority in (Priority.CRITICAL, Priority.HIGH),
        ),
        Case("mine", {"assignee": "ME"}, lambda t: t.assignee_id == viewer.id),
        Case("unassigned", {"assignee": "UNASSIGNED"}, lambda t: t.assignee_id is None and t.group_id is None),
        Case("assignee", {"assigneeId": str(world.staff_in.id)}, lambda t: t.assignee_id == world.staff_in.id),
        Case(
            "groups",
            {"groupIds": [str(world.desk.id), str(world.net.id)]},
            lambda t: t.group_id in (world.desk.id, world.net.id),
        ),
        Case("category", {"categoryId": str(world.hardware.id)}, lambda t: t.category_id == world.hardware.id),
        Case("type", {"typeId": str(world.laptop.id)}, lambda t: t.type_id == world.laptop.id),
        Case("item", {"itemId": str(world.battery.id)}, lambda t: t.item_id == world.battery.id),
        Case(
            "created range",
            {"createdAfter": after.isoformat(), "createdBefore": before.isoformat()},
            lambda t: after <= t.created_at < before,
        ),
        Case("reopened", {"reopened": True}, lambda t: t.reopened),
        Case("not reopened", {"reopened": False}, lambda t: not t.reopened),
        Case("search", {"search": "PRINTER"}, lambda t: "printer" in ascii_folded(t.subject)),
        Case("accented search", {"search": "écran"}, lambda t: "écran" in ascii_folded(t.subject)),
    ]


def expected(world: World, viewer: Person, chosen: list[Case], sort: str) -> list[int]:
    tickets = [t for t in world.queue_of(viewer) if all(case.keep(t) for case in chosen)]
    if not any(case.sets_status for case in chosen):
        tickets = [t for t in tickets if t.kind is not StatusKind.CLOSED]  # the default: all but Closed
    return in_order(tickets, sort)


async def listed(client: httpx.AsyncClient, viewer: Person, filter: dict[str, Any], sort: str) -> list[int]:
    data = (await gql_data(client, PAGE, {"filter": filter, "sort": sort}, viewer.token))["tickets"]
    assert not data["pageInfo"]["hasNextPage"]  # the seeded queue fits in one page of 100
    numbers = [edge["node"]["number"] for edge in data["edges"]]
    assert data["totalCount"] == len(numbers)
    return numbers


async def test_each_filter_alone_and_every_pair_in_every_sort(client: httpx.AsyncClient) -> None:
    world = await seed_world()
    admin = world.admin
    all_cases = cases(world, admin)
    for sort in SORT_KEYS:
        # Alone: the answer must be a real subset (nothing matched by accident of an empty seed) and in order.
        assert await listed(client, admin, {}, sort) == expected(world, admin, [], sort)
        for case in all_cases:
            want = expected(world, admin, [case], sort)
            assert want, f"{case.name}: the seed left this filter nothing to find"
            assert await listed(client, admin, case.filter, sort) == want, (case.name, sort)
    # Every pair of different filters (two shapes of one filter would overwrite each other's key), one sort each
    # in turn so every sort sees combinations.
    pairs = [(a, b) for a, b in itertools.combinations(all_cases, 2) if not a.filter.keys() & b.filter.keys()]
    for i, (a, b) in enumerate(pairs):
        sort = list(SORT_KEYS)[i % len(SORT_KEYS)]
        want = expected(world, admin, [a, b], sort)
        assert await listed(client, admin, {**a.filter, **b.filter}, sort) == want, (a.name, b.name, sort)
    # Everything at once that can hold together.
    chosen = [c for c in all_cases if c.name in ("priorities", "category", "not reopened", "created range")]
    combined = {k: v for c in chosen for k, v in c.filter.items()}
    assert await listed(client, admin, combined, "PRIORITY") == expected(world, admin, chosen, "PRIORITY")


@pytest.mark.parametrize("who", ["staff_in", "staff_out", "owner", "other", "stranger"])
async def test_filters_apply_inside_each_viewers_queue(client: httpx.AsyncClient, who: str) -> None:
    world = await seed_world()
    viewer: Person = getattr(world, who)
    for case in [None, *cases(world, viewer)]:
        chosen = [case] if case else []
        want = expected(world, viewer, chosen, "UPDATED_DESC")
        got = await listed(client, viewer, case.filter if case else {}, "UPDATED_DESC")
        assert got == want, (who, case.name if case else "no filter")
    if who in ("staff_in", "staff_out", "owner", "other"):
        assert world.queue_of(viewer), f"{who} has an empty queue: the seed proves nothing for them"


async def test_the_queue_is_for_accounts_only(client: httpx.AsyncClient) -> None:
    world = await seed_world(count=3)
    guest = await make_guest(await _ticket(world.tickets[0].number))
    body = await gql(client, PAGE, {"sort": "UPDATED_DESC"}, guest.token)
    assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, "Query.tickets")
    body = await gql(client, PAGE, {"sort": "UPDATED_DESC"})
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.tickets")


async def _ticket(number: int) -> Any:
    from models.tickets import Ticket

    return await Ticket.get(number=number)


ALL_FILTERS = """query($filter: TicketFilterInput, $first: Int) {
  tickets(filter: $filter, sort: PRIORITY, first: $first) {
    edges { node { number status { name } assignee { name } assignedGroup { name } category { name } } } } }"""


async def test_every_filter_at_once_costs_two_statements_at_any_page_size(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    world = await seed_world(count=80)
    staff = world.staff_in
    filter = {
        "priorities": ["CRITICAL", "HIGH", "MEDIUM", "LOW"],
        "groupIds": [str(world.desk.id), str(world.net.id)],
        "categoryId": str(world.hardware.id),
        "createdAfter": BASE.isoformat(),
        "search": "e",
        "statusIds": [str(s.id) for s in world.statuses.values()],
    }
    counts = []
    for first in (2, 50):
        await gql_data(client, ALL_FILTERS, {"filter": filter, "first": first}, staff.token)
        count_statements.clear()
        data = await gql_data(client, ALL_FILTERS, {"filter": filter, "first": first}, staff.token)
        assert len(data["tickets"]["edges"]) == min(first, len(expected_all(world, staff)))
        counts.append(count_statements.count)
    # Authentication (with groups and scope), the page with its joins; the same for 2 rows and for 50.
    assert counts == [2, 2], count_statements.statements


def expected_all(world: World, staff: Person) -> list[Seeded]:
    return [
        t
        for t in world.queue_of(staff)
        if t.group_id is not None and t.category_id == world.hardware.id and "e" in ascii_folded(t.subject)
    ]
