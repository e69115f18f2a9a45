"""The admission gate (server/admission.py): at most N requests inside, the rest admitted in arrival order, a slot
given up when the response starts, on failure, and by a request cancelled while it waits."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from server.admission import AdmissionGate
from server.app import create_app
from server.limits import BodySizeLimit
from server.uploads import MultipartGate

SCOPE: dict[str, Any] = {"type": "http", "path": "/graphql"}


class Held:
    """An ASGI app whose requests stay inside until the test lets each one go; it records who got in."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        name = scope["name"]
        self.entered.append(name)
        await self.release.setdefault(name, asyncio.Event()).wait()
        if scope.get("fail"):
            raise RuntimeError("the app failed")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope.get("body", b"")})


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)  # let the started tasks run up to their next wait (no time passes)


def start(gate: AdmissionGate, name: str, sent: list[Any] | None = None, **extra: Any) -> asyncio.Task[None]:
    async def send(message: dict[str, Any]) -> None:
        if sent is not None:
            sent.append((name, message["type"]))

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    return asyncio.create_task(gate({**SCOPE, "name": name, **extra}, receive, send))


def let_go(app: Held, name: str) -> None:
    app.release.setdefault(name, asyncio.Event()).set()


async def test_at_most_the_limit_run_and_the_others_are_admitted_first_come_first_served() -> None:
    app = Held()
    gate = AdmissionGate(app, 2)
    tasks = [start(gate, name) for name in "abcde"]
    await settle()
    assert app.entered == ["a", "b"] and gate.waiting == 3
    for name, expected in [("b", "abc"), ("a", "abcd"), ("d", "abcde")]:
        let_go(app, name)
        await settle()
        assert "".join(app.entered) == expected
        assert gate.running == 2
    let_go(app, "c")
    let_go(app, "e")
    await asyncio.gather(*tasks)
    assert (gate.running, gate.waiting) == (0, 0)


async def test_a_newcomer_never_takes_a_slot_before_a_waiter() -> None:
    app = Held()
    gate = AdmissionGate(app, 1)
    first, second = start(gate, "a"), start(gate, "b")
    await settle()
    let_go(app, "a")
    late = start(gate, "c")  # arrives as "a" leaves, before "b" has run again
    await settle()
    assert app.entered == ["a", "b"]
    let_go(app, "b")
    let_go(app, "c")
    await asyncio.gather(first, second, late)
    assert app.entered == ["a", "b", "c"]


async def test_the_slot_is_given_up_when_the_response_starts_and_when_the_app_fails() -> None:
    sent: list[Any] = []

    async def slow_body(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        assert gate.running == 0  # the response has started: the next request may run while the body goes out
        await send({"type": "http.response.body", "body": b"{}"})

    gate = AdmissionGate(slow_body, 1)
    await start(gate, "a", sent)
    assert sent == [("a", "http.response.start"), ("a", "http.response.body")]

    app = Held()
    gate = AdmissionGate(app, 1)
    failing, waiting = start(gate, "a", fail=True), start(gate, "b")
    await settle()
    let_go(app, "a")
    with pytest.raises(RuntimeError):
        await failing
    await settle()
    assert app.entered == ["a", "b"]
    let_go(app, "b")
    await waiting
    assert gate.running == 0


async def test_a_request_cancelled_while_waiting_leaves_no_slot_behind() -> None:
    app = Held()
    gate = AdmissionGate(app, 1)
    first, cancelled, third = start(gate, "a"), start(gate, "b"), start(gate, "c")
    await settle()
    cancelled.cancel()
    await settle()
    let_go(app, "a")
    await settle()
    assert app.entered == ["a", "c"]
    let_go(app, "c")
    await asyncio.gather(first, third)
    assert cancelled.cancelled() and (gate.running, gate.waiting) == (0, 0)


def test_the_limit_must_admit_someone() -> None:
    with pytest.raises(ValueError):
        AdmissionGate(Held(), 0)


async def test_the_server_answers_graphql_through_the_gate(client: httpx.AsyncClient) -> None:
    """The app's /graphql route has the gate inside the body limit (a refused body never waits for a turn), behind
    the multipart gate (uploads stream while the view runs, so they are not admitted: server/app.py)."""
    response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}
    app = create_app(manage_db=False)
    route = next(r for r in app.routes if getattr(r, "path", None) == "/graphql")
    multipart = route.app  # type: ignore[attr-defined]
    assert isinstance(multipart, MultipartGate)
    limit = multipart.limited
    assert isinstance(limit, BodySizeLimit) and isinstance(limit.app, AdmissionGate) and limit.app.limit >= 2
