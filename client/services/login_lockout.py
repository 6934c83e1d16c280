"""The window's offline login lock-out, kept in the store so restarting the program does not
reset it.

The rule is the back office's: five wrong passwords in a row lock the typed name for 15 minutes,
counted whether or not this window knows the name, so a locked answer never tells whether a
clerk has logged in here. The count is kept under a hash of the name (the settings table holds
no clerk's name in clear for this).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from client.store.settings import get_setting, put_setting

from .errors import ServiceError

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
_KEY_PREFIX = "login_failures:"


@dataclass(frozen=True)
class Failures:
    """Wrong passwords in a row for one name, and the lock they earned (local time)."""

    count: int = 0
    locked_until: dt.datetime | None = None


def _key(username: str) -> str:
    return _KEY_PREFIX + hashlib.sha256(username.encode("utf-8")).hexdigest()[:40]


def read(session: Session, username: str) -> Failures:
    text = get_setting(session, _key(username))
    if not text:
        return Failures()
    data = json.loads(text)
    until = data.get("locked_until")
    return Failures(int(data.get("count", 0)), dt.datetime.fromisoformat(until) if until else None)


def refuse_if_locked(session: Session, username: str, now: dt.datetime) -> None:
    """Refuse, without checking any password, while the name is locked."""
    until = read(session, username).locked_until
    if until is not None and until > now:
        raise ServiceError(locked_message(until, now), "offline login locked")


def record_failure(session: Session, username: str, now: dt.datetime) -> Failures:
    """One more wrong password; the one that reaches the limit locks the name."""
    before = read(session, username)
    count = 1 if before.locked_until is not None and before.locked_until <= now else before.count + 1
    after = Failures(count, now + LOCKOUT if count >= MAX_FAILURES else None)
    put_setting(
        session,
        _key(username),
        json.dumps(
            {"count": after.count, "locked_until": after.locked_until.isoformat() if after.locked_until else None}
        ),
    )
    return after


def clear(session: Session, username: str) -> None:
    """A success resets the count."""
    if get_setting(session, _key(username)):
        put_setting(session, _key(username), "")


def locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return (
        f"密码连续输错 {MAX_FAILURES} 次，账号已被锁定 {int(LOCKOUT.total_seconds() // 60)} 分钟。"
        f"请 {minutes} 分钟后再试，或联系系统管理员。"
    )
