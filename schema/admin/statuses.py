"""Ticket statuses."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.enums import StatusKind, to_graphql


@strawberry.type(
    description="A ticket status. System statuses (NEW, RESOLVED, CLOSED) keep their behaviour when renamed."
)
class Status:
    id: strawberry.ID = strawberry.field(description="Status ID.")
    name: str = strawberry.field(description="Display name.")
    kind: StatusKind = strawberry.field(description="The behaviour behind the name.")
    color: str = strawberry.field(description="Hex colour, like #2563eb.")
    sort_order: int = strawberry.field(description="Position in lists, ascending.")
    pauses_sla: bool = strawberry.field(description="Time spent in this status does not count against the SLA.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Status:
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            kind=to_graphql(StatusKind, row["kind"]),  # type: ignore[arg-type]
            color=row["color"],
            sort_order=row["sort_order"],
            pauses_sla=row["pauses_sla"],
        )
