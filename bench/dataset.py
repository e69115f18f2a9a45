"""The data every system of `bench.compare` reads: a PostgreSQL database made by our own migrations, bulk-filled
with SQL (generate_series, no Python loop over rows), plus what the other two systems need on top of it.

Shape (deterministic: every choice is a hash of the row number, so two runs make the same rows):

- 8 categories x 4 types x 3 items; the five default statuses from `helpdesk migrate`;
- users 1..C are STAFF (the load clients; C = 32 by default), C+1..2C are ADMIN, the rest USER; each of the 2C
  has a session token `hds_bench_<id>` (`bench_token`); group 1 ("Bench desk") holds every staff client and has
  every category in its scope, so a staff client's queue is every ticket, which is what PostGraphile (which knows
  nothing of scopes) returns too;
- tickets over 90 days: 30 % New, 25 % In Progress, 10 % Pending, 15 % Resolved, 20 % Closed; 10 % guest tickets;
  every tenth subject says "Printer"; the reopen window is set to its maximum (365 days), so the server's hourly
  close sweep finds nothing to close in the middle of a run (no workload reads that setting);
- replies spread over the tickets by a hash of their number (about R/T each, some tickets none), every tenth an
  internal note by staff, the others alternately by the requester (or the guest) and by staff.

On top: schema `bench` (state the command keeps between workloads, not exposed by PostGraphile) and
`public.add_reply(token, number, body)`, the SQL function PostGraphile exposes as its W3 mutation (`write_set.py`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import asyncpg

from bench.write_set import ADD_REPLY_FUNCTION
from server.migrations import apply_migrations

CATEGORIES = 8
TYPES_PER_CATEGORY = 4
ITEMS_PER_TYPE = 3
GROUPS = 4
TOKEN_PREFIX = "hds_bench_"

SUBJECTS = (
    "Laptop will not boot",
    "VPN drops every hour",
    "Outlook asks for the password again",
    "New starter needs an account",
    "Monitor flickers",
    "Teams calls have no sound",
    "Cannot open the shared drive",
    "Keyboard keys stick",
    "Excel crashes on large files",
    "Badge does not open the door",
    "Phone will not sync mail",
)
PRINTER_SUBJECTS = ("Printer jams on every job", "Printer prints blank pages", "Printer offline again")
FIRST_NAMES = ("Avery", "Sam", "Alex", "Bailey", "Noor", "Jamie", "Riley", "Morgan", "Casey", "Taylor", "Jordan")
LAST_NAMES = ("Rivera", "Chen", "Okafor", "Haddad", "Smith", "Garcia", "Novak", "Tanaka", "Singh", "Larsen")


@dataclass(frozen=True)
class Sizes:
    tickets: int = 100_000
    replies: int = 500_000
    users: int = 2_000
    # Load clients: that many STAFF and that many ADMIN accounts with a session token each.
    clients: int = 32

    def __post_init__(self) -> None:
        if self.users < 2 * self.clients + 10:
            raise ValueError(f"users is {self.users}; it must be at least 2 x clients + 10 = {2 * self.clients + 10}")
        if self.tickets < 100:
            raise ValueError(f"tickets is {self.tickets}; the minimum is 100")
        if self.replies < 0:
            raise ValueError("replies must not be negative")


def bench_token(user_id: int) -> str:
    """The session token of a load client (a throw-away database on localhost: predictable is fine)."""
    return f"{TOKEN_PREFIX}{user_id}"


def token_digest(token: str) -> str:
    # Same as resolvers.accounts.credentials.token_hash; repeated so bench/ does not depend on resolver internals.
    return hashlib.sha256(token.encode()).hexdigest()


def staff_ids(sizes: Sizes) -> list[int]:
    return list(range(1, sizes.clients + 1))


def admin_ids(sizes: Sizes) -> list[int]:
    return list(range(sizes.clients + 1, 2 * sizes.clients + 1))


def _split(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return base, name.split("?")[0]


async def recreate_database(url: str) -> None:
    """Drop (closing its sessions) and create the database named in `url`."""
    base, name = _split(url)
    if not name.startswith("helpdesk_bench"):
        # The command drops what it is pointed at: keep it to databases that are obviously its own.
        raise ValueError(f"the bench database name must start with helpdesk_bench; got {name!r}")
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def _text_array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _h(expr: str, salt: int) -> str:
    """A non-negative deterministic hash of an integer expression (hashint4 is stable across PostgreSQL versions)."""
    return f"abs(hashint4(({expr})::int + {salt})::bigint)"


def seed_statements(sizes: Sizes, status_ids: dict[str, int]) -> list[str]:
    """The INSERTs, in order (ids are explicit; `finish_statements` moves the sequences past them)."""
    c, t, r, u = sizes.clients, sizes.tickets, sizes.replies, sizes.users
    types = CATEGORIES * TYPES_PER_CATEGORY
    person = f"({_text_array(FIRST_NAMES)})[1 + g % {len(FIRST_NAMES)}] || ' ' || ({_text_array(LAST_NAMES)})[1 + (g / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}]"  # noqa: E501
    # Status by the ticket's hash, out of 20: 6 New, 5 In Progress, 2 Pending, 3 Resolved, 4 Closed.
    status = (
        f"CASE WHEN k < 6 THEN {status_ids['New']} WHEN k < 11 THEN {status_ids['In Progress']} "
        f"WHEN k < 13 THEN {status_ids['Pending']} WHEN k < 16 THEN {status_ids['Resolved']} "
        f"ELSE {status_ids['Closed']} END"
    )
    return [
        f"""INSERT INTO categories (id, name, sort_order, archived, created_at)
            SELECT g, 'Category ' || g, g, false, now() FROM generate_series(1, {CATEGORIES}) g""",
        f"""INSERT INTO ticket_types (id, category_id, name, sort_order, archived, created_at)
            SELECT (g - 1) * {TYPES_PER_CATEGORY} + k, g, 'Type ' || g || '.' || k, k, false, now()
            FROM generate_series(1, {CATEGORIES}) g, generate_series(1, {TYPES_PER_CATEGORY}) k""",
        f"""INSERT INTO items (id, type_id, name, sort_order, archived, created_at)
            SELECT (g - 1) * {ITEMS_PER_TYPE} + k, g, 'Item ' || g || '.' || k, k, false, now()
            FROM generate_series(1, {types}) g, generate_series(1, {ITEMS_PER_TYPE}) k""",
        f"""INSERT INTO users (id, email, name, role, disabled, password_hash, created_at, updated_at)
            SELECT g, 'user' || g || '@bench.example.org', {person},
                   CASE WHEN g <= {c} THEN 'STAFF' WHEN g <= {2 * c} THEN 'ADMIN' ELSE 'USER' END,
                   false, NULL, now() - interval '200 days', now() - interval '200 days'
            FROM generate_series(1, {u}) g""",
        """INSERT INTO settings (key, value, updated_at) VALUES ('reopen_window_days', '365', now())""",
        f"""INSERT INTO groups (id, name, created_at)
            SELECT g, CASE WHEN g = 1 THEN 'Bench desk' ELSE 'Group ' || g END, now()
            FROM generate_series(1, {GROUPS}) g""",
        f"""INSERT INTO group_members (group_id, user_id) SELECT 1, g FROM generate_series(1, {c}) g""",
        f"""INSERT INTO group_scopes (group_id, category_id, type_id)
            SELECT 1, g, NULL FROM generate_series(1, {CATEGORIES}) g""",
        f"""INSERT INTO session_tokens (token_hash, expires_at, created_at, user_id)
            SELECT encode(sha256(convert_to('{TOKEN_PREFIX}' || g, 'UTF8')), 'hex'), now() + interval '30 days',
                   now(), g
            FROM generate_series(1, {2 * c}) g""",
        # Tickets: created over 90 days up to 3 days ago, updated within 3 days of that.
        f"""INSERT INTO tickets (id, number, subject, description, priority, guest_email, tracking_ref,
                resolution_notes, resolved_at, closed_at, reopened, first_response_at, response_due_at,
                resolution_due_at, sla_paused_seconds, sla_paused_since, created_at, updated_at, assigned_group_id,
                assignee_id, category_id, created_by_id, item_id, requester_id, sla_policy_id, status_id, type_id)
            SELECT i, i,
                   CASE WHEN i % 10 = 0 THEN ({_text_array(PRINTER_SUBJECTS)})[1 + h % {len(PRINTER_SUBJECTS)}]
                        ELSE ({_text_array(SUBJECTS)})[1 + h % {len(SUBJECTS)}] END || ' (' || i || ')',
                   'Ticket ' || i || ': it started on ' || to_char(created, 'FMDay') || '. **Steps tried:** '
                     || 'restarted, logged out and in again, asked a colleague. Reference ' || h2 || '.',
                   1 + h % 4,
                   CASE WHEN guest THEN 'guest' || i || '@bench.example.org' END, NULL,
                   CASE WHEN k >= 13 AND k < 20 THEN 'Fixed, see the last reply.' END,
                   CASE WHEN k >= 13 AND k < 16 THEN updated WHEN k >= 16 THEN updated - interval '1 hour' END,
                   CASE WHEN k >= 16 THEN updated END,
                   false,
                   CASE WHEN k >= 6 THEN created + interval '1 hour' END, NULL, NULL, 0, NULL,
                   created,
                   updated,
                   CASE WHEN h % 3 = 0 THEN NULL ELSE 1 + h % {GROUPS} END,
                   CASE WHEN h2 % 5 < 2 THEN NULL ELSE 1 + h2 % {c} END,
                   1 + h % {CATEGORIES},
                   requester,
                   CASE WHEN h2 % 3 = 0 THEN NULL ELSE ((category - 1) * {TYPES_PER_CATEGORY} + type_k - 1)
                        * {ITEMS_PER_TYPE} + 1 + h2 % {ITEMS_PER_TYPE} END,
                   requester,
                   NULL,
                   {status},
                   (category - 1) * {TYPES_PER_CATEGORY} + type_k
            FROM (
                SELECT i, h, h2, k, guest, 1 + h % {CATEGORIES} AS category, 1 + h2 % {TYPES_PER_CATEGORY} AS type_k,
                       CASE WHEN guest THEN NULL ELSE {2 * c + 1} + h2 % {u - 2 * c} END AS requester,
                       created, created + (h2 % 4320) * interval '1 minute' AS updated
                FROM (
                    SELECT i, {_h("i", 0)} AS h, {_h("i", 7_777_777)} AS h2, {_h("i", 31)} % 20 AS k,
                           {_h("i", 101)} % 10 = 3 AS guest,
                           now() - interval '3 days' - ({t} - i) * (interval '90 days' / {t}) AS created
                    FROM generate_series(1, {t}) i
                ) raw
            ) s""",
        # Replies: a hash picks the ticket; every tenth is an internal note by staff; public ones alternate between
        # the requester (or the guest) and staff. Posted within 3 days of the ticket.
        f"""INSERT INTO replies (id, ticket_id, author_id, guest_email, body, internal, created_at, edited_at,
                deleted_at)
            SELECT j, t.id,
                   CASE WHEN j % 10 = 0 OR j % 2 = 0 THEN 1 + hj % {c} ELSE t.requester_id END,
                   CASE WHEN j % 10 <> 0 AND j % 2 = 1 AND t.requester_id IS NULL THEN t.guest_email END,
                   CASE WHEN j % 10 = 0 THEN 'Note ' || j || ': checked the logs, waiting on the vendor.'
                        ELSE 'Reply ' || j || ': thanks, I tried that. It happens again after ' || (hj % 50)
                             || ' minutes; here is what the screen says *before* it stops.' END,
                   j % 10 = 0,
                   t.created_at + (hj % 4320) * interval '1 minute' + j * interval '1 microsecond',
                   NULL, NULL
            FROM (SELECT j, {_h("j", 99)} AS hj, 1 + {_h("j", 0)} % {t} AS ticket FROM generate_series(1, {r}) j) p
            JOIN tickets t ON t.id = p.ticket""",
        # The stored HTML our server renders on write (docs/markdown.md), as its renderer would make it for these
        # texts: one paragraph, **strong** and *em*, nothing to escape. Seeded rows without it would make
        # `helpdesk serve` backfill 600,000 renders before it answers.
        r"""UPDATE tickets SET description_html =
            '<p>' || regexp_replace(description, '\*\*([^*]+)\*\*', '<strong>\1</strong>', 'g') || '</p>'""",
        r"""UPDATE replies SET body_html =
            '<p>' || regexp_replace(body, '\*([^*]+)\*', '<em>\1</em>', 'g') || '</p>'""",
    ]


def finish_statements() -> list[str]:
    """Sequences past the explicit ids, so our server's INSERTs (and the other systems') get fresh ones."""
    tables = (
        "categories",
        "ticket_types",
        "items",
        "users",
        "groups",
        "group_members",
        "group_scopes",
        "session_tokens",
        "tickets",
        "replies",
    )
    return [
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
        for table in tables
    ]


BENCH_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS bench;
-- What W3 changes on the tickets it writes to, saved before a run and put back after it (bench/write_set.py).
CREATE TABLE IF NOT EXISTS bench.saved_tickets (
    id int PRIMARY KEY, updated_at timestamptz NOT NULL, first_response_at timestamptz
);
"""


async def build(url: str, sizes: Sizes) -> dict[str, float]:
    """Recreate the database, migrate it like `helpdesk migrate`, fill it; returns seconds per step."""
    import time

    steps: dict[str, float] = {}
    started = time.perf_counter()
    await recreate_database(url)
    await apply_migrations(url)
    steps["migrate"] = time.perf_counter() - started
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        status_ids = {row["name"]: row["id"] for row in await conn.fetch("SELECT id, name FROM statuses")}
        async with conn.transaction():
            # Foreign keys are checked by triggers, row by row; the generated rows are consistent by construction.
            await conn.execute("SET LOCAL session_replication_role = replica")
            for statement in seed_statements(sizes, status_ids):
                await conn.execute(statement)
            for statement in finish_statements():
                await conn.execute(statement)
        await conn.execute(BENCH_SCHEMA)
        await conn.execute(ADD_REPLY_FUNCTION)
        steps["fill"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        steps["vacuum analyze"] = time.perf_counter() - started
    finally:
        await conn.close()
    return steps


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    """What the database holds (printed and written to the results file)."""
    row = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM replies) AS replies,
                  (SELECT count(*) FROM replies WHERE internal) AS internal_notes,
                  (SELECT count(*) FROM users) AS users,
                  (SELECT count(*) FROM tickets t JOIN statuses s ON s.id = t.status_id WHERE s.kind <> 'CLOSED')
                      AS open_tickets,
                  (SELECT count(*) FROM tickets WHERE subject ILIKE '%printer%') AS printer_tickets"""
    )
    assert row is not None
    return {key: int(value) for key, value in row.items()}
