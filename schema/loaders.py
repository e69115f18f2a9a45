"""Per-request DataLoaders. Every relation a GraphQL field follows goes through one of these.

They hold plain rows (dicts from `.values()`), not model instances: building ORM objects costs several
times more CPU on a queue page (DESIGN). The reads themselves live in resolvers/kernel/rows.py.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any

from strawberry.dataloader import DataLoader

from resolvers.kernel.actor import Actor
from resolvers.kernel.rows import rows_by_id, rows_grouped
from resolvers.tickets.attachments import attachments_for_tickets
from resolvers.tickets.links import links_for_tickets
from resolvers.tickets.sla import sla_rows_for_tickets
from resolvers.tickets.thread import history_for_tickets, replies_for_tickets

Row = dict[str, Any]


def _by_id(kind: str) -> DataLoader[int, Row | None]:
    return DataLoader(load_fn=partial(rows_by_id, kind))


def _many(kind: str) -> DataLoader[int, list[Row]]:
    return DataLoader(load_fn=partial(rows_grouped, kind))


class Loaders:
    """Created per request (and per subscription event), named after what they key on. Each loader is made on
    first use: read paths that look ahead (docs/performance.md) use none of them."""

    def __init__(self, actor: Actor | None = None) -> None:
        # What the viewer may see decides what some loaders return, so they are built for one actor.
        self._actor = actor
        self._replies: dict[tuple[int | None, int | None, bool | None], DataLoader[int, list[Row]]] = {}

    @cached_property
    def history_by_ticket_id(self) -> DataLoader[int, list[Row]]:
        return DataLoader(load_fn=partial(history_for_tickets, self._actor))

    @cached_property
    def attachments_by_ticket_id(self) -> DataLoader[int, list[Row]]:
        return DataLoader(load_fn=partial(attachments_for_tickets, self._actor))

    @cached_property
    def links_by_ticket_id(self) -> DataLoader[int, list[Row]]:
        return DataLoader(load_fn=partial(links_for_tickets, self._actor))

    sla_by_ticket_id = cached_property(lambda self: DataLoader(load_fn=sla_rows_for_tickets))
    user_by_id = cached_property(lambda self: _by_id("user"))
    group_by_id = cached_property(lambda self: _by_id("group"))
    status_by_id = cached_property(lambda self: _by_id("status"))
    category_by_id = cached_property(lambda self: _by_id("category"))
    type_by_id = cached_property(lambda self: _by_id("type"))
    item_by_id = cached_property(lambda self: _by_id("item"))
    types_by_category_id = cached_property(lambda self: _many("types_by_category"))
    items_by_type_id = cached_property(lambda self: _many("items_by_type"))
    member_ids_by_group_id = cached_property(lambda self: _many("members_by_group"))
    group_ids_by_user_id = cached_property(lambda self: _many("groups_by_user"))
    scopes_by_group_id = cached_property(lambda self: _many("scopes_by_group"))

    def replies(self, first: int | None, last: int | None, internal: bool | None) -> DataLoader[int, list[Row]]:
        """Replies by ticket id, for one set of `Ticket.replies` arguments (resolvers/tickets/thread.py), authors
        joined."""
        key = (first, last, internal)
        if key not in self._replies:
            load = partial(replies_for_tickets, self._actor, first=first, last=last, internal=internal, authors=True)
            self._replies[key] = DataLoader(load_fn=load)
        return self._replies[key]
