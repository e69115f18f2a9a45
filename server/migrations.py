"""Schema migrations: bring a database to the newest aerich migration of its dialect, then seed defaults.

The migrations live in two folders generated from the same models (aerich writes dialect-specific SQL):
migrations/sqlite/models/ and migrations/postgres/models/. `scripts/make-migrations` adds to both.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from aerich import Command
from tortoise.backends.base.config_generator import expand_db_url

from core.db import close_db, dialect, init_db, tortoise_config
from resolvers.admin.seed import seed_defaults
from resolvers.kernel.markdown_backfill import backfill_markdown_html

# aerich keeps one history per Tortoise app; all our models are in the app "models".
APP = "models"
# Any constant works as long as every helpdesk process uses the same one ("help" in ASCII).
_ADVISORY_LOCK_KEY = 0x68656C70


def migrations_location(database_url: str) -> Path:
    """The folder aerich's `location` names for this database's dialect (the files are in its `models/`)."""
    package = importlib.import_module(f"migrations.{dialect(database_url)}")
    return Path(next(iter(package.__path__)))


@asynccontextmanager
async def _exclusive(database_url: str) -> AsyncIterator[None]:
    """On PostgreSQL, one migrating process at a time: several app servers may start together.

    A session advisory lock on a connection of its own; closing that connection releases it. SQLite is a
    single-machine database, and `serve --workers N` migrates once before it starts the workers.
    """
    if dialect(database_url) != "postgres":
        yield
        return
    credentials = expand_db_url(database_url)["credentials"]
    conn = await asyncpg.connect(
        host=credentials.get("host"),
        port=credentials.get("port"),
        user=credentials.get("user"),
        password=credentials.get("password"),
        database=credentials.get("database"),
    )
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
        yield
    finally:
        await conn.close()


async def apply_migrations(database_url: str) -> list[str]:
    """Apply the pending migrations, seed the default rows, and render the HTML of any text stored without it
    (resolvers/kernel/markdown_backfill.py); returns the migration files applied now.

    Idempotent: on an up-to-date database it applies, seeds and renders nothing. It opens and closes its own
    Tortoise connections, so call it before (not while) the caller initialises the database.
    """
    async with _exclusive(database_url):
        await init_db(database_url, with_aerich=True)
        try:
            # aerich keeps its state on class attributes: one Command per call, never shared.
            command = Command(
                tortoise_config(database_url, with_aerich=True),
                app=APP,
                location=str(migrations_location(database_url)),
            )
            await command.init()
            applied = await command.upgrade(run_in_transaction=True)
            await seed_defaults()
            # Still under the advisory lock: concurrent starts do not render the same rows twice.
            await backfill_markdown_html()
        finally:
            await close_db()
    return applied


async def unmigrated_changes(database_url: str) -> str:
    """The SQL of the migration aerich would generate now for a database with every migration applied.

    Empty when the migrations describe the models exactly (no drift). aerich writes the migration it
    generates into its folder, so this works on a throw-away copy and never touches the repository.
    """
    with tempfile.TemporaryDirectory(prefix="helpdesk-drift-") as tmp:
        location = Path(tmp) / "migrations"
        shutil.copytree(migrations_location(database_url), location)
        await init_db(database_url, with_aerich=True)
        try:
            command = Command(tortoise_config(database_url, with_aerich=True), app=APP, location=str(location))
            await command.init()
            generated = await command.migrate(name="drift", no_input=True)
            if not generated:
                return ""
            return (location / APP / generated).read_text(encoding="utf-8")
        finally:
            await close_db()
