"""Input rules from the security review: one plain email address, never a list or a display name (and the
mailer sends to exactly the stored address), and NUL characters refused with a VALIDATION error instead of a
500 (PostgreSQL text cannot hold one). Every DB test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from core.enums import OutboxStatus, Role
from jobs.email import deliver_pending_emails
from models.accounts import User
from models.outbox import OutboxMessage
from models.settings import Setting
from models.tickets import Ticket
from resolvers.kernel.errors import Problems, Reason
from resolvers.kernel.validation import clean_email, is_email_address
from tests import smtp
from tests.helpers import (
    ERRORS,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_guest,
    make_person,
    make_ticket,
    refusals,
)
from tests.smtp import SmtpServer, queue, requester_ticket

smtp_server = smtp.smtp_server

COMMA_LIST = "attacker@evil.example,allstaff,ceo"
DISPLAY_NAME = "bob<victim@corp.example>"

GOOD = [
    "name@example.com",
    "first.last@sub.example.co.uk",
    "o'brien+tag@example.org",
    "a!#$%&*/=?^_`{|}~-@example.com",
    "x@xn--bcher-kva.example",
    "digits123@123.example",
    "a@b.cd",
    ("l" * 64) + "@example.com",
]
BAD = [
    COMMA_LIST,
    DISPLAY_NAME,
    "Bob <bob@example.com>",
    "a@example.com, b@example.com",
    "a@example.com;b@example.com",
    "a(comment)@example.com",
    '"quoted"@example.com',
    "back\\slash@example.com",
    "sp ace@example.com",
    "tab\t@example.com",
    "bell\x07@example.com",
    "a@[192.0.2.1]",
    "a@b@example.com",
    "a@localhost",
    "a@-dash.example",
    "a@dash-.example",
    "a@exa_mple.com",
    "a@example..com",
    "a@.example.com",
    ".a@example.com",
    "a.@example.com",
    "a..b@example.com",
    "bücher@example.com",
    "a@bücher.example",
    ("l" * 65) + "@example.com",
    "a@" + ("d" * 64) + ".example",
    "nope",
    "@example.com",
]


@pytest.mark.parametrize("address", GOOD)
def test_plain_addresses_are_accepted(address: str) -> None:
    assert is_email_address(address.lower())
    problems = Problems()
    assert clean_email(problems, "email", f"  {address.upper()} ") == address.lower()
    assert problems.errors == []


@pytest.mark.parametrize("address", BAD)
def test_anything_but_one_plain_address_is_refused(address: str) -> None:
    problems = Problems()
    clean_email(problems, "email", address)
    assert [(e.reason, e.field) for e in problems.errors] == [(Reason.INVALID_EMAIL, "email")]


def test_an_address_over_254_characters_names_the_limit() -> None:
    problems = Problems()
    clean_email(problems, "email", "a@" + ".".join(["d" * 60] * 5) + ".example")
    assert [(e.reason, e.field) for e in problems.errors] == [(Reason.TOO_LONG, "email")]
    assert problems.errors[0].message == "email is 314 characters; the maximum is 254."


REGISTER = f"""mutation($i: RegisterInput!) {{ register(input: $i) {{ token {ERRORS} }} }}"""
CREATE_USER = f"""mutation($i: CreateUserInput!) {{ createUser(input: $i) {{ user {{ id }} {ERRORS} }} }}"""
SUBMIT = f"""mutation($i: SubmitGuestTicketInput!) {{ submitGuestTicket(input: $i) {{ trackingRef {ERRORS} }} }}"""
LINK = f"""mutation($i: RequestGuestLinkInput!) {{ requestGuestLink(input: $i) {{ accepted {ERRORS} }} }}"""
CREATE_TICKET = f"""mutation($i: CreateTicketInput!) {{ createTicket(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"""
ADD_REPLY = f"""mutation($i: AddReplyInput!) {{ addReply(input: $i) {{ reply {{ id }} {ERRORS} }} }}"""
LOGIN = f"""mutation($i: LoginInput!) {{ login(input: $i) {{ token {ERRORS} }} }}"""
TICKETS = """query($s: String) { tickets(filter: {search: $s}) { totalCount } }"""
USERS = """query($s: String) { users(search: $s) { totalCount } }"""


@pytest.mark.parametrize("address", [COMMA_LIST, DISPLAY_NAME, "bob <bob@example.com>", "a@example.com;b@c.example"])
async def test_register_create_user_and_guest_submission_refuse_address_lists(
    client: httpx.AsyncClient, address: str
) -> None:
    await Setting.create(key="self_registration_enabled", value=True)
    await Setting.create(key="guest_submission_enabled", value=True)
    admin = await make_person(Role.ADMIN)
    category = await make_category()

    registered = await gql_data(client, REGISTER, {"i": {"email": address, "name": "Bob", "password": "x" * 12}})
    assert_refused(registered["register"], Reason.INVALID_EMAIL, "email")
    assert registered["register"]["token"] is None

    created = await gql_data(
        client, CREATE_USER, {"i": {"email": address, "name": "Bob", "role": "USER"}}, token=admin.token
    )
    assert_refused(created["createUser"], Reason.INVALID_EMAIL, "email")

    submitted = await gql_data(
        client, SUBMIT, {"i": {"email": address, "subject": "s", "description": "d", "categoryId": str(category.id)}}
    )
    assert_refused(submitted["submitGuestTicket"], Reason.INVALID_EMAIL, "email")

    assert await User.filter(role=Role.USER).count() == 0
    assert await Ticket.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_a_plain_address_still_registers(client: httpx.AsyncClient) -> None:
    await Setting.create(key="self_registration_enabled", value=True)
    result = await gql_data(
        client, REGISTER, {"i": {"email": "O'Brien+desk@Example.org", "name": "Pat", "password": "x" * 12}}
    )
    assert result["register"]["errors"] == [] and result["register"]["token"]
    assert await User.exists(email="o'brien+desk@example.org")


async def test_the_mailer_sends_only_to_the_stored_address(db: str, smtp_server: SmtpServer) -> None:
    """An address written before the rule existed is never sent (SMTP would read a list out of it), and the
    envelope names the stored address alone, so the To header is never read for recipients."""
    _, ticket = await requester_ticket()
    await queue("ticket_created", ticket, "attacker@evil.example, allstaff@corp.example")
    await queue("ticket_created", ticket, "requester@example.com")
    await deliver_pending_emails({})
    envelopes = [r.recipients for r in smtp_server.received]
    assert envelopes == [["requester@example.com"]]
    rows = {row.payload["to"]: row for row in await OutboxMessage.all()}
    assert rows["requester@example.com"].status is OutboxStatus.SENT
    refused = rows["attacker@evil.example, allstaff@corp.example"]
    assert (refused.status, refused.last_error) == (
        OutboxStatus.FAILED,
        "the recipient is not one plain email address.",
    )


# NUL characters


async def test_nul_in_text_inputs_is_a_validation_error_naming_the_field(client: httpx.AsyncClient) -> None:
    await Setting.create(key="self_registration_enabled", value=True)
    user = await make_person()
    category = await make_category()
    ticket = await make_ticket(category, requester=user)

    created = await gql_data(
        client,
        CREATE_TICKET,
        {"i": {"subject": "Printer\x00", "description": "smoke\x00", "categoryId": str(category.id)}},
        token=user.token,
    )
    nul = Reason.CONTAINS_NUL
    assert refusals(created["createTicket"]) == [(nul, "subject"), (nul, "description")]
    assert created["createTicket"]["errors"][0]["message"] == "subject contains a NUL character, which is not allowed."

    replied = await gql_data(client, ADD_REPLY, {"i": {"number": ticket.number, "body": "a\x00b"}}, token=user.token)
    assert_refused(replied["addReply"], nul, "body")

    registered = await gql_data(
        client, REGISTER, {"i": {"email": "new\x00@example.com", "name": "N\x00", "password": "x" * 12}}
    )
    assert refusals(registered["register"]) == [(nul, "email"), (nul, "name")]
    assert await Ticket.all().count() == 1


async def test_nul_in_guest_inputs_is_a_validation_error(client: httpx.AsyncClient) -> None:
    await Setting.create(key="guest_submission_enabled", value=True)
    category = await make_category()
    guest = await make_guest(await make_ticket(category))
    submitted = await gql_data(
        client,
        SUBMIT,
        {"i": {"email": "v\x00@example.net", "subject": "s\x00", "description": "d", "categoryId": str(category.id)}},
    )
    nul = Reason.CONTAINS_NUL
    assert refusals(submitted["submitGuestTicket"]) == [(nul, "email"), (nul, "subject")]
    linked = await gql_data(client, LINK, {"i": {"email": "v\x00@example.net", "trackingRef": "ABCDEFGHIJ"}})
    assert_refused(linked["requestGuestLink"], nul, "email")
    replied = await gql_data(client, ADD_REPLY, {"i": {"number": guest.ticket.number, "body": "\x00"}}, guest.token)
    assert_refused(replied["addReply"], nul, "body")


async def test_nul_in_a_login_email_is_the_ordinary_login_failure(client: httpx.AsyncClient) -> None:
    await make_person(email="pat@example.com")
    result = await gql_data(client, LOGIN, {"i": {"email": "pat@example.com\x00", "password": "whatever!!"}})
    assert result["login"]["token"] is None
    assert_refused(result["login"], Reason.LOGIN_FAILED)


async def test_nul_in_searches_is_refused_cleanly(client: httpx.AsyncClient) -> None:
    staff = await make_person(Role.STAFF)
    for query, field in ((TICKETS, "filter.search"), (USERS, "search")):
        body = await gql(client, query, {"s": "print\x00er"}, token=staff.token)
        assert body["data"] is None
        assert_query_refused(body, Reason.CONTAINS_NUL, field)
