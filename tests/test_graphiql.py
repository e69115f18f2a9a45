"""GraphiQL works with no internet: the page and every asset come from this server, pinned to the npm files, and in
headless Chromium with the network cut it loads, shows the explorer and the headers editor, and runs a query."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from resolvers.admin.seed import DEFAULT_STATUSES
from server.app import create_app
from server.graphiql import ASSET_NAMES, ASSET_PREFIX, CONTENT_SECURITY_POLICY
from tests.browser import offline_page
from tests.serve import ROOT, serving

SETUP = """mutation($input: SetupFirstAdminInput!) { setupFirstAdmin(input: $input) { token errors { message } } }"""


async def type_headers(page: Any, headers: dict[str, str]) -> None:
    """Open GraphiQL's headers editor and write `headers` (JSON) into it."""
    await page.get_by_role("button", name="Headers", exact=True).click()
    await page.evaluate(
        "value => document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')"
        ".CodeMirror.setValue(value)",
        json.dumps(headers),
    )


def fetch_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_graphiql", ROOT / "scripts" / "fetch_graphiql.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(manage_db=False, run_jobs=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


def test_the_committed_assets_are_the_pinned_npm_files() -> None:
    script = fetch_script()
    assert script.problems() == []
    # The check reads the bytes: a changed file is caught, not only a missing one.
    victim = script.ASSET_DIR / script.ASSETS[0].name
    original = victim.read_bytes()
    try:
        victim.write_bytes(original + b"\n")
        assert script.problems() == [f"{victim.name} is not react@18.2.0 package/umd/react.production.min.js"]
    finally:
        victim.write_bytes(original)


async def test_the_page_names_only_assets_served_here(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    links = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "<script>" not in page.text, "an inline script would be blocked by the page's own policy"
    assets = [link for link in links if not link.startswith("data:")]
    assert all(link.startswith(ASSET_PREFIX + "/") for link in assets), links
    assert sorted(link.removeprefix(ASSET_PREFIX + "/") for link in assets) == list(ASSET_NAMES)
    for link in assets:
        asset = await http.get(link)
        assert asset.status_code == 200, link
        kind = "text/css" if link.endswith(".css") else "text/javascript"
        assert asset.headers["content-type"].startswith(kind), (link, asset.headers["content-type"])
        assert "immutable" in asset.headers["cache-control"]


@pytest.mark.parametrize(
    "path",
    [
        f"{ASSET_PREFIX}/nope.js",
        f"{ASSET_PREFIX}/index.html",
        f"{ASSET_PREFIX}/..%2F..%2Fapp.py",
        "/graphiql/0123456789abcdef/graphiql.min.js",
    ],
)
async def test_anything_else_under_the_asset_path_is_not_found(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 404


async def test_graphiql_runs_a_query_offline_with_the_headers_editor_and_the_explorer(tmp_path: Path) -> None:
    async with serving(tmp_path) as served:
        variables = {"input": {"email": "ops@example.com", "name": "Ops", "password": "a long password"}}
        setup = (await served.http.post("/graphql", json={"query": SETUP, "variables": variables})).json()
        token = setup["data"]["setupFirstAdmin"]["token"]
        base = str(served.http.base_url).rstrip("/")
        async with offline_page() as offline:
            page = offline.page
            await page.goto(f"{base}/graphql?q={quote('{ statuses { name } me { email role } }')}")
            await page.locator(".graphiql-container").wait_for()

            # The headers editor: the token goes in there, as staff do it.
            await type_headers(page, {"Authorization": f"Bearer {token}"})
            await page.get_by_role("button", name=re.compile("Execute query")).click()
            answer = await page.wait_for_function(
                "() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue() || null"
            )
            me = {"email": "ops@example.com", "role": "ADMIN"}
            statuses = [{"name": name} for name, *_ in DEFAULT_STATUSES]
            assert json.loads(await answer.json_value()) == {"data": {"statuses": statuses, "me": me}}

            # The explorer plugin lists the schema's root fields.
            await page.get_by_role("button", name=re.compile("GraphiQL Explorer")).click()
            await page.locator(".graphiql-explorer-root").get_by_text("tickets", exact=True).first.wait_for()

            await offline.screenshot("graphiql")
            assert offline.outside == []
            assert offline.problems == []


CATEGORY = """mutation { createCategory(input: {name: "Hardware"}) { category { id } errors { message } } }"""
TICKET = """mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { number } errors { message } } }"""
REPLY = """mutation($i: AddReplyInput!) { addReply(input: $i) { reply { id } errors { message } } }"""
LIVE = "subscription($n: Int!) { ticketEvents(number: $n) { kind number reply { body } } }"


async def test_graphiql_follows_a_subscription_offline_with_the_token_of_its_headers_editor(tmp_path: Path) -> None:
    async with serving(tmp_path) as served:
        variables = {"input": {"email": "ops@example.com", "name": "Ops", "password": "a long password"}}
        setup = (await served.http.post("/graphql", json={"query": SETUP, "variables": variables})).json()
        admin = {"Authorization": f"Bearer {setup['data']['setupFirstAdmin']['token']}"}
        category = (await served.http.post("/graphql", json={"query": CATEGORY}, headers=admin)).json()
        category_id = category["data"]["createCategory"]["category"]["id"]
        new = {"subject": "Printer", "description": "Jams.", "categoryId": category_id}
        created = await served.http.post("/graphql", json={"query": TICKET, "variables": {"i": new}}, headers=admin)
        number = created.json()["data"]["createTicket"]["ticket"]["number"]
        base = str(served.http.base_url).rstrip("/")
        async with offline_page() as offline:
            page = offline.page
            await page.goto(f"{base}/graphql?q={quote(LIVE)}&variables={quote(json.dumps({'n': number}))}")
            await page.locator(".graphiql-container").wait_for()
            await type_headers(page, admin)
            await page.get_by_role("button", name=re.compile("Execute query")).click()
            # GraphiQL's websocket is open and the stream listens (graphql-ws sends the headers in connection_init).
            async with asyncio.timeout(30):
                while (await served.http.get("/health")).json()["subscribers"] < 1:  # noqa: ASYNC110 (the server's state)
                    await asyncio.sleep(0.05)
            reply = {"number": number, "body": "Tray 2 is fixed."}
            await served.http.post("/graphql", json={"query": REPLY, "variables": {"i": reply}}, headers=admin)
            answer = await page.wait_for_function(
                "() => (document.querySelector('.result-window .CodeMirror').CodeMirror.getValue().match(/REPLY_ADDED/)"
                " && document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()) || null"
            )
            event = json.loads(await answer.json_value())["data"]["ticketEvents"]
            assert event == {"kind": "REPLY_ADDED", "number": number, "reply": {"body": "Tray 2 is fixed."}}
            await offline.screenshot("graphiql-subscription")
            assert offline.outside == []
            assert offline.problems == []
