"""Categories, types and items: the classification tree."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.context import Info


@strawberry.type(description="The third level of the classification tree, under a type.")
class Item:
    id: strawberry.ID = strawberry.field(description="Item ID.")
    name: str = strawberry.field(description="Display name.")
    sort_order: int = strawberry.field(description="Position among its siblings, ascending.")
    archived: bool = strawberry.field(description="Archived items stay on old tickets but cannot be chosen.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Item:
        return cls(
            id=strawberry.ID(str(row["id"])), name=row["name"], sort_order=row["sort_order"], archived=row["archived"]
        )


@strawberry.type(description="The second level of the classification tree, under a category.")
class TicketType:
    id: strawberry.ID = strawberry.field(description="Type ID.")
    name: str = strawberry.field(description="Display name.")
    sort_order: int = strawberry.field(description="Position among its siblings, ascending.")
    archived: bool = strawberry.field(description="Archived types stay on old tickets but cannot be chosen.")

    @strawberry.field(description="Items of this type, in sort order (archived ones included).")
    async def items(self, info: Info) -> list[Item]:
        rows = await info.context.loaders.items_by_type_id.load(int(self.id))
        return [Item.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TicketType:
        return cls(
            id=strawberry.ID(str(row["id"])), name=row["name"], sort_order=row["sort_order"], archived=row["archived"]
        )


@strawberry.type(description="The top level of the classification tree; every ticket has one.")
class Category:
    id: strawberry.ID = strawberry.field(description="Category ID.")
    name: str = strawberry.field(description="Display name.")
    sort_order: int = strawberry.field(description="Position among categories, ascending.")
    archived: bool = strawberry.field(description="Archived categories stay on old tickets but cannot be chosen.")

    @strawberry.field(description="Types in this category, in sort order (archived ones included).")
    async def types(self, info: Info) -> list[TicketType]:
        rows = await info.context.loaders.types_by_category_id.load(int(self.id))
        return [TicketType.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Category:
        return cls(
            id=strawberry.ID(str(row["id"])), name=row["name"], sort_order=row["sort_order"], archived=row["archived"]
        )
