"""Writing the audit log. Called inside the transaction of the change it records."""

from __future__ import annotations

from typing import Any

from models.audit import AuditEntry
from resolvers.actor import Actor


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
) -> AuditEntry:
    return await AuditEntry.create(
        # Guests have no user row: they are named by label ("guest:<email>"), never by a user id.
        actor_id=actor.user_id if actor else None,
        actor_label=actor_label or (actor.audit_label if actor else "system"),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        ticket_id=ticket_id,
        internal=internal,
        before=before,
        after=after,
    )


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, so audit rows show what moved."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
