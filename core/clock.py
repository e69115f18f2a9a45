"""The one source of "now", so tests can move time without sleeping.

`sleep_until` is the one way to wait for a moment: in real time it sleeps; with a frozen clock it waits until
`set_now`/`advance` move the clock to (or past) that moment, so a test drives the job loops by moving the clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

_override: datetime | None = None
# Every task waiting in sleep_until: its wake-up future and the moment it waits for.
_sleepers: dict[asyncio.Future[None], datetime] = {}


def now() -> datetime:
    return _override if _override is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (aware); None returns to real time. Either way sleepers look again."""
    global _override
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the frozen clock needs an aware datetime")
    _override = moment
    _wake_sleepers()


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward (freezing it at the real time first if needed)."""
    set_now(now() + delta)
    return now()


async def sleep_until(moment: datetime) -> None:
    """Return once now() >= `moment` (at once if it already is)."""
    while (remaining := (moment - now()).total_seconds()) > 0:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        _sleepers[wake] = moment
        try:
            if _override is None:
                # Real time: sleep, but look again at once if a test freezes or moves the clock meanwhile.
                await asyncio.wait({wake}, timeout=remaining)
            else:
                await wake
        finally:
            _sleepers.pop(wake, None)


async def sleep(seconds: float) -> None:
    """sleep_until(now() + seconds)."""
    await sleep_until(now() + timedelta(seconds=seconds))


def sleepers() -> list[datetime]:
    """The moments tasks are waiting for in sleep_until, earliest first (tests wait until loops are asleep)."""
    return sorted(moment for wake, moment in _sleepers.items() if not wake.get_loop().is_closed())


def _wake_sleepers() -> None:
    for wake in list(_sleepers):
        loop = wake.get_loop()
        if wake.done() or loop.is_closed():
            continue
        # Thread-safe: set_now may be called outside the sleeper's loop (a test's synchronous code).
        loop.call_soon_threadsafe(_settle, wake)


def _settle(wake: asyncio.Future[None]) -> None:
    if not wake.done():
        wake.set_result(None)


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a datetime without an offset is taken to be UTC already.

    Stored datetimes are UTC. SQLite keeps them as text and compares text, so a bound in another offset
    ("08:43:47+05:00") must become UTC before it reaches SQL; PostgreSQL compares instants either way.
    """
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def as_utc_if_in_range(moment: datetime | None) -> datetime | None:
    """`as_utc`, or the moment as written when it leaves the calendar in UTC (year 1 at +14:00): input checks
    (resolvers/validation.py check_moment) then refuse it by name instead of an OverflowError becoming a 500."""
    if moment is None:
        return None
    try:
        return as_utc(moment)
    except OverflowError:
        return moment
