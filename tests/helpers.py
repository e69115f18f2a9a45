"""Helpers for acting as each role through the GraphQL endpoint, and for building fixtures fast.

Factories write rows directly (no GraphQL round trip) so each test sets up only what it needs; the
behaviour under test always goes through GraphQL or a resolver.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from redis.asyncio import Redis

from core import clock
from core.config import reset_config
from core.enums import Priority, Role, StatusKind
from models.accounts import Group, GroupMember, GroupScope, SessionToken, User
from models.cti import Category, Item, TicketType
from models.statuses import Status
from models.tickets import Ticket
from resolvers.accounts.credentials import new_session_token, token_hash
from resolvers.kernel.errors import DomainError, Reason

_seq = itertools.count(1)

# The selection every refusal assertion below reads.
ERRORS = "errors { code reason field message }"


@dataclass
class Person:
    user: User
    token: str

    @property
    def id(self) -> int:
        return self.user.id


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    """POST a GraphQL operation; returns the whole JSON body (data and errors)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def ascii_gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    """Like gql, but JSON-encoded with ASCII escapes: the only way to send a lone surrogate ("\\ud800"), which
    httpx refuses to encode as UTF-8."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    content = json.dumps({"query": query, "variables": variables}).encode()
    response = await client.post("/graphql", content=content, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def surrogate_error(body: dict[str, Any]) -> dict[str, Any]:
    """The one top-level error of an operation refused for a lone surrogate (nothing ran): VALIDATION, with reason
    INVALID_UNICODE."""
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["reason"]) == ("VALIDATION", "INVALID_UNICODE"), error
    return dict(error)


async def gql_data(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    """Like gql, but asserts there were no top-level errors and returns `data`."""
    body = await gql(client, query, variables, token)
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def refusals(payload: dict[str, Any] | DomainError) -> list[tuple[Reason, str | None]]:
    """(reason, field) of every error of a mutation payload (selected with ERRORS) or of a DomainError, in order.
    Each error's broad code must be its reason's: clients read both."""
    if isinstance(payload, DomainError):
        return [(error.reason, error.field) for error in payload.all]
    found: list[tuple[Reason, str | None]] = []
    for error in payload["errors"]:
        reason = Reason[error["reason"]]
        assert error["code"] == reason.code.value, error
        found.append((reason, error["field"]))
    return found


def assert_refused(payload: dict[str, Any] | DomainError, reason: Reason, field: str | None = None) -> None:
    """The payload (or DomainError) carries exactly one refusal: `reason`, on `field` (None: no field)."""
    assert refusals(payload) == [(reason, field)], payload


def assert_query_refused(body: dict[str, Any], reason: Reason, field: str | None = None) -> None:
    """A whole GraphQL response was refused at the top level (UNAUTHENTICATED, or a refused query) for `reason`:
    one error whose extensions carry the reason, its code and the field."""
    errors = body.get("errors") or []
    found = [(e["extensions"].get("code"), e["extensions"].get("reason"), e["extensions"].get("field")) for e in errors]
    assert found == [(reason.code.value, reason.value, field)], body


async def make_person(
    role: Role = Role.USER, *, name: str | None = None, email: str | None = None, disabled: bool = False
) -> Person:
    n = next(_seq)
    user = await User.create(
        email=email or f"{role.value.lower()}{n}@example.com",
        name=name or f"{role.value.title()} {n}",
        role=role,
        disabled=disabled,
    )
    token = new_session_token()
    await SessionToken.create(user=user, token_hash=token_hash(token), expires_at=clock.now() + timedelta(hours=1))
    return Person(user=user, token=token)


async def make_category(name: str | None = None, *, archived: bool = False) -> Category:
    return await Category.create(name=name or f"Category {next(_seq)}", archived=archived)


async def make_type(category: Category, name: str | None = None, *, archived: bool = False) -> TicketType:
    return await TicketType.create(category=category, name=name or f"Type {next(_seq)}", archived=archived)


async def make_item(ticket_type: TicketType, name: str | None = None, *, archived: bool = False) -> Item:
    return await Item.create(type=ticket_type, name=name or f"Item {next(_seq)}", archived=archived)


async def make_group(
    name: str | None = None,
    *,
    members: list[Person] = (),  # type: ignore[assignment]
    scope: list[tuple[Category, TicketType | None]] = (),
) -> Group:  # type: ignore[assignment]
    group = await Group.create(name=name or f"Group {next(_seq)}")
    for person in members:
        await GroupMember.create(group=group, user=person.user)
    for category, ticket_type in scope:
        await GroupScope.create(group=group, category=category, type=ticket_type)
    return group


async def status_of(kind: StatusKind) -> Status:
    return await Status.get(kind=kind)


async def make_ticket(
    category: Category,
    *,
    requester: Person | None = None,
    ticket_type: TicketType | None = None,
    item: Item | None = None,
    assignee: Person | None = None,
    group: Group | None = None,
    subject: str | None = None,
    priority: Priority = Priority.MEDIUM,
    status: Status | None = None,
) -> Ticket:
    ticket = await Ticket.create(
        subject=subject or f"Ticket {next(_seq)}",
        description="Something is wrong.",
        category=category,
        type=ticket_type,
        item=item,
        priority=priority,
        status=status or await status_of(StatusKind.NEW),
        requester=requester.user if requester else None,
        assignee=assignee.user if assignee else None,
        assigned_group=group,
    )
    ticket.number = ticket.id
    await ticket.save(update_fields=["number"])
    return ticket


def redis_url_for_tests(local_default: str = "redis://127.0.0.1:6379/14") -> str:
    """TEST_REDIS_URL; under CI=true its absence is an error (worker tests fail, never skip), locally a default."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but TEST_REDIS_URL is not set: the worker tests must run against Redis in CI.")
    return local_default


@dataclass
class Guest:
    """A guest holding an access token for one ticket; `token` goes in the Authorization header like a Person's."""

    email: str
    ticket: Ticket
    token: str


async def make_guest(ticket: Ticket, *, email: str | None = None, days: int = 7) -> Guest:
    """Make `ticket` a guest ticket (no requester, a guest email and tracking reference) and sign a token for it."""
    from resolvers.guests.tokens import sign_guest_token

    n = next(_seq)
    ticket.requester_id = None
    ticket.guest_email = email or f"guest{n}@example.net"
    ticket.tracking_ref = ticket.tracking_ref or f"REF{n:07d}"
    await ticket.save(update_fields=["requester_id", "guest_email", "tracking_ref"])
    return Guest(email=ticket.guest_email, ticket=ticket, token=sign_guest_token(ticket.id, ticket.guest_email, days))


async def give_password(person: Person, password: str = "a long enough password") -> Person:
    """Set a password on a factory-made account (make_person leaves none): the account can then sign in."""
    from resolvers.accounts.credentials import hash_password

    person.user.password_hash = await hash_password(password)
    await person.user.save(update_fields=["password_hash"])
    return person


@asynccontextmanager
async def redis_rate_limits(monkeypatch: Any, url: str, keys: str) -> AsyncIterator[Redis]:
    """Rate limits kept in Redis (REDIS_URL set) for one test, with the counters matching `keys` removed
    before and after so runs do not see each other's counts."""

    async def forget(redis: Redis) -> None:
        found = [key async for key in redis.scan_iter(match=keys)]
        if found:
            await redis.delete(*found)

    monkeypatch.setenv("REDIS_URL", url)
    reset_config()
    redis = Redis.from_url(url)
    await forget(redis)
    try:
        yield redis
    finally:
        await forget(redis)
        await redis.aclose()
        monkeypatch.delenv("REDIS_URL")
        reset_config()


def mutation_document(operation: str, selection: str) -> str:
    """`operation(input: $input) { <selection> errors {...} }`, its input type named after it (DESIGN naming)."""
    input_type = operation[0].upper() + operation[1:] + "Input"
    return f"mutation ($input: {input_type}!) {{ {operation}(input: $input) {{ {selection} {ERRORS} }} }}"


def assert_admins_only(body: dict[str, Any], operation: str, *, signed_in: bool) -> None:
    """Someone who is not an admin tried an admin mutation: ADMIN_ONLY in its payload, or without a token the
    top-level SIGN_IN_REQUIRED naming the mutation (the guest gate refuses it before it runs) and no data."""
    if signed_in:
        assert "errors" not in body, body
        assert_refused(body["data"][operation], Reason.ADMIN_ONLY)
    else:
        assert body["data"] is None
        assert_query_refused(body, Reason.SIGN_IN_REQUIRED, f"Mutation.{operation}")


def mutation_outcome(body: dict[str, Any], name: str) -> Reason | None:
    """How the mutation `name` answered: None for success, else the reason, of the top-level error when the guest
    gate refused the mutation before it ran (it names the mutation), or of the payload's only error."""
    if body.get("errors"):
        (error,) = body["errors"]
        reason = Reason(error["extensions"]["reason"])
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (reason.code.value, f"Mutation.{name}")
        return reason
    found = refusals(body["data"][name])
    assert len(found) <= 1, found
    return found[0][0] if found else None


async def mutation_payload(
    client: httpx.AsyncClient, document: str, operation: str, token: str | None, input: dict[str, Any]
) -> dict[str, Any]:
    """The payload of one `operation(input: ...)` mutation, asserting there was no top-level error."""
    data = await gql_data(client, document, {"input": input}, token=token)
    payload: dict[str, Any] = data[operation]
    return payload


async def admin_token() -> str:
    """A session token of a fresh admin."""
    return (await make_person(Role.ADMIN)).token
