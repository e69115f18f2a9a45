"""Tortoise configuration shared by the server, the worker, aerich and the tests."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

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
]


def dialect(database_url: str) -> str:
    """'sqlite' or 'postgres': migrations and a few queries differ by dialect."""
    scheme = database_url.split(":", 1)[0]
    if scheme.startswith("sqlite"):
        return "sqlite"
    if scheme in {"postgres", "postgresql", "asyncpg", "psycopg"}:
        return "postgres"
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:// or postgres://")


def tortoise_config(database_url: str, *, label: str = "default", with_aerich: bool = False) -> dict[str, Any]:
    models: list[str] = list(MODEL_MODULES)
    if with_aerich:
        models.append("aerich.models")
    return {
        "connections": {label: database_url},
        "apps": {"models": {"models": models, "default_connection": label}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str, *, label: str = "default", with_aerich: bool = True) -> None:
    # The global fallback lets request tasks and arq jobs see the context (STACK-NOTES).
    await Tortoise.init(
        config=tortoise_config(database_url, label=label, with_aerich=with_aerich),
        _enable_global_fallback=True,
    )


async def close_db() -> None:
    await Tortoise.close_connections()
