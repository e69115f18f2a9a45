"""Categories, types and items: the classification tree."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers.admin.cti import visible_children
from schema.context import Info


def _node(row: dict[str, Any]) -> dict[str, Any]:
    """The fields every level of the tree has, from its row."""
    return {
        "id": strawberry.ID(str(row["id"])),
        "name": row["name"],
        "sort_order": row["sort_order"],
        "archived": row["archived"],
    }


def _include_archived(what: str) -> Any:
    return strawberry.argument(
        description=f"Also list archived {what} (they stay on old tickets); staff and admins only, ignored for "
        "anyone else."
    )


@strawberry.type(description="The third level of the classification tree, under a type.")
class Item:
    id: strawberry.ID = strawberry.field(description="Item ID.")
    name: str = strawberry.field(description="Display name.")
    sort_order: int = strawberry.field(description="Position among its siblings, ascending.")
    archived: bool = strawberry.field(description="Archived items stay on old tickets but cannot be chosen.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Item:
        return cls(**_node(row))


@strawberry.type(description="The second level of the classification tree, under a category.")
class TicketType:
    id: strawberry.ID = strawberry.field(description="Type ID.")
    name: str = strawberry.field(description="Display name.")
    sort_order: int = strawberry.field(description="Position among its siblings, ascending.")
    archived: bool = strawberry.field(description="Archived types stay on old tickets but cannot be chosen.")

    @strawberry.field(description="Items of this type, by sort order then name.")
    async def items(
        self,
        info: Info,
        include_archived: Annotated[bool, _include_archived("items")] = False,
    ) -> list[Item]:
        rows = await info.context.loaders.items_by_type_id.load(int(self.id))
        return [Item.from_row(r) for r in visible_children(info.context.actor, rows, include_archived=include_archived)]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TicketType:
        return cls(**_node(row))


@strawberry.type(description="The top level of the classification tree; every ticket has one.")
class Category:
    id: strawberry.ID = strawberry.field(description="Category ID.")
    name: str = strawberry.field(description="Display name.")
    sort_order: int = strawberry.field(description="Position among categories, ascending.")
    archived: bool = strawberry.field(description="Archived categories stay on old tickets but cannot be chosen.")

    @strawberry.field(description="Types in this category, by sort order then name.")
    async def types(
        self,
        info: Info,
        include_archived: Annotated[bool, _include_archived("types")] = False,
    ) -> list[TicketType]:
        rows = await info.context.loaders.types_by_category_id.load(int(self.id))
        return [
            TicketType.from_row(r)
            for r in visible_children(info.context.actor, rows, include_archived=include_archived)
        ]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Category:
        return cls(**_node(row))
