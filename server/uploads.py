"""Receiving multipart/form-data requests (GraphQL multipart uploads on /graphql, the file inputs of the guest
pages): streamed part by part straight to ATTACHMENT_DIR/incoming, never held whole in memory.

Starlette's own form parser spools every file to an unbounded temporary file and only then lets anyone look at
it; here each chunk goes through python-multipart's streaming parser into `ReceivedFile.write`, which hashes,
counts and sniffs it and stops storing a file at the first byte past `max_attachment_bytes` (the rest of that
part is read and dropped, so the mutation can still answer which file was too large). Files beyond MAX_FILES
are counted, not stored. Text fields are kept in memory up to a small limit; the whole body is bounded too, so a
client cannot stream forever. The caller discards everything when the request ends (`Received.discard`):
files a transaction moved into place are kept, the rest is removed, also when the client disconnects halfway.

`/graphql` accepts multipart only with a header that an HTML form cannot send (`MultipartGate`), so a cross-site
form cannot make a browser run a mutation without a CORS preflight (docs/decisions.md, "HTTP transport").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers.tickets.attachment_storage import ReceivedFile
from resolvers.tickets.attachments import MAX_FILES
from server.limits import error_body

# A header a cross-site <form> cannot set; either name (Apollo's is what apollo-upload-client sends).
PREFLIGHT_HEADERS = (b"graphql-preflight", b"apollo-require-preflight")
MAX_PARTS = 64


class UploadRefused(Exception):
    """The request body cannot be used: an HTTP status and a message for people."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"multipart/form-data"
    return False


def has_preflight_header(scope: Scope) -> bool:
    return any(name in PREFLIGHT_HEADERS and value.strip() for name, value in scope.get("headers", []))


@dataclass
class Received:
    """What a multipart body held: its text fields (first value of each name) and its files in order, each with
    the form field name it came under."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, ReceivedFile]] = field(default_factory=list)

    def files_named(self, name: str) -> list[ReceivedFile]:
        return [file for part, file in self.files if part == name]

    def discard(self) -> None:
        for _, file in self.files:
            file.discard()


class _Receiver:
    def __init__(self, file_limit: int, max_field_bytes: int) -> None:
        self.received = Received()
        self.file_limit = file_limit
        self.max_field_bytes = max_field_bytes
        self.parts = 0
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.name = ""
        self.file: ReceivedFile | None = None
        self.text = bytearray()

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise UploadRefused(400, f"The form has more than {MAX_PARTS} parts.")
        self.disposition, self.file, self.text = b"", None, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.name = options.get(b"name", b"").decode("utf-8", errors="replace")
        filename = options.get(b"filename")
        if filename is None:
            return
        if self.name == "files" and not filename:
            return  # the pages' empty <input type="file">: a browser sends a part with no name and no bytes
        # Browsers (and httpx) write a quote, CR and LF in a filename as %22, %0D, %0A (WHATWG's multipart encoding).
        name = filename.decode("utf-8", errors="replace")
        for escaped, char in (("%22", '"'), ("%0D", "\r"), ("%0A", "\n")):
            name = name.replace(escaped, char)
        file = ReceivedFile(filename=name, limit=self.file_limit)
        if len(self.received.files) < MAX_FILES:
            file.open()
        else:
            file.over_limit = True  # counted for the refusal, never stored
        self.received.files.append((self.name, file))
        self.file = file

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.file is not None:
            self.file.write(data[start:end])
            return
        self.text += data[start:end]
        if len(self.text) > self.max_field_bytes:
            raise UploadRefused(413, f"A form field is more than {self.max_field_bytes} bytes.")

    def on_part_end(self) -> None:
        if self.file is not None:
            self.file.close()
        elif self.name not in self.received.fields:
            self.received.fields[self.name] = self.text.decode("utf-8", errors="replace")


async def receive_multipart(request: Request, *, file_limit: int, max_field_bytes: int) -> Received:
    """Stream the body of a multipart request to disk (files) and memory (fields). Raises UploadRefused for a body
    that is not multipart, too large or malformed; a disconnect raises starlette's ClientDisconnect. Files already
    received are discarded when anything raises."""
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if not boundary:
        raise UploadRefused(400, "The multipart body has no boundary.")
    receiver = _Receiver(file_limit, max_field_bytes)
    callbacks = {name: getattr(receiver, name) for name in dir(receiver) if name.startswith("on_")}
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    # Every file can be read to its limit (and one byte more); anything beyond is not an upload.
    most = (MAX_FILES + 1) * (file_limit + 1) + MAX_PARTS * max_field_bytes
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > most:
                raise UploadRefused(413, f"The request body is more than {most} bytes.")
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        receiver.received.discard()
        raise UploadRefused(400, "The multipart body is malformed.") from None
    except BaseException:
        receiver.received.discard()
        raise
    return receiver.received


def refusal(status: int, message: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app answering with the JSON error body every refused /graphql request has."""
    code = {400: "BAD_REQUEST", 413: "PAYLOAD_TOO_LARGE"}.get(status, "BAD_REQUEST")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = error_body(message, code)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


NO_PREFLIGHT = (
    "Multipart requests need a GraphQL-Preflight: 1 (or Apollo-Require-Preflight: true) header, which a "
    "cross-site form cannot send."
)


class MultipartGate:
    """/graphql's front: multipart requests only with a preflight header (else 400, nothing runs), passed on
    whole to the view, which streams them (HelpdeskGraphQL); every other body through `limited` (the size cap)."""

    def __init__(self, view: ASGIApp, limited: ASGIApp) -> None:
        self.view = view
        self.limited = limited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_multipart(scope):
            if not has_preflight_header(scope):
                await refusal(400, NO_PREFLIGHT)(scope, receive, send)
                return
            await self.view(scope, receive, send)
            return
        await self.limited(scope, receive, send)
