"""Turning a bearer token into an Actor, fresh on every request."""

from __future__ import annotations

import hmac
from collections.abc import Collection

from core import clock
from core.enums import Role
from models.tickets import Ticket
from resolvers.accounts.credentials import API_KEY_PREFIX, token_hash
from resolvers.guests.tokens import GUEST_TOKEN_PREFIX, email_tag, read_guest_token
from resolvers.kernel.actor import Actor, guest_actor
from resolvers.kernel.sql import Row, Statement

# The credential's user and, for the queue's scope (resolvers/tickets/visibility.py), every (group, scope entry)
# of theirs: one row per pair, one row of NULLs for no group. Filled in per kind of token: its table, the column
# holding its hash, and what else must hold.
_ACTOR = """SELECT k."{column}" AS "digest", u."id", u."role", u."email", u."name", gm."group_id", gs."category_id",
gs."type_id"
FROM "{table}" AS k JOIN "users" AS u ON u."id" = k."user_id"
LEFT JOIN "group_members" AS gm ON gm."user_id" = u."id"
LEFT JOIN "group_scopes" AS gs ON gs."group_id" = gm."group_id"
WHERE k."{column}" IN {digests} AND {valid} AND NOT u."disabled\""""


async def authenticate(token: str | None) -> Actor | None:
    """The actor behind a session token or API key; None when missing, unknown, expired, revoked or disabled.

    Guest access tokens (`hdg_`) give a guest actor for their one ticket. One statement per request, which also
    reads the groups and scope entries staff visibility needs (so the queue costs none of its own). Role and the
    disabled flag are read every time, so an admin's change applies to the very next request.
    """
    if not token:
        return None
    return (await authenticate_many([token])).get(token)


async def authenticate_many(tokens: Collection[str]) -> dict[str, Actor | None]:
    """`authenticate` for many tokens at once: one statement for the session tokens, one for the API keys, one per
    guest token; every token given is a key of the answer. What a live event asks of all its subscribers
    (resolvers/notify/event_stream.py)."""
    found: dict[str, Actor | None] = {token: None for token in tokens if token}
    keys = [t for t in found if t.startswith(API_KEY_PREFIX)]
    sessions = [t for t in found if not t.startswith((API_KEY_PREFIX, GUEST_TOKEN_PREFIX))]
    for token in (t for t in found if t.startswith(GUEST_TOKEN_PREFIX)):
        found[token] = await authenticate_guest(token)
    for batch, table, column in ((keys, "api_keys", "key_hash"), (sessions, "session_tokens", "token_hash")):
        if not batch:
            continue
        statement = Statement()
        digests = {token_hash(token): token for token in batch}
        placeholders = statement.params_in(digests)
        if table == "api_keys":
            valid = 'k."revoked_at" IS NULL'
        else:
            # The time is compared in SQL, as Tortoise would, so both databases compare stored values alike.
            valid = f'k."expires_at" > {statement.param(clock.now())}'
        rows = await statement.rows(_ACTOR.format(table=table, column=column, digests=placeholders, valid=valid))
        by_digest: dict[str, list[Row]] = {}
        for row in rows:
            by_digest.setdefault(str(row["digest"]), []).append(row)
        for digest, own in by_digest.items():
            found[digests[digest]] = _actor(own)
    return found


def _actor(rows: list[Row]) -> Actor:
    """One credential's rows (one per group and scope entry, or one of NULLs) as its actor."""
    row = rows[0]
    scope = sorted({(int(r["category_id"]), r["type_id"]) for r in rows if r["category_id"] is not None},
                   key=lambda e: (e[0], e[1] or 0))  # fmt: skip
    return Actor(
        user_id=row["id"],
        role=Role(row["role"]),
        email=row["email"],
        name=row["name"],
        _group_ids=sorted({int(r["group_id"]) for r in rows if r["group_id"] is not None}),
        _scope=scope,
    )


async def authenticate_guest(token: str) -> Actor | None:
    """A guest actor when the token is signed, unexpired, and its ticket still exists as a guest ticket of the
    same email; None otherwise (a tampered, expired or stale link is simply no credential)."""
    claim = read_guest_token(token)
    if claim is None:
        return None
    rows = await Ticket.filter(id=claim.ticket_id, requester_id__isnull=True).values_list("guest_email", flat=True)
    email = rows[0] if rows else None
    if not email or not hmac.compare_digest(email_tag(str(email)), claim.email_tag):
        return None
    return guest_actor(claim.ticket_id, str(email).lower())
