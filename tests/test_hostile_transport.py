"""Hostile request bodies on /graphql (issue 6, "No input reaches a 500", transport): each is refused before any
resolver runs with a 4xx and the JSON error body every refused request carries, never a 500 or plain text.
Lone surrogates are refused once for every variable, before execution (schema/unicode_guard.py)."""

from __future__ import annotations

import json

import httpx
import pytest

from core.enums import Role
from models.accounts import User
from models.tickets import Ticket
from server.request_body import MAX_JSON_DEPTH
from tests.helpers import ascii_gql, make_category, make_person, surrogate_error

JSON = {"Content-Type": "application/json"}
REGISTER = 'mutation { register(input: {email: "r@example.com", name: "R", password: "long enough"}) { user { id } } }'


async def post(client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await client.post("/graphql", content=content, headers=JSON)


def refusal(response: httpx.Response, status: int = 400, code: str = "BAD_REQUEST") -> str:
    """The one error of a refused request (asserting its shape); returns its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["errors"], body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": code}, error
    message: str = error["message"]
    return message


def nested(depth: int) -> bytes:
    """A request whose (unused) variable `x` nests `depth` levels of lists inside the body's own two objects."""
    return b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * depth + b"]" * depth + b"}}"


@pytest.mark.parametrize(("body", "kind"), [(b"42", "a number"), (b"null", "null"), (b'"x"', "a string"),
                                            (b"true", "a boolean"), (b"[]", "a list")])  # fmt: skip
async def test_a_json_body_that_is_not_an_object_is_a_400(client: httpx.AsyncClient, body: bytes, kind: str) -> None:
    message = refusal(await post(client, body))
    assert message == f'The request body must be a JSON object like {{"query": "..."}}, not {kind}.'


async def test_a_body_that_is_not_utf8_is_a_400(client: httpx.AsyncClient) -> None:
    latin1 = '{"query": "mutation { createCategory(input: {name: \\"Café\\"}) { errors { code } } }"}'
    body = latin1.encode("latin-1")
    at = body.index("é".encode("latin-1"))
    message = refusal(await post(client, body))
    assert message == f"The request body is not valid UTF-8 (at byte {at}); send JSON encoded as UTF-8."
    assert refusal(await post(client, b'{"query": "{ __typename }"}\xff')).startswith("The request body is not valid")


async def test_variables_nested_100000_deep_are_a_400(client: httpx.AsyncClient) -> None:
    # json.loads gives up with RecursionError long before this depth; that was a 500.
    message = refusal(await post(client, nested(100_000)))
    assert message == f"The request body nests more than {MAX_JSON_DEPTH} levels deep; the maximum is {MAX_JSON_DEPTH}."


async def test_a_body_at_the_nesting_limit_is_served_and_one_level_more_is_refused(client: httpx.AsyncClient) -> None:
    # The body object and `variables` are two levels; the list fills the rest.
    served = await post(client, nested(MAX_JSON_DEPTH - 2))
    assert served.status_code == 200 and served.json() == {"data": {"__typename": "Query"}}
    assert "levels deep" in refusal(await post(client, nested(MAX_JSON_DEPTH - 1)))


@pytest.mark.parametrize("body", [b"{", b'{"query": NaN}', b'{"query": "{ __typename }", "variables": Infinity}', b""])
async def test_a_body_that_is_not_json_is_a_400(client: httpx.AsyncClient, body: bytes) -> None:
    assert refusal(await post(client, body)).startswith("The request body is not JSON: ")


async def test_the_views_own_refusals_have_the_json_error_body_too(client: httpx.AsyncClient) -> None:
    # Before, these were plain text ("Unsupported content type"): a client could not read them as GraphQL errors.
    unsupported = await client.post("/graphql", content=b"query=x", headers={"Content-Type": "text/plain"})
    assert refusal(unsupported) == "Unsupported content type"
    not_an_object = await post(client, b'{"query": "{ __typename }", "variables": [1]}')
    assert refusal(not_an_object) == "The GraphQL operation's `variables` must be an object or null, if provided."
    no_query = await post(client, b"{}")
    assert refusal(no_query) == "No GraphQL query found in the request"
    mutation_by_get = await client.get("/graphql", params={"query": REGISTER})
    assert refusal(mutation_by_get) == "mutations are not allowed when using GET"
    assert not await User.exists()


async def test_bad_variables_in_a_get_query_string_are_a_400(client: httpx.AsyncClient) -> None:
    for variables in ('{"a": ', "42", "[" * 3000 + "]" * 3000):
        response = await client.get("/graphql", params={"query": "{ __typename }", "variables": variables})
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    surrogate = await client.get("/graphql", params={"query": "{ __typename }", "variables": '{"a": ["\\udc00"]}'})
    assert surrogate.status_code == 200
    assert surrogate_error(surrogate.json())["extensions"]["field"] == "a[0]"


# Lone surrogates -------------------------------------------------------------------------------------------------


async def test_a_lone_surrogate_nested_in_a_list_variable_is_named_by_its_path(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    document = "mutation ($input: CreateGroupInput!) { createGroup(input: $input) { errors { code } } }"
    variables = {"input": {"name": "Desk", "scope": [{"categoryId": "1"}, {"categoryId": "2\ud800"}]}}
    error = surrogate_error(await ascii_gql(client, document, variables, admin.token))
    assert error["extensions"]["field"] == "input.scope[1].categoryId"
    # For people: the message names the path and the code point too.
    assert error["message"].startswith("input.scope[1].categoryId contains a lone surrogate (U+D800)")


async def test_a_lone_surrogate_in_an_object_key_is_refused(client: httpx.AsyncClient) -> None:
    body = await ascii_gql(client, "{ __typename }", {"input": {"sub\udfffject": "x"}})
    assert surrogate_error(body)["extensions"]["field"] == "input.sub\\udfffject"


async def test_paired_surrogates_are_one_character_and_accepted(client: httpx.AsyncClient) -> None:
    # JSON escapes characters outside the BMP as a pair ("\ud83d\ude00" is one emoji): that is text, not garbage.
    user = await make_person()
    category = await make_category()
    document = "mutation ($input: CreateTicketInput!) { createTicket(input: $input) { ticket { subject } } }"
    raw = b'{"query": %s, "variables": {"input": {"subject": "Printer \\ud83d\\ude00", "description": "d", ' \
          b'"categoryId": "%d"}}}' % (json.dumps(document).encode(), category.id)  # fmt: skip
    response = await client.post("/graphql", content=raw, headers={**JSON, "Authorization": f"Bearer {user.token}"})
    assert response.json()["data"]["createTicket"] == {"ticket": {"subject": "Printer \U0001f600"}}
    assert await Ticket.filter(subject="Printer \U0001f600").exists()


@pytest.mark.parametrize("literal", ['"\\ud800"', '"\ud800"'])
async def test_a_lone_surrogate_in_a_string_literal_of_the_document_is_a_syntax_error(
    client: httpx.AsyncClient, literal: str
) -> None:
    # graphql-core refuses both the escape and the raw character; no resolver runs.
    user = await make_person()
    query = f"{{ tickets(filter: {{search: {literal}}}) {{ totalCount }} }}"
    content = json.dumps({"query": query}).encode()
    response = await client.post("/graphql", content=content, headers={**JSON, "Authorization": f"Bearer {user.token}"})
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["message"].startswith("Syntax Error: Invalid")
    assert "extensions" not in error
