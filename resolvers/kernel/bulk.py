"""Multi-row INSERTs for set-based work (the close sweep writes hundreds of audit and outbox rows per batch).

Tortoise's bulk_create builds a model object per row and sends one execute per row (executemany); for a
batch of 500 tickets that cost more Python time than the database work. These helpers send one
`INSERT ... VALUES (...), (...) RETURNING id` per chunk instead, on the current connection (the transaction's
when called inside `in_transaction()`), and hand back the new ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.fields.data import JSONField
from tortoise.models import Model

# Both drivers cap a statement at 32,767 parameters; stay well below whatever the column count.
MAX_PARAMETERS = 30_000


async def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert `rows` (values in `columns` order, ready for the database except JSON fields, which are encoded
    here as Tortoise would) and return the new ids, in no promised order (SQLite does not order RETURNING).
    Columns left out get their SQL default or NULL, not Tortoise's Python-side defaults: name every column that
    has one."""
    if not rows:
        return []
    meta = model._meta
    db = meta.db
    fields = meta.fields_map
    json_columns = [i for i, name in enumerate(columns) if isinstance(fields.get(name), JSONField)]
    width = len(columns)
    per_statement = max(1, MAX_PARAMETERS // width)
    ids: list[int] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values: list[Any] = []
        for row in chunk:
            encoded = list(row)
            for i in json_columns:
                encoded[i] = fields[columns[i]].to_db_value(encoded[i], model)
            values.extend(encoded)
        if db.capabilities.dialect == "postgres":
            groups = [", ".join(f"${n * width + j + 1}" for j in range(width)) for n in range(len(chunk))]
        else:
            groups = [", ".join("?" * width)] * len(chunk)
        names = ", ".join(f'"{name}"' for name in columns)
        sql = f'INSERT INTO "{meta.db_table}" ({names}) VALUES ' + ", ".join(f"({g})" for g in groups) + " RETURNING id"
        ids.extend(int(row["id"]) for row in await db.execute_query_dict(sql, values))
    return ids
