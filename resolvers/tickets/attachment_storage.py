"""Where attachment bytes live: ATTACHMENT_DIR (default `<data dir>/attachments`), one file per attachment, named
by 64 random hex characters (no enumeration; nothing the client sent ever reaches a path).

A file is received into `ATTACHMENT_DIR/incoming/` while the request streams in (`IncomingFile`: hashed,
counted and sniffed chunk by chunk, never held whole in memory, and not written past the size limit), and moved
to its final name (one rename on the same filesystem) only by the transaction that records its row. Whatever
is left in `incoming/` when the request ends is removed by the receiver (server/uploads.py), so a refused
mutation or a cut connection leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from core.config import get_config
from resolvers.tickets.sniffing import SNIFF_BYTES

INCOMING = "incoming"


def root() -> Path:
    return get_config().attachment_dir


def new_storage_name() -> str:
    return secrets.token_hex(32)


def stored_path(storage_name: str) -> Path:
    """The final place of a stored attachment. Names are ours (hex), never a client's."""
    if len(storage_name) != 64 or not all(c in "0123456789abcdef" for c in storage_name):
        raise ValueError("not a storage name")
    return root() / storage_name


@dataclass
class ReceivedFile:
    """One file of a request, as received: the name the client gave (unsanitised: see
    resolvers/tickets/attachments.py `display_name`), what was counted and hashed while it streamed in, and
    where it waits. `over_limit`: more than `limit` bytes came, so storing stopped (the rest was read and
    dropped) and the mutation will refuse it."""

    filename: str
    limit: int
    storage_name: str = field(default_factory=new_storage_name)
    size: int = 0
    head: bytes = b""
    over_limit: bool = False
    stored: bool = False
    _hash: hashlib._Hash = field(default_factory=hashlib.sha256, repr=False)
    _fd: int | None = field(default=None, repr=False)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def incoming_path(self) -> Path:
        return root() / INCOMING / self.storage_name

    def open(self) -> None:
        folder = root() / INCOMING
        folder.mkdir(parents=True, exist_ok=True)
        # Readable by the server's user only; O_EXCL: a name is never reused.
        self._fd = os.open(self.incoming_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def write(self, chunk: bytes) -> None:
        """Take the next chunk: counted always, kept on disk only while within the limit."""
        self.size += len(chunk)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        if self.over_limit:
            return
        if self.size > self.limit:
            self.over_limit = True
            self.discard()
            return
        self._hash.update(chunk)
        assert self._fd is not None
        view = memoryview(chunk)
        while view:
            view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        """Remove what was received (called for every file when its request ends, stored or not)."""
        self.close()
        if not self.stored:
            self.incoming_path.unlink(missing_ok=True)

    def keep(self) -> None:
        """Move the received bytes to their final name (inside the transaction that writes the row)."""
        self.close()
        os.replace(self.incoming_path, stored_path(self.storage_name))
        self.stored = True

    def unkeep(self) -> None:
        """Undo `keep` (its transaction did not commit)."""
        if self.stored:
            stored_path(self.storage_name).unlink(missing_ok=True)
            self.stored = False
