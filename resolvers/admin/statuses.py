"""Ticket statuses: admins add custom ones and rename, recolour or reorder any of them.

System statuses (NEW, RESOLVED, CLOSED) keep their kind whatever they are called and cannot be deleted;
no status that a ticket uses can be deleted either (SPEC 3).
"""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.enums import StatusKind
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel.actor import Actor, require_admin, require_user
from resolvers.kernel.audit import changed, record
from resolvers.kernel.errors import Problems, Reason, conflict, not_found
from resolvers.kernel.rows import STATUS_COLUMNS, Row, as_row
from resolvers.kernel.unique_names import ensure_unique_name, unique_index_guard
from resolvers.kernel.validation import clean_colour, clean_text, required_id

MAX_NAME_LENGTH = 50
# New statuses without a sort order go after the last one, this far apart so others fit between.
SORT_STEP = 10
_WHAT = "status"  # for "already used by another status"


async def list_statuses(actor: Actor | None) -> list[Row]:
    """Any signed-in user reads the statuses, in sort order."""
    require_user(actor)
    return list(await Status.all().order_by("sort_order", "name", "id").values(*STATUS_COLUMNS))


def _row(status: Status) -> Row:
    return as_row(status, STATUS_COLUMNS)


def _audit_values(status: Status) -> dict[str, Any]:
    return {
        "name": status.name,
        "kind": StatusKind(status.kind).value,
        "color": status.color,
        "sort_order": status.sort_order,
        "pauses_sla": status.pauses_sla,
    }


async def create_status(
    actor: Actor | None,
    *,
    name: str,
    color: str,
    sort_order: int | None = None,
    pauses_sla: bool | None = None,
) -> Row:
    """Admins only. Creates a CUSTOM status: name 1..50 characters and unique (ignoring case), colour #rrggbb."""
    actor = require_admin(actor)
    problems = Problems()
    clean_name = clean_text(problems, "name", name, max_length=MAX_NAME_LENGTH)
    colour = clean_colour(problems, "color", (color or "").strip())
    problems.raise_if_any()
    with unique_index_guard(clean_name, _WHAT):
        async with in_transaction():
            await ensure_unique_name(Status.all(), clean_name, _WHAT)
            if sort_order is None:
                # A handful of rows: reading their orders beats a dialect-specific aggregate.
                orders: list[Any] = await Status.all().values_list("sort_order", flat=True)
                sort_order = max(orders, default=0) + SORT_STEP
            status = await Status.create(
                name=clean_name,
                kind=StatusKind.CUSTOM,
                color=colour,
                sort_order=sort_order,
                pauses_sla=bool(pauses_sla),
            )
            await record(actor, "status.created", "status", status.id, after=_audit_values(status))
    return _row(status)


async def update_status(
    actor: Actor | None,
    *,
    status_id: str | int | None,
    name: str | None = None,
    color: str | None = None,
    sort_order: int | None = None,
    pauses_sla: bool | None = None,
) -> Row:
    """Admins only. Works on system statuses too: renaming or recolouring never changes the kind."""
    actor = require_admin(actor)
    problems = Problems()
    key = required_id(problems, "statusId", status_id)
    clean_name = clean_text(problems, "name", name, max_length=MAX_NAME_LENGTH) if name is not None else None
    colour = clean_colour(problems, "color", color.strip()) if color is not None else None
    problems.raise_if_any()
    with unique_index_guard(clean_name or "", _WHAT):
        async with in_transaction():
            status = await Status.get_or_none(id=key)
            if status is None:
                raise not_found("Status", "statusId", Reason.STATUS_NOT_FOUND)
            before = _audit_values(status)
            if clean_name is not None:
                await ensure_unique_name(Status.all(), clean_name, _WHAT, other_than=status.id)
                status.name = clean_name
            if colour is not None:
                status.color = colour
            if sort_order is not None:
                status.sort_order = sort_order
            if pauses_sla is not None:
                status.pauses_sla = pauses_sla
            old, new = changed(before, _audit_values(status))
            if new:
                await status.save(update_fields=list(new))
                await record(actor, "status.updated", "status", status.id, before=old, after=new)
    return _row(status)


async def delete_status(actor: Actor | None, *, status_id: str | int | None) -> int:
    """Admins only. System statuses (NEW, RESOLVED, CLOSED) and statuses any ticket uses stay."""
    actor = require_admin(actor)
    problems = Problems()
    key = required_id(problems, "statusId", status_id)
    problems.raise_if_any()
    try:
        async with in_transaction():
            status = await Status.get_or_none(id=key)
            if status is None:
                raise not_found("Status", "statusId", Reason.STATUS_NOT_FOUND)
            kind = StatusKind(status.kind)
            if kind is not StatusKind.CUSTOM:
                raise conflict(
                    f'"{status.name}" is the system {kind.value} status and cannot be deleted; rename it instead.',
                    Reason.SYSTEM_STATUS,
                    "statusId",
                )
            in_use = await Ticket.filter(status_id=status.id).count()
            if in_use:
                tickets = "1 ticket uses" if in_use == 1 else f"{in_use} tickets use"
                raise conflict(
                    f'Status "{status.name}" cannot be deleted while {tickets} it; move them to another status first.',
                    Reason.IN_USE,
                    "statusId",
                )
            deleted_id: int = status.id
            await status.delete()
            await record(actor, "status.deleted", "status", deleted_id, before=_audit_values(status))
    except IntegrityError:
        # A ticket moved to it between the check and the delete.
        raise conflict("The status is in use and cannot be deleted.", Reason.IN_USE, "statusId") from None
    return deleted_id
