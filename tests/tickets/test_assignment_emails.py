"""Who hears about an assignment (SPEC 6, 11), caught by a real SMTP server: the new assignee, the previous one only
if they replied on the ticket, nobody about what they did themselves; and the original assignee of a ticket its
requester reopens by replying."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from core import clock
from core.enums import Role, StatusKind
from jobs.email import deliver_pending_emails
from models.replies import Reply
from models.tickets import Ticket
from tests import smtp
from tests.helpers import Person, gql_data, make_person, mutation_payload, status_of
from tests.smtp import SmtpServer
from tests.tickets.assignment_world import ASSIGN, ASSIGN_TO_ME, Desk, desk

# The SMTP fixture, used by name.
smtp_server = smtp.smtp_server


async def delivered(server: SmtpServer) -> set[tuple[str, str]]:
    """(recipient, subject) of every email the outbox holds, delivered through the SMTP server now."""
    await deliver_pending_emails({})
    return {(r.recipients[0], str(r.message["Subject"])) for r in server.received}


def assigned(d: Desk, person: Person) -> tuple[str, str]:
    return person.user.email, f"[#{d.ticket.number}] Assigned to you: {d.ticket.subject}"


def reassigned(d: Desk, person: Person) -> tuple[str, str]:
    return person.user.email, f"[#{d.ticket.number}] Reassigned: {d.ticket.subject}"


async def reply(d: Desk, author: Person, *, internal: bool = False, deleted: bool = False) -> None:
    await Reply.create(
        ticket=d.ticket,
        author=author.user,
        body="On it.",
        internal=internal,
        deleted_at=clock.now() if deleted else None,
    )


async def test_the_new_assignee_and_the_previous_one_who_replied_are_emailed(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    d = await desk()
    previous = d.person("assignee_out_of_scope")
    await reply(d, previous)
    given = {"number": d.ticket.number, "assigneeId": str(d.sam.id)}
    await mutation_payload(client, ASSIGN, "assignTicket", d.token("admin"), given)
    # Not the requester, not the admin who did it.
    assert await delivered(smtp_server) == {assigned(d, d.sam), reassigned(d, previous)}
    text = smtp_server.messages[0].get_body(("plain",))
    assert text is not None and "Sam" in text.get_content()


@pytest.mark.parametrize("history", ["no reply", "only a note", "a deleted reply", "a requester's reply"])
async def test_a_previous_assignee_who_did_not_reply_is_not_emailed(
    client: httpx.AsyncClient, smtp_server: SmtpServer, history: str
) -> None:
    d = await desk()
    previous = d.person("assignee_out_of_scope")
    if history == "only a note":
        await reply(d, previous, internal=True)
    elif history == "a deleted reply":
        await reply(d, previous, deleted=True)
    elif history == "a requester's reply":
        await reply(d, d.person("owner"))
    given = {"number": d.ticket.number, "assigneeId": str(d.sam.id)}
    await mutation_payload(client, ASSIGN, "assignTicket", d.token("admin"), given)
    assert await delivered(smtp_server) == {assigned(d, d.sam)}


async def test_unassigning_tells_the_previous_assignee_who_replied_and_nobody_else(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    d = await desk()
    previous = d.person("assignee_out_of_scope")
    await reply(d, previous)
    await mutation_payload(client, ASSIGN, "assignTicket", d.token("admin"), {"number": d.ticket.number})
    assert await delivered(smtp_server) == {reassigned(d, previous)}
    text = smtp_server.messages[0].get_body(("plain",))
    assert text is not None and "now with nobody (group: no group)" in text.get_content()


async def test_nobody_is_emailed_about_what_they_did_themselves(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    d = await desk()
    previous = d.person("assignee_out_of_scope")
    await reply(d, previous)
    # The previous assignee hands the ticket on: only the new assignee hears of it.
    given = {"number": d.ticket.number, "assigneeId": str(d.sam.id)}
    await mutation_payload(client, ASSIGN, "assignTicket", previous.token, given)
    assert await delivered(smtp_server) == {assigned(d, d.sam)}
    smtp_server.received.clear()
    # Sam, who replied, gives it to the group alone: no new person to tell, and Sam made the change.
    await reply(d, d.sam)
    group_only = {"number": d.ticket.number, "groupId": str(d.hardware_team.id)}
    await mutation_payload(client, ASSIGN, "assignTicket", d.sam.token, group_only)
    assert await delivered(smtp_server) == set()
    # Taking it, by either mutation, emails nobody (the one it is taken from never replied).
    await mutation_payload(client, ASSIGN_TO_ME, "assignToMe", d.token("staff_in_scope"), {"number": d.ticket.number})
    mine = {"number": d.ticket.number, "assigneeId": str(d.sam.id), "groupId": str(d.hardware_team.id)}
    await mutation_payload(client, ASSIGN, "assignTicket", d.sam.token, mine)
    assert (await Ticket.get(id=d.ticket.id)).assignee_id == d.sam.id
    assert await delivered(smtp_server) == set()


async def test_a_group_change_that_keeps_the_person_emails_nobody(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    d = await desk()
    await Ticket.filter(id=d.ticket.id).update(assignee_id=d.sam.id)
    await reply(d, d.sam)
    given = {"number": d.ticket.number, "assigneeId": str(d.sam.id), "groupId": str(d.hardware_team.id)}
    payload = await mutation_payload(client, ASSIGN, "assignTicket", d.token("admin"), given)
    assert payload["errors"] == []
    assert await delivered(smtp_server) == set()


ADD_REPLY = "mutation($i: AddReplyInput!) { addReply(input: $i) { ticket { status { kind } } errors { message } } }"


async def test_a_reopening_by_reply_emails_the_original_assignee(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    d = await desk()
    owner = d.person("owner")
    await mutation_payload(
        client, ASSIGN, "assignTicket", d.token("admin"), {"number": d.ticket.number, "assigneeId": str(d.sam.id)}
    )
    await Ticket.filter(id=d.ticket.id).update(
        status_id=(await status_of(StatusKind.RESOLVED)).id, resolved_at=clock.now() - timedelta(days=1)
    )
    assert await delivered(smtp_server) == {assigned(d, d.sam)}
    smtp_server.received.clear()
    other_staff = await make_person(Role.STAFF)  # never on the ticket: hears nothing
    data = await gql_data(client, ADD_REPLY, {"i": {"number": d.ticket.number, "body": "Broken again."}}, owner.token)
    assert data["addReply"] == {"ticket": {"status": {"kind": "NEW"}}, "errors": []}
    number, subject = d.ticket.number, d.ticket.subject
    assert await delivered(smtp_server) == {
        (d.sam.user.email, f"[#{number}] Reopened: {subject}"),
        (d.sam.user.email, f"[#{number}] New reply: {subject}"),  # the assignee is a participant too
    }
    assert other_staff.user.email not in {r.recipients[0] for r in smtp_server.received}
