"""Console sessions in the database: a random token in the cookie, only its SHA-256 in the table.

Several stateless server processes can serve one console because nothing lives in a process.
A session ends on sign-out, after `idle_timeout` without a request, or `absolute_timeout`
after sign-in, whichever comes first. The form token (CSRF) of a session is derived from its
token, so it needs no column and no server secret, and changes with every sign-in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ..auth import sha256_hex
from ..db import ConsoleSession, utcnow
from .settings import ConsoleSettings
from .staff import Staff, load_staff

_CSRF_CONTEXT = b"onewindow console form token v1"
_TOKEN_BYTES = 32
_MAX_TOKEN_CHARS = 100  # a cookie longer than any token we hand out is not looked up


@dataclass(frozen=True)
class SessionLookup:
    """The staff member behind a cookie, or why there is none (`expired`: there was one)."""

    staff: Staff | None
    expired: bool = False


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def form_token(session_token: str) -> str:
    """The CSRF token every form of this session carries (an HMAC keyed by the session token)."""
    return hmac.new(session_token.encode("utf-8"), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def open_session(session: Session, settings: ConsoleSettings, user_id: int, now: dt.datetime) -> str:
    """A new session for the user in the caller's transaction; the token, shown only now."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))  # anyone's, long gone
    token = new_token()
    session.add(
        ConsoleSession(
            token_hash=sha256_hex(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + settings.absolute_timeout,
        )
    )
    return token


def look_up(sessions: sessionmaker[Session], settings: ConsoleSettings, token: str) -> SessionLookup:
    """Who holds this token, keeping the session alive; an ended one is deleted on sight."""
    if not token or len(token) > _MAX_TOKEN_CHARS:
        return SessionLookup(None)
    now = utcnow()
    with sessions() as session, session.begin():
        row = session.execute(
            select(ConsoleSession).where(ConsoleSession.token_hash == sha256_hex(token))
        ).scalar_one_or_none()
        if row is None:
            return SessionLookup(None)
        staff = load_staff(session, row.user_id)
        if staff is None or row.expires_at <= now or row.last_seen_at + settings.idle_timeout <= now:
            session.delete(row)
            return SessionLookup(None, expired=True)
        if now - row.last_seen_at >= settings.touch_every:
            row.last_seen_at = now
        return SessionLookup(staff)


def end_session(session: Session, token: str) -> None:
    """Delete the token's session in the caller's transaction."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == sha256_hex(token)))
