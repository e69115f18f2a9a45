"""Reading and shaping the Category / Type / Item tree."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, TypeVar

import strawberry

from resolvers.admin import cti
from schema.admin.cti import Category, Item, TicketType
from schema.context import Info
from schema.errors import UserError, mutate, query

_NAME = "Display name: trimmed, 1..100 characters, unique among its siblings (ignoring case)."
_SORT = "Position among its siblings, ascending (ties sort by name)."
_ERRORS = "Why the change was refused; empty on success."


@strawberry.input(description="A new top-level category.")
class CreateCategoryInput:
    name: str = strawberry.field(description=_NAME)
    sort_order: int | None = strawberry.field(default=None, description=_SORT + " Default 0.")


@strawberry.input(description="Changes to a category; omitted fields stay as they are.")
class UpdateCategoryInput:
    category_id: strawberry.ID = strawberry.field(description="The category to change.")
    name: str | None = strawberry.field(default=None, description=_NAME)
    sort_order: int | None = strawberry.field(default=None, description=_SORT)
    archived: bool | None = strawberry.field(
        default=None, description="Archive (true) or restore (false): archived ones stay on old tickets only."
    )


@strawberry.input(description="The category to delete.")
class DeleteCategoryInput:
    category_id: strawberry.ID = strawberry.field(description="The category to delete.")


@strawberry.input(description="A new type within a category.")
class CreateTypeInput:
    category_id: strawberry.ID = strawberry.field(description="The category the type belongs to.")
    name: str = strawberry.field(description=_NAME)
    sort_order: int | None = strawberry.field(default=None, description=_SORT + " Default 0.")


@strawberry.input(description="Changes to a type; omitted fields stay as they are.")
class UpdateTypeInput:
    type_id: strawberry.ID = strawberry.field(description="The type to change.")
    name: str | None = strawberry.field(default=None, description=_NAME)
    sort_order: int | None = strawberry.field(default=None, description=_SORT)
    archived: bool | None = strawberry.field(
        default=None, description="Archive (true) or restore (false): archived ones stay on old tickets only."
    )


@strawberry.input(description="The type to delete.")
class DeleteTypeInput:
    type_id: strawberry.ID = strawberry.field(description="The type to delete.")


@strawberry.input(description="A new item within a type.")
class CreateItemInput:
    type_id: strawberry.ID = strawberry.field(description="The type the item belongs to.")
    name: str = strawberry.field(description=_NAME)
    sort_order: int | None = strawberry.field(default=None, description=_SORT + " Default 0.")


@strawberry.input(description="Changes to an item; omitted fields stay as they are.")
class UpdateItemInput:
    item_id: strawberry.ID = strawberry.field(description="The item to change.")
    name: str | None = strawberry.field(default=None, description=_NAME)
    sort_order: int | None = strawberry.field(default=None, description=_SORT)
    archived: bool | None = strawberry.field(
        default=None, description="Archive (true) or restore (false): archived ones stay on old tickets only."
    )


@strawberry.input(description="The item to delete.")
class DeleteItemInput:
    item_id: strawberry.ID = strawberry.field(description="The item to delete.")


# Bases for the payloads below: each mutation has its own payload type (DESIGN naming), same shape.
@strawberry.type
class _CategoryResult:
    category: Category | None = strawberry.field(description="The category as saved; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type
class _TypeResult:
    type: TicketType | None = strawberry.field(description="The type as saved; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type
class _ItemResult:
    item: Item | None = strawberry.field(description="The item as saved; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type
class _DeleteResult:
    deleted_id: strawberry.ID | None = strawberry.field(description="The ID that was deleted; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of createCategory.")
class CreateCategoryPayload(_CategoryResult):
    pass


@strawberry.type(description="The result of updateCategory.")
class UpdateCategoryPayload(_CategoryResult):
    pass


@strawberry.type(description="The result of deleteCategory.")
class DeleteCategoryPayload(_DeleteResult):
    pass


@strawberry.type(description="The result of createType.")
class CreateTypePayload(_TypeResult):
    pass


@strawberry.type(description="The result of updateType.")
class UpdateTypePayload(_TypeResult):
    pass


@strawberry.type(description="The result of deleteType.")
class DeleteTypePayload(_DeleteResult):
    pass


@strawberry.type(description="The result of createItem.")
class CreateItemPayload(_ItemResult):
    pass


@strawberry.type(description="The result of updateItem.")
class UpdateItemPayload(_ItemResult):
    pass


@strawberry.type(description="The result of deleteItem.")
class DeleteItemPayload(_DeleteResult):
    pass


Result = tuple[dict[str, Any] | None, list[UserError]]
DeleteT = TypeVar("DeleteT", bound=_DeleteResult)
CategoryT = TypeVar("CategoryT", bound=_CategoryResult)
TypeT = TypeVar("TypeT", bound=_TypeResult)
ItemT = TypeVar("ItemT", bound=_ItemResult)


def _changes(input: UpdateCategoryInput | UpdateTypeInput | UpdateItemInput) -> cti.NodeChanges:
    return cti.NodeChanges(name=input.name, sort_order=input.sort_order, archived=input.archived)


def _deleted(payload: type[DeleteT], result: tuple[int | None, list[UserError]]) -> DeleteT:
    deleted, errors = result
    return payload(deleted_id=strawberry.ID(str(deleted)) if deleted is not None else None, errors=errors)


def _category(payload: type[CategoryT], result: Result) -> CategoryT:
    row, errors = result
    return payload(category=Category.from_row(row) if row else None, errors=errors)


def _type(payload: type[TypeT], result: Result) -> TypeT:
    row, errors = result
    return payload(type=TicketType.from_row(row) if row else None, errors=errors)


def _item(payload: type[ItemT], result: Result) -> ItemT:
    row, errors = result
    return payload(item=Item.from_row(row) if row else None, errors=errors)


_ADMINS = " Admins only."
_DELETE = " Refused (CONFLICT) while anything refers to it; archive it instead."


@strawberry.type
class Query:
    @strawberry.field(
        description="The classification tree's categories, by sort order then name. Any signed-in user; without "
        "an account too while guest submission is on, to choose one for submitGuestTicket."
    )
    async def categories(
        self,
        info: Info,
        include_archived: Annotated[
            bool,
            strawberry.argument(
                description="Also list archived categories; staff and admins only, ignored for anyone else."
            ),
        ] = False,
    ) -> list[Category]:
        rows = await query(info, lambda actor: cti.list_categories(actor, include_archived=include_archived))
        return [Category.from_row(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a category." + _ADMINS)
    async def create_category(
        self, info: Info, input: Annotated[CreateCategoryInput, strawberry.argument(description="The category.")]
    ) -> CreateCategoryPayload:
        work = partial(cti.create_category, name=input.name, sort_order=input.sort_order)
        return _category(CreateCategoryPayload, await mutate(info, work))

    @strawberry.mutation(description="Rename, reorder, archive or restore a category." + _ADMINS)
    async def update_category(
        self, info: Info, input: Annotated[UpdateCategoryInput, strawberry.argument(description="The changes.")]
    ) -> UpdateCategoryPayload:
        work = partial(cti.update_category, category_id=input.category_id, changes=_changes(input))
        return _category(UpdateCategoryPayload, await mutate(info, work))

    @strawberry.mutation(description="Delete a category." + _ADMINS + _DELETE)
    async def delete_category(
        self, info: Info, input: Annotated[DeleteCategoryInput, strawberry.argument(description="What to delete.")]
    ) -> DeleteCategoryPayload:
        work = partial(cti.delete_category, category_id=input.category_id)
        return _deleted(DeleteCategoryPayload, await mutate(info, work))

    @strawberry.mutation(description="Add a type to a category." + _ADMINS)
    async def create_type(
        self, info: Info, input: Annotated[CreateTypeInput, strawberry.argument(description="The type.")]
    ) -> CreateTypePayload:
        work = partial(cti.create_type, category_id=input.category_id, name=input.name, sort_order=input.sort_order)
        return _type(CreateTypePayload, await mutate(info, work))

    @strawberry.mutation(description="Rename, reorder, archive or restore a type." + _ADMINS)
    async def update_type(
        self, info: Info, input: Annotated[UpdateTypeInput, strawberry.argument(description="The changes.")]
    ) -> UpdateTypePayload:
        work = partial(cti.update_type, type_id=input.type_id, changes=_changes(input))
        return _type(UpdateTypePayload, await mutate(info, work))

    @strawberry.mutation(description="Delete a type." + _ADMINS + _DELETE)
    async def delete_type(
        self, info: Info, input: Annotated[DeleteTypeInput, strawberry.argument(description="What to delete.")]
    ) -> DeleteTypePayload:
        work = partial(cti.delete_type, type_id=input.type_id)
        return _deleted(DeleteTypePayload, await mutate(info, work))

    @strawberry.mutation(description="Add an item to a type." + _ADMINS)
    async def create_item(
        self, info: Info, input: Annotated[CreateItemInput, strawberry.argument(description="The item.")]
    ) -> CreateItemPayload:
        work = partial(cti.create_item, type_id=input.type_id, name=input.name, sort_order=input.sort_order)
        return _item(CreateItemPayload, await mutate(info, work))

    @strawberry.mutation(description="Rename, reorder, archive or restore an item." + _ADMINS)
    async def update_item(
        self, info: Info, input: Annotated[UpdateItemInput, strawberry.argument(description="The changes.")]
    ) -> UpdateItemPayload:
        work = partial(cti.update_item, item_id=input.item_id, changes=_changes(input))
        return _item(UpdateItemPayload, await mutate(info, work))

    @strawberry.mutation(description="Delete an item." + _ADMINS + _DELETE)
    async def delete_item(
        self, info: Info, input: Annotated[DeleteItemInput, strawberry.argument(description="What to delete.")]
    ) -> DeleteItemPayload:
        work = partial(cti.delete_item, item_id=input.item_id)
        return _deleted(DeleteItemPayload, await mutate(info, work))
