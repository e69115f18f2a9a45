"""What the server log and the client get for each kind of GraphQL error (schema/masking.py).

Expected errors (UNAUTHENTICATED, a page size out of range, an invalid document) are one line in the log and reach
the client as they are. An unexpected exception keeps its traceback in the log, under a request id made once
per request, and the client sees only that id: in the message and in `extensions.requestId`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise import connections

from core.enums import Role
from tests.helpers import gql, make_person
from tests.serve import serving

LOGGER = "helpdesk.graphql"


def graphql_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER or r.name.startswith("strawberry")]


@pytest.mark.parametrize(
    ("query", "signed_in", "code"),
    [
        ("{ tickets { totalCount } }", False, "UNAUTHENTICATED"),
        ("{ tickets(first: 500) { totalCount } }", True, "VALIDATION"),
        ("{ tickets { nosuchfield } }", True, "GRAPHQL_ERROR"),
        ("{ tickets { totalCount }", True, "GRAPHQL_ERROR"),  # a syntax error
    ],
    ids=["unauthenticated", "page-size", "unknown-field", "syntax"],
)
async def test_an_expected_error_is_one_line_in_the_log_and_reaches_the_client_as_it_is(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, query: str, signed_in: bool, code: str
) -> None:
    token = (await make_person(Role.STAFF)).token if signed_in else None
    caplog.set_level(logging.INFO)
    body = await gql(client, query, token=token)
    (error,) = body["errors"]
    assert "Internal server error" not in error["message"] and "requestId" not in error.get("extensions", {})
    (record,) = graphql_records(caplog)
    assert (record.name, record.levelno, record.exc_info) == (LOGGER, logging.INFO, None)
    line = record.getMessage()
    assert "\n" not in line and code in line and error["message"] in line


@pytest.fixture
async def broken_tickets(db: str) -> AsyncIterator[None]:
    """A real failure below the resolvers: the tickets table is missing for the duration of the test."""
    conn = connections.get(db)
    await conn.execute_script('ALTER TABLE "tickets" RENAME TO "tickets_away"')
    try:
        yield
    finally:
        await conn.execute_script('ALTER TABLE "tickets_away" RENAME TO "tickets"')


async def test_an_unexpected_error_is_masked_and_logged_with_its_traceback_under_the_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, broken_tickets: None
) -> None:
    token = (await make_person(Role.ADMIN)).token
    caplog.set_level(logging.INFO)
    # Two failing fields in one request: one request id for both.
    body = await gql(client, "{ a: ticket(number: 1) { id } b: ticket(number: 2) { subject } }", token=token)
    ids = {e["extensions"]["requestId"] for e in body["errors"]}
    assert len(body["errors"]) == 2 and len(ids) == 1
    (request_id,) = ids
    assert len(request_id) >= 8
    for error in body["errors"]:
        assert error["message"] == f"Internal server error (request id {request_id})."
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        assert "tickets_away" not in str(error)  # nothing of the cause
    records = graphql_records(caplog)
    assert [r.levelno for r in records] == [logging.ERROR, logging.ERROR]
    for record in records:
        assert request_id in record.getMessage()
        assert record.exc_info is not None and record.exc_info[0] is not None  # the traceback is kept
    # The next request gets an id of its own.
    again = await gql(client, "{ ticket(number: 1) { id } }", token=token)
    assert again["errors"][0]["extensions"]["requestId"] != request_id


async def test_helpdesk_serve_logs_a_refused_request_in_one_line(tmp_path: Path) -> None:
    """The complaint as a user saw it: `helpdesk serve` printed a 25-line traceback for an anonymous query."""
    async with serving(tmp_path) as served:
        answer = await served.http.post("/graphql", json={"query": "{ tickets { totalCount } }"})
    assert answer.json()["errors"][0]["extensions"]["reason"] == "SIGN_IN_REQUIRED"
    log = served.output
    assert "Traceback" not in log, log
    lines = [line for line in log.splitlines() if "UNAUTHENTICATED" in line]
    assert len(lines) == 1 and "Query.tickets needs an account: sign in first." in lines[0], log
