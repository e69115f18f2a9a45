"""Bounded schemathesis fuzzing of every Query field and Mutation (GraphQL mode), as anonymous, a USER and an
ADMIN, on every database backend.

Each response must be a JSON object with `data` and/or `errors`, never a 5xx, and carry no internal failure:
no `INTERNAL_SERVER_ERROR` (what schema/masking.py turns an unexpected exception into), no error raised while
executing that lacks one of our codes (an exception that escaped the masking, or graphql-core refusing a value
we produced), and no message showing internals (a traceback, an exception class, SQL, a driver's name).

How it runs: schemathesis and Hypothesis only *generate*. For each operation, its `as_strategy()` is drawn
`EXAMPLES_PER_OPERATION` times inside a plain synchronous `@given` (generation phase only, derandomized, no
deadline, no example database), once per session, and the GraphQL documents are then sent through httpx's ASGI
transport from the test's own event loop. Schemathesis' own calling goes through a synchronous test client with
an event loop of its own, while our Tortoise connections belong to pytest-asyncio's session loop (an asyncpg
connection works only on the loop that opened it). A uvicorn subprocess would test the real transport too, but
needs its own database, port and start-up per backend and turns a failure into a log hunt;
tests/test_transport_limits.py already covers the transport. Generating apart from sending also means every
failure is reported with its exact request, all of them at once, not just the first one shrunk.

Each (backend, role, operation) gets a fresh database with tests/fuzz_world.py's rows, and schemathesis
dictionaries make most generated ids and ticket numbers name those rows (and most page sizes and cursors
well-formed), so the fuzz reaches past NOT_FOUND and the first VALIDATION error.

Run longer locally with HELPDESK_FUZZ_EXAMPLES=200 (the default keeps the suite's budget: about a minute for
both backends).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import graphql
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig

from resolvers.kernel.pagination import encode_cursor
from schema.root import build_schema
from tests.db_reset import reset_database
from tests.fuzz_world import SMALL_IDS, build_fuzz_world

EXAMPLES_PER_OPERATION = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "8"))
# How often a generated id, ticket number, page size or cursor is replaced by a dictionary value (the rest stay
# random).
KNOWN_VALUE_PROBABILITY = 0.6

ROLES = ("anonymous", "user", "admin")
# Operations that would lock the fuzzer out of the rest of its run, per role. Each (role, operation) starts from
# a fresh database and a fresh account, but within one the later examples would all come back UNAUTHENTICATED or
# FORBIDDEN and test nothing:
# - logout ends the session the fuzzer signs in with (USER and ADMIN alike);
# - updateUser lets the ADMIN demote or disable its own account, or set its password (which ends its sessions).
# revokeApiKey stays in: the fuzzer signs in with a session token, not an API key, so it cannot revoke it.
LOCKOUTS: dict[str, frozenset[str]] = {
    "anonymous": frozenset(),
    "user": frozenset({"Mutation.logout"}),
    "admin": frozenset({"Mutation.logout", "Mutation.updateUser"}),
}
# Codes our own GraphQL errors carry (schema/errors.py); anything else raised during execution is unexpected.
EXPECTED_CODES = frozenset({"UNAUTHENTICATED", "VALIDATION", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "RATE_LIMITED"})
INTERNALS = re.compile(
    r"Traceback|File \"|\b\w+(Error|Exception)\b(?!\w)|asyncpg|sqlite|tortoise|psycopg|SELECT\s|INSERT\s|"
    r"UPDATE\s.*SET|\bNoneType\b|object has no attribute|unexpected keyword",
)


def _client_schema() -> graphql.GraphQLSchema:
    return graphql.build_client_schema(build_schema().introspect())  # type: ignore[arg-type]


# Which dictionary steers an argument, by its scalar type and name: ids and ticket numbers to rows that exist
# (tests/fuzz_world.py), page sizes into the allowed range and cursors to well-formed ones of several shapes, so
# the fuzz gets past the first VALIDATION error to what lies behind it. Cursors are URL-safe base64 JSON lists
# (resolvers/kernel/pagination.py); these hold positions of the wrong shape for some lists on purpose.
def _dictionaries() -> dict[str, list[Any]]:
    return {
        "ids": [str(i) for i in SMALL_IDS],
        "numbers": list(SMALL_IDS),
        "pages": [1, 2, 25, 100],
        "cursors": [
            encode_cursor(position)
            for position in ([1], [3], ["Fuzz User", 2], ["2020-01-01T00:00:00+00:00", 2], [2, "x", 1], [None], [])
        ],
    }


def _dictionary_for(scalar: str, name: str) -> str | None:
    if scalar == "ID":
        return "ids"
    if scalar == "Int":
        return {"number": "numbers", "numbers": "numbers", "ticketNumber": "numbers", "first": "pages"}.get(name)
    if scalar == "String" and name == "after":
        return "cursors"
    return None


def _bindings(schema: graphql.GraphQLSchema) -> dict[str, str]:
    """Binding key (`Type.field.argument.path`, list elements as `[*]`) -> dictionary, for every argument of the
    root fields and of the input objects under them that a dictionary steers."""
    found: dict[str, str] = {}

    def walk(prefix: str, name: str, kind: graphql.GraphQLInputType, depth: int) -> None:
        is_list = False
        while isinstance(kind, graphql.GraphQLNonNull | graphql.GraphQLList):
            is_list = is_list or isinstance(kind, graphql.GraphQLList)
            kind = kind.of_type
        path = f"{prefix}.{name}[*]" if is_list else f"{prefix}.{name}"
        if isinstance(kind, graphql.GraphQLInputObjectType) and depth < 3:
            for field_name, field in kind.fields.items():
                walk(path, field_name, field.type, depth + 1)
        elif isinstance(kind, graphql.GraphQLScalarType) and (dictionary := _dictionary_for(kind.name, name)):
            found[path] = dictionary

    for root in (schema.query_type, schema.mutation_type):
        assert root is not None
        for field_name, field in root.fields.items():
            for argument_name, argument in field.args.items():
                walk(f"{root.name}.{field_name}", argument_name, argument.type, 0)
    return found


@functools.cache
def _fuzz_schema() -> Any:
    parameters = {
        key: {"dictionary": dictionary, "probability": KNOWN_VALUE_PROBABILITY}
        for key, dictionary in _bindings(_client_schema()).items()
    }
    dictionaries = {name: {"values": values} for name, values in _dictionaries().items()}
    config = SchemathesisConfig.from_dict({"dictionaries": dictionaries, "parameters": parameters})
    return schemathesis.graphql.from_dict(build_schema().introspect(), config=config)


def _operation_labels() -> list[str]:
    schema = _client_schema()
    return [f"{root.name}.{name}" for root in (schema.query_type, schema.mutation_type) if root for name in root.fields]


@functools.cache
def generated_documents(label: str) -> tuple[str, ...]:
    """The GraphQL documents schemathesis generates for one operation; the same for every role and backend."""
    operation = _fuzz_schema().find_operation_by_label(label)
    assert operation is not None, label
    documents: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def collect(case: Any) -> None:
        documents.append(case.body)

    collect()
    return tuple(documents)


class _Recorder(logging.Handler):
    """The exceptions schema/masking.py logs, so a failure report says what was behind the masked error."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.seen.append(f"{type(error).__name__}: {str(error)[:300]}")


@pytest.fixture
def masked_exceptions() -> Iterator[_Recorder]:
    logger = logging.getLogger("helpdesk.graphql")
    recorder = _Recorder()
    logger.addHandler(recorder)
    try:
        yield recorder
    finally:
        logger.removeHandler(recorder)


@pytest.fixture
async def fuzz_client(backend: str, app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client` (on a database emptied the quicker way, tests/db_reset.py), but an exception that escapes the
    app comes back as the 500 a real server sends, so the fuzzer records it and carries on instead of stopping at
    the first one."""
    await reset_database(backend)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def shows_internals(message: str, document: str) -> bool:
    """Whether a message names internals that the request did not itself contain (an error may quote the input,
    and the fuzzer's strings include words from our own source)."""
    return any(match.group(0) not in document for match in INTERNALS.finditer(message))


def problems_with(response: httpx.Response, document: str) -> list[str]:
    """What is wrong with one answer; empty when it is a proper GraphQL response with no internal failure."""
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:300]}"]
    try:
        body = response.json()
    except ValueError:
        return [f"HTTP {response.status_code} with a body that is not JSON: {response.text[:300]!r}"]
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        return [f"HTTP {response.status_code} with a body that is not a GraphQL response: {str(body)[:300]}"]
    found = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        message = str(error.get("message"))
        if code == "INTERNAL_SERVER_ERROR":
            found.append(f"INTERNAL_SERVER_ERROR at {error.get('path')}: {message}")
        elif error.get("path") is not None and code not in EXPECTED_CODES:
            found.append(f"unexpected error at {error.get('path')} (code {code}): {message[:300]}")
        elif shows_internals(message, document):
            found.append(f"internal detail in an error message: {message[:300]}")
    for payload in (body.get("data") or {}).values():
        for error in (payload.get("errors") or []) if isinstance(payload, dict) else []:
            if isinstance(error, dict) and shows_internals(str(error.get("message")), document):
                found.append(f"internal detail in a payload error: {str(error.get('message'))[:300]}")
    return found


OPERATIONS = _operation_labels()
FUZZED = [(role, label) for role in ROLES for label in OPERATIONS if label not in LOCKOUTS[role]]


def test_the_exclusions_name_real_operations() -> None:
    """A renamed or removed operation must not leave a stale exclusion behind (nor a new one hide behind it)."""
    labels = set(OPERATIONS)
    for role in ROLES:
        assert LOCKOUTS[role] <= labels, f"{role}: {sorted(LOCKOUTS[role] - labels)} are not operations"


@pytest.mark.parametrize(("role", "label"), FUZZED, ids=[f"{role}-{label}" for role, label in FUZZED])
async def test_fuzzed_requests_never_fail_inside_the_server(
    fuzz_client: httpx.AsyncClient, masked_exceptions: _Recorder, role: str, label: str
) -> None:
    documents = generated_documents(label)
    assert documents, f"schemathesis generated nothing for {label}"
    world = await build_fuzz_world()
    token = world.token_for(role)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures = []
    for document in documents:
        masked_exceptions.seen.clear()
        response = await fuzz_client.post("/graphql", json={"query": document}, headers=headers)
        found = problems_with(response, document)
        if found:
            behind = "".join(f"\n    logged: {seen}" for seen in masked_exceptions.seen)
            request = json.dumps({"query": document}, ensure_ascii=True)
            who = f"{role} (bearer token)" if token else role
            failures.append(f"POST /graphql as {who}\n    {request}\n    -> " + "\n    -> ".join(found) + behind)
    assert not failures, f"{len(failures)} of {len(documents)} requests failed:\n" + "\n".join(failures)
