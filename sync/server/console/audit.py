"""The staff audit: every sign-in, failure, lock-out, sign-out and refused form, with its outcome.

Written in the caller's transaction where there is one, so an action and its entry commit
together. Holds usernames (staff, not citizens), never a password or a typed secret.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NotRequired, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..db import StaffAudit, utcnow
from .errors import ConsoleError, ViewRefused
from .staff import Staff

SIGN_IN = "sign_in"
SIGN_OUT = "sign_out"
LOCK_OUT = "lock_out"
CSRF_REFUSED = "csrf_refused"

OK = "ok"
BAD_PASSWORD = "bad_password"
UNKNOWN_ACCOUNT = "unknown_account"
LOCKED = "locked"
ROLE_REFUSED = "role_refused"
INACTIVE = "inactive"
REFUSED = "refused"


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    username: str
    org_code: str | None
    action: str
    outcome: str
    client: str
    detail: str


class Entry(TypedDict):
    """One entry's fields, as `record` and `record_alone` take them."""

    username: str
    action: str
    outcome: str
    client: str
    org_code: NotRequired[str | None]
    detail: NotRequired[str]


def record(session: Session, **entry: Unpack[Entry]) -> None:
    """Add one entry in the caller's transaction (values cut to their columns, never refused)."""
    session.add(
        StaffAudit(
            at=utcnow(),
            username=_printable(entry["username"])[:64],
            org_code=entry.get("org_code"),
            action=entry["action"],
            outcome=entry["outcome"],
            client=_printable(entry["client"])[:64],
            detail=_printable(entry.get("detail", ""))[:300],
        )
    )


def _printable(text: str) -> str:
    """Control characters (a NUL PostgreSQL refuses, a newline forging a line) become spaces."""
    return "".join(" " if ord(char) < 32 or ord(char) == 127 else char for char in text)


def record_alone(sessions: sessionmaker[Session], **entry: Unpack[Entry]) -> None:
    """An entry with no other change to commit beside it (a refused form)."""
    with sessions() as session, session.begin():
        record(session, **entry)


def refused_view(
    sessions: sessionmaker[Session], exc: ViewRefused, staff: Staff, action: str, client: str
) -> ConsoleError:
    """The error page for a refused read; one asking for what is not the person's (403) is
    also kept, so a supervisor can see who looked where they should not."""
    if exc.status == 403:
        record_alone(
            sessions,
            username=staff.username,
            action=action,
            outcome=REFUSED,
            client=client,
            org_code=staff.org_code,
            detail=exc.detail,
        )
    return ConsoleError(exc.status, exc.message)


def entries(sessions: sessionmaker[Session], username: str, limit: int = 100) -> tuple[AuditEntry, ...]:
    """One username's newest entries first."""
    with sessions() as session:
        rows = session.execute(
            select(StaffAudit)
            .where(StaffAudit.username == username)
            .order_by(StaffAudit.at.desc(), StaffAudit.id.desc())
            .limit(limit)
        ).scalars()
        return tuple(
            AuditEntry(row.at, row.username, row.org_code, row.action, row.outcome, row.client, row.detail)
            for row in rows
        )
