"""Writing the audit log. Called inside the transaction of the change it records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise import timezone

from models.audit import AuditEntry
from resolvers.kernel.actor import Actor
from resolvers.kernel.bulk import insert_rows

_COLUMNS = (
    "actor_id", "actor_label", "action", "entity_type", "entity_id", "ticket_id", "internal", "before", "after",
    "created_at",
)  # fmt: skip


async def record(
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: int | str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ticket_id: int | None = None,
    internal: bool = False,
    actor_label: str | None = None,
) -> int:
    """Write one audit row; returns its id. A plain INSERT (resolvers/kernel/bulk.py): every mutation writes one, and
    building the model object cost more than the statement."""
    row = (
        # Guests have no user row: they are named by label ("guest:<email>"), never by a user id.
        actor.user_id if actor else None,
        actor_label or (actor.audit_label if actor else "system"),
        action,
        entity_type,
        str(entity_id),
        ticket_id,
        internal,
        before,
        after,
        timezone.now(),
    )
    (entry_id,) = await insert_rows(AuditEntry, _COLUMNS, [row])
    return entry_id


async def record_each(
    actor: Actor,
    action: str,
    entity_type: str,
    entries: Sequence[tuple[int | str, int, dict[str, dict[str, Any]]]],
) -> None:
    """One audit row per (entity id, ticket id, {"before": ..., "after": ...}) of one change that touches several
    tickets (a link is recorded on both of its tickets), in one INSERT."""
    now = timezone.now()
    rows = [
        (actor.user_id, actor.audit_label, action, entity_type, str(entity_id), ticket_id, False,
         values.get("before"), values.get("after"), now)
        for entity_id, ticket_id, values in entries
    ]  # fmt: skip
    await insert_rows(AuditEntry, _COLUMNS, rows)


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, so audit rows show what moved."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
