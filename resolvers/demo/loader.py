"""Demo data: a realistic help desk in one call, for `helpdesk serve --demo` and `helpdesk demo`.

The shape (tree, people, groups, words) lives in resolvers/demo/content.py; this module turns it into
rows with bulk inserts and a few set-based UPDATEs, deterministically for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Case, F, When
from tortoise.transactions import in_transaction

from core import clock
from core.enums import Role, StatusKind
from models.accounts import Group, GroupMember, GroupScope, User
from models.cti import Category, Item, TicketType
from models.statuses import Status
from models.tickets import Ticket
from resolvers.accounts.credentials import hash_password
from resolvers.admin.seed import seed_defaults
from resolvers.demo.content import (
    CTI_TREE,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DESCRIPTIONS,
    GROUPS,
    PEOPLE,
    PRIORITY_WEIGHTS,
    RESOLUTION_NOTES,
    SUBJECTS,
)
from resolvers.kernel.audit import record
from resolvers.kernel.errors import Problems, Reason, conflict
from resolvers.kernel.markdown_bounded import render_markdown_bounded
from resolvers.kernel.settings import get_setting

MAX_TICKETS = 100_000
HISTORY = timedelta(days=90)
# Share of tickets per status kind; the custom statuses (In Progress, Pending, ...) split theirs evenly.
KIND_WEIGHTS = {StatusKind.NEW: 20.0, StatusKind.CUSTOM: 35.0, StatusKind.RESOLVED: 15.0, StatusKind.CLOSED: 30.0}
# Rows per UPDATE when fixing updated_at (two parameters per row stays far below every driver's limit).
UPDATE_CHUNK = 500


@dataclass
class _Ids:
    """Primary keys of the rows the demo created, by name."""

    users: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    types: dict[tuple[str, str], int] = field(default_factory=dict)
    items: dict[tuple[str, str, str], int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)


async def load_demo_data(ticket_count: int = 300, seed: int = 7) -> list[tuple[str, str, str]]:
    """Fill an EMPTY database with a demo help desk; returns the demo logins as (role, email, password).

    Refused (CONFLICT) when any ticket, user, category or group exists: the demo never mixes with real
    data. Everything is written in one transaction, so a failure leaves nothing behind. The same seed
    gives the same data.
    """
    problems = Problems()
    if not 0 <= ticket_count <= MAX_TICKETS:
        problems.add(
            "ticketCount",
            f"ticketCount is {ticket_count}; it must be between 0 and {MAX_TICKETS}.",
            Reason.OUT_OF_RANGE,
        )
    problems.raise_if_any()
    rng = random.Random(seed)
    # Hash once, outside the transaction: argon2 is deliberately slow and every demo login shares it.
    password_hash = await hash_password(DEMO_PASSWORD)
    # The few distinct descriptions, rendered once each (the same way a filed ticket's is), outside the transaction.
    html = {text: await render_markdown_bounded(text, "description") for text in DESCRIPTIONS}
    await seed_defaults()
    async with in_transaction():
        if await Ticket.exists() or await User.exists() or await Category.exists() or await Group.exists():
            raise conflict(
                "The database already has data; demo data is only loaded into an empty database.",
                Reason.DATABASE_NOT_EMPTY,
            )
        now = clock.now()
        ids = _Ids()
        await _create_people(ids, password_hash, now - HISTORY - timedelta(days=30))
        await _create_tree(ids)
        await _create_groups(ids)
        tickets = await _build_tickets(rng, ids, ticket_count, now, html)
        await _insert_tickets(tickets)
        await record(
            None,
            "demo.loaded",
            "demo",
            seed,
            after={"tickets": ticket_count, "users": len(PEOPLE), "seed": seed},
            actor_label="cli",
        )
    return [(role.value, _email(local), DEMO_PASSWORD) for local, _, role, _ in PEOPLE]


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


async def _create_people(ids: _Ids, password_hash: str, created_at: datetime) -> None:
    await User.bulk_create(
        [
            User(email=_email(local), name=name, role=role, password_hash=password_hash, created_at=created_at)
            for local, name, role, _ in PEOPLE
        ]
    )
    by_email = dict(await User.all().values_list("email", "id"))
    ids.users = {local: by_email[_email(local)] for local, *_ in PEOPLE}


async def _create_tree(ids: _Ids) -> None:
    await Category.bulk_create([Category(name=c, sort_order=10 * (n + 1)) for n, (c, _) in enumerate(CTI_TREE)])
    ids.categories = dict(await Category.all().values_list("name", "id"))
    await TicketType.bulk_create(
        [
            TicketType(category_id=ids.categories[c], name=t, sort_order=10 * (n + 1))
            for c, types in CTI_TREE
            for n, (t, _) in enumerate(types)
        ]
    )
    ids.types = {(c, t): i for c, t, i in await TicketType.all().values_list("category__name", "name", "id")}
    await Item.bulk_create(
        [
            Item(type_id=ids.types[(c, t)], name=name, sort_order=10 * (n + 1))
            for c, types in CTI_TREE
            for t, items in types
            for n, name in enumerate(items)
        ]
    )
    rows = await Item.all().values_list("type__category__name", "type__name", "name", "id")
    ids.items = {(c, t, name): i for c, t, name, i in rows}


async def _create_groups(ids: _Ids) -> None:
    await Group.bulk_create([Group(name=name) for name in GROUPS])
    ids.groups = dict(await Group.all().values_list("name", "id"))
    await GroupMember.bulk_create(
        [
            GroupMember(group_id=ids.groups[group], user_id=ids.users[local])
            for local, _, _, groups in PEOPLE
            for group in groups
        ]
    )
    await GroupScope.bulk_create(
        [
            GroupScope(
                group_id=ids.groups[group],
                category_id=ids.categories[c],
                type_id=ids.types[(c, t)] if t else None,
            )
            for group, entries in GROUPS.items()
            for c, t in entries
        ]
    )


def _routing_group(category: str, ticket_type: str | None) -> str | None:
    """The group whose scope covers this classification, if any (first match wins)."""
    for group, entries in GROUPS.items():
        if any(c == category and (t is None or t == ticket_type) for c, t in entries):
            return group
    return None


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random() if end > start else start


def _pick_statuses(rng: random.Random, statuses: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Weighted by kind, but every status gets at least one ticket when there are enough."""
    custom = sum(1 for s in statuses if s["kind"] is StatusKind.CUSTOM) or 1
    weights = [KIND_WEIGHTS[s["kind"]] / (custom if s["kind"] is StatusKind.CUSTOM else 1) for s in statuses]
    chosen = list(statuses[:count]) + rng.choices(statuses, weights, k=max(0, count - len(statuses)))
    rng.shuffle(chosen)
    return chosen


async def _build_tickets(
    rng: random.Random, ids: _Ids, count: int, now: datetime, html: dict[str, str]
) -> list[Ticket]:
    statuses = await Status.all().order_by("sort_order", "id").values("id", "kind")
    window_days = int(await get_setting("reopen_window_days")) or 7
    window = timedelta(days=window_days)
    requesters = [local for local, _, role, _ in PEOPLE if role is Role.USER]
    staff = [local for local, _, role, _ in PEOPLE if role is Role.STAFF]
    ungrouped = [local for local, _, role, groups in PEOPLE if role is not Role.USER and not groups]
    members = {g: [local for local, _, _, groups in PEOPLE if g in groups] for g in GROUPS}
    classifications = list(SUBJECTS)
    # Oldest first, so ticket numbers grow with time as they would in real life.
    created = sorted(_between(rng, now - HISTORY, now) for _ in range(count))
    tickets: list[Ticket] = []
    for created_at, status in zip(created, _pick_statuses(rng, statuses, count), strict=True):
        c, t, i = rng.choice(classifications)
        kind: StatusKind = status["kind"]
        requester = rng.choice(requesters)
        group = _routing_group(c, t)
        assignee: str | None = None
        if kind is StatusKind.NEW and rng.random() < 0.5:
            group = None  # not triaged yet
        elif group is None:
            assignee = rng.choice(ungrouped) if kind is not StatusKind.NEW or rng.random() < 0.3 else None
        elif kind is not StatusKind.NEW or rng.random() < 0.4:
            assignee = rng.choice(members[group])
        description = rng.choice(DESCRIPTIONS)
        ticket = Ticket(
            subject=rng.choice(SUBJECTS[(c, t, i)]),
            description=description,
            description_html=html[description],
            category_id=ids.categories[c],
            type_id=ids.types[(c, t)] if t else None,
            item_id=ids.items[(c, t, i)] if t and i else None,
            priority=rng.choices(list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values()))[0],
            status_id=status["id"],
            requester_id=ids.users[requester],
            # Most people file their own tickets; the rest were logged by staff on their behalf.
            created_by_id=ids.users[requester if rng.random() < 0.85 else rng.choice(staff)],
            assignee_id=ids.users[assignee] if assignee else None,
            assigned_group_id=ids.groups[group] if group else None,
            created_at=created_at,
        )
        _set_lifecycle(rng, ticket, kind, created_at, now, window)
        tickets.append(ticket)
    return tickets


def _set_lifecycle(
    rng: random.Random, ticket: Ticket, kind: StatusKind, created_at: datetime, now: datetime, window: timedelta
) -> None:
    """Timestamps and notes that agree with the status: resolved before closed, nothing in the future."""
    ticket.updated_at = created_at
    if kind is StatusKind.CUSTOM:
        ticket.updated_at = _between(rng, created_at, now)
    elif kind is StatusKind.NEW and rng.random() < 0.1:
        # Reopened by the requester's reply inside the window: notes and time of the earlier resolution stay.
        ticket.reopened = True
        ticket.resolution_notes = rng.choice(RESOLUTION_NOTES)
        ticket.resolved_at = _between(rng, created_at, now)
        ticket.updated_at = _between(rng, ticket.resolved_at, min(now, ticket.resolved_at + window))
    elif kind in (StatusKind.RESOLVED, StatusKind.CLOSED):
        ticket.resolution_notes = rng.choice(RESOLUTION_NOTES)
        if kind is StatusKind.RESOLVED:
            # Still inside the reopen window, as the hourly sweep would have closed older ones.
            resolved_at = _between(rng, max(created_at, now - window), now)
        else:
            resolved_at = _between(rng, created_at, min(now, created_at + timedelta(days=5)))
        ticket.resolved_at = ticket.updated_at = resolved_at
        if kind is StatusKind.CLOSED:
            closed_at = resolved_at + window + timedelta(minutes=rng.randint(1, 59))
            # Too recent for the sweep: staff closed it by hand.
            ticket.closed_at = ticket.updated_at = closed_at if closed_at <= now else _between(rng, resolved_at, now)


async def _insert_tickets(tickets: list[Ticket]) -> None:
    """Bulk insert, then number = id and the intended updated_at in set-based UPDATEs.

    Bulk inserts do not return keys, and `auto_now` overwrites updated_at on insert (on the instances too,
    hence the copy). The table was empty inside this transaction and executemany inserts in order, so the
    new ids in order match `tickets`.
    """
    updated = [ticket.updated_at for ticket in tickets]
    await Ticket.bulk_create(tickets)
    await Ticket.filter(number__isnull=True).update(number=F("id"))
    rows: list[Any] = await Ticket.all().order_by("id").values_list("id", flat=True)
    ids = [int(i) for i in rows]
    if len(ids) != len(tickets):
        raise RuntimeError(f"expected {len(tickets)} demo tickets, found {len(ids)}")
    for start in range(0, len(ids), UPDATE_CHUNK):
        chunk = list(zip(ids[start : start + UPDATE_CHUNK], updated[start : start + UPDATE_CHUNK], strict=True))
        # A datetime is a fine CASE value (it is sent as a parameter); the stubs only list expressions.
        cases = [When(id=ticket_id, then=moment) for ticket_id, moment in chunk]  # type: ignore[arg-type]
        await Ticket.filter(id__in=[i for i, _ in chunk]).update(updated_at=Case(*cases, default=F("updated_at")))


async def has_tickets() -> bool:
    """Whether the help desk already holds tickets: `serve --demo` then leaves its data alone."""
    return await Ticket.exists()
