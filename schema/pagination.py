"""Relay-style cursor connections shared by every list: `edges { cursor node }`, `pageInfo`, `totalCount`.

Cursors are opaque to clients: URL-safe base64 of a small JSON list (codec in resolvers/kernel/pagination.py), for
example a keyset position such as `[name, id]`. Each list decides what goes in its cursor; the resolver
behind it checks the decoded shape.
`Connection[User]` appears in the schema as `UserConnection` with `UserEdge` edges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types.nodes import SelectedField

from resolvers.kernel.pagination import Page, encode_cursor

T = TypeVar("T")
N = TypeVar("N")


@strawberry.type(description="Where this page sits in the whole list, and the cursors to move from it.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page; ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before this page (true whenever `after` was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge of the page; null when it is empty."
    )
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge of the page; null when it is empty.")


@strawberry.type(description="One item of a page with the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item; pass it as `after` to continue from it.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="One page of a list, with the total across all pages.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in list order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    total_count: int = strawberry.field(description="How many items match in total, across all pages.")


def build_connection(
    rows: Sequence[N],
    *,
    convert: Callable[[N], T],
    position: Callable[[N], Sequence[Any]],
    has_next_page: bool,
    has_previous_page: bool,
    total_count: int,
) -> Connection[T]:
    """Wrap one page of rows (already cut to the page size) into a Connection."""
    edges = [Edge(cursor=encode_cursor(position(row)), node=convert(row)) for row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next_page,
            has_previous_page=has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total_count,
    )


def page_connection(
    page: Page, *, convert: Callable[[dict[str, Any]], T], position: Callable[[dict[str, Any]], Sequence[Any]]
) -> Connection[T]:
    """A keyset Page from resolvers/kernel/pagination.py as a Connection."""
    return build_connection(
        page.rows,
        convert=convert,
        position=position,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        total_count=page.total_count,
    )


def asks_for(info: Any, field: str) -> bool:
    """Whether the client selected `field` directly on this field's result (through fragments too), so a list
    can skip work, such as counting, that nobody will see."""

    def walk(selections: Sequence[Any]) -> bool:
        for selection in selections:
            if isinstance(selection, SelectedField):
                if selection.name == field:
                    return True
            elif walk(selection.selections):  # a fragment spread or inline fragment
                return True
        return False

    return any(walk(selected.selections) for selected in info.selected_fields)
