"""The aerich migrations, per dialect, from an EMPTY database: every table, defaults seeded once, no drift.

Each step runs in a subprocess (the real `helpdesk migrate`, or a short probe): aerich keeps its state on
class attributes and initialises Tortoise itself, which must not disturb the Tortoise state conftest.py
set up for the rest of the suite. PostgreSQL runs when TEST_DATABASE_URL is set, on a throw-away database
next to it (its name + "_mig") that the test creates and drops.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from tortoise.models import Model

from core.db import MODEL_MODULES
from resolvers.admin.seed import DEFAULT_STATUSES

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL")
DIALECTS = ["sqlite"] + (["postgres"] if PG_URL else [])
TIMEOUT = 120

# What aerich would write if the migrations and the models disagreed; `unmigrated_changes` returns it.
DRIFT_PROBE = """
import asyncio, sys
from server.migrations import unmigrated_changes
sys.stdout.write(asyncio.run(unmigrated_changes(sys.argv[1])))
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Database:
    dialect: str
    url: str

    async def fetch(self, sql: str) -> list[tuple[object, ...]]:
        if self.dialect == "sqlite":
            with closing(sqlite3.connect(self.url.removeprefix("sqlite://"))) as conn:
                return conn.execute(sql).fetchall()
        conn = await asyncpg.connect(self.url)
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    async def tables(self) -> set[str]:
        if self.dialect == "sqlite":
            rows = await self.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            rows = await self.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {str(name) for (name,) in rows}


async def run(*args: str, database_url: str, data_dir: Path) -> Run:
    env = {**os.environ, "DATABASE_URL": database_url, "HELPDESK_DATA_DIR": str(data_dir)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return Run(proc.returncode, stdout.decode(), stderr.decode())


async def migrate(db: Database, data_dir: Path) -> Run:
    result = await run("-m", "server.cli", "migrate", database_url=db.url, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return result


def model_tables() -> set[str]:
    tables = set()
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Model) and cls.__module__ == name and not cls._meta.abstract:
                tables.add(cls._meta.db_table)
    return tables


def migration_files(dialect: str) -> list[str]:
    folder = ROOT / "migrations" / dialect / "models"
    return sorted((p.name for p in folder.glob("[0-9]*_*.py")), key=lambda n: int(n.split("_")[0]))


def _admin_url(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return f"{base}/postgres", name.split("?")[0]


@pytest.fixture(params=DIALECTS)
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite://{tmp_path / 'migrated.sqlite3'}")
        return
    assert PG_URL
    admin_url, name = _admin_url(PG_URL)
    name = f"{name}_mig"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield Database("postgres", f"{admin_url.rpartition('/')[0]}/{name}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_each_dialect_has_migrations_and_model_tables_are_known() -> None:
    assert migration_files("sqlite"), "no SQLite migrations: run scripts/make-migrations"
    assert migration_files("postgres"), "no PostgreSQL migrations: run scripts/make-migrations"
    assert {"users", "tickets", "statuses", "audit_log", "outbox"} <= model_tables()


async def test_migrate_from_empty_creates_every_table_and_seeds_statuses_once(
    empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await migrate(empty_db, tmp_path)
    files = migration_files(empty_db.dialect)
    assert first.stdout.strip() == "Applied migrations: " + ", ".join(files)
    missing = model_tables() - await empty_db.tables()
    assert not missing, f"tables the migrations do not create: {sorted(missing)}"
    assert "aerich" in await empty_db.tables()

    # Rows stored without their HTML (as before it was stored, or written outside the API): the next migrate
    # renders them once, an over-the-limit text as escaped plain text (resolvers/kernel/markdown_backfill.py).
    await _insert_rows_without_html(empty_db)
    monkeypatch.setenv("MARKDOWN_TIME_LIMIT", "0.1")
    second = await migrate(empty_db, tmp_path)
    assert second.stdout.strip() == "The database is up to date."
    statuses = await empty_db.fetch("SELECT name, kind FROM statuses ORDER BY sort_order")
    assert statuses == [(name, kind.value) for name, kind, *_ in DEFAULT_STATUSES]
    applied = await empty_db.fetch("SELECT version FROM aerich ORDER BY id")
    assert [version for (version,) in applied] == files
    assert await empty_db.fetch("SELECT description, description_html FROM tickets ORDER BY id") == [
        ("**old** text", "<p><strong>old</strong> text</p>"),
        (ENDLESS, f"<p>{ENDLESS}</p>"),
    ]
    assert await empty_db.fetch("SELECT body_html FROM replies") == [("<p>a <em>reply</em></p>",)]


async def test_upgraded_database_shows_no_drift_between_migrations_and_models(
    empty_db: Database, tmp_path: Path
) -> None:
    await migrate(empty_db, tmp_path)
    before = sorted(p.relative_to(ROOT) for p in (ROOT / "migrations").rglob("*.py"))

    probe = await run("-c", DRIFT_PROBE, empty_db.url, database_url=empty_db.url, data_dir=tmp_path)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout == "", (
        "the models differ from the migrations; run scripts/make-migrations. aerich would add:\n" + probe.stdout
    )

    # The check can fail: make the recorded state forget a table, and the probe must want to create it.
    [(entry_id, content)] = await empty_db.fetch("SELECT id, content FROM aerich ORDER BY id DESC LIMIT 1")
    state = json.loads(str(content))
    del state["models.Setting"]
    await _execute(empty_db, "UPDATE aerich SET content = {} WHERE id = {}", json.dumps(state), entry_id)
    probe = await run("-c", DRIFT_PROBE, empty_db.url, database_url=empty_db.url, data_dir=tmp_path)
    assert probe.returncode == 0, probe.stderr
    assert 'CREATE TABLE IF NOT EXISTS "settings"' in probe.stdout

    # The probe works on a copy: the repository's migration folders are untouched.
    assert sorted(p.relative_to(ROOT) for p in (ROOT / "migrations").rglob("*.py")) == before


# python-markdown would take minutes over this: past any time limit.
ENDLESS = "[" * 20_000


async def _insert_rows_without_html(db: Database) -> None:
    status = "(SELECT id FROM statuses ORDER BY sort_order LIMIT 1)"
    statements = [
        "INSERT INTO categories (name, sort_order, archived, created_at) VALUES ('Old', 1, false, CURRENT_TIMESTAMP)",
        *(
            "INSERT INTO tickets (subject, description, priority, reopened, sla_paused_seconds, created_at, updated_at,"
            f" category_id, status_id) VALUES ('Old', '{text}', 3, false, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
            f" (SELECT id FROM categories), {status})"
            for text in ("**old** text", ENDLESS)
        ),
        "INSERT INTO replies (body, internal, created_at, ticket_id)"
        " VALUES ('a *reply*', false, CURRENT_TIMESTAMP, (SELECT min(id) FROM tickets))",
    ]
    if db.dialect == "sqlite":
        with closing(sqlite3.connect(db.url.removeprefix("sqlite://"))) as conn, conn:
            for statement in statements:
                conn.execute(statement)
        return
    conn = await asyncpg.connect(db.url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _execute(db: Database, template: str, text: str, entry_id: object) -> None:
    """Run one parameterised statement (`{}` placeholders) in the dialect's parameter style."""
    if db.dialect == "sqlite":
        with closing(sqlite3.connect(db.url.removeprefix("sqlite://"))) as conn, conn:
            conn.execute(template.format("?", "?"), (text, entry_id))
        return
    conn = await asyncpg.connect(db.url)
    try:
        await conn.execute(template.format("$1::text::json", "$2"), text, entry_id)
    finally:
        await conn.close()


if PG_URL:
    # Defined only with PostgreSQL: several app servers may start at once against one database.

    async def test_concurrent_migrate_on_postgres_applies_and_seeds_once(tmp_path: Path) -> None:
        assert PG_URL
        admin_url, name = _admin_url(PG_URL)
        name = f"{name}_mig_race"
        url = f"{admin_url.rpartition('/')[0]}/{name}"
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
            db = Database("postgres", url)
            results = await asyncio.gather(*(migrate(db, tmp_path / str(i)) for i in range(3)))
            outputs = sorted(r.stdout.strip() for r in results)
            files = migration_files("postgres")
            assert outputs == ["Applied migrations: " + ", ".join(files)] + ["The database is up to date."] * 2
            assert await db.fetch("SELECT count(*) FROM statuses") == [(len(DEFAULT_STATUSES),)]
            assert await db.fetch("SELECT count(*) FROM aerich") == [(len(files),)]
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
