"""The close sweep: Resolved tickets whose reopen window has expired become Closed (SPEC 3).

Set-based and safe to run in several places at once. Each batch is one transaction around one
`UPDATE ... RETURNING` over at most `batch_size` rows, then one bulk insert of audit rows and one of outbox
rows. On PostgreSQL the batch is picked with `FOR UPDATE SKIP LOCKED`, so concurrent sweeps split the work
instead of waiting for each other or closing a ticket twice; on SQLite the single UPDATE statement is atomic
(one writer at a time). Only the rows the UPDATE really changed are counted, audited and emailed, so a second
run, or a second worker, finds nothing left to do. Memory is bounded by the batch: the table is never read
into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import clock
from core.enums import StatusKind
from models.accounts import User
from models.audit import AuditEntry
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel.bulk import insert_rows
from resolvers.kernel.settings import get_setting
from resolvers.notify import outbox
from resolvers.tickets.lifecycle import status_of_kind

CLOSED_ACTION = "ticket.closed"
CLOSED_EMAIL = "ticket_closed"
CLOSED_EVENT = "ticket.closed"
STATUS_EVENT = "ticket.status_changed"


def expiry_cutoff(moment: datetime, window_days: int) -> datetime:
    """A ticket resolved at or before this instant has an expired window (resolved_at + window <= now).

    With a window of 0 days every Resolved ticket is already expired: users cannot reopen it, and the next
    sweep closes it."""
    return (moment - timedelta(days=window_days)).astimezone(UTC)


async def close_expired_tickets(batch_size: int = 500) -> int:
    """Close every Resolved ticket (any status of kind RESOLVED) whose reopen window had expired when the sweep
    started: status -> the CLOSED-kind status, closed_at and updated_at -> now, one audit row (actor "system"),
    one ticket_closed email to the requester or guest and one ticket.closed event per ticket. Returns how many
    tickets this call closed. Idempotent; concurrent calls close each ticket exactly once."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    resolved_ids: list[Any] = await Status.filter(kind=StatusKind.RESOLVED).order_by("id").values_list("id", flat=True)
    if not resolved_ids:
        return 0
    closed_status = await status_of_kind(StatusKind.CLOSED)
    moment = clock.now().astimezone(UTC)
    cutoff = expiry_cutoff(moment, int(await get_setting("reopen_window_days")))
    total = 0
    # One pass per Resolved-kind status keeps each UPDATE a plain equality and the audit's "before" exact.
    for status_id in resolved_ids:
        walk = _Walk(int(status_id), closed_status.id, cutoff, moment, batch_size)
        while True:
            closed = await walk.close_next_batch()
            total += closed
            # A short batch means nothing is left, or what is left is locked by a concurrent sweep (which closes it).
            if closed < batch_size:
                break
    return total


@dataclass
class _Walk:
    """One walk over the expired tickets of one Resolved-kind status, in (resolved_at, id) order."""

    status_id: int
    closed_id: int
    cutoff: datetime
    moment: datetime
    limit: int
    # Where the previous batch ended. Each batch starts after it, so no batch re-reads the index entries of the
    # tickets closed before it (otherwise a large backlog costs index reads quadratic in its size).
    after: tuple[Any, int] = (datetime(1, 1, 1, tzinfo=UTC), 0)

    async def close_next_batch(self) -> int:
        # Announced once committed: delivery starts now rather than at the next pending-email pass.
        rows = await outbox.announcing(self._close_batch)
        if rows:
            self.after = max((row["resolved_at"], int(row["id"])) for row in rows)
        return len(rows)

    async def _close_batch(self) -> list[dict[str, Any]]:
        async with in_transaction() as conn:
            rows: list[dict[str, Any]] = await conn.execute_query_dict(*self._statement(conn))
            if rows:
                await _record(rows, self.status_id, self.closed_id, self.moment)
        return rows

    def _statement(self, conn: BaseDBAsyncClient) -> tuple[str, list[Any]]:
        """One statement that closes up to `limit` expired tickets and returns what the emails need."""
        tickets, users = Ticket._meta.db_table, User._meta.db_table
        after_at, after_id = self.after
        if conn.capabilities.dialect == "postgres":
            # SKIP LOCKED: rows another sweep is closing right now are left to it. The outer status check is
            # belt and braces: a locked row cannot change under us, but the statement then says what it means.
            sql = f"""WITH batch AS (
    SELECT id FROM "{tickets}"
    WHERE status_id = $1 AND resolved_at <= $2 AND resolved_at >= $4 AND (resolved_at > $4 OR id > $5)
    ORDER BY resolved_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
)
UPDATE "{tickets}" AS t SET status_id = $6, closed_at = $7, updated_at = $7
FROM batch WHERE t.id = batch.id AND t.status_id = $1
RETURNING t.id, t.number, t.guest_email, t.resolved_at,
    (SELECT u.email FROM "{users}" AS u WHERE u.id = t.requester_id) AS requester_email"""
            return sql, [self.status_id, self.cutoff, self.limit, after_at, after_id, self.closed_id, self.moment]
        # SQLite: one writer at a time, and a single statement is atomic, so the sub-select cannot race the UPDATE.
        sql = f"""UPDATE "{tickets}" SET status_id = ?, closed_at = ?, updated_at = ?
WHERE id IN (
    SELECT id FROM "{tickets}"
    WHERE status_id = ? AND resolved_at <= ? AND resolved_at >= ? AND (resolved_at > ? OR id > ?)
    ORDER BY resolved_at, id LIMIT ?
)
RETURNING id, number, guest_email, resolved_at,
    (SELECT u.email FROM "{users}" AS u WHERE u.id = "{tickets}".requester_id) AS requester_email"""
        values = [self.closed_id, self.moment, self.moment, self.status_id, self.cutoff, after_at, after_at, after_id]
        return sql, [*values, self.limit]


async def _record(rows: list[dict[str, Any]], status_id: int, closed_id: int, moment: datetime) -> None:
    """The audit and outbox rows for one closed batch: two multi-row INSERTs, not one round trip per ticket."""
    before = {"status_id": status_id, "closed_at": None}
    after = {"status_id": closed_id, "closed_at": moment.isoformat()}
    created = timezone.now()  # when the row was written, like every other audit row
    columns = ("actor_label", "action", "entity_type", "entity_id", "ticket_id", "internal", "before", "after")
    audit = [
        ("system", CLOSED_ACTION, "ticket", str(row["id"]), row["id"], False, before, after, created) for row in rows
    ]
    await insert_rows(AuditEntry, (*columns, "created_at"), audit)
    emails = [
        (CLOSED_EMAIL, int(row["id"]), [row["requester_email"] or row["guest_email"]], {"number": row["number"]})
        for row in rows
    ]
    # The same events a manual close raises (resolvers/notify/recipients.py), so integrations see system closes too.
    events = []
    for row in rows:
        change = {"number": row["number"], "fromStatusId": status_id, "toStatusId": closed_id}
        events += [(STATUS_EVENT, int(row["id"]), change), (CLOSED_EVENT, int(row["id"]), {"number": row["number"]})]
    await outbox.queue_many(emails=emails, events=events)
