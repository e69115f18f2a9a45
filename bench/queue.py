"""Benchmark: the staff queue read path, through the real GraphQL schema and ASGI app, on SQLite and PostgreSQL.

Not part of the test suite. Run from the repository root:

    python -m bench.queue                        # both backends, 5,000 tickets, 50 timed requests per operation
    python -m bench.queue --backend sqlite --repeat 100
    python -m bench.queue --gc-freeze            # what-if: gc.freeze() once the app is built

Each backend gets a fresh database (a temporary SQLite file; on PostgreSQL the database named in
BENCH_DATABASE_URL, default helpdesk_bench_queue on postgres://postgres@127.0.0.1:5432, is DROPPED, created and
dropped again at the end), tables from `Tortoise.generate_schemas()`, and seeded data: a Category/Type/Item tree,
users, staff in groups with scopes, tickets with five public replies and eight history entries each, loaded with
bulk inserts. Then, for a staff member and for an admin, every operation runs through httpx.ASGITransport
against `create_app(manage_db=False)`: warm-up requests, whose SQL statements are counted on Tortoise's
`tortoise.db_client` logger like tests/conftest.QueryCounter, then timed rounds (each operation once per round,
the logger quiet) reading wall time (perf_counter), CPU time of this process (process_time: it includes
aiosqlite's worker thread but not the PostgreSQL server) and the full garbage collections that ran inside each
request. Last, one request of the queue page with replies runs under pyinstrument when it is installed,
otherwise cProfile, and the profile is split by package.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import gc
import logging
import math
import os
import pstats
import random
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from tortoise import Tortoise, connections
from tortoise.expressions import F

from core.db import close_db, init_db
from core.enums import Priority, Role, StatusKind
from models.accounts import Group, GroupMember, GroupScope, SessionToken, User
from models.audit import AuditEntry
from models.cti import Category, Item, TicketType
from models.replies import Reply
from models.statuses import Status
from models.tickets import Ticket
from resolvers.accounts.credentials import new_session_token, token_hash
from resolvers.admin.seed import seed_defaults
from resolvers.kernel import markdown
from server.app import create_app

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_queue"
ROOT = Path(__file__).resolve().parent.parent
VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")
BATCH = 1000

# --- the operations ------------------------------------------------------------------------------------------

ROW = (
    "number subject priority status { name } category { name } type { name } item { name } "
    "requester { name email } assignee { name } assignedGroup { name }"
)
WITH_REPLIES = ROW + " replies { body author { name } }"
WITH_HTML = ROW + " descriptionHtml replies { body bodyHtml author { name } }"
ONE_TICKET = (
    "query One($number: Int!) { ticket(number: $number) { " + ROW + " description descriptionHtml"
    " replies { id body bodyHtml internal createdAt author { name } }"
    " history { action entityType before after createdAt actor { name } } } }"
)


def queue(fields: str) -> str:
    return (
        "query Queue($first: Int, $after: String, $filter: TicketFilterInput) {"
        " tickets(first: $first, after: $after, filter: $filter) {"
        " totalCount pageInfo { hasNextPage endCursor } edges { node { " + fields + " } } } }"
    )


SEARCH = {"search": "printer", "priorities": ["HIGH"]}


@dataclass
class Operation:
    label: str
    query: str
    variables: dict[str, Any]
    # Runs before every request of the operation, outside the timing (e.g. to empty a cache).
    before: Callable[[], None] | None = None
    # Timed in a run of its own rather than in the shared rounds: the operations that render Markdown share one
    # process-wide cache, and interleaving them would make each one's "warm" depend on its neighbours.
    alone: bool = False


def operations(first: int, number: int, second_page: str) -> list[Operation]:
    page = {"first": first}
    return [
        Operation("(0) baseline: edges { node { number } }", queue("number"), page),
        Operation(f"(1) tickets(first: {first}), row fields", queue(ROW), page),
        Operation("(2) + replies { body author { name } }", queue(WITH_REPLIES), page),
        # The HTML is stored when the text is written (issue 6): reading it renders nothing.
        Operation("(3) + descriptionHtml, replies.bodyHtml (stored)", queue(WITH_HTML), page, alone=True),
        Operation("(2) at first: 100", queue(WITH_REPLIES), {"first": 100}),
        Operation("(3) at first: 100, same page again", queue(WITH_HTML), {"first": 100}, alone=True),
        Operation("(4) ticket(number) with replies and history", ONE_TICKET, {"number": number}),
        Operation('(5) search "printer" + HIGH, row fields', queue(ROW), {**page, "filter": SEARCH}),
        Operation("(5) second page (after), row fields", queue(ROW), {**page, "after": second_page}),
    ]


# --- counting and timing -------------------------------------------------------------------------------------


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().lstrip().upper().startswith(VERBS):
            self.count += 1


class Counting:
    """Statements sent while inside the block (the logger formats every statement, so never while timing)."""

    def __enter__(self) -> StatementCounter:
        self.logger = logging.getLogger("tortoise.db_client")
        self.previous = self.logger.level
        self.counter = StatementCounter()
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self.counter)
        return self.counter

    def __exit__(self, *_: object) -> None:
        self.logger.removeHandler(self.counter)
        self.logger.setLevel(self.previous)


class GcPauses:
    """Time the cyclic garbage collector spends in full (generation 2) collections while inside the block."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)


async def post(client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )


def data_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise SystemExit(f"request failed: {response.status_code} {body.get('errors')}")
    result: dict[str, Any] = body["data"]
    return result


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Measured:
    backend: str
    actor: str
    label: str
    statements: int
    wall: list[float]
    cpu: list[float]
    shape: str
    gc_pauses: list[float]

    def row(self) -> str:
        ms = [1000 * f(v) for v in (self.wall, self.cpu) for f in (statistics.median, p95)]
        return (
            f"| {self.backend} | {self.actor} | {self.label} | {self.shape} | {self.statements} | "
            + " | ".join(f"{v:.1f}" for v in ms)
            + f" | {len(self.gc_pauses)} x {1000 * statistics.mean(self.gc_pauses or [0]):.0f} |"
        )


def shape(data: dict[str, Any]) -> str:
    if "tickets" in data:
        edges = data["tickets"]["edges"]
        replies = sum(len(e["node"].get("replies", [])) for e in edges)
        return f"{len(edges)} of {data['tickets']['totalCount']}" + (f", {replies} replies" if replies else "")
    ticket = data["ticket"]
    return f"1, {len(ticket['replies'])} replies, {len(ticket['history'])} history"


async def measure(
    client: httpx.AsyncClient, backend: str, actor: str, token: str, ops: list[Operation], warmup: int, repeat: int
) -> list[Measured]:
    """Warm-up requests (statements counted) per operation, then `repeat` rounds that time each operation once,
    so that noise from other processes on the machine falls on every operation alike; `alone` operations last,
    each warmed up again and timed in a run of its own."""
    results = []
    for op in ops:
        counts = []
        for _ in range(max(1, warmup)):
            if op.before:
                op.before()
            with Counting() as counter:
                data = data_of(await post(client, token, op.query, op.variables))
            counts.append(counter.count)
        if len(set(counts)) != 1:
            print(f"  note: {op.label} sent {counts} statements in its warm-up requests")
        results.append(Measured(backend, actor, op.label, counts[-1], [], [], shape(data), []))
    pairs = list(zip(ops, results, strict=True))
    shared = [pair for pair in pairs if not pair[0].alone]
    with GcPauses() as gc_pauses:
        for _ in range(repeat):
            for op, result in shared:
                await time_once(client, token, op, result, gc_pauses)
        for op, result in pairs:
            if op.alone:
                for _ in range(warmup):
                    if op.before:
                        op.before()
                    data_of(await post(client, token, op.query, op.variables))
                for _ in range(repeat):
                    await time_once(client, token, op, result, gc_pauses)
    return results


async def time_once(
    client: httpx.AsyncClient, token: str, op: Operation, result: Measured, gc_pauses: GcPauses
) -> None:
    if op.before:
        op.before()
    pauses = len(gc_pauses.pauses)
    started, cpu_started = time.perf_counter(), time.process_time()
    response = await post(client, token, op.query, op.variables)
    result.wall.append(time.perf_counter() - started)
    result.cpu.append(time.process_time() - cpu_started)
    result.gc_pauses += gc_pauses.pauses[pauses:]
    data_of(response)


async def statements_for(client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> int:
    with Counting() as counter:
        data_of(await post(client, token, query, variables))
    return counter.count


# --- the data ------------------------------------------------------------------------------------------------

THINGS = ("Printer", "Laptop", "VPN", "Email", "Monitor", "Phone", "Badge", "Wi-Fi", "Projector", "Label printer")
PROBLEMS = ("does not start", "is slow", "shows an error", "keeps disconnecting", "needs replacing", "is missing")
PLACES = ("3rd floor", "reception", "room 214", "warehouse", "home office", "meeting room B")
PRIORITIES = [Priority.CRITICAL] * 1 + [Priority.HIGH] * 4 + [Priority.MEDIUM] * 11 + [Priority.LOW] * 4
STATUS_MIX = ["New"] * 6 + ["In Progress"] * 5 + ["Pending"] * 2 + ["Resolved"] * 3 + ["Closed"] * 4


def description(n: int, thing: str, rng: random.Random) -> str:
    return (
        f"The **{thing.lower()}** in {rng.choice(PLACES)} {rng.choice(PROBLEMS)} since this morning "
        f"(asset tag `HD-{n:06d}`).\n\nWhat I tried so far:\n\n- switched it off and on again\n"
        f"- checked the cable and the power socket\n- asked a colleague on the same floor\n\n"
        f"The screen says *error {rng.randint(100, 999)}*; the setup guide is at "
        f"https://intranet.example.org/kb/{n % 300}.\n\n> It worked fine yesterday, and I need it for a deadline."
    )


def reply_text(n: int, k: int, from_staff: bool, rng: random.Random) -> str:
    if from_staff:
        return (
            f"Thanks for the report on #{n}. Could you try this and tell me what happens?\n\n"
            f"1. Open the **settings** panel\n2. Choose *Reset network*\n3. Restart\n\n"
            f"If it fails again, send the code shown (reply {k}, ref `{rng.randint(10_000, 99_999)}`)."
        )
    return (
        f"I tried it again on #{n} ({k}): still the same. The light blinks {rng.randint(2, 9)} times and then "
        f"nothing. I can bring it to the desk at {rng.randint(9, 16)}:00 if that helps."
    )


def audit(
    ticket: int,
    actor: int | None,
    action: str,
    at: datetime,
    *,
    label: str | None = None,
    entity: str = "ticket",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        actor_id=actor,
        actor_label=label,
        action=action,
        entity_type=entity,
        entity_id=str(ticket),
        ticket_id=ticket,
        before=before,
        after=after,
        created_at=at,
    )


@dataclass
class Seeded:
    staff_token: str
    admin_token: str


async def seed(tickets: int, users: int, seed_value: int = 7) -> Seeded:
    """Bulk inserts only (executemany through Tortoise), explicit keys so rows can refer to each other."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    await seed_defaults()
    statuses = {s.name: s for s in await Status.all()}

    categories = [Category(id=c + 1, name=f"Category {c + 1}", sort_order=c) for c in range(8)]
    types = [
        TicketType(id=c * 4 + t + 1, category_id=c + 1, name=f"Type {t + 1}", sort_order=t)
        for c in range(8)
        for t in range(4)
    ]
    items = [
        Item(id=(tp.id - 1) * 3 + i + 1, type_id=tp.id, name=f"Item {i + 1}", sort_order=i)
        for tp in types
        for i in range(3)
    ]
    await Category.bulk_create(categories)
    await TicketType.bulk_create(types)
    await Item.bulk_create(items, batch_size=BATCH)

    people = [
        User(id=i, email=f"user{i}@bench.example.org", name=f"User {i}", role=Role.USER) for i in range(1, users + 1)
    ]
    staff_ids = list(range(users + 1, users + 21))
    people += [User(id=i, email=f"staff{i}@bench.example.org", name=f"Staff {i}", role=Role.STAFF) for i in staff_ids]
    admin_id = users + 21
    people.append(User(id=admin_id, email="admin@bench.example.org", name="Admin", role=Role.ADMIN))
    await User.bulk_create(people, batch_size=BATCH)

    # Four groups of five; each covers two whole categories and one type of the next category.
    await Group.bulk_create([Group(id=g + 1, name=f"Group {g + 1}") for g in range(4)])
    await GroupMember.bulk_create([GroupMember(group_id=i // 5 + 1, user_id=s) for i, s in enumerate(staff_ids)])
    scopes = []
    for g in range(4):
        scopes += [GroupScope(group_id=g + 1, category_id=2 * g + c + 1, type_id=None) for c in range(2)]
        next_category = (2 * g + 2) % 8
        scopes.append(GroupScope(group_id=g + 1, category_id=next_category + 1, type_id=next_category * 4 + 1))
    await GroupScope.bulk_create(scopes)

    rows, replies, history = [], [], []
    span = timedelta(days=90).total_seconds()
    for n in range(1, tickets + 1):
        created = now - timedelta(days=91) + timedelta(seconds=span * n / tickets)
        category = rng.randrange(8)
        ticket_type = category * 4 + rng.randrange(4) + 1 if rng.random() < 0.85 else None
        item = (ticket_type - 1) * 3 + rng.randrange(3) + 1 if ticket_type and rng.random() < 0.6 else None
        status = statuses[rng.choice(STATUS_MIX)]
        group = category // 2 + 1
        assignee = (
            staff_ids[(group - 1) * 5 + rng.randrange(5)] if status.name != "New" and rng.random() < 0.8 else None
        )
        requester = rng.randint(1, users) if rng.random() < 0.9 else None
        guest = None if requester else f"guest{n}@bench.example.org"
        thing = rng.choice(THINGS)
        done = status.kind in (StatusKind.RESOLVED, StatusKind.CLOSED)
        text = description(n, thing, rng)
        rows.append(
            Ticket(
                id=n,
                number=n,
                subject=f"{thing} {rng.choice(PROBLEMS)} ({rng.choice(PLACES)})",
                description=text,
                # Stored as a write through the API stores it (rendered once); reads serve it as it is.
                description_html=markdown.render_markdown(text),
                category_id=category + 1,
                type_id=ticket_type,
                item_id=item,
                priority=rng.choice(PRIORITIES),
                status_id=status.id,
                requester_id=requester,
                guest_email=guest,
                assignee_id=assignee,
                assigned_group_id=group if status.name != "New" or rng.random() < 0.5 else None,
                resolution_notes="Replaced the cable." if done else None,
                resolved_at=created + timedelta(hours=20) if done else None,
                closed_at=created + timedelta(days=8) if status.kind is StatusKind.CLOSED else None,
                created_at=created,
            )
        )
        label = f"guest:{guest}" if guest else None
        history.append(audit(n, requester, "ticket.created", created, label=label, after={"subject": thing}))
        staff = assignee or staff_ids[(group - 1) * 5]
        for k in range(5):
            from_staff = k % 2 == 1
            at = created + timedelta(hours=2 * k + 1)
            author, guest_author = (staff, None) if from_staff else (requester, guest)
            body = reply_text(n, k, from_staff, rng)
            replies.append(
                Reply(
                    ticket_id=n,
                    author_id=author,
                    guest_email=guest_author,
                    body=body,
                    body_html=markdown.render_markdown(body),
                    created_at=at,
                )
            )
            by = None if from_staff else label
            history.append(audit(n, author, "reply.created", at, label=by, entity="reply", after={"internal": False}))
        changes = (
            ("ticket.updated", 30, {"priority": "MEDIUM"}, {"priority": "HIGH"}),
            ("ticket.status_changed", 720, {"status": "New"}, {"status": status.name}),
        )
        for action, minutes, before, after in changes:
            history.append(audit(n, staff, action, created + timedelta(minutes=minutes), before=before, after=after))
    await Ticket.bulk_create(rows, batch_size=BATCH)
    await Reply.bulk_create(replies, batch_size=BATCH)
    await AuditEntry.bulk_create(history, batch_size=BATCH)
    # bulk_create stamps `updated_at` (auto_now) with the insert time; a queue sorted by it wants real spread.
    await Ticket.all().update(updated_at=F("created_at"))

    tokens = [new_session_token(), new_session_token()]
    await SessionToken.bulk_create(
        [
            SessionToken(user_id=user_id, token_hash=token_hash(token), expires_at=now + timedelta(days=1))
            for user_id, token in zip((staff_ids[0], admin_id), tokens, strict=True)
        ]
    )
    return Seeded(staff_token=tokens[0], admin_token=tokens[1])


# --- profiling -----------------------------------------------------------------------------------------------

PACKAGES = {
    "strawberry": "strawberry",
    "graphql": "graphql-core",
    "tortoise": "Tortoise + pypika",
    "pypika_tortoise": "Tortoise + pypika",
    "asyncpg": "driver",
    "aiosqlite": "driver",
    "httpx": "httpx + Starlette",
    "starlette": "httpx + Starlette",
    "anyio": "httpx + Starlette",
    "markdown": "Markdown",
    "nh3": "Markdown",
}


def category(filename: str) -> str | None:
    """The package a function belongs to; None for the standard library and built-ins (charged to callers)."""
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        return PACKAGES.get(path.split("/site-packages/", 1)[1].split("/", 1)[0], "other packages")
    if path.startswith(str(ROOT)) and "/bench/" not in path:
        return "our code"
    if "/asyncio/" in path:
        return "asyncio"
    if "/sqlite3/" in path:
        return "driver"
    return None


def by_category(stats: dict[Any, Any]) -> dict[str, float]:
    """Own time per package; standard-library and built-in time goes to whoever called it, pro rata."""
    totals: dict[str, float] = defaultdict(float)

    def charge(func: Any, amount: float, depth: int) -> None:
        cat = category(func[0])
        if cat is not None:
            totals[cat] += amount
            return
        callers = stats[func][4] if func in stats else {}
        weight = sum(edge[2] for edge in callers.values())
        if depth > 10 or amount < 1e-8 or weight <= 0:
            totals["stdlib (unattributed)"] += amount
            return
        for caller, edge in callers.items():
            charge(caller, amount * edge[2] / weight, depth + 1)

    for func, (_, _, tt, _, _) in stats.items():
        charge(func, tt, 0)
    return dict(totals)


def short(func: Any) -> str:
    filename, line, name = func
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        path = path.split("/site-packages/", 1)[1]
    elif path.startswith(str(ROOT)):
        path = path[len(str(ROOT)) + 1 :]
    elif "/lib/python" in path:
        path = "stdlib/" + path.split("/lib/python", 1)[1].split("/", 1)[1]
    return f"{path}:{line}({name})" if line else name


async def profile(request: Callable[[], Awaitable[httpx.Response]], top: int, cpu_ms: float) -> None:
    """One request under a profiler; `cpu_ms` (the unprofiled CPU median) scales the shares back to real time."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    # A full collection inside the profiled request would be charged to whatever line it interrupted; the
    # table measures the collector separately, so here it stays off.
    gc.collect()
    gc.disable()
    try:
        if Profiler is not None:
            profiler = Profiler(async_mode="enabled")
            profiler.start()
            data_of(await request())
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            return
        profiler_c = cProfile.Profile()
        profiler_c.enable()
        data_of(await request())
        profiler_c.disable()
    finally:
        gc.enable()
    stats = pstats.Stats(profiler_c).stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in stats.values())
    print(f"  cProfile of one request: {1000 * total:.1f} ms of profiled own time (profiling inflates it; GC off);")
    print(f"  share of it, and that share of the unprofiled CPU median ({cpu_ms:.1f} ms):")
    for name, seconds in sorted(by_category(stats).items(), key=lambda kv: -kv[1]):
        share = seconds / total
        print(f"    {name:<24} {100 * share:5.1f} %  ~{share * cpu_ms:5.1f} ms")
    stages = {
        "parse (graphql-core)": ("graphql/language/parser.py", "parse"),
        "validate (graphql-core + limits)": ("graphql/validation/validate.py", "validate"),
    }
    for label, (suffix, name) in stages.items():
        seconds = sum(e[3] for f, e in stats.items() if f[0].endswith(suffix) and f[2] == name)
        print(
            f"    stage: {label:<32} {100 * seconds / total:5.1f} %  ~{seconds / total * cpu_ms:5.1f} ms (cumulative)"
        )
    print(f"  top {top} functions by own time (ms own / ms cumulative / calls):")
    for func, (_, calls, tt, ct, _) in sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]:
        print(f"    {1000 * tt:6.2f} {1000 * ct:7.2f} {calls:6d}  [{category(func[0]) or 'stdlib'}] {short(func)}")
    ours = [(func, entry) for func, entry in stats.items() if category(func[0]) == "our code"]
    print("  our code by cumulative time (ms cumulative / calls):")
    for func, (_, calls, _, ct, _) in sorted(ours, key=lambda kv: -kv[1][3])[:10]:
        print(f"    {1000 * ct:7.2f} {calls:6d}  {short(func)}")


# --- one backend ---------------------------------------------------------------------------------------------


async def fresh_postgres(url: str, *, drop_only: bool = False) -> None:
    base, _, name = url.rpartition("/")
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def run_backend(backend: str, url: str, args: argparse.Namespace, sizes: list[str]) -> list[Measured]:
    if backend == "postgres":
        await fresh_postgres(url)
    # A label per backend: Tortoise caches INSERT SQL per connection name (STACK-NOTES).
    await init_db(url, label=backend, with_aerich=False)
    results: list[Measured] = []
    try:
        await Tortoise.generate_schemas()
        started = time.perf_counter()
        seeded = await seed(args.tickets, args.users)
        await connections.get(backend).execute_script("ANALYZE")
        print(
            f"[{backend}] seeded {args.tickets} tickets, {5 * args.tickets} replies, {args.users} users "
            f"in {time.perf_counter() - started:.1f} s"
        )
        transport = httpx.ASGITransport(app=create_app(manage_db=False))
        if args.gc_freeze:
            # What a server could do once at startup: move everything alive now out of the collector's sight.
            gc.collect()
            gc.freeze()
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for actor, token in (("staff", seeded.staff_token), ("admin", seeded.admin_token)):
                first_page = data_of(await post(client, token, queue(ROW), {"first": args.first}))["tickets"]
                number = first_page["edges"][0]["node"]["number"]
                ops = operations(args.first, number, first_page["pageInfo"]["endCursor"])
                for result in await measure(client, backend, actor, token, ops, args.warmup, args.repeat):
                    print(result.row(), flush=True)
                    results.append(result)
                counts = {
                    label: [
                        await statements_for(client, token, queue(fields), {"first": size}) for size in (10, 50, 100)
                    ]
                    for label, fields in (("(1)", ROW), ("(2)", WITH_REPLIES), ("(3)", WITH_HTML))
                }
                summary = ", ".join(f"{label} {' / '.join(map(str, n))}" for label, n in counts.items())
                sizes.append(f"[{backend}] {actor}: SQL statements at first: 10 / 50 / 100: {summary}")
                print(sizes[-1])
            print(f"[{backend}] profile of (2) for staff, first: {args.first}:")
            cpu_ms = next(1000 * statistics.median(r.cpu) for r in results if r.label.startswith("(2)"))
            page = {"first": args.first}
            await profile(functools.partial(post, client, seeded.staff_token, queue(WITH_REPLIES), page), 25, cpu_ms)
    finally:
        await close_db()
        if backend == "postgres" and not args.keep:
            await fresh_postgres(url, drop_only=True)
    return results


async def main(args: argparse.Namespace, tmp: Path) -> None:
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    header = (
        "| Backend | Actor | Operation | Result | SQL statements | Wall median ms | Wall p95 ms | CPU median ms "
        "| CPU p95 ms | Full GC runs x ms |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    print(header)
    results: list[Measured] = []
    sizes: list[str] = []
    for backend in backends:
        url = (
            f"sqlite://{tmp / 'bench.sqlite3'}"
            if backend == "sqlite"
            else os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)
        )
        results += await run_backend(backend, url, args, sizes)
    freeze = ", gc.freeze() after start-up" if args.gc_freeze else ""
    print(f"\nAll results ({args.repeat} timed requests after {args.warmup} warm-up requests each{freeze}):\n{header}")
    for result in results:
        print(result.row())
    print("\n".join(sizes))


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=5000, help="tickets to create (default 5000)")
    parser.add_argument("--users", type=int, default=2000, help="requesters to create (default 2000)")
    parser.add_argument("--first", type=int, default=50, help="page size (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per operation (default 5)")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per operation (default 50)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() once the app is built (a what-if)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="helpdesk-bench-queue-"))
    # Read when the app is built: its own data directory (secret key), cheap password hashing, no outside services.
    os.environ["HELPDESK_DATA_DIR"] = str(tmp / "data")
    os.environ["PASSWORD_HASH_PROFILE"] = "fast"
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST"):
        os.environ.pop(name, None)
    try:
        asyncio.run(main(args, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cli()
