"""Guest access tokens: a signed, single-ticket bearer token sent by email (SPEC 10).

Format: ``hdg_<ticket id>.<expiry, unix seconds>.<email tag>.<signature>``, every part URL-safe, about 80
characters. The email tag is the first 12 bytes of SHA-256 of the lower-cased guest email (base64url), so the
token names the guest without carrying their address; the signature is HMAC-SHA256 over everything before it
with a key derived from SECRET_KEY for this one purpose. Verifying needs no database: the signature (checked
in constant time) and the expiry. Authentication then checks that the ticket still exists and still belongs to
that guest email (resolvers/accounts/authentication.py).

Tokens are not stored, so one cannot be revoked on its own: it expires after `guest_link_days`; rotating
SECRET_KEY ends every guest link at once (sessions and API keys are stored hashes and survive it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from core import clock
from core.config import get_config
from resolvers.kernel.settings import get_setting

GUEST_TOKEN_PREFIX = "hdg_"
# Changing the purpose string invalidates every token signed under the old one.
_PURPOSE = b"helpdesk guest access token v1"
_MAX_LENGTH = 200


@dataclass(frozen=True)
class GuestClaim:
    """What a valid signature vouches for; the ticket itself is checked by the caller."""

    ticket_id: int
    email_tag: str
    expires_at: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key() -> bytes:
    return hmac.new(get_config().secret_key.encode(), _PURPOSE, hashlib.sha256).digest()


def email_tag(email: str) -> str:
    return _b64(hashlib.sha256(email.strip().lower().encode()).digest()[:12])


def _signature(body: str) -> str:
    return _b64(hmac.new(_key(), body.encode(), hashlib.sha256).digest())


def sign_guest_token(ticket_id: int, email: str, days: int) -> str:
    """A token for this ticket and guest, valid `days` days from now."""
    expires = int((clock.now() + timedelta(days=days)).timestamp())
    body = f"{GUEST_TOKEN_PREFIX}{ticket_id}.{expires}.{email_tag(email)}"
    return f"{body}.{_signature(body)}"


async def issue_guest_token(ticket_id: int, email: str) -> str:
    """A fresh token valid for the `guest_link_days` setting."""
    return sign_guest_token(ticket_id, email, int(await get_setting("guest_link_days")))


def read_guest_token(token: str) -> GuestClaim | None:
    """The claim of a well-formed, correctly signed, unexpired token; None for anything else."""
    if not token.startswith(GUEST_TOKEN_PREFIX) or len(token) > _MAX_LENGTH:
        return None
    body, _, signature = token.rpartition(".")
    try:
        expected = _signature(body)
        # Compare bytes of the same alphabet; a non-ASCII signature is simply wrong.
        if not hmac.compare_digest(expected.encode(), signature.encode("ascii")):
            return None
        ticket_part, expires_part, tag = body[len(GUEST_TOKEN_PREFIX) :].split(".")
        ticket_id, expires = int(ticket_part), int(expires_part)
        if len(_unb64(tag)) != 12:
            return None
    except (ValueError, UnicodeEncodeError, binascii.Error):
        return None
    if ticket_id <= 0 or clock.now().timestamp() >= expires:
        return None
    return GuestClaim(ticket_id=ticket_id, email_tag=tag, expires_at=expires)


def guest_access_url(token: str) -> str:
    """The link a guest follows: a small server-rendered page showing their ticket (server/guest_pages.py)."""
    return f"{get_config().base_url}/track/{token}"
