"""The one source of "now", so tests can move time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_override: datetime | None = None


def now() -> datetime:
    return _override if _override is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (aware); None returns to real time."""
    global _override
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the frozen clock needs an aware datetime")
    _override = moment


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward (freezing it at the real time first if needed)."""
    set_now(now() + delta)
    return now()


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a datetime without an offset is taken to be UTC already.

    Stored datetimes are UTC. SQLite keeps them as text and compares text, so a bound in another offset
    ("08:43:47+05:00") must become UTC before it reaches SQL; PostgreSQL compares instants either way.
    """
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
