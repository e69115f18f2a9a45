"""DNS pinning of webhook requests: the address check happens where the connection is opened, on the address it
connects to, against a real local receiver reached by a hostname (`localhost`) that resolves to loopback."""

from __future__ import annotations

import re
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpcore
import httpx
import pytest

from core import clock
from core.enums import Role
from resolvers.notify.webhook_delivery import deliver_pending_webhooks
from resolvers.notify.webhook_pinning import PinnedBackend
from resolvers.notify.webhook_urls import AddressRefused
from tests.helpers import make_person
from tests.notify.test_webhooks_admin import allow_private
from tests.notify.test_webhooks_delivery import START, event, hook, log_of
from tests.notify.webhook_receiver import Receiver, receiver


def by_name(local: Receiver) -> str:
    """The receiver's URL with a hostname instead of its IP: the host must be resolved to be reached."""
    return local.url.replace("127.0.0.1", "localhost")


def port_of(local: Receiver) -> int:
    return int(local.url.split(":")[2].split("/")[0])


async def test_a_hostname_resolving_to_loopback_is_refused_at_delivery_and_logged(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    clock.set_now(START)
    with receiver() as local:
        hook_id, _ = await hook(client, admin.token, by_name(local))  # saved while private addresses were allowed
        await event()
        await allow_private(False)
        assert await deliver_pending_webhooks() == 0
    assert local.received == []
    (entry,) = await log_of(client, admin.token, hook_id)
    assert (entry["status"], entry["attempts"], entry["responseCode"]) == ("PENDING", 1, None)
    assert entry["lastError"].startswith("The host localhost resolves to 127.0.0.1, a loopback")
    assert "webhookPrivateAddressesAllowed" in entry["lastError"]


async def test_a_hostname_resolving_to_loopback_is_delivered_while_the_setting_allows_it(
    client: httpx.AsyncClient,
) -> None:
    admin = await make_person(Role.ADMIN)
    clock.set_now(START)
    with receiver() as local:
        hook_id, _ = await hook(client, admin.token, by_name(local))
        await event()
        assert await deliver_pending_webhooks() == 1
    assert len(local.received) == 1
    (entry,) = await log_of(client, admin.token, hook_id)
    assert (entry["status"], entry["responseCode"], entry["lastError"]) == ("SENT", 200, None)


async def test_the_backend_connects_to_the_address_it_checked() -> None:
    with receiver() as local:
        stream = await PinnedBackend(private_allowed=True).connect_tcp("localhost", port_of(local), timeout=5)
        try:
            assert stream.get_extra_info("server_addr") == ("127.0.0.1", port_of(local))
        finally:
            await stream.aclose()


async def test_the_backend_refuses_before_connecting() -> None:
    with receiver() as local:
        with pytest.raises(AddressRefused, match=re.escape("localhost resolves to 127.0.0.1")):
            await PinnedBackend(private_allowed=False).connect_tcp("localhost", port_of(local), timeout=5)
        with pytest.raises(AddressRefused, match="does not resolve"):
            await PinnedBackend(private_allowed=True).connect_tcp("nowhere.invalid", port_of(local), timeout=5)
    assert local.received == []


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An HTTPS server on 127.0.0.1 whose self-signed certificate names only `localhost` (no IP), and a client
    context that trusts exactly that certificate."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(cert, key)
    server.socket = serving.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], ssl.create_default_context(cafile=str(cert))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_tls_still_checks_the_certificate_against_the_hostname(
    tls_receiver: tuple[int, ssl.SSLContext],
) -> None:
    port, trusted = tls_receiver
    backend = PinnedBackend(private_allowed=True)
    async with httpcore.AsyncConnectionPool(ssl_context=trusted, network_backend=backend) as pool:
        # Connected to the pinned 127.0.0.1, verified as localhost: the certificate names no IP, so this passes
        # only because SNI and the check use the URL's hostname.
        answer = await pool.request("GET", f"https://localhost:{port}/")
        assert (answer.status, answer.content) == (200, b"ok")
        with pytest.raises(httpcore.ConnectError, match="certificate"):
            await pool.request("GET", f"https://127.0.0.1:{port}/")  # the same server by IP: not who it claims
