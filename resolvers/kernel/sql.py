"""Plain SQL on Tortoise's connection, for the hot read and write paths (docs/performance.md).

Tortoise spends about a millisecond of CPU building one queryset's SQL and more turning rows into values; a queue
page that must cost a few milliseconds in all cannot afford that three times. These statements are written by
hand, sent on the same connection Tortoise would use (the transaction's inside `in_transaction()`, so they join
it) and logged on `tortoise.db_client` like Tortoise's own. Rows come back as plain dicts with Python values on
both databases: SQLite hands back times as text and booleans as integers, which `Statement.rows` converts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.tickets import Ticket

Row = dict[str, Any]


def connection() -> BaseDBAsyncClient:
    """The connection Tortoise would use for a model query here: the current transaction's, if any."""
    db: BaseDBAsyncClient = Ticket._meta.db
    return db


def on_postgres(db: BaseDBAsyncClient) -> bool:
    return bool(db.capabilities.dialect == "postgres")


class Statement:
    """One statement being written left to right: its text and its parameters, with the dialect's placeholders
    ($1, $2 ... on PostgreSQL, ? on SQLite, which numbers them by position: so add each parameter where its
    placeholder goes in the text)."""

    def __init__(self, db: BaseDBAsyncClient | None = None) -> None:
        self.db = db or connection()
        self.postgres = on_postgres(self.db)
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"

    def params_in(self, values: Iterable[Any]) -> str:
        """`(a, b, c)` placeholders for an IN list (never empty: callers handle "no values" themselves)."""
        return "(" + ", ".join(self.param(v) for v in values) + ")"

    async def rows(
        self, text: str, *, times: Sequence[str] = (), flags: Sequence[str] = ()
    ) -> list[Row]:  # fmt: skip
        """Run the statement; on SQLite, parse the `times` columns and turn the `flags` columns into bools."""
        rows: list[Row] = await self.db.execute_query_dict(text, self.params)
        if not self.postgres and rows and (times or flags):
            for row in rows:
                for column in times:
                    value = row[column]
                    if isinstance(value, str):
                        row[column] = datetime.fromisoformat(value)
                for column in flags:
                    value = row[column]
                    if value is not None:
                        row[column] = bool(value)
        return rows


def nested(row: Row, prefix: str, columns: Sequence[str]) -> Row | None:
    """Take the `prefix__column` values of a joined row out into a row of their own; None when the join found
    nothing (its id is NULL)."""
    pop = row.pop
    values = {column: pop(key) for column, key in _prefixed(prefix, tuple(columns))}
    return values if values["id"] is not None else None


@lru_cache(maxsize=64)
def _prefixed(prefix: str, columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # Formatting the key for every column of every row was most of a page's row shaping.
    return tuple((column, f"{prefix}__{column}") for column in columns)


def select_list(alias: str, columns: Sequence[str], prefix: str | None = None) -> str:
    """`alias."col" AS "prefix__col", ...` (no prefix: the column's own name)."""
    if prefix is None:
        return ", ".join(f'{alias}."{c}"' for c in columns)
    return ", ".join(f'{alias}."{c}" AS "{prefix}__{c}"' for c in columns)
