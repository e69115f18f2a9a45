"""Which URLs a webhook may call: absolute http(s) URLs whose host resolves only to public addresses.

No server-side request forgery: a webhook whose host resolves to a loopback, link-local, private, reserved,
multicast or unspecified address would let an admin's (or a stolen admin token's) webhook reach the internal
network, so such URLs are refused on save and checked again by every attempt, on the very addresses it then
connects to (resolvers/notify/webhook_pinning.py: no second DNS lookup to rebind). The admin setting
`webhook_private_addresses_allowed` lifts the rule (a receiver on the same host).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from resolvers.kernel.settings import get_setting

URL_MAX = 2000


def url_problem(url: str) -> str | None:
    """Why `url` is not an absolute http(s) URL with a host; None when it is one."""
    if len(url) > URL_MAX:
        return f"The URL is longer than {URL_MAX} characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"The URL cannot be read: {error}."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The URL must start with http:// or https:// and name a host."
    if parts.username is not None or parts.password is not None:
        return "The URL must not carry a user name or password; sign with the webhook's secret instead."
    del port
    return None


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


async def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class AddressRefused(Exception):
    """A webhook may not call this host now; the message says why (it becomes the attempt's lastError)."""


async def checked_addresses(host: str, *, private_allowed: bool) -> list[str]:
    """The addresses `host` resolves to, all of them allowed: raises AddressRefused when it does not resolve, or
    (unless `private_allowed`) when any of them is not public."""
    try:
        addresses = await resolve(host)
    except OSError as error:
        raise AddressRefused(f"The host {host} does not resolve ({error}).") from error
    refused = [] if private_allowed else [a for a in addresses if _forbidden(a)]
    if refused or not addresses:
        raise AddressRefused(
            f"The host {host} resolves to {', '.join(refused) or 'nothing'}, a loopback, link-local, private or "
            "reserved address; webhooks may only call public addresses unless the "
            "webhookPrivateAddressesAllowed setting is on."
        )
    return addresses


async def address_problem(url: str) -> str | None:
    """Why a webhook may not call `url` now (its host resolves to a non-public address, or not at all); None
    when it may, or when the setting allows private addresses."""
    if await get_setting("webhook_private_addresses_allowed"):
        return None
    try:
        await checked_addresses(urlsplit(url).hostname or "", private_allowed=False)
    except AddressRefused as refusal:
        return str(refusal)
    return None
