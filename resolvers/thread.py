"""Reading the conversation and history of tickets, filtered by what the viewer may see (SPEC 4, 12).

Staff see every reply, internal notes included, and deleted replies as placeholders; everyone else sees
public, undeleted replies only. History: staff see every entry; requesters see ticket-level entries that are
not internal (reply texts, edits and deletions stay out of their view); guests see none (SPEC 1: a guest reads
the ticket and its public thread, not who changed what).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q

from models.audit import AuditEntry
from models.replies import Reply
from resolvers.actor import Actor
from resolvers.rows import as_row

Row = dict[str, Any]

REPLY_COLUMNS = (
    "id",
    "ticket_id",
    "author_id",
    "guest_email",
    "body",
    "body_html",
    "internal",
    "created_at",
    "edited_at",
    "deleted_at",
)
HISTORY_COLUMNS = (
    "id",
    "ticket_id",
    "actor_id",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "created_at",
)


def _reply_condition(actor: Actor | None) -> Q:
    if actor is not None and actor.is_staff:
        return Q()
    return Q(internal=False, deleted_at__isnull=True)


def _history_condition(actor: Actor | None) -> Q:
    if actor is None or actor.is_guest:
        return Q(id__isnull=True)  # matches no row
    if actor.is_staff:
        return Q()
    return Q(internal=False, entity_type="ticket")


def _grouped(rows: list[Row], ticket_ids: Sequence[int]) -> list[list[Row]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["ticket_id"]].append(row)
    return [grouped.get(t, []) for t in ticket_ids]


async def replies_for_tickets(actor: Actor | None, ticket_ids: Sequence[int]) -> list[list[Row]]:
    """Replies of each ticket in posting order; the caller has already checked it may see the tickets."""
    rows = await (
        Reply.filter(_reply_condition(actor), ticket_id__in=list(ticket_ids))
        .order_by("created_at", "id")
        .values(*REPLY_COLUMNS)
    )
    return _grouped(rows, ticket_ids)


async def history_for_tickets(actor: Actor | None, ticket_ids: Sequence[int]) -> list[list[Row]]:
    rows = await (
        AuditEntry.filter(_history_condition(actor), ticket_id__in=list(ticket_ids))
        .order_by("created_at", "id")
        .values(*HISTORY_COLUMNS)
    )
    if not (actor is not None and actor.is_staff):
        rows = [_without_staff_notes(row) for row in rows]
    return _grouped(rows, ticket_ids)


# Values staff write for each other (a reopening's reason) that requesters do not see in the history.
STAFF_ONLY_KEYS = frozenset({"reason"})


def _without_staff_notes(row: Row) -> Row:
    for key in ("before", "after"):
        values = row[key]
        if isinstance(values, dict) and STAFF_ONLY_KEYS & values.keys():
            row = {**row, key: {k: v for k, v in values.items() if k not in STAFF_ONLY_KEYS}}
    return row


def reply_row(reply: Reply) -> Row:
    """A reply as a plain row, for a payload right after a change its author was allowed to make: the instance
    the change just wrote, so the payload costs no statement of its own."""
    return as_row(reply, REPLY_COLUMNS)
