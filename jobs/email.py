"""Email dispatch jobs: arq entry points (and the in-process runtime's) for delivering outbox emails.

The rules (claiming exactly once, retries with backoff, what may be rendered) live in resolvers/notify/mailer.py;
these functions only adapt arq's calling convention.
"""

from __future__ import annotations

import resolvers.notify.mailer as mailer


async def deliver_email(ctx: dict, outbox_id: int) -> bool:
    """Deliver one outbox email if it is due and no other worker holds it; True when it was sent now.

    Harmless to run twice or late (the claim decides).
    """
    return await mailer.deliver_email(outbox_id)


async def deliver_emails(ctx: dict, outbox_ids: list[int]) -> int:
    """Deliver the email rows of one committed change (each claimed on its own); returns how many were sent now.

    The one job enqueued after each commit that queued emails: a job per email cost a Redis hand-off (two or
    three round trips) per recipient inside the request that committed. `deliver_email` stays for jobs queued
    before this existed."""
    return await mailer.deliver_emails(outbox_ids)


async def deliver_pending_emails(ctx: dict) -> int:
    """The periodic pass: deliver every email that is due (including ones whose worker died); returns how many
    were sent."""
    return await mailer.deliver_pending_emails()
