"""bulkUpdateTickets (SPEC 8) through GraphQL: the role matrix, one result per ticket with mixed outcomes, the same
rows as the single changes, dry runs that change nothing, and the limits of one request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import Priority, StatusKind
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import (
    assert_refused,
    gql,
    make_ticket,
    mutation_document,
    mutation_outcome,
    mutation_payload,
    refusals,
    status_of,
)
from tests.tickets.assignment_world import BULK, NOT_STAFF_OUTCOMES, ROLES, Desk, desk

C, U, R = "CHANGED", "UNCHANGED", "REFUSED"


async def bulk(client: httpx.AsyncClient, token: str | None, **given: Any) -> dict[str, Any]:
    return await mutation_payload(client, BULK, "bulkUpdateTickets", token, given)


def outcomes(payload: dict[str, Any]) -> list[tuple[int, str, Reason | None]]:
    """(number, outcome, reason of the refusal) of every result, in order."""
    found = []
    for result in payload["results"]:
        reasons = refusals(result)
        assert (result["outcome"] == R) is bool(reasons) and (result["ticket"] is None) is (result["outcome"] == R)
        found.append((result["number"], result["outcome"], reasons[0][0] if reasons else None))
    return found


async def three_tickets(d: Desk) -> list[Ticket]:
    """d.ticket (Hardware, the assignee out of scope's), a Software ticket, an unassigned Hardware ticket."""
    return [d.ticket, await make_ticket(d.software), await make_ticket(d.hardware)]


# Per role, the outcome for each of three_tickets, or the refusal of the whole request.
MATRIX: dict[str, list[str | Reason] | Reason] = {
    "admin": [C, C, C],
    "staff_in_scope": [C, Reason.OUT_OF_SCOPE, C],
    "staff_out_of_scope": [Reason.OUT_OF_SCOPE, C, Reason.OUT_OF_SCOPE],
    "assignee_out_of_scope": [C, C, Reason.OUT_OF_SCOPE],  # theirs, their group's scope, neither
    **NOT_STAFF_OUTCOMES,
}


@pytest.mark.parametrize("who", ROLES)
async def test_bulk_matrix(client: httpx.AsyncClient, who: str) -> None:
    d = await desk()
    tickets = await three_tickets(d)
    numbers = [t.number for t in tickets]
    body = await gql(client, BULK, {"input": {"numbers": numbers, "priority": "HIGH"}}, d.token(who))
    expected = MATRIX[who]
    if isinstance(expected, Reason):
        assert mutation_outcome(body, "bulkUpdateTickets") == expected
        if body.get("data"):
            assert body["data"]["bulkUpdateTickets"]["results"] == []
        assert not await Ticket.filter(priority=Priority.HIGH).exists()
        return
    got = outcomes(body["data"]["bulkUpdateTickets"])
    assert got == [(n, R, e) if isinstance(e, Reason) else (n, e, None) for n, e in zip(numbers, expected, strict=True)]
    for ticket, outcome in zip(tickets, expected, strict=True):
        after = await Ticket.get(id=ticket.id)
        assert (after.priority is Priority.HIGH) is (outcome == C)


async def test_one_result_per_ticket_in_order_and_a_refusal_undoes_nothing(client: httpx.AsyncClient) -> None:
    d = await desk()
    in_progress = await Status.get(name="In Progress")
    already = await make_ticket(d.hardware, status=in_progress)
    software = await make_ticket(d.software)
    fresh = await make_ticket(d.hardware)
    numbers = [already.number, 9999, software.number, fresh.number, d.ticket.number, fresh.number]
    payload = await bulk(client, d.token("staff_in_scope"), numbers=numbers, statusId=str(in_progress.id))
    assert payload["errors"] == [] and payload["dryRun"] is False
    assert outcomes(payload) == [
        (already.number, U, None),
        (9999, R, Reason.TICKET_NOT_FOUND),
        (software.number, R, Reason.OUT_OF_SCOPE),  # refused in the middle: the tickets after it still change
        (fresh.number, C, None),
        (d.ticket.number, C, None),
    ]  # a repeated number counts once
    changed = payload["results"][3]["ticket"]
    assert changed["status"] == {"name": "In Progress"} and changed["number"] == fresh.number
    for ticket, moved in ((already, False), (software, False), (fresh, True), (d.ticket, True)):
        assert (await AuditEntry.filter(ticket_id=ticket.id).count() == 1) is moved
        assert (await Ticket.get(id=ticket.id)).status_id == (in_progress.id if moved or ticket is already else
                                                               (await status_of(StatusKind.NEW)).id)  # fmt: skip


async def rows_of(ticket: Ticket) -> tuple[list[Any], list[str]]:
    """What a change wrote about a ticket: (action, before, after) of each audit row, and each outbox topic."""
    audit = await AuditEntry.filter(ticket_id=ticket.id).order_by("id").values_list("action", "before", "after")
    topics = await OutboxMessage.filter(ticket_id=ticket.id).order_by("id").values_list("topic", flat=True)
    return [list(a) for a in audit], list(topics)


SINGLE = {
    "status": mutation_document("changeStatus", "ticket { number }"),
    "assignment": mutation_document("assignTicket", "ticket { number }"),
    "priority": mutation_document("updateTicket", "ticket { number }"),
}


@pytest.mark.parametrize("kind", ["status", "assignment", "priority"])
async def test_each_ticket_gets_the_rows_of_the_single_change(client: httpx.AsyncClient, kind: str) -> None:
    d = await desk()
    resolved = await status_of(StatusKind.RESOLVED)
    # Resolved tickets moved back to work: a reopening, with its email to the assignee (Sam).
    single, bulked = [await make_ticket(d.hardware, assignee=d.sam, status=resolved) for _ in range(2)]
    in_progress = await Status.get(name="In Progress")
    change = {
        "status": {"statusId": str(in_progress.id)},
        "assignment": {"assigneeId": str(d.person("staff_in_scope").id), "groupId": str(d.hardware_team.id)},
        "priority": {"priority": "LOW"},
    }[kind]
    token = d.token("admin")
    name = {"status": "changeStatus", "assignment": "assignTicket", "priority": "updateTicket"}[kind]
    assert (await mutation_payload(client, SINGLE[kind], name, token, {"number": single.number, **change}))[
        "errors"
    ] == []
    payload = await bulk(client, token, numbers=[bulked.number], **change)
    assert outcomes(payload) == [(bulked.number, C, None)]
    assert await rows_of(bulked) == await rows_of(single)
    assert (await rows_of(bulked))[0] != []


async def test_a_bulk_assignment_keeps_what_it_does_not_name_and_checks_each_group(client: httpx.AsyncClient) -> None:
    d = await desk()
    in_team = await make_ticket(d.hardware, group=d.hardware_team)
    other_team = await make_ticket(d.hardware, group=d.software_team)
    sams = await make_ticket(d.hardware, assignee=d.sam, group=d.hardware_team)
    token = d.token("admin")
    payload = await bulk(
        client, token, numbers=[in_team.number, other_team.number, sams.number], assigneeId=str(d.sam.id)
    )
    assert outcomes(payload) == [
        (in_team.number, C, None), (other_team.number, R, Reason.NOT_IN_GROUP), (sams.number, U, None),
    ]  # fmt: skip
    assert refusals(payload["results"][1]) == [(Reason.NOT_IN_GROUP, "assigneeId")]
    assert payload["results"][0]["ticket"]["assignedGroup"] == {"id": str(d.hardware_team.id)}  # kept
    emails = await OutboxMessage.filter(topic="ticket_assigned").values_list("ticket_id", flat=True)
    assert emails == [in_team.id]
    # A group alone keeps each ticket's person, who must be a member of it; null clears the person only.
    moved = await bulk(client, token, numbers=[sams.number, other_team.number], groupId=str(d.software_team.id))
    assert outcomes(moved) == [(sams.number, R, Reason.NOT_IN_GROUP), (other_team.number, U, None)]
    assert refusals(moved["results"][0]) == [(Reason.NOT_IN_GROUP, "groupId")]
    cleared = await bulk(client, token, numbers=[sams.number], assigneeId=None)
    assert cleared["results"][0]["ticket"]["assignee"] is None
    assert cleared["results"][0]["ticket"]["assignedGroup"] == {"id": str(d.hardware_team.id)}


async def state(tickets: list[Ticket]) -> list[tuple[Any, ...]]:
    values = (
        await Ticket.filter(id__in=[t.id for t in tickets])
        .order_by("id")
        .values_list("status_id", "priority", "assignee_id", "assigned_group_id", "updated_at", "reopened")
    )
    return [tuple(v) for v in values]


@pytest.mark.parametrize("kind", ["status", "assignment", "priority"])
async def test_a_dry_run_answers_what_a_run_does_and_changes_nothing(client: httpx.AsyncClient, kind: str) -> None:
    d = await desk()
    resolved = await status_of(StatusKind.RESOLVED)
    tickets = [
        await make_ticket(d.hardware, assignee=d.sam, status=resolved, priority=Priority.LOW),
        await make_ticket(d.software),
        d.ticket,
    ]
    numbers = [t.number for t in tickets] + [9999]
    change = {
        "status": {"statusId": str(resolved.id)},
        "assignment": {"assigneeId": str(d.sam.id)},
        "priority": {"priority": "LOW"},
    }[kind]
    token = d.token("staff_in_scope")
    before = await state(tickets)
    dry = await bulk(client, token, numbers=numbers, dryRun=True, **change)
    assert dry["dryRun"] is True
    assert await state(tickets) == before
    assert not await AuditEntry.exists() and not await OutboxMessage.exists()
    real = await bulk(client, token, numbers=numbers, **change)
    assert real["dryRun"] is False
    assert outcomes(dry) == outcomes(real)
    assert [o for _, o, _ in outcomes(real)] == [U, R, C, R]
    # What the dry run showed of the changed ticket is what the run made of it.
    assert dry["results"][2]["ticket"] == real["results"][2]["ticket"]
    assert await AuditEntry.filter(ticket_id=d.ticket.id).count() == 1


@pytest.mark.parametrize(
    ("given", "reason", "field"),
    [
        ({"numbers": list(range(1, 102)), "priority": "LOW"}, Reason.TOO_MANY_ENTRIES, "numbers"),
        ({"numbers": [], "priority": "LOW"}, Reason.REQUIRED, "numbers"),
        ({"numbers": [1]}, Reason.NO_CHANGE, None),
        ({"numbers": [1], "priority": None, "statusId": None}, Reason.NO_CHANGE, None),
        ({"numbers": [1], "statusId": "STATUS", "priority": "LOW"}, Reason.EXCLUSIVE_ARGUMENTS, "priority"),
        ({"numbers": [1], "statusId": "STATUS", "groupId": None}, Reason.EXCLUSIVE_ARGUMENTS, "groupId"),
        ({"numbers": [1], "priority": "LOW", "assigneeId": "SAM"}, Reason.EXCLUSIVE_ARGUMENTS, "priority"),
        ({"numbers": [1], "statusId": "999"}, Reason.STATUS_NOT_FOUND, "statusId"),
        ({"numbers": [1], "statusId": "x"}, Reason.INVALID_ID, "statusId"),
        ({"numbers": [1], "assigneeId": "OWNER"}, Reason.NOT_STAFF, "assigneeId"),
        ({"numbers": [1], "assigneeId": "SAM", "groupId": "SOFTWARE"}, Reason.NOT_IN_GROUP, "assigneeId"),
        ({"numbers": [1], "groupId": "999"}, Reason.UNKNOWN_ID, "groupId"),
    ],
)
async def test_a_request_that_no_ticket_could_take_is_refused_whole(
    client: httpx.AsyncClient, given: dict[str, Any], reason: Reason, field: str | None
) -> None:
    d = await desk()
    names = {"STATUS": str((await Status.get(name="In Progress")).id), "SAM": str(d.sam.id),
             "OWNER": str(d.person("owner").id), "SOFTWARE": str(d.software_team.id)}  # fmt: skip
    given = {key: names.get(value, value) if isinstance(value, str) else value for key, value in given.items()}
    payload = await bulk(client, d.token("admin"), **given)
    assert_refused(payload, reason, field)
    assert payload["results"] == []
    assert not await AuditEntry.exists() and not await OutboxMessage.exists()


async def test_a_hundred_tickets_is_the_limit_and_allowed(client: httpx.AsyncClient) -> None:
    d = await desk()
    numbers = [d.ticket.number, *range(10_001, 10_100)]
    payload = await bulk(client, d.token("admin"), numbers=numbers, priority="CRITICAL")
    assert len(payload["results"]) == 100
    assert outcomes(payload)[0] == (d.ticket.number, C, None)
    assert {o for _, o, _ in outcomes(payload)[1:]} == {R}
