"""The public page's token (背靠背 rating by QR): made by the window, kept here as a digest.

Receipts and notices are printed offline at intake, so the window makes the token when it
creates the case (16 random bytes, URL-safe base64: 22 characters, 128 bits) and prints
`<public base>/p/<token>` in the QR. It arrives in the intake event's payload; the back office
keeps only its SHA-256, in the case row and in the stored payloads in the token's place, so
neither a database dump nor a restored window's copy opens the page.

Looking a token up is the same work for every string (one digest, one indexed query), so a
malformed token, an unknown one and a real case number are answered alike.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Case

TOKEN_FIELD = "public_token"  # in a case.accepted payload, as the window sends it
DIGEST_FIELD = "public_token_sha256"  # what the back office stores in its place
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{22,64}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def is_well_formed(token: str) -> bool:
    """A token a window makes: URL-safe base64 of 16 bytes or more (at least 128 bits)."""
    return _WELL_FORMED.fullmatch(token) is not None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def take_token(payload: dict) -> str | None:
    """The token's digest from an intake payload, the raw token replaced by it in `payload`
    (so it is never stored); None when the window sent none (or one too weak to keep).

    A payload seen before (a batch retried one event at a time) already holds the digest."""
    token = payload.pop(TOKEN_FIELD, None)
    if isinstance(token, str) and is_well_formed(token):
        payload[DIGEST_FIELD] = digest(token)
    kept = payload.get(DIGEST_FIELD)
    if isinstance(kept, str) and _HEX64.fullmatch(kept):
        return kept
    payload.pop(DIGEST_FIELD, None)
    return None


def find_case(session: Session, token: str) -> Case | None:
    """The case a token opens, or None. The digest is computed and looked up whatever the
    string is, so a wrong token costs the same as a right one until the row is read."""
    wanted = digest(token)
    found = list(session.execute(select(Case).where(Case.public_token_sha == wanted).limit(2)).scalars())
    if len(found) != 1 or not is_well_formed(token):
        return None  # two cases with one token: only a window sending a copied token makes that
    return found[0]
