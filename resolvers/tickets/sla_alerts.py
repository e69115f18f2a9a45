"""SLA evaluation (the System actor of SPEC 1): `ticket.sla_at_risk` and `ticket.sla_breached`, once each per ticket.

Each event has a marker column on the ticket (`sla_at_risk_event_at`, `sla_breached_event_at`). A batch claims
tickets whose moment has passed with one conditional `UPDATE ... WHERE <marker> IS NULL ... RETURNING`, and writes
their events in the same transaction, so a ticket is announced exactly once however many workers run the job at
the same time: on PostgreSQL the batch is picked `FOR UPDATE SKIP LOCKED` (workers split the work) and the UPDATE
re-checks the marker on the locked row; on SQLite one statement is atomic (one writer at a time). A rollback
leaves the marker unset, so the next run tries again.

Each announced event comes with its warning email (`sla_at_risk`, `sla_breached`) to the people who can act on it
(recipients.sla_warning_addresses): the emails and events of a batch are one multi-row INSERT in the claim's
transaction, so an email is queued exactly when its event is, and never twice. A batch costs a constant number of
statements: the claim, one query for every recipient of the batch, the INSERT.

A ticket the job first finds already breached is marked at risk without an at-risk event: it gets the breached
event only (docs/decisions.md, "SLA"). Nothing is claimed while the `sla_enabled` setting is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from tortoise.transactions import in_transaction

from core import clock
from resolvers.kernel.sql import Statement
from resolvers.notify import outbox
from resolvers.notify.email_templates import email_time
from resolvers.notify.recipients import sla_warning_addresses
from resolvers.tickets.sla import enabled_sql, has_sla_sql

AT_RISK_EVENT = "ticket.sla_at_risk"
BREACHED_EVENT = "ticket.sla_breached"


@dataclass(frozen=True)
class _Alert:
    topic: str
    marker: str
    moment: str  # the column whose passing raises it
    email: str  # the email topic of its warning


AT_RISK_EMAIL = "sla_at_risk"
BREACHED_EMAIL = "sla_breached"
_ALERTS = (
    _Alert(BREACHED_EVENT, "sla_breached_event_at", "sla_breach_at", BREACHED_EMAIL),
    _Alert(AT_RISK_EVENT, "sla_at_risk_event_at", "sla_warn_at", AT_RISK_EMAIL),
)


async def raise_sla_events(batch_size: int = 500) -> int:
    """Raise every SLA event now due, each with its warning email; returns how many events this call queued.
    Idempotent; concurrent calls raise each event (and send each email) once."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    now = clock.now()
    queued = 0
    # Breaches first: a ticket found breached is marked (not announced) at risk by the second pass.
    for alert in _ALERTS:
        while True:
            claimed, events = await outbox.announcing(partial(_claim_batch, alert, now, batch_size))
            queued += events
            if claimed < batch_size:
                break
    return queued


async def _claim_batch(alert: _Alert, now: datetime, limit: int) -> tuple[int, int]:
    """One transaction: claim up to `limit` tickets for `alert` and queue their events and warning emails.
    (claimed, events)."""
    async with in_transaction():
        statement = Statement()
        rows = await statement.rows(_claim_sql(alert, now, limit, statement), times=("sla_breach_at", "moment"))
        announced = [row for row in rows if _announce(alert, row, now)]
        if announced:
            addresses = await sla_warning_addresses([int(row["id"]) for row in announced])
            await outbox.queue_many(
                # A ticket nobody is warned about (no assignee, no group with active staff) gets its event only.
                emails=[
                    (alert.email, int(row["id"]), addresses[int(row["id"])], _email_context(alert, row))
                    for row in announced
                    if int(row["id"]) in addresses
                ],
                events=[(alert.topic, int(row["id"]), _payload(alert, row)) for row in announced],
            )
    return len(rows), len(announced)


def _claim_sql(alert: _Alert, now: datetime, limit: int, statement: Statement) -> str:
    """Parameters in text order (SQLite numbers them by position)."""
    marker, moment = alert.marker, alert.moment
    set_marker = f'"{marker}" = {statement.param(now)}'
    pick = (
        f'SELECT c."id" FROM "tickets" AS c WHERE c."{marker}" IS NULL AND c."{moment}" < {statement.param(now)}'
        f' AND {has_sla_sql("c")} AND {enabled_sql()} ORDER BY c."id" LIMIT {statement.param(limit)}'
    )
    if statement.postgres:
        pick += " FOR UPDATE SKIP LOCKED"
    returning = f'"id", "number", "sla_breach_at", "{moment}" AS "moment"'
    return f'UPDATE "tickets" SET {set_marker} WHERE "id" IN ({pick}) AND "{marker}" IS NULL RETURNING {returning}'


def _announce(alert: _Alert, row: dict[str, Any], now: datetime) -> bool:
    if alert.topic != AT_RISK_EVENT:
        return True
    breach = row["sla_breach_at"]
    return breach is None or breach >= now


def _payload(alert: _Alert, row: dict[str, Any]) -> dict[str, Any]:
    key = "breachedAt" if alert.topic == BREACHED_EVENT else "atRiskSince"
    return {"number": row["number"], key: row["moment"].isoformat()}


def _email_context(alert: _Alert, row: dict[str, Any]) -> dict[str, Any]:
    """The warning email's payload: the moment it is about, readable (UTC), for the template's due_at/breached_at."""
    if alert.topic == BREACHED_EVENT:
        return {"number": row["number"], "breached_at": email_time(row["moment"])}
    return {"number": row["number"], "due_at": email_time(row["sla_breach_at"])}
