"""Writing to the transactional outbox.

Rows are written inside the transaction of the change that causes them; delivery jobs read them after
commit, so a rollback sends nothing and a crash loses nothing. After a successful commit the caller
announces the new rows (`announce_queued`) so delivery starts at once instead of at the next periodic pass;
the periodic pass is the safety net, the announcement only the fast path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

from tortoise import timezone

from core.enums import OutboxStatus
from models.outbox import OutboxMessage
from resolvers.kernel.bulk import insert_rows

EMAIL = "email"
EVENT = "event"

T = TypeVar("T")
Listener = Callable[[list[int]], Awaitable[None]]
_listeners: list[Listener] = []
# What this task queued, by id: the channel of each row.
_queued: ContextVar[dict[int, str] | None] = ContextVar("outbox_queued", default=None)
# While listeners hear about committed rows, which channel each one is on: email_ids answers from it without a query.
_announcing: ContextVar[dict[int, str] | None] = ContextVar("outbox_announcing", default=None)


def _remember(message_id: int, channel: str) -> None:
    queued = _queued.get()
    if queued is None:
        queued = {}
        _queued.set(queued)
    queued[message_id] = channel


async def queue_email(topic: str, *, ticket_id: int | None, to: list[str], context: dict[str, Any]) -> None:
    """One outbox row per recipient, so each delivery is claimed, retried and marked sent on its own."""
    for recipient in sorted({address.lower() for address in to if address}):
        message = await OutboxMessage.create(
            channel=EMAIL, topic=topic, ticket_id=ticket_id, payload={"to": recipient, **context}
        )
        _remember(message.id, EMAIL)


async def queue_event(topic: str, *, ticket_id: int | None, data: dict[str, Any]) -> None:
    """A domain event for webhooks and subscriptions (e.g. "ticket.created")."""
    message = await OutboxMessage.create(channel=EVENT, topic=topic, ticket_id=ticket_id, payload=data)
    _remember(message.id, EVENT)


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
    queued = _queued.get() or {}
    _queued.set(None)
    if queued:
        token = _announcing.set(queued)
        try:
            for listener in list(_listeners):
                await listener(list(queued))
        finally:
            _announcing.reset(token)


async def announcing(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work`, a unit that commits its own transaction, then announce exactly the rows it queued. When it
    raises (a refusal or a failure: its transaction rolled back), what it queued is forgotten, never announced.

    The one wrapper for every caller that commits: GraphQL mutations, the guest pages, each sweep batch."""
    forget_queued()
    try:
        result = await work()
    except BaseException:
        forget_queued()
        raise
    await announce_queued()
    return result


async def queue_many(
    emails: Sequence[tuple[str, int | None, list[str], dict[str, Any]]] = (),
    events: Sequence[tuple[str, int | None, dict[str, Any]]] = (),
) -> list[int]:
    """Outbox rows for set-based work (the close sweep): the same rows queue_email/queue_event write, but in
    multi-row INSERTs instead of one round trip per row. Emails are (topic, ticket_id, to, context), events
    (topic, ticket_id, data). Call inside the caller's transaction; the ids are remembered for announce_queued
    like single rows."""
    created = timezone.now()
    rows: list[tuple[Any, ...]] = []
    for topic, ticket_id, to, context in emails:
        for recipient in sorted({address.lower() for address in to if address}):
            rows.append((EMAIL, topic, ticket_id, {"to": recipient, **context}, OutboxStatus.PENDING.value, 0, created))
    for topic, ticket_id, data in events:
        rows.append((EVENT, topic, ticket_id, data, OutboxStatus.PENDING.value, 0, created))
    columns = ("channel", "topic", "ticket_id", "payload", "status", "attempts", "created_at")
    ids = await insert_rows(OutboxMessage, columns, rows)
    # Ids grow in the order the rows were inserted; SQLite does not promise RETURNING's order, so sort them.
    for message_id, row in zip(sorted(ids), rows, strict=True):
        _remember(message_id, row[0])
    return ids


async def email_ids(ids: Sequence[int]) -> list[int]:
    """Which of these outbox rows are emails (the rows a delivery job takes), in id order. No query for rows this
    task just announced (their channels are known); one query otherwise."""
    return await _of_channel(ids, EMAIL)


async def event_ids(ids: Sequence[int]) -> list[int]:
    """Which of these outbox rows are events (what webhooks fan out), in id order; like email_ids."""
    return await _of_channel(ids, EVENT)


async def _of_channel(ids: Sequence[int], channel: str) -> list[int]:
    known = _announcing.get()
    if known is not None and all(i in known for i in ids):
        return sorted(i for i in ids if known[i] == channel)
    rows: list[Any] = await OutboxMessage.filter(id__in=list(ids), channel=channel).values_list("id", flat=True)
    return sorted(int(i) for i in rows)
