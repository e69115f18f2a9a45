"""Fixed-window rate limiting per client address, for what anyone may do without an account (SPEC 10).

`GUEST_RATE_LIMIT` ("10/600" by default: 10 attempts per 10 minutes) applies to each action and client address
separately. Windows are aligned to the clock (`now // window`), and every attempt counts, refused ones too, so
a script cannot probe tracking references or flood a mailbox faster than the limit.

With REDIS_URL the counters live in Redis (INCR and EXPIRE in one MULTI, key per action, address and window),
so every app process shares them. Without it they live in this process. If Redis cannot be reached, the
process falls back to its own counters (and logs it) rather than refusing every guest.

The address comes from the caller (schema or server: the connecting peer, `request.client.host`). Behind a
reverse proxy that is the proxy, unless uvicorn trusts it for X-Forwarded-For (FORWARDED_ALLOW_IPS, default
127.0.0.1; docs/guests.md). IPv6 addresses count per /64 network, since one host commonly owns a /64.
"""

from __future__ import annotations

import ipaddress
import logging
import math

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core import clock
from core.config import get_config
from resolvers.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)

SUBMIT = "guest_submit"
LINK = "guest_link"
GUEST_REPLY = "guest_reply"
KEY_PREFIX = "helpdesk:ratelimit"

_local: dict[str, int] = {}
_local_window: int | None = None


def client_key(address: str | None) -> str:
    """What one client is: an IPv4 address, an IPv6 /64 network, or the raw text when it is neither."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _local_hit(key: str, window_index: int) -> int:
    global _local_window
    if _local_window != window_index:
        # A new window: earlier counters can never matter again.
        _local.clear()
        _local_window = window_index
    _local[key] = _local.get(key, 0) + 1
    return _local[key]


async def _redis_hit(url: str, key: str, ttl: int) -> int:
    # A client per attempt: these actions are rare, and a client is tied to the event loop that made it.
    client = Redis.from_url(url)
    try:
        async with client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl)
            count, _ = await pipe.execute()
    finally:
        await client.aclose()
    return int(count)


async def check_rate(action: str, address: str | None) -> None:
    """Count one attempt of `action` from `address`; RATE_LIMITED once the window's limit is passed."""
    config = get_config()
    limit, window = config.guest_rate_limit
    now = clock.now().timestamp()
    index = int(now // window)
    key = f"{KEY_PREFIX}:{action}:{client_key(address)}:{index}"
    if config.redis_url:
        try:
            count = await _redis_hit(config.redis_url, key, window)
        except (RedisError, OSError) as error:
            log.warning("rate limit: Redis unavailable (%s); counting in this process", error)
            count = _local_hit(key, index)
    else:
        count = _local_hit(key, index)
    if count > limit:
        minutes = max(1, math.ceil(((index + 1) * window - now) / 60))
        raise DomainError(
            ErrorCode.RATE_LIMITED,
            f"Too many attempts from your address: at most {limit} every {_duration(window)}. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        )


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def reset_local_counters() -> None:
    """Forget this process's counters (tests start each case from zero)."""
    global _local_window
    _local.clear()
    _local_window = None
