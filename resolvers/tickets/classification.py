"""The CTI cascade (SPEC 2): a Type belongs to its Category, an Item to its Type; archived nodes are not
chosen for new classifications but stay on tickets that already carry them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.cti import Category, Item, TicketType
from resolvers.kernel.errors import Problems, Reason


@dataclass(frozen=True)
class Classification:
    category_id: int
    type_id: int | None
    item_id: int | None


@dataclass(frozen=True)
class _Level:
    """How one level below the category is named in inputs and messages, and what choosing outside its parent is."""

    field: str  # "typeId"
    label: str  # "type"
    parent: str  # "category"
    outside: Reason  # NOT_IN_CATEGORY


_TYPE = _Level("typeId", "type", "category", Reason.NOT_IN_CATEGORY)
_ITEM = _Level("itemId", "item", "type", Reason.NOT_IN_TYPE)


def _usable(problems: Problems, field: str, label: str, row: dict[str, Any], kept: bool) -> bool:
    """Archived rows are not chosen anew, but stay on a ticket that already carries them (`kept`)."""
    if row["archived"] and not kept:
        problems.add(field, f"This {label} is archived; choose another one.", Reason.ARCHIVED)
        return False
    return True


def _choose(
    problems: Problems, level: _Level, chosen_id: int, parent_id: int, children: list[dict[str, Any]], kept: bool
) -> bool:
    """The same rule for types and items: one of its parent's children, and usable."""
    chosen = next((row for row in children if row["id"] == chosen_id), None)
    if chosen is None:
        if children:
            message = f"{level.label.title()} {chosen_id} does not belong to {level.parent} {parent_id}."
        else:
            message = f"This {level.parent} has no {level.label}s; leave {level.field} empty."
        problems.add(level.field, message, level.outside)
        return False
    return _usable(problems, level.field, level.label, chosen, kept)


async def check_classification(
    problems: Problems,
    category_id: int | None,
    type_id: int | None,
    item_id: int | None,
    *,
    keep: Classification | None = None,
) -> Classification | None:
    """Validate a (category, type, item) choice; None when a problem was recorded.

    `keep` is the ticket's current classification: nodes it already carries may be archived.
    """
    if category_id is None:
        if not await Category.exists():
            problems.add(
                "categoryId",
                "No categories exist yet; an admin must create one before tickets can be filed.",
                Reason.NO_CATEGORIES,
            )
        else:
            problems.add("categoryId", "categoryId is required.", Reason.REQUIRED)
        return None
    category = await Category.get_or_none(id=category_id).values("id", "archived")
    if category is None:
        problems.add("categoryId", f"Category {category_id} does not exist.", Reason.UNKNOWN_ID)
        return None
    if not _usable(problems, "categoryId", "category", category, bool(keep and keep.category_id == category_id)):
        return None
    if type_id is None:
        if item_id is not None:
            problems.add("itemId", "An item needs a type: choose the type first.", Reason.ITEM_NEEDS_TYPE)
            return None
        return Classification(category_id, None, None)
    types = await TicketType.filter(category_id=category_id).values("id", "archived")
    if not _choose(problems, _TYPE, type_id, category_id, types, bool(keep and keep.type_id == type_id)):
        return None
    if item_id is None:
        return Classification(category_id, type_id, None)
    items = await Item.filter(type_id=type_id).values("id", "archived")
    if not _choose(problems, _ITEM, item_id, type_id, items, bool(keep and keep.item_id == item_id)):
        return None
    return Classification(category_id, type_id, item_id)
