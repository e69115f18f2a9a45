"""Guest access tokens (SPEC 10): what a token opens, what it never opens, and what a guest reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from core import clock
from core.config import reset_config
from core.enums import Role, StatusKind
from models.audit import AuditEntry
from models.replies import Reply
from models.tickets import Ticket
from resolvers.accounts.authentication import authenticate
from resolvers.guests.tokens import read_guest_token, sign_guest_token
from resolvers.kernel.errors import Reason
from tests.helpers import (
    ERRORS,
    Guest,
    Person,
    assert_query_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
    status_of,
)

ONE = "query($n: Int!) { ticket(number: $n) { number subject } }"
SHOWN = """number subject description descriptionHtml priority status { kind } category { name } resolutionNotes
  guestEmail replies { body internal deleted guestEmail author { name } }"""
# Who asked, who works on it, who changed what and the addresses of staff: refused to a guest, field by field.
HIDDEN = {
    "Ticket.requester": "requester { id }",
    "Ticket.assignee": "assignee { id name }",
    "Ticket.assignedGroup": "assignedGroup { id }",
    "Ticket.history": "history { action }",
    "User.email": "replies { author { email } }",
}


def ticket_query(selection: str) -> str:
    return "query($n: Int!) { ticket(number: $n) { " + selection + " } }"


EVERYTHING = ticket_query(SHOWN)


@dataclass
class World:
    staff: Person
    ticket: Ticket  # the guest's
    guest: Guest
    other: Ticket  # another guest's


async def guest_ticket_world() -> World:
    category = await make_category("Hardware")
    staff = await make_person(Role.STAFF, name="Sam Staff")
    group = await make_group("Desk", members=[staff], scope=[(category, None)])
    ticket = await make_ticket(category, assignee=staff, group=group, subject="Printer on fire")
    guest = await make_guest(ticket, email="visitor@example.net")
    other = await make_ticket(category, subject="Someone else's")
    await make_guest(other)
    return World(staff=staff, ticket=ticket, guest=guest, other=other)


async def test_a_guest_token_opens_its_ticket_and_no_other(client: httpx.AsyncClient) -> None:
    w = await guest_ticket_world()
    guest, ticket, other = w.guest, w.ticket, w.other
    own = await gql_data(client, ONE, {"n": ticket.number}, guest.token)
    assert own["ticket"] == {"number": ticket.number, "subject": "Printer on fire"}
    # Another guest ticket, a user's ticket and a missing number all look the same: null.
    user_ticket = await make_ticket(await make_category(), requester=await make_person(Role.USER))
    for number in (other.number, user_ticket.number, 424242):
        assert await gql(client, ONE, {"n": number}, guest.token) == {"data": {"ticket": None}}


async def test_a_guest_reads_the_ticket_and_public_thread_but_nothing_else(client: httpx.AsyncClient) -> None:
    w = await guest_ticket_world()
    ticket, staff, guest = w.ticket, w.staff, w.guest
    await Ticket.filter(id=ticket.id).update(resolution_notes="Replaced the fuser")
    await Reply.create(ticket_id=ticket.id, author_id=staff.id, body="We are on it")
    await Reply.create(ticket_id=ticket.id, author_id=staff.id, body="Secret note", internal=True)
    await Reply.create(
        ticket_id=ticket.id,
        guest_email="visitor@example.net",
        body="Deleted words",
        deleted_at=clock.now(),
    )
    await Reply.create(ticket_id=ticket.id, guest_email="visitor@example.net", body="Thanks")
    await AuditEntry.create(actor_id=staff.id, action="ticket.updated", entity_type="ticket", entity_id="1",
                            ticket_id=ticket.id, after={"assignee_id": staff.id})  # fmt: skip
    seen = (await gql_data(client, EVERYTHING, {"n": ticket.number}, guest.token))["ticket"]
    assert seen["subject"] == "Printer on fire"
    assert seen["status"] == {"kind": "NEW"} and seen["category"] == {"name": "Hardware"}
    assert seen["resolutionNotes"] == "Replaced the fuser"
    assert seen["guestEmail"] == "visitor@example.net"  # their own address
    assert seen["replies"] == [
        {
            "body": "We are on it",
            "internal": False,
            "deleted": False,
            "guestEmail": None,
            "author": {"name": "Sam Staff"},
        },
        {"body": "Thanks", "internal": False, "deleted": False, "guestEmail": "visitor@example.net", "author": None},
    ]
    assert "Secret" not in str(seen) and "Deleted words" not in str(seen)
    # Who works on it and who changed what stays with people who have an account: asking is refused, whole.
    for field, selection in HIDDEN.items():
        refused = await gql(client, ticket_query(selection), {"n": ticket.number}, guest.token)
        assert refused["data"] is None, field
        assert_query_refused(refused, Reason.FIELD_NOT_ALLOWED, field)
    # Staff see all of it, the guest's address included.
    everything = ticket_query(SHOWN + " " + " ".join(HIDDEN.values()))
    staff_view = (await gql_data(client, everything, {"n": ticket.number}, staff.token))["ticket"]
    assert staff_view["guestEmail"] == "visitor@example.net"
    assert staff_view["assignee"]["name"] == "Sam Staff" and len(staff_view["replies"]) == 4
    assert staff_view["assignedGroup"] is not None and staff_view["replies"][0]["author"]["email"] == staff.user.email
    assert staff_view["history"] == [{"action": "ticket.updated"}]


async def test_tampered_tokens_are_no_credential(client: httpx.AsyncClient) -> None:
    w = await guest_ticket_world()
    guest, ticket, other = w.guest, w.ticket, w.other
    token = guest.token
    body, _, signature = token.rpartition(".")
    ticket_part, expires, tag = body.removeprefix("hdg_").split(".")
    forged = [
        f"hdg_{other.id}.{expires}.{tag}.{signature}",  # another ticket
        f"hdg_{ticket_part}.{int(expires) + 86400}.{tag}.{signature}",  # a later expiry
        body + "." + signature[:-2] + ("AA" if not signature.endswith("AA") else "BB"),  # a flipped signature
        body + ".",
        "hdg_",
        "hdg_1.2.3",
        "hdg_" + "é" * 10,
        token + "x",
    ]
    for bad in forged:
        assert read_guest_token(bad) is None, bad
        assert await authenticate(bad) is None, bad
        if bad.isascii():  # HTTP headers are ASCII
            response = await gql(client, ONE, {"n": ticket.number}, bad)
            assert_query_refused(response, Reason.SIGN_IN_REQUIRED, "Query.ticket")
    # A token signed with another SECRET_KEY is worthless here.
    import os

    previous = os.environ.get("SECRET_KEY")
    os.environ["SECRET_KEY"] = "another installation"
    reset_config()
    foreign = sign_guest_token(ticket.id, guest.email, 7)
    if previous is None:
        del os.environ["SECRET_KEY"]
    else:
        os.environ["SECRET_KEY"] = previous
    reset_config()
    assert await authenticate(foreign) is None
    assert await authenticate(token) is not None


async def test_tokens_expire_after_guest_link_days(client: httpx.AsyncClient) -> None:
    w = await guest_ticket_world()
    start = clock.now()
    clock.set_now(start)
    token = sign_guest_token(w.ticket.id, w.guest.email, 7)
    clock.set_now(start + timedelta(days=7) - timedelta(seconds=1))
    assert (await gql_data(client, ONE, {"n": w.ticket.number}, token))["ticket"] is not None
    clock.set_now(start + timedelta(days=7, seconds=1))
    expired = await gql(client, ONE, {"n": w.ticket.number}, token)
    assert_query_refused(expired, Reason.SIGN_IN_REQUIRED, "Query.ticket")


async def test_a_token_stops_working_when_its_ticket_changes_hands_or_goes(client: httpx.AsyncClient) -> None:
    w = await guest_ticket_world()
    ticket, guest = w.ticket, w.guest
    assert await authenticate(guest.token) is not None
    await Ticket.filter(id=ticket.id).update(guest_email="someone.else@example.net")
    assert await authenticate(guest.token) is None
    await Ticket.filter(id=ticket.id).update(guest_email=guest.email)
    assert await authenticate(guest.token) is not None
    await Ticket.filter(id=ticket.id).update(requester_id=(await make_person(Role.USER)).id)
    assert await authenticate(guest.token) is None


# The gate refuses what a guest may never ask for, naming the field; categories are allowed while guest submission
# is on, so with it off (the default) the resolver refuses them.
LISTS = [
    ("{ tickets { totalCount } }", Reason.FIELD_NOT_ALLOWED, "Query.tickets"),
    ("{ users { totalCount } }", Reason.FIELD_NOT_ALLOWED, "Query.users"),
    ("{ groups { id } }", Reason.FIELD_NOT_ALLOWED, "Query.groups"),
    ("{ settings { reopenWindowDays } }", Reason.FIELD_NOT_ALLOWED, "Query.settings"),
    ("{ statuses { id } }", Reason.FIELD_NOT_ALLOWED, "Query.statuses"),
    ("{ categories { id } }", Reason.GUEST_NOT_ALLOWED, None),
    ("{ myApiKeys { id } }", Reason.FIELD_NOT_ALLOWED, "Query.myApiKeys"),
    ("{ outbox { totalCount } }", Reason.FIELD_NOT_ALLOWED, "Query.outbox"),
    ("{ auditLog { totalCount } }", Reason.FIELD_NOT_ALLOWED, "Query.auditLog"),
]


@pytest.mark.parametrize(("document", "reason", "field"), LISTS)
async def test_guests_see_no_lists_and_no_admin_data(
    client: httpx.AsyncClient, document: str, reason: Reason, field: str | None
) -> None:
    w = await guest_ticket_world()
    body = await gql(client, document, token=w.guest.token)
    assert_query_refused(body, reason, field)
    assert body.get("data") is None or not any(body["data"].values())


async def test_me_is_null_for_a_guest(client: httpx.AsyncClient) -> None:
    w = await guest_ticket_world()
    assert (await gql_data(client, "{ me { id } }", token=w.guest.token))["me"] is None


ACCOUNT_MUTATIONS = [
    (f"mutation {{ logout {{ ok {ERRORS} }} }}", "logout"),
    (f'mutation {{ createApiKey(input: {{name: "k"}}) {{ {ERRORS} }} }}', "createApiKey"),
    (f'mutation {{ createCategory(input: {{name: "c"}}) {{ {ERRORS} }} }}', "createCategory"),
    (f"mutation {{ updateSettings(input: {{reopenWindowDays: 1}}) {{ {ERRORS} }} }}", "updateSettings"),
    (f'mutation {{ createGroup(input: {{name: "g"}}) {{ {ERRORS} }} }}', "createGroup"),
    (
        'mutation { createUser(input: {email: "a@b.cd", name: "A", role: USER, password: "0123456789ab"}) '
        f"{{ {ERRORS} }} }}",
        "createUser",
    ),
]


@pytest.mark.parametrize(("document", "name"), ACCOUNT_MUTATIONS)
async def test_mutations_that_need_an_account_are_forbidden_for_guests(
    client: httpx.AsyncClient, document: str, name: str
) -> None:
    w = await guest_ticket_world()
    body = await gql(client, document, token=w.guest.token)
    # Refused before it runs (resolvers/guests/fields.py lists what a guest may call): nothing is written.
    assert body["data"] is None
    assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, f"Mutation.{name}")
    assert await AuditEntry.all().count() == 0


async def test_a_guest_can_read_a_closed_ticket(client: httpx.AsyncClient) -> None:
    w = await guest_ticket_world()
    await Ticket.filter(id=w.ticket.id).update(status_id=(await status_of(StatusKind.CLOSED)).id)
    data = await gql_data(client, EVERYTHING, {"n": w.ticket.number}, w.guest.token)
    assert data["ticket"]["status"] == {"kind": "CLOSED"}
