"""Attachments in the schema: the `Attachment` type of `Ticket.attachments` and `Reply.attachments`, and the
`files` input of createTicket, addReply and submitGuestTicket (GraphQL multipart request spec; server/uploads.py
receives them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from core.config import get_config
from resolvers.tickets.attachments import MAX_FILES, download_path
from schema.context import Info

FILES_DESCRIPTION = (
    f"Files to attach (at most {MAX_FILES}), sent as a multipart request (the GraphQL multipart request spec) "
    "with a `GraphQL-Preflight: 1` header. Each at most the `maxAttachmentBytes` setting; programs and scripts are "
    "refused by name and by content."
)


def files_field() -> Any:
    return strawberry.field(default=None, description=FILES_DESCRIPTION)


FileList = list[Upload] | None


@strawberry.type(description="A file attached to a ticket or to one of its replies.")
class Attachment:
    id: strawberry.ID = strawberry.field(description="Attachment ID.")
    filename: str = strawberry.field(description="The name it was uploaded with, made safe to show.")
    content_type: str = strawberry.field(description="The type its content shows (not what the client claimed).")
    size: int = strawberry.field(description="Its size in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of its bytes, in hex.")
    created_at: datetime = strawberry.field(description="When it was uploaded.")
    reply_id: strawberry.ID | None = strawberry.field(
        description="The reply it came with; null when it came with the ticket."
    )

    @strawberry.field(
        description="Where to download it: send your bearer token, or (guests) use the URL as it is, which carries "
        "your access token."
    )
    def download_url(self, info: Info) -> str:
        actor = info.context.actor
        guest_token = info.context.token if actor is not None and actor.is_guest else None
        return get_config().base_url + download_path(int(self.id), guest_token)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Attachment:
        reply_id = row["reply_id"]
        return cls(
            id=strawberry.ID(str(row["id"])),
            filename=row["filename"],
            content_type=row["content_type"],
            size=row["size"],
            sha256=row["sha256"],
            created_at=row["created_at"],
            reply_id=strawberry.ID(str(reply_id)) if reply_id is not None else None,
        )


def by_reply(attachments: list[Attachment]) -> dict[str, list[Attachment]]:
    grouped: dict[str, list[Attachment]] = {}
    for attachment in attachments:
        if attachment.reply_id is not None:
            grouped.setdefault(str(attachment.reply_id), []).append(attachment)
    return grouped


async def load_attachments(info: Info, ticket_id: int) -> list[Attachment]:
    rows = await info.context.loaders.attachments_by_ticket_id.load(ticket_id)
    return [Attachment.from_row(row) for row in rows]


async def load_reply_attachments(info: Info, ticket_id: int, reply_id: str) -> list[Attachment]:
    return by_reply(await load_attachments(info, ticket_id)).get(reply_id, [])
