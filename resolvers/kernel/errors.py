"""Expected failures. The schema turns them into payload errors; they are never 500s.

Every refusal names a specific `Reason` (what clients switch on); the broad `ErrorCode` is derived from it, so
the two can never disagree. docs/errors.md lists both (a test keeps it complete).
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    VALIDATION = "VALIDATION"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RATE_LIMITED = "RATE_LIMITED"


_V, _F, _N, _C = ErrorCode.VALIDATION, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT


class Reason(str, Enum):
    """Why a rule said no: one member per refusal, each with the broad code it belongs to and its meaning.

    Declared as (name, code, description); the name is repeated as the value so the enum stays a plain string
    enum (a test checks that value and name agree). The GraphQL enum `ErrorReason` is built from this one.
    """

    code: ErrorCode
    description: str

    def __new__(cls, value: str, code: ErrorCode, description: str) -> Reason:
        member = str.__new__(cls, value)
        member._value_ = value
        member.code = code
        member.description = description
        return member

    # Input rules (VALIDATION): `field` names the input at fault.
    REQUIRED = "REQUIRED", _V, "A required input is missing or empty (after trimming)."
    TOO_LONG = "TOO_LONG", _V, "A text is longer than its maximum; the message gives the limit."
    TOO_SHORT = "TOO_SHORT", _V, "A text is shorter than its minimum (passwords); the message gives the limit."
    CONTAINS_NUL = "CONTAINS_NUL", _V, "A text contains a NUL character, which no field accepts."
    TOO_COMPLEX_TO_FORMAT = (
        "TOO_COMPLEX_TO_FORMAT",
        _V,
        "A Markdown text does not render within the time limit (or its HTML would be too large); the message says "
        "how to simplify it.",
    )
    INVALID_UNICODE = (
        "INVALID_UNICODE",
        _V,
        "A text holds a lone UTF-16 surrogate, which is no Unicode character; `field` is the variable's path.",
    )
    TOO_MANY_ENTRIES = "TOO_MANY_ENTRIES", _V, "A list has more entries than its maximum; the message gives it."
    INVALID_EMAIL = "INVALID_EMAIL", _V, "Not one plain email address like name@example.com."
    INVALID_COLOUR = "INVALID_COLOUR", _V, "Not a hex colour like #1a2b3c."
    INVALID_ID = "INVALID_ID", _V, "Not an ID: IDs are whole numbers between 1 and 2147483647."
    INVALID_URL = "INVALID_URL", _V, "Not an absolute http:// or https:// URL with a host name."
    UNKNOWN_EVENT = "UNKNOWN_EVENT", _V, "Not one of the webhook event names; the message lists them."
    PRIVATE_ADDRESS = (
        "PRIVATE_ADDRESS",
        _V,
        "The URL's host resolves to a loopback, link-local, private or reserved address (or does not resolve), "
        "which webhooks may not call unless the webhookPrivateAddressesAllowed setting is on.",
    )
    INVALID_CURSOR = "INVALID_CURSOR", _V, "`after` is not a cursor of this list (and sort); start again without it."
    CURSOR_EXPIRED = (
        "CURSOR_EXPIRED",
        _V,
        "A subscription's `after` names an event older than the replay window (or none): read the current state "
        "again and subscribe without `after`.",
    )
    SUBSCRIPTIONS_ONLY = (
        "SUBSCRIPTIONS_ONLY",
        _V,
        "A query or mutation was sent over the websocket, which carries subscriptions only; POST it to /graphql.",
    )
    EXCLUSIVE_ARGUMENTS = (
        "EXCLUSIVE_ARGUMENTS",
        _V,
        "Two inputs that exclude each other were both given (e.g. `first` and `last`); `field` names the second.",
    )
    OUT_OF_RANGE = (
        "OUT_OF_RANGE",
        _V,
        "A number or time is outside its allowed range (page sizes, settings, dates); see the message.",
    )
    WRONG_TYPE = "WRONG_TYPE", _V, "A setting got a value of the wrong type (true/false or a whole number)."
    NOT_A_SETTING = "NOT_A_SETTING", _V, "The name is not one of the settings."
    NOT_A_TOPIC = "NOT_A_TOPIC", _V, "The name is not one of the email topics (see the emailTemplates query)."
    TEMPLATE_SYNTAX = "TEMPLATE_SYNTAX", _V, "An email template does not compile; the message gives line and column."
    UNKNOWN_VARIABLE = (
        "UNKNOWN_VARIABLE",
        _V,
        "An email template names a variable that is not in its topic's documented list; the message gives where.",
    )
    TEMPLATE_INCLUDE = (
        "TEMPLATE_INCLUDE",
        _V,
        "An email template includes, imports or extends another template or file, which templates cannot do.",
    )
    TEMPLATE_UNSAFE = (
        "TEMPLATE_UNSAFE",
        _V,
        "An email template fails when filled with sample data, e.g. it reaches for an attribute it may not use.",
    )
    CANNOT_CLEAR = "CANNOT_CLEAR", _V, "The field cannot be set to null: every ticket has a category and a priority."
    UNKNOWN_ID = "UNKNOWN_ID", _V, "An ID in the input names nothing that exists."
    NO_CATEGORIES = "NO_CATEGORIES", _V, "No categories exist yet; an admin must create one before tickets are filed."
    NOT_IN_CATEGORY = "NOT_IN_CATEGORY", _V, "The type does not belong to the category given with it (or it has none)."
    NOT_IN_TYPE = "NOT_IN_TYPE", _V, "The item does not belong to the type given with it (or it has none)."
    ITEM_NEEDS_TYPE = "ITEM_NEEDS_TYPE", _V, "An item was given without its type; choose the type first."
    FILE_TOO_LARGE = (
        "FILE_TOO_LARGE",
        _V,
        "An uploaded file is larger than the maxAttachmentBytes setting; `field` names the file (files[2]).",
    )
    BLOCKED_FILE_TYPE = (
        "BLOCKED_FILE_TYPE",
        _V,
        "An uploaded file's name has an extension of programs or scripts (.exe, .sh, report.pdf.exe...).",
    )
    BLOCKED_FILE_CONTENT = (
        "BLOCKED_FILE_CONTENT",
        _V,
        "An uploaded file's content is a program or script (PE, ELF, Mach-O, #!, batch, PowerShell, VBScript).",
    )
    NOT_A_FILE = "NOT_A_FILE", _V, "A `files` entry is not a file: send files in a multipart request."
    ARCHIVED = "ARCHIVED", _V, "The category, type or item is archived: it stays on old tickets, new choices avoid it."
    ACCOUNT_DISABLED = (
        "ACCOUNT_DISABLED",
        _V,
        "The account named is disabled: nothing new can be filed for it, it cannot join a group or be assigned.",
    )
    NOT_STAFF = (
        "NOT_STAFF",
        _V,
        "Group members and assignees must be staff or admin accounts; these are requester accounts.",
    )
    NOT_IN_GROUP = (
        "NOT_IN_GROUP",
        _V,
        "A ticket assigned to a person and a group needs the person to be a member of that group.",
    )
    NO_CHANGE = "NO_CHANGE", _V, "The request names no change to make; give one (the message says which)."
    FILTER_NO_LONGER_SUPPORTED = (
        "FILTER_NO_LONGER_SUPPORTED",
        _V,
        "A saved view names a filter, value or sort the queue no longer has; it is left out when the view is applied.",
    )
    LOGIN_FAILED = "LOGIN_FAILED", _V, "Email or password is incorrect (every sign-in failure looks the same)."
    LINK_TO_ITSELF = "LINK_TO_ITSELF", _V, "A ticket cannot be linked to itself; otherNumber must name another ticket."

    # Permissions (FORBIDDEN).
    STAFF_ONLY = "STAFF_ONLY", _F, "Only staff and admins may do this."
    ADMIN_ONLY = "ADMIN_ONLY", _F, "Only admins may do this."
    GUEST_NOT_ALLOWED = "GUEST_NOT_ALLOWED", _F, "A guest link opens its one ticket only; this needs an account."
    FIELD_NOT_ALLOWED = (
        "FIELD_NOT_ALLOWED",
        _F,
        "A guest or anonymous caller asked for a field outside their allow-list; `field` names it (Type.field).",
    )
    OUT_OF_SCOPE = "OUT_OF_SCOPE", _F, "The ticket is outside your groups' scope: you may read it, not change it."
    FOR_YOURSELF_ONLY = "FOR_YOURSELF_ONLY", _F, "Requesters file tickets for themselves only (requesterId)."
    PRIORITY_NOT_SELECTABLE = (
        "PRIORITY_NOT_SELECTABLE",
        _F,
        "Requesters may not choose the priority while the userSelectablePriority setting is off; leave it out.",
    )
    NOT_YOUR_REPLY = "NOT_YOUR_REPLY", _F, "Only the author of a reply may change it (staff: any reply)."
    REGISTRATION_OFF = "REGISTRATION_OFF", _F, "Self-registration is turned off; an admin creates accounts."
    GUEST_SUBMISSION_OFF = "GUEST_SUBMISSION_OFF", _F, "Submitting tickets without an account is turned off."
    SLA_DISABLED = (
        "SLA_DISABLED",
        _F,
        "The slaEnabled setting is off: there are no SLA states or deadlines to filter, sort or count by.",
    )

    # Missing, or not yours to see (NOT_FOUND): the two look the same.
    TICKET_NOT_FOUND = "TICKET_NOT_FOUND", _N, "No such ticket, or you may not see it."
    REPLY_NOT_FOUND = "REPLY_NOT_FOUND", _N, "No such reply, or you may not see it."
    USER_NOT_FOUND = "USER_NOT_FOUND", _N, "No such account."
    GROUP_NOT_FOUND = "GROUP_NOT_FOUND", _N, "No such group."
    STATUS_NOT_FOUND = "STATUS_NOT_FOUND", _N, "No such status."
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND", _N, "No such category."
    TYPE_NOT_FOUND = "TYPE_NOT_FOUND", _N, "No such type."
    ITEM_NOT_FOUND = "ITEM_NOT_FOUND", _N, "No such item."
    API_KEY_NOT_FOUND = "API_KEY_NOT_FOUND", _N, "No such API key among yours (admins: among all)."
    VIEW_NOT_FOUND = "VIEW_NOT_FOUND", _N, "No such saved view among yours and the shared ones."
    LINK_NOT_FOUND = "LINK_NOT_FOUND", _N, "The two tickets are not linked."
    SLA_POLICY_NOT_FOUND = "SLA_POLICY_NOT_FOUND", _N, "No such SLA policy."
    WEBHOOK_NOT_FOUND = "WEBHOOK_NOT_FOUND", _N, "No such webhook."
    WEBHOOK_DELIVERY_NOT_FOUND = "WEBHOOK_DELIVERY_NOT_FOUND", _N, "No such webhook delivery."

    # The current state does not allow it (CONFLICT).
    NAME_TAKEN = "NAME_TAKEN", _C, "Another one (among its siblings) already has this name, ignoring case."
    EMAIL_TAKEN = "EMAIL_TAKEN", _C, "Another account already uses this email address."
    SLA_POLICY_EXISTS = (
        "SLA_POLICY_EXISTS",
        _C,
        "Another SLA policy already covers this priority and category (or is the default); change that one instead.",
    )
    IN_USE = "IN_USE", _C, "Something still refers to it (tickets, children, scopes, policies); it cannot be deleted."
    SYSTEM_STATUS = "SYSTEM_STATUS", _C, "NEW, RESOLVED and CLOSED are system statuses: rename them, never delete."
    MISSING_SYSTEM_STATUS = (
        "MISSING_SYSTEM_STATUS",
        _C,
        "The status of a system kind (NEW, RESOLVED, CLOSED) is missing; run `helpdesk migrate`.",
    )
    LAST_ADMIN = "LAST_ADMIN", _C, "The change would leave no enabled admin who can sign in."
    ALREADY_SET_UP = "ALREADY_SET_UP", _C, "The first admin already exists; sign in instead."
    NOT_A_SESSION = "NOT_A_SESSION", _C, "The request was made with an API key, not a session; use revokeApiKey."
    ALREADY_REVOKED = "ALREADY_REVOKED", _C, "The API key is already revoked."
    ALREADY_IN_STATUS = "ALREADY_IN_STATUS", _C, "The ticket already has this status."
    ALREADY_RESOLVED = "ALREADY_RESOLVED", _C, "The ticket is already resolved."
    ALREADY_ASSIGNED = (
        "ALREADY_ASSIGNED",
        _C,
        "Someone else has the ticket (they may have taken it a moment earlier); assignTicket reassigns it.",
    )
    NOT_REOPENABLE = "NOT_REOPENABLE", _C, "Only Resolved or Closed tickets can be reopened."
    TICKET_CLOSED = "TICKET_CLOSED", _C, "The ticket is closed: requesters and guests can no longer reply or edit."
    REOPEN_WINDOW_EXPIRED = (
        "REOPEN_WINDOW_EXPIRED",
        _C,
        "The ticket was resolved longer ago than the reopen window (or reopening by reply is off); open a new one.",
    )
    EDIT_WINDOW_EXPIRED = "EDIT_WINDOW_EXPIRED", _C, "Replies can be changed for 15 minutes after posting."
    REPLY_DELETED = "REPLY_DELETED", _C, "The reply was deleted; it can no longer change."
    DATABASE_NOT_EMPTY = "DATABASE_NOT_EMPTY", _C, "Demo data only goes into an empty database."
    ALREADY_LINKED = (
        "ALREADY_LINKED",
        _C,
        "The two tickets are already linked (by a link of any type); unlink them first to change the type.",
    )
    LINK_CYCLE = (
        "LINK_CYCLE",
        _C,
        "The parent/child link would make a ticket its own ancestor (a cycle through its parents).",
    )
    HAS_PARENT = "HAS_PARENT", _C, "The child already has a parent; a ticket has at most one (unlink it first)."
    PARENT_NOT_RESOLVED = (
        "PARENT_NOT_RESOLVED",
        _C,
        "The parent is not Resolved or Closed; resolve it first, its children get its resolution notes.",
    )

    # Without a valid token (UNAUTHENTICATED: a top-level error) and too many attempts (RATE_LIMITED).
    SIGN_IN_REQUIRED = "SIGN_IN_REQUIRED", ErrorCode.UNAUTHENTICATED, "Missing, invalid or expired token: sign in."
    TOO_MANY_ATTEMPTS = (
        "TOO_MANY_ATTEMPTS",
        ErrorCode.RATE_LIMITED,
        "Too many attempts; the message says when to retry.",
    )
    TOO_MANY_STREAMS = (
        "TOO_MANY_STREAMS",
        ErrorCode.RATE_LIMITED,
        "This credential already has as many live subscriptions open on this server as it may (LIVE_MAX_STREAMS).",
    )


class DomainError(Exception):
    """A rule said no, for `reason`. `field` names the input field (camelCase, as the client sent it) when there
    is one. The broad `code` follows from the reason."""

    def __init__(
        self, reason: Reason, message: str, field: str | None = None, *, more: list[DomainError] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field
        self.more = more or []

    def __reduce__(self) -> tuple[type[DomainError], tuple[Reason, str, str | None], dict[str, object]]:
        # arq pickles a failed job's exception; Exception's own reduce would call DomainError(message) and fail
        # (job.result() raised DeserializationError). The rest of the state (`more`) comes back as attributes.
        return type(self), (self.reason, self.message, self.field), {"more": self.more}

    @property
    def code(self) -> ErrorCode:
        return self.reason.code

    @property
    def all(self) -> list[DomainError]:
        """This error and any reported with it (validation reports every bad field at once)."""
        return [self, *self.more]


def _of(code: ErrorCode, reason: Reason) -> Reason:
    # The helpers are named after the code; a reason of another code would make the name lie.
    if reason.code is not code:
        raise ValueError(f"{reason.name} is a {reason.code.value} reason, not {code.value}")
    return reason


def validation(field: str, message: str, reason: Reason) -> DomainError:
    return DomainError(_of(ErrorCode.VALIDATION, reason), message, field)


def forbidden(message: str, reason: Reason, field: str | None = None) -> DomainError:
    return DomainError(_of(ErrorCode.FORBIDDEN, reason), message, field)


def not_found(what: str, field: str | None, reason: Reason) -> DomainError:
    return DomainError(_of(ErrorCode.NOT_FOUND, reason), f"{what} was not found.", field)


def conflict(message: str, reason: Reason, field: str | None = None) -> DomainError:
    return DomainError(_of(ErrorCode.CONFLICT, reason), message, field)


class Problems:
    """Collects validation errors so one request reports every bad field, then raises them together."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def add(self, field: str, message: str, reason: Reason) -> None:
        self.errors.append(validation(field, message, reason))

    def about(self, *fields: str) -> bool:
        """Whether a problem was already recorded for any of these fields."""
        return any(error.field in fields for error in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            first, *rest = self.errors
            raise DomainError(first.reason, first.message, first.field, more=rest)
