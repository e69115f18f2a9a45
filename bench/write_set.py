"""W3, "add a reply", as each system writes it: the same rows in all three, which `rows_written` reads back so
`bench.check` can compare them.

Our `addReply` (resolvers/tickets/replies.py), for a staff member's public reply on a ticket in their scope, in one
transaction: lock the ticket, insert the reply, bump the ticket (`updated_at`; `first_response_at` if unset),
one audit row (`reply.created`), one outbox email row per participant except the author (requester or guest,
assignee, staff who replied publicly; `reply_added`), one outbox event (`ticket.reply_added`).

PostGraphile has no business rules of its own; the usual way to give it this one is a VOLATILE SQL function,
which it exposes as a mutation: `addReply(input: {token, number, body}) { reply { ... } }`. The function checks
the session token and the staff scope like our resolver and writes exactly those rows. The raw endpoint writes
them in one statement of data-modifying CTEs (`RAW_ADD_REPLY`).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg

# Who may reply publicly to a ticket: admins to any, staff to those in their queue (resolvers/tickets/visibility.py).
# `a` is the actor (id, role), `t` the ticket.
IN_SCOPE = """(a.role = 'ADMIN' OR t.assignee_id = a.id
    OR t.assigned_group_id IN (SELECT m.group_id FROM group_members m WHERE m.user_id = a.id)
    OR EXISTS (SELECT 1 FROM group_members m JOIN group_scopes g ON g.group_id = m.group_id
               WHERE m.user_id = a.id AND g.category_id = t.category_id
                 AND (g.type_id IS NULL OR g.type_id = t.type_id)))"""

# Everyone who hears about a public reply on ticket `t` (resolvers/notify/recipients.py participant_addresses):
# the requester or the guest, the assignee, and every staff member or admin with a public, undeleted reply on
# the ticket.
PARTICIPANTS = """
    SELECT u.email AS e FROM users u WHERE u.id = t.requester_id
    UNION ALL SELECT t.guest_email WHERE t.requester_id IS NULL
    UNION ALL SELECT u.email FROM users u WHERE u.id = t.assignee_id
    UNION ALL SELECT u.email FROM replies p JOIN users u ON u.id = p.author_id
        WHERE p.ticket_id = t.id AND NOT p.internal AND p.deleted_at IS NULL AND u.role IN ('STAFF', 'ADMIN')"""

ADD_REPLY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION public.add_reply(token text, number integer, body text)
RETURNS public.replies LANGUAGE plpgsql VOLATILE STRICT AS $fn$
DECLARE
    a record;
    t public.tickets;
    r public.replies;
BEGIN
    SELECT u.id, u.role, u.email INTO a FROM session_tokens s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = encode(sha256(convert_to(token, 'UTF8')), 'hex') AND s.expires_at > now()
          AND NOT u.disabled AND u.role IN ('STAFF', 'ADMIN');
    IF a.id IS NULL THEN
        RAISE EXCEPTION 'sign in as staff to reply' USING ERRCODE = '28000';
    END IF;
    SELECT * INTO t FROM tickets WHERE tickets.number = add_reply.number FOR UPDATE;
    IF t.id IS NULL OR NOT {IN_SCOPE} THEN
        RAISE EXCEPTION 'ticket % not found or outside your scope', add_reply.number USING ERRCODE = '42501';
    END IF;
    INSERT INTO replies (ticket_id, author_id, guest_email, body, internal, created_at)
        VALUES (t.id, a.id, NULL, add_reply.body, false, now()) RETURNING * INTO r;
    UPDATE tickets SET first_response_at = coalesce(tickets.first_response_at, r.created_at), updated_at = now()
        WHERE tickets.id = t.id;
    INSERT INTO audit_log (actor_id, actor_label, action, entity_type, entity_id, ticket_id, internal, before, after,
                           created_at)
        VALUES (a.id, NULL, 'reply.created', 'reply', r.id::text, t.id, false, NULL, '{{"internal": false}}', now());
    INSERT INTO outbox (channel, topic, payload, ticket_id, status, attempts, created_at)
        SELECT 'email', 'reply_added',
               jsonb_build_object('to', x.address, 'number', t.number, 'subject', t.subject, 'reply_id', r.id),
               t.id, 'PENDING', 0, now()
        FROM (SELECT DISTINCT lower(e) AS address FROM ({PARTICIPANTS}) p
              WHERE e IS NOT NULL AND e <> '' AND lower(e) <> lower(a.email)) x
        ORDER BY x.address;
    INSERT INTO outbox (channel, topic, payload, ticket_id, status, attempts, created_at)
        VALUES ('event', 'ticket.reply_added', jsonb_build_object('number', t.number, 'replyId', r.id), t.id,
                'PENDING', 0, now());
    RETURN r;
END
$fn$;
COMMENT ON FUNCTION public.add_reply(text, integer, text) IS
    'W3 of bench/compare: a staff member''s public reply, with the rows our addReply writes.';
"""

# $1 token digest, $2 ticket number, $3 body. Data-modifying CTEs all run whether or not the final SELECT reads
# them; they share one snapshot, so `participants` does not see the new reply (its author is left out anyway).
RAW_ADD_REPLY = f"""
WITH a AS (
    SELECT u.id, u.role, u.email, u.name FROM session_tokens s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled AND u.role IN ('STAFF', 'ADMIN')
), tk AS (
    SELECT t.* FROM tickets t, a WHERE t.number = $2 AND {IN_SCOPE} FOR UPDATE OF t
), reply AS (
    INSERT INTO replies (ticket_id, author_id, guest_email, body, internal, created_at)
    SELECT tk.id, a.id, NULL, $3, false, now() FROM tk, a RETURNING *
), bump AS (
    UPDATE tickets SET first_response_at = coalesce(tickets.first_response_at, reply.created_at), updated_at = now()
    FROM reply WHERE tickets.id = reply.ticket_id RETURNING tickets.id
), audit AS (
    INSERT INTO audit_log (actor_id, actor_label, action, entity_type, entity_id, ticket_id, internal, before, after,
                           created_at)
    SELECT a.id, NULL, 'reply.created', 'reply', reply.id::text, reply.ticket_id, false, NULL,
           '{{"internal": false}}'::jsonb, now() FROM reply, a RETURNING id
), mail AS (
    INSERT INTO outbox (channel, topic, payload, ticket_id, status, attempts, created_at)
    SELECT 'email', 'reply_added',
           jsonb_build_object('to', x.address, 'number', t.number, 'subject', t.subject, 'reply_id', reply.id),
           t.id, 'PENDING', 0, now()
    FROM tk t CROSS JOIN reply CROSS JOIN LATERAL (
        SELECT DISTINCT lower(e) AS address FROM ({PARTICIPANTS}) p, a
        WHERE e IS NOT NULL AND e <> '' AND lower(e) <> lower(a.email)) x
    ORDER BY x.address RETURNING id
), event AS (
    INSERT INTO outbox (channel, topic, payload, ticket_id, status, attempts, created_at)
    SELECT 'event', 'ticket.reply_added', jsonb_build_object('number', tk.number, 'replyId', reply.id), tk.id,
           'PENDING', 0, now() FROM tk, reply RETURNING id
)
SELECT json_build_object('reply', json_build_object(
    'id', reply.id, 'body', reply.body, 'internal', reply.internal, 'createdAt', reply.created_at,
    'author', json_build_object('name', a.name)))::text
FROM reply, a, bump, audit, event
"""


async def watermark(conn: asyncpg.Connection) -> dict[str, int]:
    """The highest ids of the tables W3 inserts into; everything above them was written by the run."""
    row = await conn.fetchrow(
        "SELECT (SELECT coalesce(max(id), 0) FROM replies) AS replies,"
        " (SELECT coalesce(max(id), 0) FROM audit_log) AS audit_log,"
        " (SELECT coalesce(max(id), 0) FROM outbox) AS outbox"
    )
    assert row is not None
    return dict(row)


async def save_tickets(conn: asyncpg.Connection, numbers: list[int]) -> dict[str, int]:
    """Remember what W3 changes on these tickets; returns the watermark to restore to."""
    await conn.execute("TRUNCATE bench.saved_tickets")
    await conn.execute(
        "INSERT INTO bench.saved_tickets SELECT id, updated_at, first_response_at FROM tickets WHERE number = ANY($1)",
        numbers,
    )
    return await watermark(conn)


async def restore(conn: asyncpg.Connection, mark: dict[str, int], *, vacuum: bool = True) -> int:
    """Undo a W3 run: delete the rows above the watermark and put the saved ticket columns back, so every system
    and round reads and writes the same data (`vacuum` also clears the dead rows, so the next run does not step
    over them). Returns how many replies were removed."""
    async with conn.transaction():
        removed = await conn.fetchval(
            "WITH d AS (DELETE FROM replies WHERE id > $1 RETURNING 1) SELECT count(*) FROM d", mark["replies"]
        )
        await conn.execute("DELETE FROM audit_log WHERE id > $1", mark["audit_log"])
        await conn.execute("DELETE FROM outbox WHERE id > $1", mark["outbox"])
        await conn.execute(
            "UPDATE tickets t SET updated_at = s.updated_at, first_response_at = s.first_response_at"
            " FROM bench.saved_tickets s WHERE t.id = s.id"
        )
    if vacuum:
        for table in ("replies", "audit_log", "outbox", "tickets"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    return int(removed)


async def rows_written(conn: asyncpg.Connection, mark: dict[str, int], number: int) -> dict[str, Any]:
    """What a W3 request wrote, without ids and clock values (they differ by system and moment): the reply, whether
    the ticket moved, the audit rows and the outbox rows, with the new reply's id replaced by "<reply>"."""
    replies = [dict(r) for r in await conn.fetch("SELECT * FROM replies WHERE id > $1 ORDER BY id", mark["replies"])]
    ids = {r["id"] for r in replies}

    def same_reply(value: Any) -> Any:
        return (
            "<reply>" if value in ids or (isinstance(value, str) and value.isdigit() and int(value) in ids) else value
        )

    audit = await conn.fetch("SELECT * FROM audit_log WHERE id > $1 ORDER BY id", mark["audit_log"])
    outbox = await conn.fetch("SELECT * FROM outbox WHERE id > $1 ORDER BY id", mark["outbox"])
    ticket = await conn.fetchrow(
        "SELECT t.id, t.updated_at > s.updated_at AS bumped, t.first_response_at IS NOT NULL AS responded,"
        " t.first_response_at IS NOT DISTINCT FROM s.first_response_at AS first_response_kept"
        " FROM tickets t JOIN bench.saved_tickets s ON s.id = t.id WHERE t.number = $1",
        number,
    )

    def payload(value: Any) -> Any:
        data = json.loads(value) if isinstance(value, str) else value
        return {k: same_reply(v) if k in ("reply_id", "replyId") else v for k, v in sorted(data.items())}

    return {
        "replies": [
            {k: v for k, v in r.items() if k in ("ticket_id", "author_id", "guest_email", "body", "internal")}
            | {"deleted": r["deleted_at"] is not None, "edited": r["edited_at"] is not None}
            for r in replies
        ],
        "ticket": dict(ticket) if ticket else None,
        "audit": [
            {
                "actor_id": a["actor_id"],
                "actor_label": a["actor_label"],
                "action": a["action"],
                "entity_type": a["entity_type"],
                "entity_id": same_reply(a["entity_id"]),
                "ticket_id": a["ticket_id"],
                "internal": a["internal"],
                "before": a["before"] and json.loads(a["before"]),
                "after": a["after"] and json.loads(a["after"]),
            }
            for a in audit
        ],
        "outbox": sorted(
            (
                {
                    "channel": o["channel"],
                    "topic": o["topic"],
                    "ticket_id": o["ticket_id"],
                    "payload": payload(o["payload"]),
                    "status": o["status"],
                    "attempts": o["attempts"],
                    "sent": o["sent_at"] is not None,
                }
                for o in outbox
            ),
            key=lambda o: json.dumps(o, sort_keys=True),
        ),
    }
