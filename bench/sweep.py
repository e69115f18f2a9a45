"""Benchmark: one close sweep over 100,000 Resolved tickets, half of them expired, on PostgreSQL.

Not part of the test suite. Run from the repository root:

    python -m bench.sweep                      # database helpdesk_bench on postgres://postgres@127.0.0.1:5432
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other python -m bench.sweep --tickets 20000

The database named in BENCH_DATABASE_URL is dropped and created afresh, migrated like production, filled with
COPY, analysed, and then swept once. Reported: wall-clock seconds and SQL statements for the sweep (counted on
Tortoise's `tortoise.db_client` logger, as tests/conftest.QueryCounter does), and the process's peak RSS before
and after the sweep (resource.getrusage); the data is generated in a child process so it does not count.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import resource
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from core.db import close_db, init_db
from core.enums import Priority, StatusKind
from server.migrations import apply_migrations

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
REQUESTERS = 1000
COPY_CHUNK = 10_000
VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().lstrip().upper().startswith(VERBS):
            self.count += 1


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def fresh_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def ticket_rows(count: int, resolved_id: int, category_id: int, user_ids: list[int], now: datetime) -> Iterator[tuple]:
    """Every other ticket resolved 8 days ago (expired with the default 7-day window), the rest 1 day ago;
    half filed by users, half by guests."""
    for i in range(count):
        resolved_at = now - (timedelta(days=8) if i % 2 == 0 else timedelta(days=1)) - timedelta(seconds=i % 3600)
        created = resolved_at - timedelta(days=2)
        requester = user_ids[i % len(user_ids)] if i % 4 < 2 else None
        guest = None if requester else f"guest{i}@bench.example.org"
        yield (
            i + 1,
            i + 1,
            f"Bench ticket {i + 1}",
            "Generated for the sweep benchmark.",
            category_id,
            int(Priority.MEDIUM),
            resolved_id,
            requester,
            guest,
            resolved_at,
            False,
            0,
            created,
            resolved_at,
        )


async def fill(url: str, tickets: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        now = datetime.now(UTC)
        resolved_id = await conn.fetchval("SELECT id FROM statuses WHERE kind = $1", StatusKind.RESOLVED.value)
        category_id = await conn.fetchval(
            "INSERT INTO categories (name, sort_order, archived, created_at) VALUES ($1, 0, false, $2) RETURNING id",
            "Bench",
            now,
        )
        await conn.copy_records_to_table(
            "users",
            columns=["id", "email", "name", "role", "disabled", "created_at", "updated_at"],
            records=[
                (i, f"user{i}@bench.example.org", f"User {i}", "USER", False, now, now)
                for i in range(1, 1 + REQUESTERS)
            ],
        )
        columns = [
            "id",
            "number",
            "subject",
            "description",
            "category_id",
            "priority",
            "status_id",
            "requester_id",
            "guest_email",
            "resolved_at",
            "reopened",
            "sla_paused_seconds",
            "created_at",
            "updated_at",
        ]
        rows = ticket_rows(tickets, resolved_id, category_id, list(range(1, 1 + REQUESTERS)), now)
        while chunk := [row for _, row in zip(range(COPY_CHUNK), rows, strict=False)]:
            await conn.copy_records_to_table("tickets", columns=columns, records=chunk)
        for table in ("users", "tickets"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def totals(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        return {
            "closed": await conn.fetchval(
                "SELECT count(*) FROM tickets t JOIN statuses s ON s.id = t.status_id WHERE s.kind = 'CLOSED'"
            ),
            "still_resolved": await conn.fetchval(
                "SELECT count(*) FROM tickets t JOIN statuses s ON s.id = t.status_id WHERE s.kind = 'RESOLVED'"
            ),
            "audit_rows": await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'ticket.closed'"),
            "emails": await conn.fetchval("SELECT count(*) FROM outbox WHERE topic = 'ticket_closed'"),
            "events": await conn.fetchval("SELECT count(*) FROM outbox WHERE topic = 'ticket.closed'"),
        }
    finally:
        await conn.close()


def prepare(url: str, tickets: int) -> None:
    """Runs in a child process, so the data generation does not count in the sweep process's peak memory."""

    async def work() -> None:
        await fresh_database(url)
        await apply_migrations(url)
        started = time.perf_counter()
        await fill(url, tickets)
        print(f"filled {tickets} tickets in {time.perf_counter() - started:.1f} s", flush=True)

    asyncio.run(work())


async def main(url: str, batch_size: int) -> None:
    from resolvers.tickets.sweep import close_expired_tickets

    await init_db(url)
    logger = logging.getLogger("tortoise.db_client")
    logger.setLevel(logging.DEBUG)
    counter = StatementCounter()
    logger.addHandler(counter)
    try:
        rss_before = peak_rss_mib()
        started = time.perf_counter()
        closed = await close_expired_tickets(batch_size=batch_size)
        seconds = time.perf_counter() - started
        statements = counter.count
        rss_after = peak_rss_mib()
        counter.count = 0
        started = time.perf_counter()
        again = await close_expired_tickets(batch_size=batch_size)
        idle_seconds = time.perf_counter() - started
        idle_statements = counter.count
    finally:
        logger.removeHandler(counter)
        await close_db()

    print(
        f"sweep: closed {closed} tickets in {seconds:.2f} s with {statements} SQL statements (batch size {batch_size})"
    )
    print(
        f"peak RSS of this process: {rss_before:.1f} MiB before the sweep (imports, connections), "
        f"{rss_after:.1f} MiB after it"
    )
    print(f"second sweep: closed {again} in {idle_seconds:.3f} s with {idle_statements} SQL statements")
    print("check:", await totals(url))


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="Resolved tickets to create (default 100000)")
    parser.add_argument("--batch-size", type=int, default=500, help="sweep batch size (default 500)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    child = multiprocessing.get_context("spawn").Process(target=prepare, args=(url, args.tickets))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"preparing the database failed (exit code {child.exitcode})")
    asyncio.run(main(url, args.batch_size))


if __name__ == "__main__":
    cli()
