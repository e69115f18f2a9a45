"""Fixed-window rate limiting per client address, for what anyone may do without an account (SPEC 10), and for
signing in (docs/accounts.md).

`GUEST_RATE_LIMIT` ("10/600" by default: 10 attempts per 10 minutes) applies to each guest action and to
`register`, per client address. `login` counts twice, before any password is hashed: per client address
(`LOGIN_RATE_LIMIT`, "20/600") and per email address tried (`LOGIN_EMAIL_RATE_LIMIT`, "10/600"), so neither one
address trying many accounts nor many addresses trying one account gets far. Windows are aligned to the clock
(`now // window`), and every attempt counts, refused ones too, so a script cannot probe tracking references,
guess passwords or flood a mailbox faster than the limit.

With REDIS_URL the counters live in Redis (INCR and EXPIRE in one MULTI, key per action, who and window; an email
is keyed by a digest, never written out), so every app process shares them. Without it they live in this process.
If Redis cannot be reached (at start-up or later), the process falls back to its own counters rather than refusing
everyone: it logs the outage once, counts locally for REDIS_RETRY_SECONDS before it tries Redis again (so an
outage costs one bounded attempt per interval, not one per request), and logs once when Redis answers again.

The address comes from the caller (schema or server: the connecting peer, `request.client.host`). Behind a
reverse proxy that is the proxy, unless uvicorn trusts it for X-Forwarded-For (FORWARDED_ALLOW_IPS, default
127.0.0.1; docs/guests.md). IPv6 addresses count per /64 network, since one host commonly owns a /64.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core import clock
from core.config import get_config
from resolvers.kernel.errors import DomainError, Reason

log = logging.getLogger(__name__)

SUBMIT = "guest_submit"
LINK = "guest_link"
GUEST_REPLY = "guest_reply"
REGISTER = "register"
LOGIN = "login"
LOGIN_EMAIL = "login_email"
KEY_PREFIX = "helpdesk:ratelimit"
LOGIN_LIMITED = "Too many sign-in attempts. Try again in {minutes}."

# key -> (end of its window as a timestamp, attempts so far). Keys name their window, so an old one only waits
# to be pruned.
_local: dict[str, tuple[float, int]] = {}
_PRUNE_EVERY = 60.0
_next_prune = 0.0

# A Redis attempt may take this long (connect, then the reply) before it counts as an outage.
REDIS_TIMEOUT_SECONDS = 1.0
# After a failed attempt, count in this process for this long before trying Redis again.
REDIS_RETRY_SECONDS = 10.0
# While Redis is away: the moment (clock timestamp) it may be tried again. None while it works.
_redis_retry_at: float | None = None


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


def email_key(email: str) -> str:
    """What one target account is: a digest of the normalised email, so no address is written into Redis."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _local_hit(key: str, window_end: float, now: float) -> int:
    global _next_prune
    if now >= _next_prune:
        # Counters of ended windows can never matter again.
        for old in [k for k, (end, _) in _local.items() if end <= now]:
            del _local[old]
        _next_prune = now + _PRUNE_EVERY
    _, count = _local.get(key, (window_end, 0))
    _local[key] = (window_end, count + 1)
    return count + 1


async def _redis_hit(url: str, key: str, ttl: int) -> int:
    # A client per attempt: these actions are rare, and a client is tied to the event loop that made it.
    client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        async with client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl)
            count, _ = await pipe.execute()
    finally:
        await client.aclose()
    return int(count)


async def _hit(action: str, who: str, limit: tuple[int, int]) -> int | None:
    """Count one attempt of `action` by `who` in the current window; the minutes left when it is over the limit."""
    config = get_config()
    attempts, window = limit
    now = clock.now().timestamp()
    index = int(now // window)
    window_end = float((index + 1) * window)
    key = f"{KEY_PREFIX}:{action}:{who}:{index}"
    count = await _shared_hit(config.redis_url, key, window, now) if config.redis_url else None
    if count is None:
        count = _local_hit(key, window_end, now)
    if count <= attempts:
        return None
    return max(1, math.ceil((window_end - now) / 60))


async def _shared_hit(url: str, key: str, ttl: int, now: float) -> int | None:
    """The count in Redis, or None when Redis is away (then the caller counts in this process)."""
    global _redis_retry_at
    if _redis_retry_at is not None and now < _redis_retry_at:
        return None
    try:
        count = await _redis_hit(url, key, ttl)
    except (RedisError, OSError) as error:
        if _redis_retry_at is None:
            log.warning(
                "rate limits: Redis unavailable (%s: %s); counting in this process until it is back",
                type(error).__name__,
                error,
            )
        _redis_retry_at = now + REDIS_RETRY_SECONDS
        return None
    if _redis_retry_at is not None:
        log.warning("rate limits: Redis is reachable again; counting in Redis")
        _redis_retry_at = None
    return count


def _minutes(minutes: int) -> str:
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def check_rate(action: str, address: str | None) -> None:
    """Count one attempt of `action` from `address`; RATE_LIMITED once GUEST_RATE_LIMIT is passed."""
    limit = get_config().guest_rate_limit
    minutes = await _hit(action, client_key(address), limit)
    if minutes is not None:
        attempts, window = limit
        raise DomainError(
            Reason.TOO_MANY_ATTEMPTS,
            f"Too many attempts from your address: at most {attempts} every {_duration(window)}. "
            f"Try again in {_minutes(minutes)}.",
        )


async def check_login_rate(address: str | None, email: str) -> None:
    """Count one sign-in attempt from `address` and one against `email` (when given), before any password is
    checked. Past either limit: RATE_LIMITED with one message that does not say which limit, nor whether the
    account exists (every email tried is counted)."""
    config = get_config()
    minutes = await _hit(LOGIN, client_key(address), config.login_rate_limit)
    if minutes is None and email:
        minutes = await _hit(LOGIN_EMAIL, email_key(email), config.login_email_rate_limit)
    if minutes is not None:
        raise DomainError(Reason.TOO_MANY_ATTEMPTS, LOGIN_LIMITED.format(minutes=_minutes(minutes)))


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def reset_local_counters() -> None:
    """Forget this process's counters and any Redis outage (tests start each case from zero)."""
    global _next_prune, _redis_retry_at
    _local.clear()
    _next_prune = 0.0
    _redis_retry_at = None
