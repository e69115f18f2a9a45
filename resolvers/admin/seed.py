"""Rows every installation needs: the five default statuses."""

from __future__ import annotations

from core.enums import StatusKind
from models.statuses import Status

DEFAULT_STATUSES = [
    # name, kind, colour, sort order, pauses SLA
    ("New", StatusKind.NEW, "#2563eb", 10, False),
    ("In Progress", StatusKind.CUSTOM, "#d97706", 20, False),
    ("Pending", StatusKind.CUSTOM, "#7c3aed", 30, True),
    ("Resolved", StatusKind.RESOLVED, "#16a34a", 40, False),
    ("Closed", StatusKind.CLOSED, "#6b7280", 50, False),
]


async def seed_defaults() -> None:
    """Create the default statuses on an empty database; idempotent, never touches renamed ones."""
    if await Status.exists():
        return
    await Status.bulk_create(
        [
            Status(name=name, kind=kind, color=color, sort_order=order, pauses_sla=pauses)
            for name, kind, color, order, pauses in DEFAULT_STATUSES
        ]
    )
