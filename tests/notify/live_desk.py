"""A small help desk for the subscription tests: one person per role of the permission matrix; in the in-scope
category a ticket of the owner's, a guest's ticket and one of the other user's; one of the other user's in the
other category; and the mutations the tests make through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.enums import Role
from tests.helpers import Guest, Person, make_category, make_group, make_guest, make_person, make_ticket
from tests.live import LiveServer

ERRORS = "errors { reason message }"
REPLY = f"mutation($i: AddReplyInput!) {{ addReply(input: $i) {{ reply {{ id }} {ERRORS} }} }}"
EDIT_REPLY = f"mutation($i: EditReplyInput!) {{ editReply(input: $i) {{ reply {{ id }} {ERRORS} }} }}"
DELETE_REPLY = f"mutation($i: DeleteReplyInput!) {{ deleteReply(input: $i) {{ reply {{ id }} {ERRORS} }} }}"
UPDATE = f"mutation($i: UpdateTicketInput!) {{ updateTicket(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"
ASSIGN = f"mutation($i: AssignTicketInput!) {{ assignTicket(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"
RESOLVE = f"mutation($i: ResolveTicketInput!) {{ resolveTicket(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"
LINK = f"mutation($i: LinkTicketsInput!) {{ linkTickets(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"
CREATE = f"mutation($i: CreateTicketInput!) {{ createTicket(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"
CREATE_KEY = f"""mutation($i: CreateApiKeyInput!) {{ createApiKey(input: $i) {{
  apiKey {{ id }} plaintextKey {ERRORS} }} }}"""
REVOKE_KEY = f"mutation($i: RevokeApiKeyInput!) {{ revokeApiKey(input: $i) {{ apiKey {{ id }} {ERRORS} }} }}"
UPDATE_USER = f"mutation($i: UpdateUserInput!) {{ updateUser(input: $i) {{ user {{ id }} {ERRORS} }} }}"
# A whole desk made through the API, for tests that run `helpdesk serve` (no database of their own to write to).
SETUP = f"mutation($i: SetupFirstAdminInput!) {{ setupFirstAdmin(input: $i) {{ token {ERRORS} }} }}"
CATEGORY = f'mutation {{ createCategory(input: {{name: "Hardware"}}) {{ category {{ id }} {ERRORS} }} }}'
CREATE_USER = f"mutation($i: CreateUserInput!) {{ createUser(input: $i) {{ user {{ id }} {ERRORS} }} }}"
LOGIN = f"mutation($i: LoginInput!) {{ login(input: $i) {{ token {ERRORS} }} }}"
PASSWORD = "a long enough password"


@dataclass
class Desk:
    server: LiveServer
    admin: Person
    staff_in: Person
    staff_out: Person
    owner: Person
    other: Person
    guest: Guest
    number: int
    guest_number: int
    other_number: int
    outside_number: int
    category_id: int

    def token(self, role: str) -> str | None:
        """The token of a role of the matrix; None for anonymous."""
        if role == "anonymous":
            return None
        if role == "guest":
            return self.guest.token
        person: Person = getattr(self, role)
        return person.token

    async def run(self, document: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        """A mutation through POST /graphql that must succeed (no payload errors); its payload."""
        data = await self.server.gql(document, {"i": variables}, token or self.admin.token)
        payload: dict[str, Any] = next(iter(data.values()))
        assert payload["errors"] == [], payload
        return payload

    async def reply(self, number: int, body: str, *, internal: bool = False, by: str | None = None) -> str:
        """Post a reply (or a note); its id."""
        payload = await self.run(REPLY, {"number": number, "body": body, "internal": internal}, by and self.token(by))
        reply_id: str = payload["reply"]["id"]
        return reply_id

    async def touch(self, number: int, subject: str) -> None:
        """A change every role that sees the ticket hears about (ticket.updated)."""
        await self.run(UPDATE, {"number": number, "subject": subject})


async def open_desk(server: LiveServer) -> Desk:
    inside, outside = await make_category(), await make_category()
    staff_in, staff_out = await make_person(Role.STAFF), await make_person(Role.STAFF)
    await make_group(members=[staff_in], scope=[(inside, None)])
    await make_group(members=[staff_out], scope=[(outside, None)])
    owner, other = await make_person(), await make_person()
    ticket = await make_ticket(inside, requester=owner)
    guest = await make_guest(await make_ticket(inside))
    others = await make_ticket(inside, requester=other)
    elsewhere = await make_ticket(outside, requester=other)
    return Desk(
        server, await make_person(Role.ADMIN), staff_in, staff_out, owner, other, guest, ticket.number,
        guest.ticket.number, others.number, elsewhere.number, inside.id,
    )  # fmt: skip


async def run(server: LiveServer, document: str, variables: dict[str, Any], token: str | None = None) -> Any:
    """A mutation through POST /graphql that must succeed; its payload."""
    payload = next(iter((await server.gql(document, {"i": variables}, token)).values()))
    assert payload["errors"] == [], payload
    return payload


async def desk_on(server: LiveServer) -> tuple[str, str, str, int]:
    """The first admin, a requester with a ticket: (admin token, user token, user id, ticket number)."""
    admin = (await run(server, SETUP, {"email": "ops@example.com", "name": "Ops", "password": PASSWORD}))["token"]
    category = (await server.gql(CATEGORY, token=admin))["createCategory"]["category"]["id"]
    person = {"email": "ann@example.com", "name": "Ann", "role": "USER", "password": PASSWORD}
    user_id = (await run(server, CREATE_USER, person, admin))["user"]["id"]
    user = (await run(server, LOGIN, {"email": "ann@example.com", "password": PASSWORD}))["token"]
    ticket = {"subject": "Laptop will not boot", "description": "Since Monday.", "categoryId": category}
    number = (await run(server, CREATE, ticket, user))["ticket"]["number"]
    return admin, user, user_id, number
