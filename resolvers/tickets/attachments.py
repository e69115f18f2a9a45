"""Attachments (SPEC 7): the upload rules, recording files with a ticket or a reply, and who may read them.

- **Rules** (`check_files`, every bad file reported at once, before any transaction): at most MAX_FILES per
  request; each at most the `max_attachment_bytes` setting; no blocked extension or content
  (resolvers/tickets/sniffing.py). A refusal names the file (`field` `files[i]`, the name in the message) and the
  rule (the reason).
- **Recording** (`store_attachments`, inside the transaction of the ticket or reply): one multi-row INSERT, then
  each received file renamed to its final name; `kept_if_committed` wraps the transaction and removes the moved
  files again if it does not commit, so no file outlives a refused or failed change.
- **Reading** follows the ticket and the reply: whoever may open the ticket sees its attachments, except that
  those of internal notes and of deleted replies are for staff only, exactly like the replies themselves
  (resolvers/tickets/thread.py). One statement for a whole page of tickets (`attachments_for_tickets`), one for a
  download (`attachment_for_download`: None for missing and forbidden alike).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from tortoise import timezone

from models.attachments import Attachment
from resolvers.kernel.actor import Actor
from resolvers.kernel.bulk import insert_rows
from resolvers.kernel.errors import Problems, Reason
from resolvers.kernel.settings import get_setting
from resolvers.kernel.sql import Statement
from resolvers.tickets.attachment_storage import ReceivedFile
from resolvers.tickets.sniffing import blocked_content, blocked_extension, content_type
from resolvers.tickets.visibility import as_sql, visible_parts

Row = dict[str, Any]

MAX_FILES = 10
FILENAME_MAX = 255
ATTACHMENT_COLUMNS = ("id", "ticket_id", "reply_id", "filename", "content_type", "size", "sha256", "created_at")


def display_name(raw: str) -> str:
    """The client's filename made safe to show and to send back in a header: its last path segment (either
    slash), without control or format characters (NUL, newlines, right-to-left overrides that make
    `cod\u202eexe.pdf` look like a PDF), without the trailing dots and spaces Windows drops (`x.exe.` is
    `x.exe` there), at most 255 characters keeping the extension; "attachment" when nothing is left."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = name.strip().rstrip(". ")
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        keep = extension[:20] if dot and stem else ""
        name = name[: FILENAME_MAX - len(keep) - (1 if keep else 0)] + ("." + keep if keep else "")
    return name or "attachment"


async def attachment_limit() -> int:
    """The largest file accepted, in bytes (the admin setting `max_attachment_bytes`)."""
    return int(await get_setting("max_attachment_bytes"))


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count} bytes"


def check_files(problems: Problems, files: Sequence[object] | None) -> list[ReceivedFile]:
    """The received files of a request, checked: every refusal goes to `problems` (raised by the caller with the
    rest of the input's). The size limit was applied while each file streamed in (ReceivedFile.over_limit)."""
    if not files:
        return []
    if len(files) > MAX_FILES:
        problems.add(
            "files", f"files has {len(files)} entries; at most {MAX_FILES} files go with one request.",
            Reason.TOO_MANY_ENTRIES,
        )  # fmt: skip
        return []
    checked: list[ReceivedFile] = []
    for i, file in enumerate(files):
        field = f"files[{i}]"
        if not isinstance(file, ReceivedFile):
            problems.add(field, f"{field} is not a file; send files as a multipart request.", Reason.NOT_A_FILE)
            continue
        if any(file is earlier for earlier in checked):
            continue  # the multipart map may name one file twice; it is one attachment
        name = display_name(file.filename)
        if file.over_limit:
            problems.add(
                field, f'"{name}" is larger than {_size(file.limit)}, the most one file may be.', Reason.FILE_TOO_LARGE
            )
            continue
        verdict = blocked_extension(name)
        if verdict is not None:
            problems.add(field, f'"{name}" is not accepted: {verdict.detail}.', Reason.BLOCKED_FILE_TYPE)
            continue
        verdict = blocked_content(file.head)
        if verdict is not None:
            problems.add(field, f'"{name}" is not accepted: {verdict.detail}.', Reason.BLOCKED_FILE_CONTENT)
            continue
        checked.append(file)
    return checked


async def store_attachments(
    files: Sequence[ReceivedFile], *, ticket_id: int, reply_id: int | None, uploaded_by_id: int | None
) -> None:
    """Inside the caller's transaction: one INSERT for every file's row, then each file moved to its final name
    (wrap the transaction in `kept_if_committed`)."""
    if not files:
        return
    now = timezone.now()
    columns = ("ticket_id", "reply_id", "filename", "content_type", "size", "sha256", "storage_name",
               "uploaded_by_id", "created_at")  # fmt: skip
    rows = []
    for file in files:
        name = display_name(file.filename)
        rows.append((ticket_id, reply_id, name, content_type(file.head, name), file.size, file.sha256,
                     file.storage_name, uploaded_by_id, now))  # fmt: skip
    await insert_rows(Attachment, columns, rows)
    for file in files:
        file.keep()


@asynccontextmanager
async def kept_if_committed(files: Sequence[object] | None) -> AsyncIterator[None]:
    """Around a transaction that may store `files`: if anything raises (a rule, the COMMIT itself), the files it
    moved into place are removed again, so no stored file lacks its row."""
    try:
        yield
    except BaseException:
        for file in files or ():
            if isinstance(file, ReceivedFile):
                file.unkeep()
        raise


def _reply_rule(actor: Actor | None) -> str:
    """The rule of resolvers/tickets/thread.py for the reply an attachment belongs to (alias r, LEFT JOINed):
    staff see all; others none of notes or deleted replies."""
    if actor is not None and actor.is_staff:
        return ""
    return ' AND (a."reply_id" IS NULL OR (NOT r."internal" AND r."deleted_at" IS NULL))'


_SOURCE = '"attachments" AS a LEFT JOIN "replies" AS r ON r."id" = a."reply_id"'


async def attachments_for_tickets(actor: Actor | None, ticket_ids: Sequence[int]) -> list[list[Row]]:
    """The attachments of each ticket the caller may see (those of its replies included, each row naming its
    `reply_id`), oldest first: one statement for any number of tickets, which the caller may already open."""
    if not ticket_ids:
        return []
    statement = Statement()
    columns = ", ".join(f'a."{c}"' for c in ATTACHMENT_COLUMNS)
    text = f'SELECT {columns} FROM {_SOURCE} WHERE a."ticket_id" IN {statement.params_in(ticket_ids)}'
    rows = await statement.rows(text + _reply_rule(actor), times=["created_at"])
    rows.sort(key=lambda row: (row["created_at"], row["id"]))
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["ticket_id"]].append(row)
    return [grouped.get(t, []) for t in ticket_ids]


async def attachment_for_download(actor: Actor | None, attachment_id: int) -> Row | None:
    """The attachment with its storage name, if the caller may see it (the ticket by visible_tickets, the reply
    by the thread's rule); None otherwise, whether it exists or not."""
    if actor is None:
        return None
    statement = Statement()
    columns = ", ".join(f'a."{c}"' for c in (*ATTACHMENT_COLUMNS, "storage_name"))
    text = (
        f'SELECT {columns} FROM {_SOURCE} JOIN "tickets" AS t ON t."id" = a."ticket_id"'
        f' WHERE a."id" = {statement.param(attachment_id)}'
    )
    visible = as_sql(visible_parts(actor), statement, "t")
    text += (f" AND {visible}" if visible else "") + _reply_rule(actor)
    rows = await statement.rows(text, times=["created_at"])
    return rows[0] if rows else None


def download_path(attachment_id: int, guest_token: str | None = None) -> str:
    """Where a file is downloaded (server/attachments.py): with `?token=` for a guest, whose browser has no other
    way to present the access token (SPEC 7: the URL carries the same token as the access link)."""
    path = f"/attachments/{attachment_id}"
    return f"{path}?token={quote(guest_token, safe='')}" if guest_token else path
