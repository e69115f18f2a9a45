"""Test wiring: real databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), the ASGI app
through httpx, and helpers to act as each role.

Every test that asks for `db` (or `client`) runs once per database backend. Tables are created once per
backend and emptied before each test.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import Tortoise, connections

_TMP = Path(tempfile.mkdtemp(prefix="helpdesk-tests-"))
os.environ.setdefault("HELPDESK_DATA_DIR", str(_TMP / "data"))
os.environ["PASSWORD_HASH_PROFILE"] = "fast"
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.pop("SMTP_HOST", None)

from core import clock  # noqa: E402
from core.config import reset_config  # noqa: E402
from core.db import close_db, init_db  # noqa: E402
from resolvers.admin.seed import seed_defaults  # noqa: E402
from resolvers.kernel.rate_limit import reset_local_counters  # noqa: E402
from resolvers.notify.webhook_delivery import forget_enabled  # noqa: E402
from server.app import create_app  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL")
if os.environ.get("CI") == "true" and not PG_URL:
    raise RuntimeError("CI=true but TEST_DATABASE_URL is not set: the suite must run on PostgreSQL in CI.")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


async def fresh_postgres(url: str) -> None:
    """Create the test database if needed and empty its public schema."""
    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def backend_url(backend: str) -> str:
    if backend == "postgres":
        assert PG_URL
        return PG_URL
    path = _TMP / "test.sqlite3"
    path.unlink(missing_ok=True)
    return f"sqlite://{path}"


@pytest.fixture(scope="session", params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """One initialised database per backend, tables created from the models."""
    name: str = request.param
    url = backend_url(name)
    if name == "postgres":
        await fresh_postgres(url)
    # A label per backend: Tortoise caches INSERT SQL per connection name (STACK-NOTES).
    await init_db(url, label=name, with_aerich=False)
    await Tortoise.generate_schemas()
    await _add_subject_search(name)
    yield name
    await close_db()


def _subject_search_migration(backend: str) -> Any:
    [path] = (Path(__file__).resolve().parent.parent / "migrations" / backend / "models").glob("2_*_subject_search.py")
    spec = importlib.util.spec_from_file_location("subject_search_migration", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


async def _add_subject_search(backend: str) -> None:
    """The subject search index (a pg_trgm index, an FTS5 table with its triggers) is in migration 2 only, since
    no model can describe it; the tables here come from the models, so apply that migration's SQL to them."""
    conn = connections.get(backend)
    await conn.execute_script(await _subject_search_migration(backend).upgrade(conn))


def _tables() -> list[str]:
    return [model._meta.db_table for model in Tortoise.apps["models"].values()]


async def _truncate(backend: str) -> None:
    conn = connections.get(backend)
    tables = _tables()
    if backend == "postgres":
        await conn.execute_script("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    else:
        statements = ["PRAGMA foreign_keys = OFF"]
        statements += [f'DELETE FROM "{t}"' for t in tables]
        statements += ["DELETE FROM sqlite_sequence", "PRAGMA foreign_keys = ON"]
        await conn.execute_script(";\n".join(statements))


@pytest.fixture
async def db(backend: str) -> AsyncIterator[str]:
    """An empty database with the seeded defaults, and a real-time clock."""
    await _truncate(backend)
    await seed_defaults()
    clock.set_now(None)
    # The process's memory of whether a webhook is enabled described the previous test's (truncated) rows.
    forget_enabled()
    yield backend
    clock.set_now(None)


@pytest.fixture(autouse=True)
def fresh_rate_limit_counters() -> Iterator[None]:
    """Every test starts with empty in-process rate-limit counters: logins, registrations and guest actions
    from the test client's one address would otherwise add up across the suite and hit the limits."""
    reset_local_counters()
    yield
    reset_local_counters()


@pytest.fixture(scope="session")
def app() -> Any:
    reset_config()
    return create_app(manage_db=False)


@pytest.fixture
async def client(db: str, app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class QueryCounter(logging.Handler):
    """Counts SQL statements Tortoise sends (it logs each one at DEBUG on `tortoise.db_client`)."""

    VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if message.upper().startswith(self.VERBS):
            self.statements.append(message)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries() -> Iterator[QueryCounter]:
    """Counts statements from now on: read `.count`; `.statements.clear()` starts again."""
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)


class StatementLog:
    """Every statement the database receives, counted at the driver as PostgreSQL's `log_statement = all` logs
    them: the authentication query, BEGIN, COMMIT and ROLLBACK, and whatever the pool sends on release (asyncpg's
    reset query) included; an executemany counts once per row. On SQLite, aiosqlite's commit and rollback
    count as COMMIT and ROLLBACK when a transaction is open (otherwise sqlite3 sends nothing)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        self.statements.clear()


@pytest.fixture
def count_statements(monkeypatch: pytest.MonkeyPatch) -> StatementLog:
    """Counts from now on what each driver sends (`.count`, `.statements`, `.clear()`): see StatementLog."""
    import aiosqlite
    from asyncpg.connection import Connection

    log = StatementLog()

    def counting(cls: type, name: str, *, rows: bool = False) -> None:
        original = getattr(cls, name)

        def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            # Returned as it is: aiosqlite's methods give an awaitable that is also a context manager.
            log.statements.extend([query] * (len(args[0]) if rows and args else 1))
            return original(self, query, *args, **kwargs)

        monkeypatch.setattr(cls, name, counted)

    def ending(cls: type, name: str) -> None:
        original = getattr(cls, name)

        def counted(self: Any) -> Any:
            # Tortoise commits before each BEGIN; sqlite3 sends nothing when no transaction is open.
            if self.in_transaction:
                log.statements.append(name.upper())
            return original(self)

        monkeypatch.setattr(cls, name, counted)

    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        counting(Connection, name)
    counting(Connection, "executemany", rows=True)
    for name in ("execute", "execute_fetchall", "execute_insert", "executescript"):
        counting(aiosqlite.Connection, name)
    counting(aiosqlite.Connection, "executemany", rows=True)
    ending(aiosqlite.Connection, "commit")
    ending(aiosqlite.Connection, "rollback")
    return log


# Which backends the run used, said once at the end: without TEST_DATABASE_URL a green run is SQLite only.
_ITEMS_PER_BACKEND = pytest.StashKey[Counter[str]]()


def pytest_collection_finish(session: pytest.Session) -> None:
    counts: Counter[str] = Counter()
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        if backend:
            counts[backend] += 1
    session.config.stash[_ITEMS_PER_BACKEND] = counts


def _tests(count: int) -> str:
    return "1 test" if count == 1 else f"{count} tests"


def backends_summary(counts: Counter[str], pg_url: str | None, redis_url: str | None) -> str:
    """One line: the databases the selected tests ran on, and where Redis came from."""
    ran = ", ".join(f"{name} ({_tests(counts[name])})" for name in BACKENDS if counts[name])
    line = f"backends: {ran or 'no database tests selected'}"
    if not pg_url:
        line += "; PostgreSQL not configured (TEST_DATABASE_URL unset)"
        line += f": {_tests(counts['sqlite'])} did not run on it" if counts["sqlite"] else ""
    if redis_url:
        line += f"; Redis tests: {redis_url}"
    else:
        line += "; Redis tests: TEST_REDIS_URL unset, local defaults (redis://127.0.0.1:6379/<n>)"
    return line


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    counts = config.stash.get(_ITEMS_PER_BACKEND, Counter())
    terminalreporter.write_line(backends_summary(counts, PG_URL, os.environ.get("TEST_REDIS_URL")))

