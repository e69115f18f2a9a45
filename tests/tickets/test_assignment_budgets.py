"""Statement budgets of assignTicket, assignToMe and bulkUpdateTickets (docs/performance.md), counted at the drivers
as PostgreSQL logs them: authentication, BEGIN and COMMIT included (tests/conftest.py `count_statements`). A bulk
change costs a fixed part plus the same per ticket, whatever the number of tickets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from models.replies import Reply
from models.statuses import Status
from models.tickets import Ticket
from tests.conftest import StatementLog
from tests.helpers import gql_data, make_ticket, mutation_document
from tests.tickets.assignment_world import desk

ASSIGN = mutation_document("assignTicket", "ticket { number }")
ASSIGN_TO_ME = mutation_document("assignToMe", "ticket { number }")
BULK = mutation_document("bulkUpdateTickets", "results { number outcome errors { reason } }")


def shown(log: StatementLog) -> str:
    return "\n".join(" ".join(statement.split())[:110] for statement in log.statements)


async def counted(
    client: httpx.AsyncClient, log: StatementLog, document: str, name: str, token: str | None, input: dict[str, Any]
) -> int:
    log.clear()
    data = await gql_data(client, document, {"input": input}, token)
    assert data[name]["errors"] == [], data
    return log.count


async def test_assign_ticket_costs_nine_statements(client: httpx.AsyncClient, count_statements: StatementLog) -> None:
    d = await desk()
    previous = d.person("assignee_out_of_scope")
    await Reply.create(ticket=d.ticket, author=previous.user, body="On it.")
    warm = await make_ticket(d.hardware)  # the driver's type introspection and prepared statements
    both = {"assigneeId": str(d.sam.id), "groupId": str(d.hardware_team.id)}
    await counted(client, count_statements, ASSIGN, "assignTicket", d.token("admin"), {"number": warm.number, **both})
    count = await counted(
        client, count_statements, ASSIGN, "assignTicket", d.token("admin"), {"number": d.ticket.number, **both}
    )
    # Authentication, the person and group checked, BEGIN, the locked ticket with its status and scope, the
    # ticket's update, whether the previous assignee replied, the audit row, every outbox row, COMMIT.
    assert count == 9, shown(count_statements)


async def test_assign_to_me_costs_seven_statements(client: httpx.AsyncClient, count_statements: StatementLog) -> None:
    d = await desk()
    token = d.token("staff_in_scope")
    warm, ticket = await make_ticket(d.hardware), await make_ticket(d.hardware)
    await counted(client, count_statements, ASSIGN_TO_ME, "assignToMe", token, {"number": warm.number})
    count = await counted(client, count_statements, ASSIGN_TO_ME, "assignToMe", token, {"number": ticket.number})
    # Authentication (with the groups the membership rule needs), BEGIN, the locked ticket with its status and
    # scope, the update, the audit row, the event, COMMIT.
    assert count == 7, shown(count_statements)


# Per kind of change: (statements for the request, statements per ticket changed).
BUDGETS = {
    # Authentication, the status; per ticket BEGIN, the locked ticket, its update, the audit row, the event, COMMIT.
    "status": (2, 6),
    # Authentication, the person and group; per ticket BEGIN, the locked ticket, its update, the audit row, the
    # outbox rows (the new assignee's email and the event), COMMIT.
    "assignment": (2, 6),
    # Authentication; per ticket BEGIN, the locked ticket with its scope, the SLA policy the new priority chooses
    # (resolvers/tickets/sla.py), its update, the audit row, the ticket.updated event, COMMIT.
    "priority": (1, 7),
}


@pytest.mark.parametrize("kind", list(BUDGETS))
@pytest.mark.parametrize("size", [1, 5])
async def test_a_bulk_change_costs_the_same_per_ticket_at_any_size(
    client: httpx.AsyncClient, count_statements: StatementLog, kind: str, size: int
) -> None:
    d = await desk()
    in_progress = await Status.get(name="In Progress")
    change = {
        "status": {"statusId": str(in_progress.id)},
        "assignment": {"assigneeId": str(d.sam.id)},
        "priority": {"priority": "LOW"},
    }[kind]
    warm = await make_ticket(d.hardware)
    token = d.token("staff_in_scope")
    await counted(client, count_statements, BULK, "bulkUpdateTickets", token, {"numbers": [warm.number], **change})
    tickets = [await make_ticket(d.hardware) for _ in range(size)]
    count = await counted(client, count_statements, BULK, "bulkUpdateTickets", token,
                          {"numbers": [t.number for t in tickets], **change})  # fmt: skip
    fixed, per_ticket = BUDGETS[kind]
    assert count == fixed + per_ticket * size, shown(count_statements)
    assert await Ticket.filter(id__in=[t.id for t in tickets], updated_at__gt=warm.updated_at).count() == size


async def test_a_dry_run_costs_a_rollback_instead_of_a_commit(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    d = await desk()
    tickets = [await make_ticket(d.hardware) for _ in range(3)]
    change = {"numbers": [t.number for t in tickets], "assigneeId": str(d.sam.id), "dryRun": True}
    await counted(client, count_statements, BULK, "bulkUpdateTickets", d.token("admin"), change)
    count = await counted(client, count_statements, BULK, "bulkUpdateTickets", d.token("admin"), change)
    # As a run, plus a savepoint and its release per ticket (the change's own transaction nests in the one rolled
    # back), and ROLLBACK instead of COMMIT.
    assert count == 2 + 8 * 3, shown(count_statements)
    assert sum("ROLLBACK" in s.upper() for s in count_statements.statements) == 3
