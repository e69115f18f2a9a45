"""Batch reads of plain rows for the schema's DataLoaders (one query per batch, no ORM objects)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tortoise.models import Model

from models.accounts import Group, GroupMember, GroupScope, User
from models.cti import Category, Item, TicketType
from models.statuses import Status

Row = dict[str, Any]

USER_COLUMNS = ("id", "email", "name", "role", "disabled", "last_login_at", "created_at")
CTI_COLUMNS = ("id", "name", "sort_order", "archived")
STATUS_COLUMNS = ("id", "name", "kind", "color", "sort_order", "pauses_sla")

# What each DataLoader reads: (model, columns).
BY_ID: dict[str, tuple[type[Model], Sequence[str]]] = {
    "user": (User, USER_COLUMNS),
    "group": (Group, ("id", "name")),
    "status": (Status, STATUS_COLUMNS),
    "category": (Category, CTI_COLUMNS),
    "type": (TicketType, (*CTI_COLUMNS, "category_id")),
    "item": (Item, (*CTI_COLUMNS, "type_id")),
}

# (model, key column, columns, order) for one-to-many reads.
MANY_BY: dict[str, tuple[type[Model], str, Sequence[str], str]] = {
    "types_by_category": (TicketType, "category_id", CTI_COLUMNS, "sort_order"),
    "items_by_type": (Item, "type_id", CTI_COLUMNS, "sort_order"),
    "members_by_group": (GroupMember, "group_id", ("user_id",), "user_id"),
    "groups_by_user": (GroupMember, "user_id", ("group_id",), "group_id"),
    "scopes_by_group": (GroupScope, "group_id", ("id", "category_id", "type_id"), "id"),
}


def as_row(instance: Model, columns: Sequence[str]) -> Row:
    """An instance the domain has just written, as the plain row read paths use: the schema builds its types
    from rows only, and never needs to know the ORM class."""
    return {column: getattr(instance, column) for column in columns}


async def rows_by_id(kind: str, ids: Sequence[int]) -> list[Row | None]:
    model, columns = BY_ID[kind]
    rows = {row["id"]: row for row in await model.filter(id__in=list(ids)).values(*columns)}
    return [rows.get(i) for i in ids]


async def rows_grouped(kind: str, keys: Sequence[int]) -> list[list[Row]]:
    model, key, columns, order = MANY_BY[kind]
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in await model.filter(**{f"{key}__in": list(keys)}).order_by(order, "id").values(key, *columns):
        grouped[row[key]].append(row)
    return [grouped.get(k, []) for k in keys]
