"""Guests: submitGuestTicket and requestGuestLink, the two mutations that need no account (SPEC 10)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.guests import submission as guests
from schema.context import Info, client_address
from schema.enums import Priority
from schema.errors import INPUT, UserError, mutate
from schema.tickets.attachments import FileList, files_field
from schema.tickets.inputs import new_ticket
from schema.tickets.types import Ticket


@strawberry.input(description="A ticket from someone without an account.")
class SubmitGuestTicketInput:
    email: str = strawberry.field(description="Where the access link and every update go.")
    subject: str = strawberry.field(description="One-line summary, 1 to 255 characters after trimming.")
    description: str = strawberry.field(description="The request, in Markdown.")
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required: the category (the `categories` query lists them)."
    )
    type_id: strawberry.ID | None = strawberry.field(
        default=None, description="A type of that category, if it has types."
    )
    item_id: strawberry.ID | None = strawberry.field(default=None, description="An item of that type, if it has items.")
    priority: Priority | None = strawberry.field(
        default=None, description="Default MEDIUM. Allowed only when the `userSelectablePriority` setting is on."
    )
    files: FileList = files_field()


@strawberry.type(description="Result of submitGuestTicket. The access link is emailed, never returned here.")
class SubmitGuestTicketPayload:
    ticket: Ticket | None = strawberry.field(description="The new ticket as its guest sees it, unless refused.")
    tracking_ref: str | None = strawberry.field(
        description="The ticket's tracking reference: with the email, it asks requestGuestLink for a new link."
    )
    errors: list[UserError] = strawberry.field(
        description="FORBIDDEN while guest submission is off, RATE_LIMITED past the per-address limit, "
        "VALIDATION per field; empty on success."
    )


@strawberry.input(description="Ask for a fresh access link to a guest ticket.")
class RequestGuestLinkInput:
    email: str = strawberry.field(description="The email address the ticket was submitted with.")
    tracking_ref: str = strawberry.field(description="The tracking reference from the first email (any case).")


@strawberry.type(
    description="Result of requestGuestLink: the same whether or not the email and reference match a ticket."
)
class RequestGuestLinkPayload:
    accepted: bool = strawberry.field(
        description="True when the request was well-formed and within the rate limit; says nothing about a match."
    )
    message: str | None = strawberry.field(description="What happens next, for people to read.")
    errors: list[UserError] = strawberry.field(
        description="VALIDATION for a malformed email or reference, RATE_LIMITED past the per-address limit."
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="File a ticket without an account (when the `guestSubmissionEnabled` setting is on). The "
        "access link goes only to the email address; rate-limited per client address."
    )
    async def submit_guest_ticket(
        self, info: Info, input: Annotated[SubmitGuestTicketInput, INPUT]
    ) -> SubmitGuestTicketPayload:
        data = guests.NewGuestTicket(email=input.email, ticket=new_ticket(input))
        address = client_address(info.context.request)
        result, errors = await mutate(info, lambda _: guests.submit_guest_ticket(address, data))
        if result is None:
            return SubmitGuestTicketPayload(ticket=None, tracking_ref=None, errors=errors)
        return SubmitGuestTicketPayload(
            ticket=Ticket.from_row(result.ticket), tracking_ref=result.tracking_ref, errors=[]
        )

    @strawberry.mutation(
        description="Email a fresh access link for a guest ticket, given its email and tracking reference. The "
        "answer is the same whether or not they match; rate-limited per client address."
    )
    async def request_guest_link(
        self, info: Info, input: Annotated[RequestGuestLinkInput, INPUT]
    ) -> RequestGuestLinkPayload:
        address = client_address(info.context.request)
        message, errors = await mutate(
            info, lambda _: guests.request_guest_link(address, input.email, input.tracking_ref)
        )
        return RequestGuestLinkPayload(accepted=message is not None, message=message, errors=errors)
