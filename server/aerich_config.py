"""Tortoise configurations for the aerich CLI, one per dialect (aerich.ini, aerich-postgres.ini).

aerich writes SQL of the database it is pointed at, so each dialect keeps its own migration folder,
both generated from the same models. The URLs are throw-away databases that only `scripts/make-migrations`
(or a developer running aerich by hand) points here; the application never reads this module.
"""

from __future__ import annotations

import os

from core.db import tortoise_config

SQLITE_URL = os.environ.get("HELPDESK_MIGRATIONS_SQLITE_URL", "sqlite://data/migrations.sqlite3")
POSTGRES_URL = os.environ.get(
    "HELPDESK_MIGRATIONS_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_migrations"
)

SQLITE = tortoise_config(SQLITE_URL, with_aerich=True)
POSTGRES = tortoise_config(POSTGRES_URL, with_aerich=True)
