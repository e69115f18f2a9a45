"""Old outgoing messages leave the outbox (docs/operations.md, "Outbox retention"), so it does not grow forever.

Once a day, in batches (one transaction each, rows picked `FOR UPDATE SKIP LOCKED` on PostgreSQL so two workers
share the work), rows older than OUTBOX_RETENTION_DAYS (30 by default) go:
- emails that were sent or gave up (SENT, FAILED); one still PENDING or SENDING stays, whatever its age;
- events none of whose webhook deliveries is still under way, with those deliveries (their log ages out with
  them). An event older than every enabled webhook is never delivered (resolvers/notify/webhook_delivery.py), so
  its own status does not matter. The retention is far longer than the subscriptions' 24-hour replay window
  (resolvers/notify/live_events.py), so no cursor a client may still use loses its events.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from core import clock
from core.enums import OutboxStatus
from resolvers.kernel.sql import Statement
from resolvers.notify.outbox import EMAIL, EVENT

BATCH_SIZE = 1000
_FINAL = (OutboxStatus.SENT.value, OutboxStatus.FAILED.value)


async def purge_outbox(retention: timedelta, batch_size: int = BATCH_SIZE) -> int:
    """Remove what the retention lets go; returns how many outbox rows went. Three statements per batch (the
    pick, the deliveries, the rows) inside one transaction."""
    cutoff = clock.now() - retention
    removed = 0
    while True:
        count = await _purge_batch(cutoff, batch_size)
        removed += count
        if count < batch_size:
            return removed


async def _purge_batch(cutoff: datetime, batch_size: int) -> int:
    async with in_transaction():
        statement = Statement()
        # Parameters in text order (SQLite numbers them by position).
        text = f'SELECT o."id" FROM "outbox" AS o WHERE o."created_at" < {statement.param(cutoff)}'
        text += f' AND ((o."channel" = {statement.param(EMAIL)} AND o."status" IN {statement.params_in(_FINAL)})'
        text += f' OR (o."channel" = {statement.param(EVENT)} AND NOT EXISTS (SELECT 1 FROM "webhook_deliveries" AS d'
        text += f' WHERE d."event_id" = o."id" AND d."status" NOT IN {statement.params_in(_FINAL)})))'
        text += f' ORDER BY o."id" LIMIT {statement.param(batch_size)}'
        if statement.postgres:
            text += " FOR UPDATE OF o SKIP LOCKED"
        ids = [int(row["id"]) for row in await statement.rows(text)]
        if not ids:
            return 0
        for table, column in (("webhook_deliveries", "event_id"), ("outbox", "id")):
            delete = Statement()
            await delete.rows(f'DELETE FROM "{table}" WHERE "{column}" IN {delete.params_in(ids)}')
        return len(ids)
