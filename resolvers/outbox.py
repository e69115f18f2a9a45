"""Writing to the transactional outbox.

Rows are written inside the transaction of the change that causes them; delivery jobs read them after
commit, so a rollback sends nothing and a crash loses nothing. After a successful commit the caller
announces the new rows (`announce_queued`) so delivery starts at once instead of at the next periodic pass;
the periodic pass is the safety net, the announcement only the fast path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any

from tortoise import timezone

from models.enums import OutboxStatus
from models.outbox import OutboxMessage

EMAIL = "email"
EVENT = "event"

Listener = Callable[[list[int]], Awaitable[None]]
_listeners: list[Listener] = []
_queued: ContextVar[list[int] | None] = ContextVar("outbox_queued", default=None)


def _remember(message_id: int) -> None:
    queued = _queued.get()
    if queued is None:
        queued = []
        _queued.set(queued)
    queued.append(message_id)


async def queue_email(topic: str, *, ticket_id: int | None, to: list[str], context: dict[str, Any]) -> None:
    """One outbox row per recipient, so each delivery is claimed, retried and marked sent on its own."""
    for recipient in sorted({address.lower() for address in to if address}):
        message = await OutboxMessage.create(
            channel=EMAIL, topic=topic, ticket_id=ticket_id, payload={"to": recipient, **context}
        )
        _remember(message.id)


async def queue_event(topic: str, *, ticket_id: int | None, data: dict[str, Any]) -> None:
    """A domain event for webhooks and subscriptions (e.g. "ticket.created")."""
    message = await OutboxMessage.create(channel=EVENT, topic=topic, ticket_id=ticket_id, payload=data)
    _remember(message.id)


def add_listener(listener: Listener) -> None:
    """Called with the ids of newly committed outbox rows (the job runtime registers itself here)."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def forget_queued() -> None:
    """Drop what this task queued without announcing it (its transaction rolled back)."""
    _queued.set(None)


async def announce_queued() -> None:
    """Tell listeners about the rows this task queued; call only after the transaction committed."""
    ids = _queued.get() or []
    _queued.set(None)
    if ids:
        for listener in list(_listeners):
            await listener(ids)


# Rows per INSERT in queue_many: 7 parameters each stays far below both drivers' 32k-parameter limit.
_ROWS_PER_INSERT = 1000


async def queue_many(
    emails: Sequence[tuple[str, int | None, list[str], dict[str, Any]]] = (),
    events: Sequence[tuple[str, int | None, dict[str, Any]]] = (),
) -> list[int]:
    """Outbox rows for set-based work (the close sweep): the same rows queue_email/queue_event write, but in
    multi-row INSERT ... RETURNING id statements instead of one round trip per row. Emails are
    (topic, ticket_id, to, context), events (topic, ticket_id, data). Call inside the caller's transaction;
    the ids are remembered for announce_queued like single rows."""
    rows: list[tuple[str, str, int | None, dict[str, Any]]] = []
    for topic, ticket_id, to, context in emails:
        for recipient in sorted({address.lower() for address in to if address}):
            rows.append((EMAIL, topic, ticket_id, {"to": recipient, **context}))
    rows.extend((EVENT, topic, ticket_id, data) for topic, ticket_id, data in events)
    ids: list[int] = []
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        ids.extend(await _insert_rows(rows[start : start + _ROWS_PER_INSERT]))
    for message_id in ids:
        _remember(message_id)
    return ids


async def _insert_rows(rows: list[tuple[str, str, int | None, dict[str, Any]]]) -> list[int]:
    meta = OutboxMessage._meta
    db = meta.db  # the transaction's connection when called inside in_transaction()
    fields = meta.fields_map
    created = timezone.now()
    columns = ("channel", "topic", "ticket_id", "payload", "status", "attempts", "created_at")
    values: list[Any] = []
    for channel, topic, ticket_id, payload in rows:
        values += [channel, topic, ticket_id, fields["payload"].to_db_value(payload, OutboxMessage)]
        values += [OutboxStatus.PENDING.value, 0, created]
    width = len(columns)
    if db.capabilities.dialect == "postgres":
        groups = (", ".join(f"${i * width + j + 1}" for j in range(width)) for i in range(len(rows)))
    else:
        groups = (", ".join("?" * width) for _ in rows)
    sql = (
        f'INSERT INTO "{meta.db_table}" ({", ".join(columns)}) VALUES '
        + ", ".join(f"({group})" for group in groups)
        + " RETURNING id"
    )
    return [int(row["id"]) for row in await db.execute_query_dict(sql, values)]
