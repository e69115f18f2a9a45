"""The HTTP transport's limits (security review): websockets for the GraphQL protocols only (the rest of their
rules: tests/notify/test_live_*.py), a body size cap, no multipart requests, guest links kept out of the access log. The
guest pages' form limits are in tests/guests/test_guest_pages.py."""

from __future__ import annotations

import dataclasses
import json
import logging
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

from core.config import get_config, load_config
from models.accounts import User
from server.access_log import RedactGuestLinks, redact, uvicorn_log_config
from server.app import create_app
from tests.serve import serving

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient but still works with the httpx the project uses.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

TYPENAME = '{"query": "{ __typename }"}'
REGISTER = """
mutation Register($input: RegisterInput!) { register(input: $input) { user { email } errors { code message } } }
"""


def small_limit_client(limit: int) -> httpx.AsyncClient:
    app = create_app(dataclasses.replace(get_config(), graphql_max_body_bytes=limit), manage_db=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def padded(size: int) -> bytes:
    """A valid GraphQL request of exactly `size` bytes (JSON allows trailing whitespace)."""
    return TYPENAME.encode().ljust(size)


def assert_too_large(response: httpx.Response, message: str) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}


# Websockets ---------------------------------------------------------------------------------------------------


def test_a_websocket_without_a_graphql_subprotocol_is_refused(app: Any) -> None:
    # Subscriptions speak graphql-transport-ws or graphql-ws (tests/notify/test_live_*.py); anything else is closed.
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        TestClient(app).websocket_connect("/graphql", subprotocols=["chat"]) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4406


# Body size ----------------------------------------------------------------------------------------------------


def test_the_body_limit_defaults_to_one_mebibyte_and_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GRAPHQL_MAX_BODY_BYTES", raising=False)
    assert load_config().graphql_max_body_bytes == 1024 * 1024
    monkeypatch.setenv("GRAPHQL_MAX_BODY_BYTES", "4096")
    assert load_config().graphql_max_body_bytes == 4096
    for bad in ("0", "-1", "1MB", "1.5"):
        monkeypatch.setenv("GRAPHQL_MAX_BODY_BYTES", bad)
        with pytest.raises(ValueError, match="GRAPHQL_MAX_BODY_BYTES"):
            load_config()


async def test_a_declared_body_over_the_default_limit_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    limit = 1024 * 1024
    too_big = {"query": REGISTER, "variables": {"input": {"email": "big@example.com", "name": "x" * limit,
                                                          "password": "long enough password"}}}  # fmt: skip
    content = json.dumps(too_big).encode()
    response = await client.post("/graphql", content=content, headers={"Content-Type": "application/json"})
    assert_too_large(response, f"Request body is {len(content)} bytes; the maximum is {limit}.")
    assert response.headers["connection"] == "close"
    assert not await User.exists()


async def test_a_body_at_the_limit_is_served() -> None:
    async with small_limit_client(100) as http:
        for content in (padded(100), chunks(padded(100), 7)):
            response = await http.post("/graphql", content=content, headers={"Content-Type": "application/json"})
            assert response.status_code == 200, response.text
            assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_declared_body_one_byte_over_the_limit_is_refused() -> None:
    async with small_limit_client(100) as http:
        response = await http.post("/graphql", content=padded(101), headers={"Content-Type": "application/json"})
    assert_too_large(response, "Request body is 101 bytes; the maximum is 100.")


async def chunks(data: bytes, size: int, sent: list[int] | None = None) -> AsyncIterator[bytes]:
    """`data` as a stream (httpx sends it chunked, without Content-Length), noting each chunk handed over."""
    for start in range(0, len(data), size):
        if sent is not None:
            sent.append(size)
        yield data[start : start + size]


async def test_a_streamed_body_without_length_is_counted_and_cut_off() -> None:
    sent: list[int] = []
    async with small_limit_client(1000) as http:
        stream = chunks(padded(64 * 1000), 100, sent)
        response = await http.post("/graphql", content=stream, headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_too_large(response, "Request body is more than 1000 bytes; the maximum is 1000.")
    # Reading stopped at the first chunk past the limit, not at the end of the 64 kB.
    assert len(sent) == 11


async def test_the_limit_is_for_graphql_bodies_only(client: httpx.AsyncClient) -> None:
    async with small_limit_client(10) as http:
        query = await http.get("/graphql", params={"query": "{ __typename }"})
        assert query.json() == {"data": {"__typename": "Query"}}
        # The guest forms have their own, larger cap (server/guest_pages.py).
        track = await http.post("/track", data={"email": "a@b.cd", "trackingRef": "REF0000001"})
        assert track.status_code == 200, track.text


# Multipart ----------------------------------------------------------------------------------------------------


async def test_a_multipart_request_is_refused_and_not_executed(client: httpx.AsyncClient) -> None:
    # A cross-site <form enctype="multipart/form-data"> needs no CORS preflight; it must not run mutations.
    operations = {
        "query": REGISTER,
        "variables": {"input": {"email": "csrf@example.com", "name": "Forged", "password": "long enough password"}},
    }
    response = await client.post("/graphql", files={"operations": (None, json.dumps(operations)), "map": (None, "{}")})
    assert response.request.headers["content-type"].startswith("multipart/form-data")
    assert response.status_code == 400
    assert not await User.exists()
    # The same operation as JSON works, so the refusal is about the transport.
    body = (await client.post("/graphql", json=operations)).json()
    assert body["data"]["register"] == {"user": {"email": "csrf@example.com"}, "errors": []}


# Access log ---------------------------------------------------------------------------------------------------


def access_record(path: str) -> logging.LogRecord:
    """A record shaped like uvicorn's access log line."""
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50000", "GET", path, "1.1", 200), None,
    )  # fmt: skip


def test_guest_links_are_redacted_from_access_records() -> None:
    token = "hdg_12.1796411365.1xg3st_lChuWGvxI.7g2iNGY_gBdqUJeK9XxhqxGFTO0x25Ci6Vqv7Zwgi0k"
    cases = {
        f"/track/{token}": "/track/<redacted>",
        f"/track/{token}?x=1": "/track/<redacted>?x=1",
        f"/track/{token[:-5]}": "/track/<redacted>",  # a mangled link is still most of a credential
        "/track": "/track",
        "/submit": "/submit",
        "/graphql?query=%7B__typename%7D": "/graphql?query=%7B__typename%7D",
    }
    for path, shown in cases.items():
        record = access_record(path)
        assert RedactGuestLinks().filter(record) is True
        assert record.args == ("127.0.0.1:50000", "GET", shown, "1.1", 200)
        assert record.getMessage() == f'127.0.0.1:50000 - "GET {shown} HTTP/1.1" 200'
    assert redact(f"see /elsewhere/{token}") == "see /elsewhere/<redacted>"


def test_the_serve_log_config_puts_the_filter_on_uvicorns_access_logger() -> None:
    config = uvicorn_log_config()
    assert "server.access_log.RedactGuestLinks" in json.dumps(config["filters"])
    assert config["loggers"]["uvicorn.access"]["filters"] == list(config["filters"])
    assert config["loggers"]["uvicorn.access"]["handlers"] == ["access"]


async def test_helpdesk_serve_keeps_guest_links_out_of_its_access_log(tmp_path: Path) -> None:
    token = "hdg_1.1796411365.abcdefghijklmnop.secretsecretsecret"
    # Two workers: the filter must reach uvicorn's worker processes too, not only the parent.
    async with serving(tmp_path, "--workers", "2") as served:
        assert (await served.http.get(f"/track/{token}")).status_code == 404
    log = served.output
    assert '"GET /track/<redacted> HTTP/1.1" 404' in log, log
    assert "hdg_" not in log and "secretsecret" not in log
