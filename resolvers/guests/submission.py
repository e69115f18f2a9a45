"""Guests: people without an account who file a ticket and follow it through an emailed link (SPEC 10).

- `submit_guest_ticket`: behind the `guest_submission_enabled` setting and the per-address rate limit; the
  same rules as createTicket (resolvers/tickets/filing.py), a tracking reference, and a `guest_ticket_created` email,
  all in one transaction. The caller gets the ticket and the tracking reference but never the token: the access
  link is made when the email is rendered and goes only to the mailbox, so reading the mailbox is the proof of
  being the guest. No token is ever stored (not even in the outbox payload).
- `request_guest_link`: email + tracking reference -> a fresh link by email when they match; the caller learns
  nothing either way (same answer, roughly the same work).
- `guest_thread` and `reply_as_guest`: what the server-rendered link page shows and posts.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from core.enums import StatusKind
from models.accounts import User
from models.replies import Reply
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel import audit
from resolvers.kernel.actor import Actor, guest_actor, require_requester
from resolvers.kernel.errors import Problems, Reason, forbidden
from resolvers.kernel.rate_limit import LINK, SUBMIT, check_rate
from resolvers.kernel.settings import get_setting
from resolvers.kernel.validation import clean_email, has_nul
from resolvers.notify.outbox import queue_email
from resolvers.tickets.attachments import attachments_for_tickets, kept_if_committed
from resolvers.tickets.filing import NewTicket, check_new_ticket, insert_ticket
from resolvers.tickets.queue import TICKET_COLUMNS
from resolvers.tickets.replies import NewReply, add_reply
from resolvers.tickets.thread import replies_for_tickets
from resolvers.tickets.visibility import visible_tickets

TRACKING_REF_LENGTH = 10
TRACKING_REF_MAX = 32
NEUTRAL_LINK_MESSAGE = (
    "If the email address and tracking reference match a ticket, a new link is on its way to that address."
)


@dataclass
class NewGuestTicket:
    """A ticket as anyone files it (requester_id is ignored: a guest has no account), and the guest's address."""

    email: str | None
    ticket: NewTicket


@dataclass
class GuestSubmission:
    ticket: dict[str, Any]
    tracking_ref: str


def new_tracking_ref() -> str:
    """10 characters of base32 (A-Z, 2-7): 50 random bits, easy to read out and type."""
    return base64.b32encode(secrets.token_bytes(10)).decode()[:TRACKING_REF_LENGTH]


def normalise_tracking_ref(raw: str | None) -> str:
    """As people type it: any case, with spaces or dashes."""
    return "".join(ch for ch in (raw or "") if ch not in " -\t").upper()


async def guest_submission_open() -> bool:
    """The `guest_submission_enabled` setting: whether people without an account may file tickets (SPEC 10).
    The form at /submit, the mutation and the anonymous category list all ask here."""
    return bool(await get_setting("guest_submission_enabled"))


async def submit_guest_ticket(address: str | None, data: NewGuestTicket) -> GuestSubmission:
    """File a ticket without an account. FORBIDDEN while guest submission is off; RATE_LIMITED past the limit
    (every attempt counts); otherwise the rules of createTicket plus a valid `email`, every bad field at once."""
    if not await guest_submission_open():
        raise forbidden(
            "Submitting tickets without an account is turned off here; sign in to file a ticket.",
            Reason.GUEST_SUBMISSION_OFF,
        )
    await check_rate(SUBMIT, address)
    problems = Problems()
    email = clean_email(problems, "email", data.email)
    draft = await check_new_ticket(None, data.ticket, problems)
    tracking_ref = new_tracking_ref()
    async with kept_if_committed(draft.files), in_transaction():
        ticket = await insert_ticket(draft, actor=None, requester_id=None, guest_email=email, tracking_ref=tracking_ref)
        # The access link is made when the email is rendered (resolvers/notify/email_templates.py), never stored.
        await queue_email("guest_ticket_created", ticket_id=ticket.id, to=[email], context={"number": ticket.number})
    rows = await Ticket.filter(id=ticket.id).values(*TICKET_COLUMNS)
    return GuestSubmission(ticket=rows[0], tracking_ref=tracking_ref)


async def request_guest_link(address: str | None, raw_email: str | None, raw_ref: str | None) -> str:
    """Email a fresh access link when the email and tracking reference match a guest ticket. The answer is the
    same message whether or not they match; only malformed input (VALIDATION) or the rate limit differ."""
    await check_rate(LINK, address)
    problems = Problems()
    email = clean_email(problems, "email", raw_email)
    ref = normalise_tracking_ref(raw_ref)
    if not ref:
        problems.add("trackingRef", "trackingRef is required.", Reason.REQUIRED)
    elif not has_nul(problems, "trackingRef", ref) and len(ref) > TRACKING_REF_MAX:
        problems.add(
            "trackingRef", f"trackingRef is {len(ref)} characters; the maximum is {TRACKING_REF_MAX}.", Reason.TOO_LONG
        )
    problems.raise_if_any()
    rows = await Ticket.filter(tracking_ref=ref, requester_id__isnull=True).values("id", "number", "guest_email")
    row: dict[str, Any] = rows[0] if rows else {"id": 0, "number": 0, "guest_email": ""}
    # Compare on both paths, so a mismatch costs about what a match does (the link itself is made at send time).
    matched = hmac.compare_digest(str(row["guest_email"] or "").lower().encode(), email.encode()) and bool(rows)
    async with in_transaction():
        if matched:
            await queue_email(
                "guest_access_link",
                ticket_id=row["id"],
                to=[email],
                context={"number": row["number"]},
            )
            await audit.record(
                guest_actor(row["id"], email), "guest.link_sent", "ticket", row["id"], ticket_id=row["id"]
            )
        else:
            # Recorded so admins can see probing; it names what was typed, not any ticket.
            await audit.record(
                None, "guest.link_refused", "guest_link", ref, after={"tracking_ref": ref}, actor_label=f"guest:{email}"
            )
    return NEUTRAL_LINK_MESSAGE


@dataclass
class ThreadEntry:
    author: str
    created_at: datetime
    edited_at: datetime | None
    body: str
    # The reply's files (rows of resolvers/tickets/attachments.py).
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class GuestThread:
    number: int
    subject: str
    description: str
    status: str
    closed: bool
    resolution_notes: str | None
    created_at: datetime
    replies: list[ThreadEntry]
    # The files filed with the ticket itself.
    attachments: list[dict[str, Any]] = field(default_factory=list)


async def guest_thread(actor: Actor) -> GuestThread | None:
    """What the guest's link page shows: the ticket and its public thread (the same rules as the API)."""
    actor = require_requester(actor)
    rows = await visible_tickets(actor).values(*TICKET_COLUMNS)
    if not rows:
        return None
    row = rows[0]
    status = await Status.get(id=row["status_id"])
    (replies,) = await replies_for_tickets(actor, [row["id"]])
    (files,) = await attachments_for_tickets(actor, [row["id"]])
    author_ids = {r["author_id"] for r in replies if r["author_id"] is not None}
    names: dict[int, str] = dict(await User.filter(id__in=list(author_ids)).values_list("id", "name"))
    return GuestThread(
        number=row["number"],
        subject=row["subject"],
        description=row["description"],
        status=status.name,
        closed=status.kind is StatusKind.CLOSED,
        resolution_notes=row["resolution_notes"],
        created_at=row["created_at"],
        replies=[
            ThreadEntry(
                author=_author(r, names),
                created_at=r["created_at"],
                edited_at=r["edited_at"],
                body=r["body"],
                attachments=[f for f in files if f["reply_id"] == r["id"]],
            )
            for r in replies
        ],
        attachments=[f for f in files if f["reply_id"] is None],
    )


def _author(reply: dict[str, Any], names: dict[int, str]) -> str:
    if reply["author_id"] is not None:
        return names.get(reply["author_id"], "Support")
    return "You" if reply["guest_email"] else "Support"


async def reply_as_guest(
    actor: Actor, address: str | None, number: int, body: str, files: list[object] | None = None
) -> Reply:
    """The link page's reply form: addReply (files included), counted against the same per-address budget."""
    return (await add_reply(actor, NewReply(number=number, body=body, files=files or []), address)).reply
