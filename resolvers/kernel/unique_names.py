"""Names that must be unique among their siblings, ignoring case: categories, types and items (within their
parent), statuses and groups. One rule, one message, whether the check or the unique index catches a clash."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from resolvers.kernel.errors import DomainError, Reason, conflict


def name_taken(name: str, what: str) -> DomainError:
    """`what` says among which rows: "status", "type in this category"."""
    return conflict(
        f'name "{name}" is already used by another {what}; names must be unique.', Reason.NAME_TAKEN, "name"
    )


async def ensure_unique_name(siblings: QuerySet[Any], name: str, what: str, *, other_than: int | None = None) -> None:
    """NAME_TAKEN when a row of `siblings` other than `other_than` is called `name`, ignoring case."""
    others = siblings.filter(name__iexact=name)
    if other_than is not None:
        others = others.exclude(id=other_than)
    if await others.exists():
        raise name_taken(name, what)


@contextmanager
def unique_index_guard(name: str, what: str) -> Iterator[None]:
    """Around the transaction that writes the name: a concurrent writer can slip between the check and the
    insert, and then the unique index refuses it; that is the same refusal."""
    try:
        yield
    except IntegrityError:
        raise name_taken(name, what) from None
