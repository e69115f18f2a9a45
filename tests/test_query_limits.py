"""The document limits (schema/query_limits.py, docs/operations.md): depth, tokens and aliases, each refused
once, with a code and a message that names the limit; a document at the limit runs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import parse
from graphql.error import GraphQLSyntaxError

from schema.query_limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from tests.helpers import gql


def nested(levels: int) -> str:
    """`{ me { groups { members { ... { id } } } } }` with `levels` fields that have a selection."""
    fields = ["me"] + ["groups" if i % 2 else "members" for i in range(1, levels)]
    return "{ " + " { ".join(fields) + " { id }" + " }" * levels


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    assert body.get("data") is None
    (error,) = body["errors"]  # one error, not one per field past the limit
    return error["extensions"]["code"], error["message"]


async def test_a_document_nested_one_level_too_deep_is_refused_once_with_a_code(client: httpx.AsyncClient) -> None:
    assert "errors" not in await gql(client, nested(MAX_DEPTH))
    # Two fields below the limit: strawberry's limiter answered with its message twice.
    too_deep = nested(MAX_DEPTH + 1).replace("{ id }", "{ id name }")
    message = f"The operation is nested {MAX_DEPTH + 1} levels deep; the maximum is {MAX_DEPTH}."
    assert refusal(await gql(client, too_deep)) == ("QUERY_TOO_DEEP", message)


async def test_depth_counts_through_fragments_and_names_the_operation(client: httpx.AsyncClient) -> None:
    inner = nested(MAX_DEPTH)[2:-2]  # me { ... } without the outer braces
    document = f"query Deep {{ ...Top }} fragment Top on Query {{ {inner.replace('{ id }', '{ members { id } }')} }}"
    code, message = refusal(await gql(client, document))
    assert (code, message) == (
        "QUERY_TOO_DEEP",
        f"Operation 'Deep' is nested 11 levels deep; the maximum is {MAX_DEPTH}.",
    )


async def test_introspection_depth_is_left_to_the_token_limit(client: httpx.AsyncClient) -> None:
    deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }"  # noqa: E501
    assert "errors" not in await gql(client, deep)


async def test_too_many_aliases_are_refused_with_a_code(client: httpx.AsyncClient) -> None:
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"

    assert "errors" not in await gql(client, aliased(MAX_ALIASES))
    assert refusal(await gql(client, aliased(MAX_ALIASES + 1))) == (
        "TOO_MANY_ALIASES", f"The document uses {MAX_ALIASES + 1} aliases; the maximum is {MAX_ALIASES}.")  # fmt: skip


async def test_too_many_tokens_are_refused_with_a_code(client: httpx.AsyncClient) -> None:
    def tokens(count: int) -> str:
        # 16 tokens around the list, one per value in it; commas and comments are no tokens.
        values = ", ".join(str(n) for n in range(count - 16))
        return f"# a comment\n{{ tickets(filter: {{statusIds: [{values}]}}) {{ totalCount }} }}"

    # Counted as graphql-core counts lexical tokens (its own max_lexical_tokens agrees on where the limit falls).
    parse(tokens(MAX_TOKENS), max_lexical_tokens=MAX_TOKENS)
    with pytest.raises(GraphQLSyntaxError):
        parse(tokens(MAX_TOKENS + 1), max_lexical_tokens=MAX_TOKENS)
    at_limit = await gql(client, tokens(MAX_TOKENS))
    assert [e["extensions"]["code"] for e in at_limit["errors"]] == ["UNAUTHENTICATED"]  # parsed and run
    code, message = refusal(await gql(client, tokens(MAX_TOKENS + 1)))
    assert code == "TOO_MANY_TOKENS" and f"the maximum is {MAX_TOKENS}" in message


async def test_batched_requests_are_refused(client: httpx.AsyncClient) -> None:
    # The strict body check (server/request_body.py) refuses a list before strawberry sees it.
    answer = await client.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"} and error["message"].endswith("not a list.")
