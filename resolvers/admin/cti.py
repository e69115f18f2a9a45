"""The Category / Type / Item tree: admins shape it, everyone signed in reads it (archived rows: staff only).

The three levels follow the same rules (trimmed names of 1..100 characters, unique among siblings
ignoring case; deletion only while nothing refers to the row), so one set of functions serves all three,
driven by a `Level` that says what the rows are called and what may point at them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.accounts import GroupScope
from models.cti import Category, Item, TicketType
from models.sla import SlaPolicy
from models.tickets import Ticket
from resolvers.guests.submission import guest_submission_open
from resolvers.kernel.actor import Actor, require_admin, require_user
from resolvers.kernel.audit import changed, record
from resolvers.kernel.errors import Problems, Reason, conflict, not_found
from resolvers.kernel.rows import CTI_COLUMNS, Row, as_row
from resolvers.kernel.unique_names import ensure_unique_name, unique_index_guard
from resolvers.kernel.validation import clean_text, required_id
from resolvers.tickets.visibility import shows_archived_classification

MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class Blocker:
    """Rows of `model` whose `column` points at the row being deleted keep it alive."""

    model: type[Model]
    column: str
    singular: str
    plural: str
    # A column naming the referring rows, so the message says which ones ("groups: Network").
    named_by: str | None = None


@dataclass(frozen=True)
class Level:
    model: type[Model]
    label: str  # for messages: "Category"
    entity: str  # audit entity type
    id_field: str  # the input field that names a row of this level
    missing: Reason  # what an unknown id of this level is
    parent: Level | None
    parent_column: str | None  # the column pointing at the parent level
    blockers: tuple[Blocker, ...]


@dataclass(frozen=True)
class NodeChanges:
    """What an update may change; None leaves that field as it is."""

    name: str | None = None
    sort_order: int | None = None
    archived: bool | None = None


_TICKETS = ("ticket", "tickets")
_SCOPES = ("group scope entry", "group scope entries", "group__name")

CATEGORY = Level(
    Category,
    "Category",
    "category",
    "categoryId",
    Reason.CATEGORY_NOT_FOUND,
    None,
    None,
    (
        Blocker(Ticket, "category_id", *_TICKETS),
        Blocker(TicketType, "category_id", "type", "types"),
        Blocker(GroupScope, "category_id", *_SCOPES),
        # SLA policies would be deleted with the category (cascade); make the admin decide first.
        Blocker(SlaPolicy, "category_id", "SLA policy", "SLA policies"),
    ),
)
TYPE = Level(
    TicketType,
    "Type",
    "ticket_type",
    "typeId",
    Reason.TYPE_NOT_FOUND,
    CATEGORY,
    "category_id",
    (
        Blocker(Ticket, "type_id", *_TICKETS),
        Blocker(Item, "type_id", "item", "items"),
        Blocker(GroupScope, "type_id", *_SCOPES),
    ),
)
ITEM = Level(
    Item, "Item", "item", "itemId", Reason.ITEM_NOT_FOUND, TYPE, "type_id", (Blocker(Ticket, "item_id", *_TICKETS),)
)


async def list_categories(actor: Actor | None, *, include_archived: bool = False) -> list[Row]:
    """Any signed-in user reads the live tree (people pick a category when filing); staff and admins also the
    archived rows on request (`include_archived` is ignored for anyone else: archived rows are admin data).
    While guest submission is on, people without an account read the live tree too: they must choose a category
    to submit a ticket (SPEC 10)."""
    include_archived = include_archived and shows_archived_classification(actor)
    without_account = actor is None or actor.is_guest
    if not (without_account and await guest_submission_open()):
        require_user(actor)
    categories = Category.all() if include_archived else Category.filter(archived=False)
    return sorted(await categories.values(*CTI_COLUMNS), key=_tree_order)


def visible_children(actor: Actor | None, rows: Sequence[Row], *, include_archived: bool = False) -> list[Row]:
    """Types of a category or items of a type as loaded in a batch, ordered like categories: archived ones only
    on request and only for staff and admins, like `list_categories`."""
    include_archived = include_archived and shows_archived_classification(actor)
    return sorted((r for r in rows if include_archived or not r["archived"]), key=_tree_order)


def _tree_order(row: Row) -> tuple[int, str, int]:
    # Sort order, then name ignoring case; sorted here so both databases agree whatever their collation.
    return row["sort_order"], row["name"].casefold(), row["id"]


def _row(level: Level, obj: Any) -> Row:
    row = as_row(obj, CTI_COLUMNS)
    if level.parent_column:
        row[level.parent_column] = getattr(obj, level.parent_column)
    return row


def _audit_values(level: Level, obj: Any) -> dict[str, Any]:
    return {key: value for key, value in _row(level, obj).items() if key != "id"}


def _siblings(level: Level, parent_id: int | None) -> Any:
    """The rows whose names a row's name must differ from: the whole level, or the children of its parent."""
    return level.model.filter(**{level.parent_column: parent_id}) if level.parent_column else level.model.all()


def _what(level: Level) -> str:
    """Siblings as messages name them: "category", "type in this category"."""
    return level.label.lower() + (f" in this {level.parent.label.lower()}" if level.parent else "")


async def _load(level: Level, obj_id: int | None) -> Any:
    obj = await level.model.get_or_none(id=obj_id) if obj_id is not None else None
    if obj is None:
        raise not_found(level.label, level.id_field, level.missing)
    return obj


async def _blocking(level: Level, obj_id: int) -> list[str]:
    """What still refers to the row, in words: ["2 tickets", "1 group scope entry (Network)"]."""
    found: list[str] = []
    for blocker in level.blockers:
        rows = blocker.model.filter(**{blocker.column: obj_id})
        count = await rows.count()
        if not count:
            continue
        words = f"{count} {blocker.singular if count == 1 else blocker.plural}"
        if blocker.named_by:
            names = sorted(set(await rows.values_list(blocker.named_by, flat=True)))
            words += f" ({', '.join(str(n) for n in names)})"
        found.append(words)
    return found


def _in_words(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


async def _create(
    actor: Actor | None, level: Level, *, parent_id: str | int | None, name: str, sort_order: int | None
) -> Row:
    actor = require_admin(actor)
    problems = Problems()
    clean = clean_text(problems, "name", name, max_length=MAX_NAME_LENGTH)
    parent: int | None = None
    if level.parent:
        parent = required_id(problems, level.parent.id_field, parent_id)
    problems.raise_if_any()
    if level.parent:
        await _load(level.parent, parent)
    with unique_index_guard(clean, _what(level)):
        async with in_transaction():
            await ensure_unique_name(_siblings(level, parent), clean, _what(level))
            values: dict[str, Any] = {"name": clean, "sort_order": sort_order or 0}
            if level.parent_column:
                values[level.parent_column] = parent
            obj: Any = await level.model.create(**values)
            await record(actor, f"{level.entity}.created", level.entity, obj.id, after=_audit_values(level, obj))
    return _row(level, obj)


async def _update(actor: Actor | None, level: Level, *, obj_id: str | int | None, changes: NodeChanges) -> Row:
    actor = require_admin(actor)
    problems = Problems()
    key = required_id(problems, level.id_field, obj_id)
    name, sort_order, archived = changes.name, changes.sort_order, changes.archived
    clean = clean_text(problems, "name", name, max_length=MAX_NAME_LENGTH) if name is not None else None
    problems.raise_if_any()
    with unique_index_guard(clean or "", _what(level)):
        async with in_transaction():
            obj = await _load(level, key)
            before = _audit_values(level, obj)
            if clean is not None:
                parent = getattr(obj, level.parent_column) if level.parent_column else None
                await ensure_unique_name(_siblings(level, parent), clean, _what(level), other_than=obj.id)
                obj.name = clean
            if sort_order is not None:
                obj.sort_order = sort_order
            if archived is not None:
                obj.archived = archived
            old, new = changed(before, _audit_values(level, obj))
            if new:
                await obj.save(update_fields=list(new))
                await record(actor, f"{level.entity}.updated", level.entity, obj.id, before=old, after=new)
    return _row(level, obj)


async def _delete(actor: Actor | None, level: Level, *, obj_id: str | int | None) -> int:
    actor = require_admin(actor)
    problems = Problems()
    key = required_id(problems, level.id_field, obj_id)
    problems.raise_if_any()
    label = level.label.lower()
    try:
        async with in_transaction():
            obj = await _load(level, key)
            blocking = await _blocking(level, obj.id)
            if blocking:
                verb = "refers" if blocking[0].startswith("1 ") and len(blocking) == 1 else "refer"
                raise conflict(
                    f'{level.label} "{obj.name}" cannot be deleted while {_in_words(blocking)} {verb} to it; '
                    f"archive it instead.",
                    Reason.IN_USE,
                    level.id_field,
                )
            deleted_id: int = obj.id
            await obj.delete()
            await record(actor, f"{level.entity}.deleted", level.entity, deleted_id, before=_audit_values(level, obj))
    except IntegrityError:
        # Something started referring to it between the check and the delete.
        raise conflict(
            f"The {label} is in use and cannot be deleted; archive it instead.", Reason.IN_USE, level.id_field
        ) from None
    return deleted_id


async def create_category(actor: Actor | None, *, name: str, sort_order: int | None = None) -> Row:
    """Admins only. Name trimmed, 1..100 characters, unique among categories (ignoring case)."""
    return await _create(actor, CATEGORY, parent_id=None, name=name, sort_order=sort_order)


async def create_type(
    actor: Actor | None, *, category_id: str | int | None, name: str, sort_order: int | None = None
) -> Row:
    """Admins only. The category must exist; the name is unique within it."""
    return await _create(actor, TYPE, parent_id=category_id, name=name, sort_order=sort_order)


async def create_item(
    actor: Actor | None, *, type_id: str | int | None, name: str, sort_order: int | None = None
) -> Row:
    """Admins only. The type must exist; the name is unique within it."""
    return await _create(actor, ITEM, parent_id=type_id, name=name, sort_order=sort_order)


async def update_category(actor: Actor | None, *, category_id: str | int | None, changes: NodeChanges) -> Row:
    """Admins only. Renames, reorders or (un)archives; archived categories stay on old tickets."""
    return await _update(actor, CATEGORY, obj_id=category_id, changes=changes)


async def update_type(actor: Actor | None, *, type_id: str | int | None, changes: NodeChanges) -> Row:
    """Admins only. Renames, reorders or (un)archives a type."""
    return await _update(actor, TYPE, obj_id=type_id, changes=changes)


async def update_item(actor: Actor | None, *, item_id: str | int | None, changes: NodeChanges) -> Row:
    """Admins only. Renames, reorders or (un)archives an item."""
    return await _update(actor, ITEM, obj_id=item_id, changes=changes)


async def delete_category(actor: Actor | None, *, category_id: str | int | None) -> int:
    """Admins only. Refused while tickets, types, group scopes or SLA policies refer to the category."""
    return await _delete(actor, CATEGORY, obj_id=category_id)


async def delete_type(actor: Actor | None, *, type_id: str | int | None) -> int:
    """Admins only. Refused while tickets, items or group scopes refer to the type."""
    return await _delete(actor, TYPE, obj_id=type_id)


async def delete_item(actor: Actor | None, *, item_id: str | int | None) -> int:
    """Admins only. Refused while tickets refer to the item."""
    return await _delete(actor, ITEM, obj_id=item_id)
