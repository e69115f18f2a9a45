"""Tortoise configuration shared by the server, the worker, aerich and the tests."""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from core.config import get_config

MODEL_MODULES = [
    "models.accounts",
    "models.cti",
    "models.statuses",
    "models.settings",
    "models.tickets",
    "models.replies",
    "models.links",
    "models.attachments",
    "models.views",
    "models.sla",
    "models.audit",
    "models.outbox",
    "models.email_templates",
    "models.webhooks",
]


def dialect(database_url: str) -> str:
    """'sqlite' or 'postgres': migrations and a few queries differ by dialect."""
    scheme = database_url.split(":", 1)[0]
    if scheme.startswith("sqlite"):
        return "sqlite"
    if scheme in {"postgres", "postgresql", "asyncpg", "psycopg"}:
        return "postgres"
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:// or postgres://")


class PooledConnection(asyncpg.Connection):
    """A pooled PostgreSQL connection that sends no reset query when it goes back to the pool.

    asyncpg's pool runs `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;` after every release:
    with Tortoise checking a connection out per statement outside transactions, that was half of all statements
    (issue 8). It undoes session state, and this code leaves none behind on a pooled connection: no session
    advisory locks (only `pg_advisory_xact_lock`, released at COMMIT; the migration lock has its own unpooled
    connection), no cursors, no LISTEN, no `SET` outside `SET LOCAL`, no temporary tables. An open transaction is
    still rolled back on release (asyncpg does that apart from the query). Anything that adds session state must
    undo it itself before the connection is released (docs/performance.md).
    """

    def get_reset_query(self) -> str:
        return ""


def connection_config(database_url: str) -> str | dict[str, Any]:
    """What Tortoise's `connections` entry holds for the URL: the URL itself, or for PostgreSQL the parsed URL
    with the pool's connection class."""
    if dialect(database_url) != "postgres":
        return database_url
    config = expand_db_url(database_url)
    config["credentials"]["connection_class"] = PooledConnection
    return config


def tortoise_config(
    database_url: str,
    *,
    label: str = "default",
    with_aerich: bool = False,
    pool_size: int | None = None,
    statement_timeout_ms: int | None = None,
) -> dict[str, Any]:
    """Tortoise's configuration. On PostgreSQL, `pool_size` is the most connections the pool opens and
    `statement_timeout_ms` is sent as the sessions' statement_timeout; SQLite has a single connection and no
    statement timeout, so both are ignored there."""
    models: list[str] = list(MODEL_MODULES)
    if with_aerich:
        models.append("aerich.models")
    connection = connection_config(database_url)
    if isinstance(connection, dict) and (pool_size is not None or statement_timeout_ms is not None):
        credentials: dict[str, Any] = dict(connection["credentials"])
        if pool_size is not None:
            credentials["maxsize"] = pool_size
            credentials["minsize"] = min(int(credentials.get("minsize", 1)), pool_size)
        if statement_timeout_ms is not None:
            # A session setting, sent when each connection opens: it covers every statement, transactions included.
            settings = dict(credentials.get("server_settings") or {})
            settings["statement_timeout"] = str(statement_timeout_ms)
            credentials["server_settings"] = settings
        connection = {"engine": connection["engine"], "credentials": credentials}
    return {
        "connections": {label: connection},
        "apps": {"models": {"models": models, "default_connection": label}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str, *, label: str = "default", with_aerich: bool = False) -> None:
    """Open the connections for the server, the worker and the CLI, with the pool size and statement timeout of
    the configuration. `with_aerich=True` is the migration tooling's session (server/migrations.py): it gets
    neither, because a migration's DDL may rightly run longer than any request should."""
    config = get_config()
    settings: dict[str, Any] = (
        {}
        if with_aerich
        else {"pool_size": config.database_pool_size, "statement_timeout_ms": config.database_statement_timeout_ms}
    )
    # The global fallback lets request tasks and arq jobs see the context (STACK-NOTES).
    await Tortoise.init(
        config=tortoise_config(database_url, label=label, with_aerich=with_aerich, **settings),
        _enable_global_fallback=True,
    )


async def close_db() -> None:
    await Tortoise.close_connections()


async def ping() -> None:
    """One round trip to the database; raises when it does not answer (what /health reports)."""
    from tortoise import connections

    await connections.get(next(iter(connections.db_config))).execute_query("SELECT 1")
