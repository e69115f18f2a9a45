"""Emptying the test database many times over, fast, for the tests that reset it per fuzzed operation or per
Hypothesis example (hundreds of times a run).

tests/conftest.py's `_truncate` is right for one reset per test, but on PostgreSQL one TRUNCATE of every table
took 0.25-0.5 s here (it replaces each table's files), against 0.02-0.05 s for DELETE of the few rows these
tests write plus a restart of the id sequences. The DELETEs run children first, in the order the models' foreign
keys give, so no constraint is switched off. SQLite's reset is conftest's, which already deletes.
"""

from __future__ import annotations

from tortoise import Tortoise, connections
from tortoise.models import Model

from core import clock
from resolvers.admin.seed import seed_defaults
from tests.conftest import _truncate

_scripts: dict[str, str] = {}


def _children_first() -> list[type[Model]]:
    """Every model, each after all the models whose rows point at it."""
    models = list(Tortoise.apps["models"].values())
    referenced_by: dict[type[Model], set[type[Model]]] = {model: set() for model in models}
    for model in models:
        for name in model._meta.fk_fields | model._meta.o2o_fields:
            target = model._meta.fields_map[name].related_model  # type: ignore[attr-defined]
            if target is not model:
                referenced_by[target].add(model)
    ordered: list[type[Model]] = []
    while referenced_by:
        free = [model for model, children in referenced_by.items() if not children - set(ordered)]
        assert free, f"foreign keys in a cycle: {sorted(m.__name__ for m in referenced_by)}"
        for model in free:
            ordered.append(model)
            del referenced_by[model]
    return ordered


async def _postgres_script(backend: str) -> str:
    conn = connections.get(backend)
    deletes = [f'DELETE FROM "{model._meta.db_table}";' for model in _children_first()]
    rows = await conn.execute_query_dict(
        "SELECT pg_get_serial_sequence(quote_ident(table_name), 'id') AS seq FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_name = 'id'"
    )
    restarts = [f"ALTER SEQUENCE {row['seq']} RESTART;" for row in rows if row["seq"]]
    return "\n".join(deletes + restarts)


async def reset_database(backend: str) -> None:
    """What the `db` fixture leaves, quicker: no rows, ids from 1, the default statuses, a real-time clock."""
    if backend == "postgres":
        if backend not in _scripts:
            _scripts[backend] = await _postgres_script(backend)
        await connections.get(backend).execute_script(_scripts[backend])
    else:
        await _truncate(backend)
    await seed_defaults()
    clock.set_now(None)
