"""Webhook requests connect only to an address that passed the SSRF check (resolvers/notify/webhook_urls.py).

Checking a URL's addresses and then letting httpx connect would resolve the host twice: a DNS answer that changes
in between (DNS rebinding: public for the check, 127.0.0.1 for the connection) would reach the internal network.
Here the check happens where httpcore opens the TCP connection: `PinnedBackend.connect_tcp` resolves the host once,
refuses it when any address is not allowed, and connects to the checked IP itself. TLS is unchanged: httpcore
starts it on that stream with `server_hostname` taken from the URL, so SNI and the certificate check still use the
hostname, not the IP.

Redirects are not followed and proxies from the environment are not used (a proxy would be the one to resolve
the host, and its own address would be what is checked).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpcore
import httpx

from resolvers.notify.webhook_urls import checked_addresses


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking the host itself and connecting to the checked address."""

    def __init__(self, *, private_allowed: bool) -> None:
        self.private_allowed = private_allowed
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface: it passes the connect timeout)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            # The lookup is part of connecting: bounded by the same timeout (getaddrinfo has none of its own).
            async with asyncio.timeout(timeout):
                addresses = await checked_addresses(host, private_allowed=self.private_allowed)  # or AddressRefused
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout} s") from None
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:  # like a resolver's answer: the next one when one does not answer
            try:
                return await self._network.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None  # checked_addresses never returns an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks connect over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


def pinned_client(*, private_allowed: bool, timeout: float) -> httpx.AsyncClient:
    """An httpx client whose every connection goes through PinnedBackend: no redirects, no proxies from the
    environment, TLS verified against the URL's hostname as usual."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx has no argument for the network backend; its transport is a thin shell around this pool.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        network_backend=PinnedBackend(private_allowed=private_allowed),
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
