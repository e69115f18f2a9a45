"""The CTI cascade (SPEC 2): a Type belongs to its Category, an Item to its Type; archived nodes are not
chosen for new classifications but stay on tickets that already carry them."""

from __future__ import annotations

from dataclasses import dataclass

from models.cti import Category, Item, TicketType
from resolvers.errors import Problems, Reason


@dataclass(frozen=True)
class Classification:
    category_id: int
    type_id: int | None
    item_id: int | None


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
    if category["archived"] and (keep is None or keep.category_id != category_id):
        problems.add("categoryId", "This category is archived; choose another one.", Reason.ARCHIVED)
        return None

    types = await TicketType.filter(category_id=category_id).values("id", "archived")
    if type_id is None:
        if item_id is not None:
            problems.add("itemId", "An item needs a type: choose the type first.", Reason.ITEM_NEEDS_TYPE)
            return None
        return Classification(category_id, None, None)
    if not types:
        problems.add("typeId", "This category has no types; leave typeId empty.", Reason.NOT_IN_CATEGORY)
        return None
    chosen = next((t for t in types if t["id"] == type_id), None)
    if chosen is None:
        problems.add("typeId", f"Type {type_id} does not belong to category {category_id}.", Reason.NOT_IN_CATEGORY)
        return None
    if chosen["archived"] and (keep is None or keep.type_id != type_id):
        problems.add("typeId", "This type is archived; choose another one.", Reason.ARCHIVED)
        return None

    if item_id is None:
        return Classification(category_id, type_id, None)
    items = await Item.filter(type_id=type_id).values("id", "archived")
    if not items:
        problems.add("itemId", "This type has no items; leave itemId empty.", Reason.NOT_IN_TYPE)
        return None
    item = next((i for i in items if i["id"] == item_id), None)
    if item is None:
        problems.add("itemId", f"Item {item_id} does not belong to type {type_id}.", Reason.NOT_IN_TYPE)
        return None
    if item["archived"] and (keep is None or keep.item_id != item_id):
        problems.add("itemId", "This item is archived; choose another one.", Reason.ARCHIVED)
        return None
    return Classification(category_id, type_id, item_id)
