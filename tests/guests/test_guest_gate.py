"""The gate for people without an account (resolvers/guests/fields.py, schema/field_gate.py): an operation asking
for a field outside the allow-list is refused whole, before it runs, naming the field; however the field is
hidden in the document (fragments, inline fragments, aliases, skipped directives)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType

from core.enums import Role
from models.outbox import OutboxMessage
from models.replies import Reply
from models.settings import Setting
from models.tickets import Ticket
from resolvers.guests.fields import ALLOWED_FIELDS, OWN_ACCOUNT_ROOTS
from resolvers.kernel.errors import Reason
from schema.root import build_schema
from tests.helpers import Guest, give_password, gql, gql_data, make_category, make_guest, make_person, make_ticket


async def guest_world() -> Guest:
    staff = await make_person(Role.STAFF, name="Sam Staff")
    ticket = await make_ticket(await make_category("Hardware"), assignee=staff, subject="Printer on fire")
    await Reply.create(ticket_id=ticket.id, author_id=staff.id, body="On it")
    return await make_guest(ticket, email="visitor@example.net")


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    """The one top-level error of a refused operation (nothing ran, so there is no data)."""
    assert body["data"] is None, body
    (error,) = body["errors"]
    return {"message": error["message"], **error["extensions"]}


def why(refused: dict[str, Any]) -> tuple[Reason, str]:
    """(reason, field) of a refusal; its code must be the reason's."""
    reason = Reason(refused["reason"])
    assert refused["code"] == reason.code.value, refused
    return reason, refused["field"]


HIDDEN = [
    ("query($n: Int!) { ticket(number: $n) { subject requester { email } } }", "Ticket.requester"),
    ("query($n: Int!) { ticket(number: $n) { history { action } } }", "Ticket.history"),
    ("query($n: Int!) { ticket(number: $n) { replies { body author { name email } } } }", "User.email"),
    ("query($n: Int!) { ticket(number: $n) { status { name pausesSla } } }", "Status.pausesSla"),
    # Hidden in a fragment, two spreads deep.
    (
        "query($n: Int!) { ticket(number: $n) { ...Shown } } fragment Shown on Ticket { subject ...Who } "
        "fragment Who on Ticket { assignee { name } }",
        "Ticket.assignee",
    ),
    ("query($n: Int!) { ticket(number: $n) { ... on Ticket { assignedGroup { id } } } }", "Ticket.assignedGroup"),
    ("query($n: Int!) { ticket(number: $n) { title: subject boss: assignee { name } } }", "Ticket.assignee"),
    # A directive that would skip it does not make it allowed: the verdict depends on the document only.
    ("query($n: Int!) { ticket(number: $n) { subject history @skip(if: true) { action } } }", "Ticket.history"),
]


@pytest.mark.parametrize(("document", "field"), HIDDEN)
async def test_a_guest_asking_for_a_hidden_field_is_refused_naming_it(
    client: httpx.AsyncClient, document: str, field: str
) -> None:
    guest = await guest_world()
    body = await gql(client, document, {"n": guest.ticket.number}, guest.token)
    assert refusal(body) == {
        "message": f"{field} is not available without an account.",
        "code": "FORBIDDEN",
        "reason": "FIELD_NOT_ALLOWED",
        "field": field,
    }
    # Asked again (the verdict is cached): the same answer, one error, not two.
    assert refusal(await gql(client, document, {"n": guest.ticket.number}, guest.token))["field"] == field


async def test_allowed_fields_answer_through_fragments_and_aliases(client: httpx.AsyncClient) -> None:
    guest = await guest_world()
    document = """query($n: Int!) { __typename ticket(number: $n) { __typename title: subject ...Thread
      ... on Ticket { status { name } } } } fragment Thread on Ticket { replies { body author { name } } }"""
    data = await gql_data(client, document, {"n": guest.ticket.number}, guest.token)
    assert data == {
        "__typename": "Query",
        "ticket": {
            "__typename": "Ticket",
            "title": "Printer on fire",
            "replies": [{"body": "On it", "author": {"name": "Sam Staff"}}],
            "status": {"name": "New"},
        },
    }


async def test_only_the_operation_that_runs_is_judged(client: httpx.AsyncClient) -> None:
    guest = await guest_world()
    document = (
        "query Mine($n: Int!) { ticket(number: $n) { subject } } "
        "query Staff($n: Int!) { ticket(number: $n) { assignee { name } } }"
    )
    variables = {"n": guest.ticket.number}
    headers = {"Authorization": f"Bearer {guest.token}"}
    for name, ok in (("Mine", True), ("Staff", False), ("Mine", True)):
        payload = {"query": document, "variables": variables, "operationName": name}
        body = (await client.post("/graphql", json=payload, headers=headers)).json()
        assert ("errors" not in body) is ok, (name, body)


async def test_a_refused_mutation_runs_nothing(client: httpx.AsyncClient) -> None:
    guest = await guest_world()
    await Setting.create(key="guest_submission_enabled", value=True)
    replies, tickets, outbox = await Reply.all().count(), await Ticket.all().count(), await OutboxMessage.all().count()

    reply = 'mutation($n: Int!) { addReply(input: {number: $n, body: "Hi"}) { reply { author { role } } } }'
    assert refusal(await gql(client, reply, {"n": guest.ticket.number}, guest.token))["field"] == "User.role"
    category = (await Ticket.get(id=guest.ticket.id)).category_id  # type: ignore[attr-defined]
    submit = f"""mutation {{ submitGuestTicket(input: {{email: "a@example.net", subject: "s", description: "d",
      categoryId: "{category}"}}) {{ trackingRef ticket {{ number history {{ action }} }} }} }}"""
    assert refusal(await gql(client, submit))["field"] == "Ticket.history"

    assert (await Reply.all().count(), await Ticket.all().count(), await OutboxMessage.all().count()) == (
        replies,
        tickets,
        outbox,
    )


NOT_ALLOWED, SIGN_IN = Reason.FIELD_NOT_ALLOWED, Reason.SIGN_IN_REQUIRED
ROOTS = [
    ("{ tickets { totalCount } }", "Query.tickets", NOT_ALLOWED, SIGN_IN),
    ("{ users { totalCount } }", "Query.users", NOT_ALLOWED, SIGN_IN),
    ("query { ticket(number: 1) { subject } }", "Query.ticket", None, SIGN_IN),
    ("mutation { logout { ok } }", "Mutation.logout", NOT_ALLOWED, SIGN_IN),
    ('mutation { addReply(input: {number: 1, body: "x"}) { errors { code reason } } }', "Mutation.addReply", None,
     SIGN_IN),
]  # fmt: skip


@pytest.mark.parametrize(("document", "field", "as_guest", "as_anonymous"), ROOTS)
async def test_root_fields_outside_the_list_are_refused_with_the_reason_that_says_why(
    client: httpx.AsyncClient, document: str, field: str, as_guest: Reason | None, as_anonymous: Reason
) -> None:
    """A guest holds a credential that does not reach this far (FORBIDDEN, FIELD_NOT_ALLOWED); an anonymous
    caller needs to sign in (UNAUTHENTICATED, SIGN_IN_REQUIRED: what these fields answered before the gate)."""
    guest = await guest_world()
    document = document.replace("number: 1", f"number: {guest.ticket.number}")
    anonymous = refusal(await gql(client, document))
    assert why(anonymous) == (as_anonymous, field)
    assert anonymous["message"] == f"{field} needs an account: sign in first."
    seen_by_guest = await gql(client, document, token=guest.token)
    if as_guest is None:
        assert "errors" not in seen_by_guest  # theirs to call
    else:
        assert why(refusal(seen_by_guest)) == (as_guest, field)


async def test_one_document_is_judged_per_audience(client: httpx.AsyncClient) -> None:
    guest = await guest_world()
    document = "query($n: Int!) { ticket(number: $n) { subject } }"
    variables = {"n": guest.ticket.number}
    assert (await gql_data(client, document, variables, guest.token))["ticket"] == {"subject": "Printer on fire"}
    assert why(refusal(await gql(client, document, variables))) == (Reason.SIGN_IN_REQUIRED, "Query.ticket")
    assert (await gql_data(client, document, variables, guest.token))["ticket"] is not None


async def test_people_with_an_account_are_not_gated(client: httpx.AsyncClient) -> None:
    guest = await guest_world()
    admin = await make_person(Role.ADMIN)
    document = "query($n: Int!) { ticket(number: $n) { assignee { name role } history { action } } }"
    data = await gql_data(client, document, {"n": guest.ticket.number}, admin.token)
    assert data["ticket"]["assignee"] == {"name": "Sam Staff", "role": "STAFF"}


async def test_introspection_and_own_account_roots_are_open(client: httpx.AsyncClient) -> None:
    guest = await guest_world()
    schema = '{ __schema { queryType { name } } __type(name: "Ticket") { fields { name } } }'
    for token in (None, guest.token):
        data = await gql_data(client, schema, token=token)
        assert "history" in {f["name"] for f in data["__type"]["fields"]}  # the published schema, not data
        assert (await gql_data(client, "{ me { email role groups { id } } }", token=token)) == {"me": None}
    # Signing in answers as the account that signed in, whatever was selected.
    person = await give_password(await make_person(Role.STAFF, email="sam@example.com"))
    login = """mutation { login(input: {email: "sam@example.com", password: "a long enough password"}) {
      user { email role createdAt } errors { code } } }"""
    data = await gql_data(client, login)
    assert data["login"]["user"]["email"] == person.user.email and data["login"]["user"]["role"] == "STAFF"


def test_every_allowed_field_exists_in_the_schema() -> None:
    """A renamed or removed field left in the lists would allow whatever takes its name later."""
    schema = build_schema()._schema
    for audience, lists in ALLOWED_FIELDS.items():
        for type_name, fields in (*lists.items(), *OWN_ACCOUNT_ROOTS.items()):
            found = schema.get_type(type_name)
            assert isinstance(found, GraphQLObjectType | GraphQLInterfaceType), (audience, type_name)
            assert fields <= set(found.fields), (audience, type_name, fields - set(found.fields))


async def test_without_a_request_context_the_schema_is_gated_like_an_anonymous_caller() -> None:
    """Executing the schema outside a request (no context, so no actor) must not open it: fail closed."""
    result = await build_schema().execute("{ users { totalCount } }")
    assert result.data is None and result.errors is not None
    extensions = result.errors[0].extensions
    assert extensions == {"code": "UNAUTHENTICATED", "reason": "SIGN_IN_REQUIRED", "field": "Query.users"}
