"""Seed a PostgreSQL database for bench/perf.py: our migrations, then the issue-8 data shape in SQL.

    python -m bench.perf_seed --tickets 100000     # database helpdesk_perf_100000 (DROPPED and recreated)

2,000 users (1 admin, 20 staff in 4 groups of 5, the rest requesters), 8 categories x 4 types x 3 items,
`--tickets` tickets (10% guest tickets, a tenth of the subjects say "printer", about 20% Closed) with five
replies each (about 10% internal notes by staff), and one session token for the admin and one for a staff
member; SLA on with every ticket's clocks set, and a link between each fifth ticket and the next (issue 9's
fields). Everything is INSERT ... SELECT over generate_series, so 100,000 tickets take seconds. This is the bench
of the read and write paths only; the side-by-side comparison with PostGraphile has its own seed (bench/compare*).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg

from resolvers.accounts.credentials import token_hash
from server.migrations import apply_migrations

ADMIN_TOKEN = "hds_bench-admin-token-000000000000000000000000"
STAFF_TOKEN = "hds_bench-staff-token-000000000000000000000000"
STAFF_USER_ID = 2
BASE = "postgres://postgres@127.0.0.1:5432"

SEED = """
INSERT INTO categories (id, name, sort_order, archived, created_at)
SELECT c, 'Category ' || c, c, false, now() FROM generate_series(1, 8) c;
INSERT INTO ticket_types (id, name, sort_order, archived, created_at, category_id)
SELECT (c - 1) * 4 + t, 'Type ' || c || '.' || t, t, false, now(), c
FROM generate_series(1, 8) c, generate_series(1, 4) t;
INSERT INTO items (id, name, sort_order, archived, created_at, type_id)
SELECT (ty - 1) * 3 + i, 'Item ' || ty || '.' || i, i, false, now(), ty
FROM generate_series(1, 32) ty, generate_series(1, 3) i;
SELECT setval('categories_id_seq', 8); SELECT setval('ticket_types_id_seq', 32); SELECT setval('items_id_seq', 96);

INSERT INTO users (id, email, name, role, disabled, created_at, updated_at)
SELECT u, 'user' || u || '@bench.test', 'Person ' || u,
       CASE WHEN u = 1 THEN 'ADMIN' WHEN u <= 21 THEN 'STAFF' ELSE 'USER' END, false, now(), now()
FROM generate_series(1, 2000) u;
SELECT setval('users_id_seq', 2000);
INSERT INTO groups (id, name, created_at) SELECT g, 'Group ' || g, now() FROM generate_series(1, 4) g;
SELECT setval('groups_id_seq', 4);
INSERT INTO group_members (group_id, user_id) SELECT 1 + (u - 2) / 5, u FROM generate_series(2, 21) u;
-- Each group: one whole category and one Category + Type.
INSERT INTO group_scopes (group_id, category_id, type_id)
SELECT g, g, NULL FROM generate_series(1, 4) g UNION ALL SELECT g, g + 4, (g + 3) * 4 + 1 FROM generate_series(1, 4) g;

INSERT INTO tickets (id, number, subject, description, priority, guest_email, reopened, sla_paused_seconds,
                     created_at, updated_at, assigned_group_id, assignee_id, category_id, type_id, item_id,
                     requester_id, status_id)
SELECT n, n,
       CASE WHEN n % 10 = 3 THEN 'The printer on floor ' || n % 7 || ' jams' ELSE 'Request ' || n || ' about '
            || (ARRAY['laptop', 'vpn', 'email', 'badge', 'monitor'])[1 + n % 5] END,
       'Ticket **' || n || '** says:' || chr(10) || chr(10) || '- it broke' || chr(10) || '- please help',
       1 + n % 4,
       CASE WHEN n % 10 = 7 THEN 'guest' || n || '@outside.test' END,
       false, 0,
       now() - make_interval(mins => (:tickets - n) * 2 + 60),
       now() - make_interval(mins => ((:tickets - n) * 2 + 60) / 2) - make_interval(secs => n % 97),
       CASE WHEN n % 2 = 0 THEN 1 + n % 4 END,
       CASE WHEN n % 3 = 0 THEN 2 + n % 20 END,
       1 + n % 8, (n % 8) * 4 + 1 + n % 4, ((n % 8) * 4 + n % 4) * 3 + 1 + n % 3,
       CASE WHEN n % 10 = 7 THEN NULL ELSE 22 + n % 1979 END,
       (ARRAY[1, 1, 1, 2, 2, 2, 3, 4, 5, 5])[1 + n % 10]
FROM generate_series(1, :tickets) n;
SELECT setval('tickets_id_seq', :tickets);

INSERT INTO replies (body, internal, created_at, author_id, ticket_id)
SELECT 'Reply ' || r || ' on ticket ' || n || ': *thanks*, looking at it.',
       (n + r) % 10 = 0,
       now() - make_interval(mins => ((:tickets - n) * 2 + 60) / 2) - make_interval(mins => (5 - r) * 3),
       CASE WHEN (n + r) % 10 = 0 OR r % 2 = 0 THEN 2 + (n + r) % 20
            WHEN n % 10 = 7 THEN NULL ELSE 22 + n % 1979 END,
       n
FROM generate_series(1, :tickets) n, generate_series(1, 5) r;

-- Issue 9's fields on every row a workload reads: SLA on, one default policy whose clocks every ticket carries
-- (4 h to respond, 2 days to resolve, so all three states occur), and RELATED_TO links between each fifth ticket
-- and the next (both directions, as linkTickets writes them).
INSERT INTO settings (key, value, updated_at) VALUES ('sla_enabled', 'true', now());
INSERT INTO sla_policies (id, name, first_response_minutes, resolution_minutes, match_key, created_at)
VALUES (1, 'Default', 240, 2880, '-:-', now());
SELECT setval('sla_policies_id_seq', 1);
UPDATE tickets SET sla_policy_id = 1, sla_response_minutes = 240, sla_resolution_minutes = 2880,
       response_due_at = created_at + interval '240 minutes', resolution_due_at = created_at + interval '2880 minutes',
       sla_due_at = created_at + interval '240 minutes', sla_warn_at = created_at + interval '192 minutes',
       sla_breach_at = created_at + interval '240 minutes';
INSERT INTO ticket_links (source_id, target_id, type, created_at)
SELECT n, n + 1, 'RELATED_TO', now() FROM generate_series(5, :tickets - 1, 5) n
UNION ALL SELECT n + 1, n, 'RELATED_TO', now() FROM generate_series(5, :tickets - 1, 5) n;
"""


def database_url(tickets: int) -> str:
    return f"{BASE}/helpdesk_perf_{tickets}"


async def seed(tickets: int) -> str:
    url = database_url(tickets)
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(f"{BASE}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await apply_migrations(url)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(SEED.replace(":tickets", str(tickets)))
        for user_id, token in ((1, ADMIN_TOKEN), (STAFF_USER_ID, STAFF_TOKEN)):
            await conn.execute(
                "INSERT INTO session_tokens (token_hash, expires_at, created_at, user_id)"
                " VALUES ($1, now() + interval '30 days', now(), $2)",
                token_hash(token),
                user_id,
            )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    url = asyncio.run(seed(args.tickets))
    print(f"seeded {url} with {args.tickets} tickets in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
