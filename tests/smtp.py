"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port, collecting every message it accepts.

Import the fixtures into a test module (`from tests.smtp import smtp_server, smtp_down  # noqa: F401`):

- `smtp_server`: a running server; SMTP_HOST/SMTP_PORT/SMTP_FROM/BASE_URL point at it for the test.
- `smtp_down`: the configuration points at a port where nothing listens yet; call `.start()` to bring the
  server up on that very port (an outage that ends).

Both restore the environment and the cached configuration afterwards.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from tortoise.transactions import in_transaction

from core.config import reset_config
from models.outbox import OutboxMessage
from models.tickets import Ticket
from resolvers.notify import outbox
from tests.helpers import Person, make_category, make_person, make_ticket

SMTP_FROM = "Help Desk <helpdesk@desk.example.org>"
BASE_URL = "https://desk.example.org"


@dataclass
class Received:
    """One accepted message: the SMTP envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage


class _Collector:
    """aiosmtpd handler: keep what arrives. Runs in the controller's thread; list.append is atomic."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpServer:
    """With `login`, the server offers AUTH and accepts only exactly that (user, password)."""

    def __init__(self, port: int, login: tuple[str, str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.login = login
        self._collector = _Collector()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self._collector.received

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self._collector.received]

    def start(self) -> None:
        if self._controller is None:
            auth: dict[str, Any] = {}
            if self.login is not None:
                # Loopback only, so AUTH without TLS is acceptable here.
                auth = {"authenticator": self._authenticate, "auth_require_tls": False}
            self._controller = Controller(self._collector, hostname=self.host, port=self.port, **auth)
            self._controller.start()

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.login is None:
            return AuthResult(success=False, handled=False)
        offered = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=offered == self.login, handled=False)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextmanager
def mail_environment(**values: str | None) -> Iterator[None]:
    """Set (or, with None, remove) environment variables and reload the configuration; restore both after."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_config()
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_config()


def configured(server: SmtpServer, user: str | None = None, password: str | None = None) -> Any:
    """The application's mail settings pointing at `server` (a context manager)."""
    return mail_environment(
        SMTP_HOST=server.host,
        SMTP_PORT=str(server.port),
        SMTP_FROM=SMTP_FROM,
        SMTP_USER=user,
        SMTP_PASSWORD=password,
        BASE_URL=BASE_URL,
    )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server the application is configured to use."""
    server = SmtpServer(free_port())
    server.start()
    try:
        with configured(server):
            yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """The application is configured for an SMTP server that is not running yet (connections are refused)."""
    server = SmtpServer(free_port())
    try:
        with configured(server):
            yield server
    finally:
        server.stop()


async def queue(topic: str, ticket: Ticket, to: str, **context: Any) -> int:
    """An outbox email as a change would write it: inside a committed transaction."""
    async with in_transaction():
        await outbox.queue_email(topic, ticket_id=ticket.id, to=[to], context={"number": ticket.number, **context})
    outbox.forget_queued()
    row = await OutboxMessage.filter(channel=outbox.EMAIL).order_by("-id").first()
    assert row is not None
    return row.id


async def requester_ticket(subject: str = "Printer on fire") -> tuple[Person, Ticket]:
    person = await make_person(email="requester@example.com")
    ticket = await make_ticket(await make_category(), requester=person, subject=subject)
    return person, ticket
