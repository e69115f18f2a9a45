"""bench/compare.py on a tiny dataset (PostgreSQL only: the comparison is about PostgreSQL): the seeding SQL runs
on our migrations, and our server and the raw-SQL endpoint, each started as `bench.compare` starts them, give the
same answers to every fixed input, W3 included (the same rows written). PostGraphile needs Node packages that
tests do not install; its W3 mutation is the SQL function `add_reply`, called here directly and held to the same
rows. No timing here: bench.compare measures, tests only check that what it measures is right."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from bench import check, dataset, write_set
from bench.processes import Server
from bench.workloads import OURS, RAW, WORKLOADS, template
from tests.smtp import free_port

PG_URL = os.environ.get("TEST_DATABASE_URL")
SIZES = dataset.Sizes(tickets=300, replies=1500, users=60, clients=4)


def _bench_url(test_url: str) -> str:
    base, _, name = test_url.rpartition("/")
    return f"{base}/helpdesk_bench_{name.split('?')[0]}"


if PG_URL:

    @pytest.fixture(scope="module")
    async def bench_db() -> AsyncIterator[str]:
        assert PG_URL
        url = _bench_url(PG_URL)
        await dataset.build(url, SIZES)
        yield url
        base, _, name = url.rpartition("/")
        admin = await asyncpg.connect(f"{base}/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    async def _answers(system: str, url: str, inputs: check.Inputs, conn: asyncpg.Connection) -> dict[str, Any]:
        async with Server(system, url, pool_size=2, port=free_port()) as server:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
                templates = {w: template(system, w) for w in WORKLOADS}
                return await check.answers(http, system, templates, inputs, conn)

    async def test_seeding_makes_the_sizes_asked_for(bench_db: str) -> None:
        conn = await asyncpg.connect(bench_db)
        try:
            counts = await dataset.counts(conn)
            assert (counts["tickets"], counts["replies"], counts["users"]) == (300, 1500, 60)
            assert counts["internal_notes"] == 150 and counts["printer_tickets"] == 30
            # Sequences moved past the explicit ids: our server can insert.
            assert await conn.fetchval("SELECT nextval(pg_get_serial_sequence('replies', 'id'))") > 1500
        finally:
            await conn.close()

    @pytest.mark.parametrize("viewer", ["staff", "admin"])
    async def test_our_server_and_the_raw_endpoint_answer_alike(bench_db: str, viewer: str) -> None:
        conn = await asyncpg.connect(bench_db)
        try:
            inputs = await check.pick_inputs(conn, SIZES, viewer, SIZES.clients)
            ours = await _answers(OURS, bench_db, inputs, conn)
            raw = await _answers(RAW, bench_db, inputs, conn)
        finally:
            await conn.close()
        assert check.compare({OURS: ours, RAW: raw}, OURS) == dict.fromkeys(WORKLOADS)
        # Equal and not empty: a full page, the fixed tickets, a reply that emailed several people.
        assert len(ours["W1"]) == 50 and any(t["replies"] for t in ours["W1"])
        assert ours["W2"]["ticket with internal notes"]["replies"] and ours["W2"]["ticket without replies"]
        rows = ours["W3"]["rows"]
        assert len(rows["replies"]) == 1 and len(rows["audit"]) == 1 and rows["ticket"]["bumped"]
        emails = [o for o in rows["outbox"] if o["channel"] == "email"]
        assert len(emails) >= 2 and len(rows["outbox"]) == len(emails) + 1
        assert 0 < len(ours["W4"]) <= 25 and all("Printer" in t["subject"] for t in ours["W4"])

    async def test_postgraphiles_add_reply_function_writes_what_our_server_writes(bench_db: str) -> None:
        conn = await asyncpg.connect(bench_db)
        try:
            inputs = await check.pick_inputs(conn, SIZES, "staff", SIZES.clients)
            ours = (await _answers(OURS, bench_db, inputs, conn))["W3"]["rows"]
            mark = await write_set.save_tickets(conn, [inputs.w3_check])
            try:
                await conn.execute(
                    "SELECT add_reply($1, $2, $3)", inputs.tokens[0], inputs.w3_check, ours["replies"][0]["body"]
                )
                function = await write_set.rows_written(conn, mark, inputs.w3_check)
            finally:
                await write_set.restore(conn, mark, vacuum=False)
            assert check.first_difference(ours, function) is None
            # Undone: the next run starts from the same rows.
            assert await write_set.watermark(conn) == mark
            with pytest.raises(asyncpg.PostgresError, match="sign in as staff"):
                await conn.execute("SELECT add_reply('hds_bench_nobody', $1, 'x')", inputs.w3_check)
        finally:
            await conn.close()
