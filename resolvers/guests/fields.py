"""What people without an account may ask for: the allow-list of GraphQL fields per audience (SPEC 1, 10).

Two audiences have no account: a guest (a valid `hdg_` access token for one ticket) and the anonymous caller
(no token at all: someone filing through `submitGuestTicket`, asking for a link, listing categories, or about
to sign in). For them every field of every type, the root Query and Mutation fields included, is refused unless
it is listed here. The schema's gate (schema/field_gate.py) checks each operation against these lists once,
before it runs, so a field added to `Ticket` (or any type) stays hidden from both audiences until it is
added below. People with an account are not gated; what they see is decided by the read paths
(resolvers/tickets/visibility.py, resolvers/tickets/thread.py).

Names are GraphQL names (camelCase, type names as in schema.graphql). A field of an interface is listed under
the interface's name. `__typename` is always allowed; so is introspection (`__schema`, `__type`): it
describes the published schema (schema.graphql), not anyone's data (docs/decisions.md, "Guests").

The lists say which fields may be asked for; the data rules still apply inside them: replies are public ones
only (resolvers/tickets/thread.py), `guestEmail` is shown to its own guest only (`shows_guest_email`), an author's
`email` is not listed at all. How to allow a new field: docs/guests.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import DomainError, Reason


class Audience(Enum):
    GUEST = "guest"
    ANONYMOUS = "anonymous"


def audience_of(actor: Actor | None) -> Audience | None:
    """The gated audience of a request, or None for someone with an account (not gated)."""
    if actor is None:
        return Audience.ANONYMOUS
    return Audience.GUEST if actor.is_guest else None


FieldsByType = Mapping[str, frozenset[str]]

# A ticket as people without an account read it: a guest on their ticket, and the anonymous submitter reading
# the new ticket in the payload of submitGuestTicket (the same view). The request, its classification, status,
# priority, resolution and the public thread with staff names; not who asked, who works on it, or its history.
_TICKET = frozenset(
    {
        "id", "number", "subject", "description", "descriptionHtml", "priority", "status", "category", "type", "item",
        "resolutionNotes", "resolvedAt", "closedAt", "reopened", "createdAt", "updatedAt", "replies", "guestEmail",
        "attachments",
    }
)  # fmt: skip
_REPLY = frozenset(
    {"id", "body", "bodyHtml", "internal", "author", "guestEmail", "createdAt", "editedAt", "deleted", "attachments"}
)
TICKET_VIEW: FieldsByType = {
    "Ticket": _TICKET,
    "Status": frozenset({"id", "name", "kind", "color", "sortOrder"}),
    "Category": frozenset({"id", "name", "sortOrder", "archived", "types"}),
    "TicketType": frozenset({"id", "name", "sortOrder", "archived", "items"}),
    "Item": frozenset({"id", "name", "sortOrder", "archived"}),
    "Reply": _REPLY,
    # Files of the public thread (never those of notes or deleted replies: resolvers/tickets/attachments.py);
    # a guest's downloadUrl carries their own access token.
    "Attachment": frozenset({"id", "filename", "contentType", "size", "sha256", "createdAt", "replyId", "downloadUrl"}),
    # A reply's author: a name, and the id a client cache keys objects by. Nothing about the account behind it
    # (role, state, dates, groups, email), so a thread does not tell a stranger who the admins are.
    "User": frozenset({"id", "name"}),
    # Why the caller's own mutation was refused: the broad code, the specific reason clients switch on, the field.
    "UserError": frozenset({"code", "reason", "field", "message"}),
}

# Payloads of the mutations either audience may call.
_SUBMISSION: FieldsByType = {
    "SubmitGuestTicketPayload": frozenset({"ticket", "trackingRef", "errors"}),
    "RequestGuestLinkPayload": frozenset({"accepted", "message", "errors"}),
}

# Root fields whose answer is about the caller's own account, so the gate lets them through without looking at
# what is selected under them: `me` is null without an account; `login`, `register` and `setupFirstAdmin` answer
# as the account that has just signed in (schema/accounts/auth.py, `signed_in`), which may see its own details.
OWN_ACCOUNT_ROOTS: FieldsByType = {
    "Query": frozenset({"me"}),
    "Mutation": frozenset({"login", "register", "setupFirstAdmin"}),
}

GUEST_FIELDS: FieldsByType = {
    **TICKET_VIEW,
    **_SUBMISSION,
    # Their ticket; categories while guest submission is on (resolvers/admin/cti.py refuses them otherwise).
    "Query": frozenset({"ticket", "categories"}) | OWN_ACCOUNT_ROOTS["Query"],
    # Answering on their ticket (resolvers/tickets/replies.py), and what anyone without an account may do.
    "Mutation": frozenset({"addReply", "editReply", "deleteReply", "submitGuestTicket", "requestGuestLink"})
    | OWN_ACCOUNT_ROOTS["Mutation"],
    # The reply and its ticket as the change left it (status, `reopened`), guest fields only (TICKET_VIEW).
    "ReplyPayload": frozenset({"reply", "ticket", "errors"}),
    # Their ticket's changes, live; the stream itself keeps notes, SLA and assignment events from them
    # (resolvers/notify/live_events.py) and the ticket and reply under an event are TICKET_VIEW fields.
    "Subscription": frozenset({"ticketEvents"}),
    "TicketEvent": frozenset({"cursor", "kind", "number", "occurredAt", "inView", "ticket", "reply"}),
}

ANONYMOUS_FIELDS: FieldsByType = {
    **TICKET_VIEW,
    **_SUBMISSION,
    "Query": frozenset({"categories"}) | OWN_ACCOUNT_ROOTS["Query"],
    "Mutation": frozenset({"submitGuestTicket", "requestGuestLink"}) | OWN_ACCOUNT_ROOTS["Mutation"],
}

ALLOWED_FIELDS: Mapping[Audience, FieldsByType] = {
    Audience.GUEST: GUEST_FIELDS,
    Audience.ANONYMOUS: ANONYMOUS_FIELDS,
}


def allows(audience: Audience, type_name: str, field_name: str) -> bool:
    """Whether this audience may ask for `type_name.field_name` (GraphQL names)."""
    return field_name in ALLOWED_FIELDS[audience].get(type_name, frozenset())


def is_own_account_root(type_name: str, field_name: str) -> bool:
    return field_name in OWN_ACCOUNT_ROOTS.get(type_name, frozenset())


def field_refusal(audience: Audience, type_name: str, field_name: str, *, root: bool) -> DomainError:
    """What the caller is told when an operation asks for a field outside its audience's list (`field` is
    "Type.field"): SIGN_IN_REQUIRED for an anonymous caller asking for a root field that needs a credential (what
    the resolvers answered before the gate, and what tells a client to sign in), FIELD_NOT_ALLOWED otherwise."""
    field = f"{type_name}.{field_name}"
    if root and audience is Audience.ANONYMOUS:
        return DomainError(Reason.SIGN_IN_REQUIRED, f"{field} needs an account: sign in first.", field)
    return DomainError(Reason.FIELD_NOT_ALLOWED, f"{field} is not available without an account.", field)
