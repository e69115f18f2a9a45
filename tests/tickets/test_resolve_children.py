"""resolveChildren (SPEC 5) through GraphQL: every open child resolved with the parent's notes in one transaction,
each exactly as resolveTicket would (audit, email, events), what happened to each child, the dry run, and who may."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import LinkType, Role, StatusKind
from jobs.email import deliver_pending_emails
from models.audit import AuditEntry
from models.cti import Category
from models.links import TicketLink
from models.outbox import OutboxMessage
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests import smtp
from tests.helpers import (
    ERRORS,
    STAFF_CHANGE_OUTCOMES,
    Guest,
    Person,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
    mutation_outcome,
    status_of,
)
from tests.smtp import SmtpServer

smtp_server = smtp.smtp_server

RESOLVE_CHILDREN = f"""mutation($i: ResolveChildrenInput!) {{ resolveChildren(input: $i) {{
  ticket {{ number status {{ kind }} }} dryRun
  children {{ ticket {{ number status {{ kind }} resolutionNotes }} outcome error {{ code reason field message }} }}
  {ERRORS} }} }}"""
RESOLVE = f"""mutation($i: ResolveTicketInput!) {{ resolveTicket(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"""

NOTES = "The print server was restarted."


async def family() -> tuple[Person, Person, Ticket, dict[str, Ticket]]:
    """A scoped staff member, a requester, and a Resolved parent (with notes) in scope whose children are: two open
    ones in scope, one already Resolved, one Closed, and one open outside the staff member's scope."""
    hardware, software = await make_category("Hardware"), await make_category("Software")
    staff, owner = await make_person(Role.STAFF), await make_person(Role.USER, email="owner@example.com")
    await make_group("Desk", members=[staff], scope=[(hardware, None)])
    resolved, closed = await status_of(StatusKind.RESOLVED), await status_of(StatusKind.CLOSED)
    parent = await make_ticket(hardware, requester=owner, subject="Printing is down", status=resolved)
    await Ticket.filter(id=parent.id).update(resolution_notes=NOTES)
    children = {
        "open": await make_ticket(hardware, requester=owner, subject="Cannot print"),
        "in progress": await make_ticket(hardware, requester=owner, subject="Queue stuck"),
        "resolved": await make_ticket(hardware, requester=owner, subject="Old one", status=resolved),
        "closed": await make_ticket(hardware, requester=owner, subject="Older one", status=closed),
        "out of scope": await make_ticket(software, requester=owner, subject="Printer driver"),
    }
    for child in children.values():
        await TicketLink.create(source_id=parent.id, target_id=child.id, type=LinkType.PARENT_OF)
        await TicketLink.create(source_id=child.id, target_id=parent.id, type=LinkType.CHILD_OF)
    # A related ticket is no child.
    related = await make_ticket(hardware, requester=owner, subject="Related")
    await TicketLink.create(source_id=parent.id, target_id=related.id, type=LinkType.RELATED_TO)
    await TicketLink.create(source_id=related.id, target_id=parent.id, type=LinkType.RELATED_TO)
    return staff, owner, parent, children


async def resolve_children(
    client: httpx.AsyncClient, token: str | None, number: int, dry_run: bool = False
) -> dict[str, Any]:
    return await gql(client, RESOLVE_CHILDREN, {"i": {"number": number, "dryRun": dry_run}}, token)


def outcomes(payload: dict[str, Any]) -> list[tuple[int, str, str | None]]:
    return [
        (c["ticket"]["number"], c["outcome"], c["error"]["reason"] if c["error"] else None) for c in payload["children"]
    ]


async def written() -> tuple[list[Any], list[Any], list[Any]]:
    """Everything a change could have written: statuses and notes of every ticket, audit rows, outbox rows."""
    tickets = await Ticket.all().order_by("id").values_list("status_id", "resolution_notes", "resolved_at")
    audit = await AuditEntry.all().values_list("id", flat=True)
    outbox = await OutboxMessage.all().values_list("id", flat=True)
    return list(tickets), list(audit), list(outbox)


def expected_outcomes(children: dict[str, Ticket]) -> list[tuple[int, str, str | None]]:
    return [
        (children["open"].number or 0, "RESOLVED", None),
        (children["in progress"].number or 0, "RESOLVED", None),
        (children["resolved"].number or 0, "ALREADY_RESOLVED", None),
        (children["closed"].number or 0, "ALREADY_CLOSED", None),
        (children["out of scope"].number or 0, "REFUSED", "OUT_OF_SCOPE"),
    ]


async def test_open_children_are_resolved_with_the_parents_notes_and_emailed(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    staff, _, parent, children = await family()
    body = await resolve_children(client, staff.token, parent.number or 0)
    payload = body["data"]["resolveChildren"]
    assert payload["errors"] == [] and payload["dryRun"] is False
    assert payload["ticket"] == {"number": parent.number, "status": {"kind": "RESOLVED"}}
    assert outcomes(payload) == expected_outcomes(children)
    shown = {c["ticket"]["number"]: (c["ticket"]["status"]["kind"], c["ticket"]["resolutionNotes"]) for c in
             payload["children"]}  # fmt: skip
    assert shown[children["open"].number] == ("RESOLVED", NOTES)
    assert shown[children["out of scope"].number] == ("NEW", None)
    (error,) = [c["error"] for c in payload["children"] if c["error"]]
    assert (error["code"], error["field"]) == ("FORBIDDEN", None)

    resolved_ids = [children["open"].id, children["in progress"].id]
    for name, child in children.items():
        after = await Ticket.get(id=child.id)
        if child.id in resolved_ids:
            assert (after.status_id, after.resolution_notes) == ((await status_of(StatusKind.RESOLVED)).id, NOTES)
            assert after.resolved_at is not None
        else:
            assert (after.status_id, after.resolution_notes) == (child.status_id, None), name
    # Each resolved child: its audit row and events, as resolveTicket writes them; nothing for the others.
    assert sorted(await AuditEntry.filter(action="ticket.resolved").values_list("ticket_id", flat=True)) == resolved_ids
    for topic in ("ticket.status_changed", "ticket.resolved"):
        assert sorted(await OutboxMessage.filter(topic=topic).values_list("ticket_id", flat=True)) == resolved_ids
    # The requester hears about each resolved child, with the parent's notes.
    assert await deliver_pending_emails({}) == 2
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    resolved_now = [children["open"], children["in progress"]]
    assert subjects == sorted(f"[#{child.number}] Resolved: {child.subject}" for child in resolved_now)
    for message in smtp_server.messages:
        assert message["To"] == "owner@example.com"
        assert NOTES in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_child_gets_the_same_rows_as_a_single_resolve(client: httpx.AsyncClient) -> None:
    staff, owner, parent, children = await family()
    alone = await make_ticket(await Category.get(name="Hardware"), requester=owner)
    body = await gql_data(client, RESOLVE, {"i": {"number": alone.number, "resolutionNotes": NOTES}}, staff.token)
    assert body["resolveTicket"]["errors"] == []
    await resolve_children(client, staff.token, parent.number or 0)

    async def rows_of(ticket_id: int) -> tuple[list[Any], list[Any]]:
        audit = await AuditEntry.filter(ticket_id=ticket_id).order_by("id").values_list("action", "actor_id", "after")
        outbox = await OutboxMessage.filter(ticket_id=ticket_id).order_by("id").values_list("channel", "topic")
        return [(a, b, {k: v for k, v in (c or {}).items() if k != "status_id"}) for a, b, c in audit], list(outbox)

    assert await rows_of(children["open"].id) == await rows_of(alone.id)


async def test_a_dry_run_says_the_same_and_changes_nothing(client: httpx.AsyncClient) -> None:
    staff, _, parent, children = await family()
    before = await written()
    body = await resolve_children(client, staff.token, parent.number or 0, dry_run=True)
    payload = body["data"]["resolveChildren"]
    assert payload["errors"] == [] and payload["dryRun"] is True
    assert outcomes(payload) == expected_outcomes(children)
    assert all(c["ticket"]["status"]["kind"] != "RESOLVED" or c["outcome"] == "ALREADY_RESOLVED"
               for c in payload["children"])  # fmt: skip
    assert await written() == before
    # And the real run then does what the dry run said.
    real = (await resolve_children(client, staff.token, parent.number or 0))["data"]["resolveChildren"]
    assert outcomes(real) == outcomes(payload)


async def test_the_parent_must_be_resolved_in_scope_and_known(client: httpx.AsyncClient) -> None:
    staff, _, parent, children = await family()
    await Ticket.filter(id=parent.id).update(status_id=(await status_of(StatusKind.NEW)).id)
    before = await written()
    # Reopened, it still has its old notes; they are not the answer yet.
    payload = (await resolve_children(client, staff.token, parent.number or 0))["data"]["resolveChildren"]
    assert_refused(payload, Reason.PARENT_NOT_RESOLVED, "number")
    assert payload["children"] == []
    payload = (await resolve_children(client, staff.token, 999_999))["data"]["resolveChildren"]
    assert_refused(payload, Reason.TICKET_NOT_FOUND, "number")
    # A parent outside the staff member's scope (its child is in scope).
    outside = children["out of scope"]
    await TicketLink.filter(source_id=outside.id).delete()
    await TicketLink.filter(target_id=outside.id).delete()
    await TicketLink.create(source_id=outside.id, target_id=children["open"].id, type=LinkType.PARENT_OF)
    await TicketLink.create(source_id=children["open"].id, target_id=outside.id, type=LinkType.CHILD_OF)
    await Ticket.filter(id=outside.id).update(status_id=(await status_of(StatusKind.RESOLVED)).id)
    before = await written()
    payload = (await resolve_children(client, staff.token, outside.number or 0))["data"]["resolveChildren"]
    assert_refused(payload, Reason.OUT_OF_SCOPE, "number")
    assert await written() == before


async def test_a_parent_without_children_answers_an_empty_list(client: httpx.AsyncClient) -> None:
    _, owner, _, _ = await family()
    lone = await make_ticket(await make_category(), requester=owner, status=await status_of(StatusKind.CLOSED))
    admin = await make_person(Role.ADMIN)
    payload = (await resolve_children(client, admin.token, lone.number or 0))["data"]["resolveChildren"]
    assert (payload["errors"], payload["children"]) == ([], [])


EXPECTED = STAFF_CHANGE_OUTCOMES


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("dry_run", [False, True])
async def test_resolve_children_matrix(client: httpx.AsyncClient, who: str, dry_run: bool) -> None:
    staff, owner, parent, children = await family()
    people: dict[str, Person | Guest | None] = {
        "admin": await make_person(Role.ADMIN),
        "staff_in_scope": staff,
        "staff_out_of_scope": await make_person(Role.STAFF),
        "owner": owner,
        "other_user": await make_person(Role.USER),
        "anonymous": None,
    }
    people["guest"] = await make_guest(await make_ticket(await Category.get(name="Hardware")))
    person = people[who]
    before = await written()
    body = await resolve_children(client, person.token if person else None, parent.number or 0, dry_run)
    assert mutation_outcome(body, "resolveChildren") == EXPECTED[who]
    changed = await written() != before
    assert changed is (EXPECTED[who] is None and not dry_run)
    if EXPECTED[who] is None:
        # Admins have every child in scope; staff get the one outside theirs refused.
        expected = expected_outcomes(children)
        if who == "admin":
            expected[-1] = (expected[-1][0], "RESOLVED", None)
        assert outcomes(body["data"]["resolveChildren"]) == expected
