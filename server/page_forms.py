"""Reading the forms of the guest pages: application/x-www-form-urlencoded (at most MAX_FORM_BYTES in memory) or,
for the forms with a file input, multipart/form-data streamed like /graphql's uploads (server/uploads.py: files
to ATTACHMENT_DIR/incoming, each at most `max_attachment_bytes`, text fields at most MAX_FORM_BYTES each).

Either way a form has at most MAX_FORM_FIELDS fields and no NUL character (no field takes one, and PostgreSQL
cannot store it in text); a refused form is an HTML page (400, 413), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse

from resolvers.tickets.attachment_storage import ReceivedFile
from resolvers.tickets.attachments import attachment_limit
from server.page_html import esc, page
from server.uploads import Received, UploadRefused, is_multipart, receive_multipart

MAX_FORM_BYTES = 256 * 1024
MAX_FORM_FIELDS = 50


@dataclass
class PostedForm:
    values: dict[str, str]
    files: list[ReceivedFile] = field(default_factory=list)
    received: Received | None = None

    def discard(self) -> None:
        """Remove whatever the request left in incoming/ (files a transaction stored stay)."""
        if self.received is not None:
            self.received.discard()


def too_large() -> HTMLResponse:
    return page("Too large", f"<p>The form is larger than {MAX_FORM_BYTES // 1024} KB.</p>", 413)


def bad_form(message: str) -> HTMLResponse:
    return page(
        "Form not accepted", f"<p>{esc(message)}</p><p>Go back and send the form as the page gives it.</p>", 400
    )


def _refusal(values: dict[str, str]) -> HTMLResponse | None:
    if len(values) > MAX_FORM_FIELDS:
        return bad_form(f"The form has more than {MAX_FORM_FIELDS} fields.")
    if any("\x00" in name or "\x00" in value for name, value in values.items()):
        return bad_form("The form contains a NUL character, which no field accepts.")
    return None


async def read_form(request: Request) -> PostedForm | HTMLResponse:
    """The posted fields (first value of each) and files (the `files` inputs), or the page that refuses the form.
    The caller discards the form when it is done with it (`PostedForm.discard`)."""
    if is_multipart(request.scope):
        return await _read_multipart(request)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            return too_large()
    try:
        fields = parse_qs(
            body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except ValueError:  # the only one parse_qs raises without strict_parsing: too many fields
        return bad_form(f"The form has more than {MAX_FORM_FIELDS} fields.")
    values = {name: found[0] for name, found in fields.items()}
    return _refusal(values) or PostedForm(values)


async def _read_multipart(request: Request) -> PostedForm | HTMLResponse:
    try:
        received = await receive_multipart(request, file_limit=await attachment_limit(), max_field_bytes=MAX_FORM_BYTES)
    except UploadRefused as error:
        return too_large() if error.status == 413 else bad_form(error.message)
    except ClientDisconnect:
        return bad_form("The form did not arrive whole.")
    refused = _refusal(received.fields)
    if refused is not None:
        received.discard()
        return refused
    return PostedForm(received.fields, received.files_named("files"), received)
