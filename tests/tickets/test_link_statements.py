"""Statement budgets of the link paths (docs/performance.md, "Links"), counted at the drivers like
tests/test_statement_budgets.py: authentication, BEGIN and COMMIT included, the same on both databases."""

from __future__ import annotations

import itertools

import httpx
import pytest

from core.enums import LinkType, Role, StatusKind
from models.links import TicketLink
from models.tickets import Ticket
from tests.conftest import StatementLog
from tests.helpers import Person, gql_data, make_category, make_group, make_person, make_ticket, status_of

QUEUE = """query($first: Int) { tickets(first: $first) { edges { node { number status { name }
  links { type number subject status { name kind } } parent { number } children { number }
  replies(last: 2) { body } } } } }"""
ONE = """query($n: Int!) { ticket(number: $n) { number links { type number subject status { name } linkedAt }
  parent { number subject } children { number status { kind } } } }"""
LINK = """mutation($i: LinkTicketsInput!) { linkTickets(input: $i) { ticket { number } errors { reason } } }"""
UNLINK = """mutation($i: UnlinkTicketsInput!) { unlinkTickets(input: $i) { ticket { number } errors { reason } } }"""
CHILDREN = """mutation($i: ResolveChildrenInput!) { resolveChildren(input: $i) { children { outcome ticket { number } }
  errors { reason } } }"""


def shown(log: StatementLog) -> str:
    return "\n".join(" ".join(statement.split())[:110] for statement in log.statements)


async def linked_desk(tickets: int) -> tuple[Person, list[Ticket]]:
    """Staff scoped to one category, and tickets there each linked to the next (parent of it) and related to the
    first, so every ticket of a page has links, a parent and children."""
    staff = await make_person(Role.STAFF)
    category = await make_category()
    await make_group(members=[staff], scope=[(category, None)])
    requester = await make_person()
    made = [await make_ticket(category, requester=requester, subject=f"Printer {i}") for i in range(tickets)]
    for parent, child in itertools.pairwise(made):
        await TicketLink.create(source_id=parent.id, target_id=child.id, type=LinkType.PARENT_OF)
        await TicketLink.create(source_id=child.id, target_id=parent.id, type=LinkType.CHILD_OF)
    for other in made[2:]:
        await TicketLink.create(source_id=made[0].id, target_id=other.id, type=LinkType.RELATED_TO)
        await TicketLink.create(source_id=other.id, target_id=made[0].id, type=LinkType.RELATED_TO)
    return staff, made


async def counted(
    client: httpx.AsyncClient, log: StatementLog, query: str, variables: dict[str, object], token: str
) -> tuple[int, dict[str, object]]:
    await gql_data(client, query, variables, token)  # warm: the driver's type introspection
    log.clear()
    data = await gql_data(client, query, variables, token)
    return log.count, data


@pytest.mark.parametrize("page", [1, 10, 30])
async def test_a_queue_page_with_links_costs_one_statement_more_at_any_size(
    client: httpx.AsyncClient, count_statements: StatementLog, page: int
) -> None:
    staff, _ = await linked_desk(30)
    count, data = await counted(client, count_statements, QUEUE, {"first": page}, staff.token)
    # Authentication, the page, the links of the whole page (links, parent and children from one read), replies.
    assert count == 4, shown(count_statements)
    edges = data["tickets"]["edges"]  # type: ignore[index]
    assert len(edges) == page
    assert all(edge["node"]["links"] for edge in edges)


async def test_one_ticket_with_its_links_costs_three_statements(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    staff, made = await linked_desk(4)
    count, data = await counted(client, count_statements, ONE, {"n": made[1].number}, staff.token)
    assert count == 3, shown(count_statements)
    ticket = data["ticket"]
    assert ticket["parent"]["number"] == made[0].number  # type: ignore[index]
    assert [c["number"] for c in ticket["children"]] == [made[2].number]  # type: ignore[index]


async def test_link_and_unlink_cost_eight_and_seven_statements(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    staff, made = await linked_desk(3)
    await gql_data(client, LINK, {"i": {"number": made[1].number, "otherNumber": made[2].number, "type": "CAUSES"}},
                   staff.token)  # fmt: skip
    # A new child for the last ticket of the tree, and a ticket related to it.
    fresh = await make_ticket(await made[0].category)
    for kind, budget in (("RELATED_TO", 8), ("PARENT_OF", 8)):
        count_statements.clear()
        variables = {"i": {"number": made[2].number, "otherNumber": fresh.number, "type": kind}}
        data = await gql_data(client, LINK, variables, staff.token)
        assert data["linkTickets"]["errors"] == []
        # Authentication, BEGIN, both tickets locked (with the tree lock for parent links), the checks, both link
        # rows, both audit rows, the event, COMMIT.
        assert count_statements.count == budget, shown(count_statements)
        count_statements.clear()
        data = await gql_data(client, UNLINK, {"i": {"number": made[2].number, "otherNumber": fresh.number}},
                              staff.token)  # fmt: skip
        assert data["unlinkTickets"]["errors"] == []
        # Authentication, BEGIN, both tickets locked, the DELETE of both rows, both audit rows, the event, COMMIT.
        assert count_statements.count == 7, shown(count_statements)


@pytest.mark.parametrize("children", [1, 3])
async def test_resolve_children_costs_six_statements_and_six_per_child(
    client: httpx.AsyncClient, count_statements: StatementLog, children: int
) -> None:
    staff, made = await linked_desk(2)
    parent = made[0]
    await Ticket.filter(id=parent.id).update(status_id=(await status_of(StatusKind.RESOLVED)).id)
    for _ in range(children - 1):
        child = await make_ticket(await parent.category, requester=await make_person())
        await TicketLink.create(source_id=parent.id, target_id=child.id, type=LinkType.PARENT_OF)
        await TicketLink.create(source_id=child.id, target_id=parent.id, type=LinkType.CHILD_OF)
    count_statements.clear()
    data = await gql_data(client, CHILDREN, {"i": {"number": parent.number}}, staff.token)
    assert [c["outcome"] for c in data["resolveChildren"]["children"]] == ["RESOLVED"] * children
    # Authentication, the Resolved status, BEGIN, the parent locked, its children locked, COMMIT; per child the
    # resolve every single resolveTicket does (the ticket, the audit row, three outbox rows and the requester).
    assert count_statements.count == 6 + 6 * children, shown(count_statements)
