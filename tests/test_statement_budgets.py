"""The statement budget of each issue-8 workload (docs/performance.md), counted as PostgreSQL logs statements:
authentication, BEGIN and COMMIT included (tests/conftest.py `count_statements`). The documents are those of
bench/perf.py. A change that adds a statement to one of these paths must say why in docs/performance.md."""

from __future__ import annotations

import httpx
import pytest

from core.enums import LinkType, Role, StatusKind
from models.links import TicketLink
from models.replies import Reply
from models.settings import Setting
from models.tickets import Ticket
from tests.conftest import StatementLog
from tests.helpers import Person, gql_data, make_category, make_group, make_person, make_ticket, make_type, status_of

W1 = """query W1($first: Int) { tickets(first: $first) { edges { node { number subject priority status { name }
  requester { name email } assignee { name } category { name }
  replies(last: 5, internal: false) { body author { name } } } } } }"""
# W1 with what issue 9 added to a queue row: links (with the other end's status), SLA and the assigned group.
W1_ISSUE_9 = """query W1($first: Int) { tickets(first: $first) { edges { node { number subject priority status { name }
  requester { name email } assignee { name } assignedGroup { name } category { name }
  links { type number subject status { name } } sla { state responseDueAt resolutionDueAt policy { name } }
  replies(last: 5, internal: false) { body author { name } } } } } }"""
W2 = """query W2($number: Int!) { ticket(number: $number) { number subject description priority createdAt
  status { name } requester { name email } assignee { name } category { name }
  replies { id body internal createdAt author { name } } } }"""
W3 = """mutation W3($number: Int!, $body: String!) { addReply(input: {number: $number, body: $body}) {
  reply { id createdAt } errors { code field message } } }"""
W4 = """query W4($search: String!) { tickets(first: 25, filter: {search: $search}) {
  edges { node { number subject priority updatedAt status { name } } } } }"""


async def desk(tickets: int) -> tuple[Person, Person, list[Ticket]]:
    """Staff in a group scoped to one category, an admin, and tickets in that category with nine replies each
    (two of them internal notes), half assigned to the staff member."""
    staff, admin = await make_person(Role.STAFF), await make_person(Role.ADMIN)
    requester = await make_person()
    category = await make_category()
    other = await make_category()
    await make_group(members=[staff], scope=[(category, None), (other, await make_type(other))])
    made = []
    for i in range(tickets):
        ticket = await make_ticket(
            category, requester=requester, assignee=staff if i % 2 else None, subject=f"Printer {i} jams"
        )
        for r in range(9):
            await Reply.create(ticket=ticket, author=staff.user if r % 2 else requester.user, body=f"r{r}",
                               internal=r in (2, 5))  # fmt: skip
        made.append(ticket)
    await make_ticket(category, requester=requester, status=await status_of(StatusKind.CLOSED))
    return staff, admin, made


def shown(log: StatementLog) -> str:
    return "\n".join(" ".join(statement.split())[:110] for statement in log.statements)


async def counted(
    client: httpx.AsyncClient, log: StatementLog, query: str, variables: dict[str, object], token: str
) -> tuple[int, dict[str, object]]:
    # Warm: the driver's type introspection, prepared statements; and a query is known after it, so the counted
    # request takes the direct path (schema/known_documents.py) the way every repeated request does.
    await gql_data(client, query, variables, token)
    log.clear()
    data = await gql_data(client, query, variables, token)
    return log.count, data


@pytest.mark.parametrize("page", [1, 10, 30])
async def test_w1_with_links_sla_and_assignment_costs_four_statements_at_any_size(
    client: httpx.AsyncClient, count_statements: StatementLog, page: int
) -> None:
    staff, admin, tickets = await desk(30)
    await Setting.update_or_create(key="sla_enabled", defaults={"value": True})
    for source, target in zip(tickets[::2], tickets[1::2], strict=True):
        await TicketLink.create(source=source, target=target, type=LinkType.RELATED_TO)
        await TicketLink.create(source=target, target=source, type=LinkType.RELATED_TO)
    for person in (staff, admin):
        count, data = await counted(client, count_statements, W1_ISSUE_9, {"first": page}, person.token)
        # Authentication, the page with its joins (SLA columns and policy included), the replies, the links.
        assert count == 4, shown(count_statements)
        edges = data["tickets"]["edges"]  # type: ignore[index]
        assert len(edges) == page
        assert all(len(edge["node"]["links"]) == 1 for edge in edges)


@pytest.mark.parametrize("page", [1, 10, 30])
async def test_w1_queue_page_costs_three_statements_at_any_size(
    client: httpx.AsyncClient, count_statements: StatementLog, page: int
) -> None:
    staff, admin, _ = await desk(30)
    for person in (staff, admin):
        count, data = await counted(client, count_statements, W1, {"first": page}, person.token)
        # Authentication (with the groups and scope), the page with its joined rows, the replies with authors.
        assert count == 3, shown(count_statements)
        edges = data["tickets"]["edges"]  # type: ignore[index]
        assert len(edges) == page
        assert [r["body"] for r in edges[0]["node"]["replies"]] == ["r3", "r4", "r6", "r7", "r8"]


async def test_w2_one_ticket_with_its_thread_costs_three_statements(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    staff, _, tickets = await desk(2)
    count, data = await counted(client, count_statements, W2, {"number": tickets[1].number}, staff.token)
    assert count == 3, shown(count_statements)
    assert len(data["ticket"]["replies"]) == 9  # type: ignore[index]


async def test_w3_add_reply_costs_eight_statements(client: httpx.AsyncClient, count_statements: StatementLog) -> None:
    staff, _, tickets = await desk(2)
    await gql_data(client, W3, {"number": tickets[0].number, "body": "warm"}, staff.token)
    count_statements.clear()
    data = await gql_data(client, W3, {"number": tickets[1].number, "body": "Looking at it."}, staff.token)
    assert data["addReply"]["errors"] == []
    # Authentication, BEGIN, the locked ticket with its status and scope, the reply, the ticket's bump, the
    # participants' addresses, the audit row, the outbox rows (one statement, all rows), COMMIT.
    assert count_statements.count == 9, shown(count_statements)


async def test_w4_subject_search_costs_two_statements(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    staff, _, _ = await desk(3)
    count, data = await counted(client, count_statements, W4, {"search": "printer"}, staff.token)
    assert count == 2, shown(count_statements)
    assert len(data["tickets"]["edges"]) == 3  # type: ignore[index]


COUNTS = """query Counts($groupBy: TicketCountGroup!) { ticketCounts(groupBy: $groupBy) { key label count } }"""


@pytest.mark.parametrize("tickets", [2, 20])
async def test_ticket_counts_cost_two_statements_whatever_the_queue_holds(
    client: httpx.AsyncClient, count_statements: StatementLog, tickets: int
) -> None:
    staff, admin, _ = await desk(tickets)
    for person in (staff, admin):
        for group in ("STATUS", "PRIORITY", "ASSIGNEE", "GROUP", "CATEGORY", "CREATED_DAY"):
            count, data = await counted(client, count_statements, COUNTS, {"groupBy": group}, person.token)
            # Authentication (with the groups and scope), the counts of every bucket.
            assert count == 2, shown(count_statements)
            assert sum(b["count"] for b in data["ticketCounts"]) == tickets  # type: ignore[attr-defined]
