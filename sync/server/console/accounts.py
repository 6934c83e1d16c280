"""Signing in to the console: password check, lock-out after wrong passwords in a row, audit.

Failures are counted per typed username, whether or not an account has that name, so the
lock-out message looks the same for a real and an invented name. The password is checked
(scrypt, slow on purpose) outside any transaction: on SQLite every transaction holds the
write lock, and a sign-in must not stall the windows' sync for 50 ms.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..auth import hash_password, verify_password
from ..db import OrgUnit, StaffLockout, User, utcnow
from . import audit
from .sessions import end_session, open_session
from .settings import ConsoleSettings
from .staff import CONSOLE_ROLES, Staff, staff_of

log = logging.getLogger(__name__)

# Checked when no account has the typed name, so an unknown name costs as long as a known one.
_NOBODY_HASH = hash_password("onewindow-console-nobody")
_FORGOTTEN_AFTER = dt.timedelta(days=1)  # failure counts older than this are dropped


@dataclass(frozen=True)
class SignIn:
    """The outcome: a staff member and their new session token, or a Chinese refusal."""

    staff: Staff | None = None
    token: str = ""
    message: str = ""
    status: int = 200  # the HTTP status of a refusal's page


def sign_in(
    sessions: sessionmaker[Session], settings: ConsoleSettings, username: str, password: str, client: str
) -> SignIn:
    """Check the name and password (`client`: the caller's address, for the audit); on success
    a new session. Every outcome is audited in the transaction that acts on it."""
    name = username.strip()
    now = utcnow()
    with sessions() as session:
        lock = session.get(StaffLockout, name)
        locked_until = lock.locked_until if lock is not None else None
        row = session.execute(
            select(User, OrgUnit).join(OrgUnit, OrgUnit.code == User.org_code).where(User.username == name)
        ).first()
    if locked_until is not None and locked_until > now:
        audit.record_alone(sessions, **_attempt(name, audit.LOCKED, client, row[1].code if row else None))
        return _locked(settings, locked_until, now)
    user, org = row if row is not None else (None, None)
    if not verify_password(password, user.password_hash if user is not None else _NOBODY_HASH) or user is None:
        return _failed(sessions, settings, name, org.code if org is not None else None, client, now)
    assert org is not None  # a user's org unit is a foreign key
    with sessions() as session, session.begin():
        session.execute(delete(StaffLockout).where(StaffLockout.username == name))  # a success resets the count
        if not user.active:
            audit.record(session, **_attempt(name, audit.INACTIVE, client, org.code))
            return SignIn(message="此账号已停用，请联系系统管理员", status=403)
        if user.role not in CONSOLE_ROLES:
            audit.record(session, **_attempt(name, audit.ROLE_REFUSED, client, org.code, f"role {user.role}"))
            return SignIn(
                message="此账号没有登录审批控制台的权限。窗口人员请在窗口程序中登录；如需审批权限，请联系系统管理员。",
                status=403,
            )
        token = open_session(session, settings, user.id, now)
        audit.record(session, **_attempt(name, audit.OK, client, org.code))
    log.info("console sign-in of user %s", user.id)
    return SignIn(staff=staff_of(user, org), token=token)


def _attempt(name: str, outcome: str, client: str, org_code: str | None, detail: str = "") -> audit.Entry:
    """The audit entry of one sign-in attempt under the typed name."""
    return audit.Entry(
        username=name, action=audit.SIGN_IN, outcome=outcome, client=client, org_code=org_code, detail=detail
    )


def sign_out(sessions: sessionmaker[Session], token: str, staff: Staff, client: str) -> None:
    """End the session on the server (the token is dead, not only forgotten by the browser)."""
    with sessions() as session, session.begin():
        end_session(session, token)
        audit.record(
            session,
            username=staff.username,
            action=audit.SIGN_OUT,
            outcome=audit.OK,
            client=client,
            org_code=staff.org_code,
        )


def _failed(
    sessions: sessionmaker[Session],
    settings: ConsoleSettings,
    name: str,
    org_code: str | None,
    client: str,
    now: dt.datetime,
) -> SignIn:
    """Count one more wrong password for `name`; the one that reaches the limit locks it."""
    for attempt in range(2):  # two first failures racing to insert the row: the loser counts again
        try:
            with sessions() as session, session.begin():
                failures, locked_until = _count_failure(session, settings, name, now)
                outcome = audit.BAD_PASSWORD if org_code is not None else audit.UNKNOWN_ACCOUNT
                audit.record(session, **_attempt(name, outcome, client, org_code, f"{failures} in a row"))
                if locked_until is not None:
                    audit.record(
                        session,
                        username=name,
                        action=audit.LOCK_OUT,
                        outcome=audit.LOCKED,
                        client=client,
                        org_code=org_code,
                        detail=f"locked for {settings.lockout_minutes} min after {failures} wrong passwords",
                    )
            break
        except IntegrityError:
            if attempt:
                raise
    log.info("console sign-in failed (%d in a row)", failures)
    if locked_until is not None:
        return _locked(settings, locked_until, now)
    left = settings.max_failures - failures
    return SignIn(
        message=f"用户名或密码错误。再输错 {left} 次，账号将被锁定 {settings.lockout_minutes} 分钟。", status=401
    )


def _count_failure(
    session: Session, settings: ConsoleSettings, name: str, now: dt.datetime
) -> tuple[int, dt.datetime | None]:
    session.execute(
        delete(StaffLockout).where(
            StaffLockout.last_failure_at < now - _FORGOTTEN_AFTER,
            or_(StaffLockout.locked_until.is_(None), StaffLockout.locked_until < now),
            StaffLockout.username != name,
        )
    )
    lock = session.execute(
        select(StaffLockout).where(StaffLockout.username == name).with_for_update()
    ).scalar_one_or_none()
    if lock is None:
        lock = StaffLockout(username=name, failures=0, last_failure_at=now)
        session.add(lock)
        session.flush()
    elif lock.locked_until is not None and lock.locked_until <= now:
        lock.failures, lock.locked_until = 0, None  # a lock that ran out starts the count afresh
    lock.failures += 1
    lock.last_failure_at = now
    if lock.failures >= settings.max_failures:
        lock.locked_until = now + settings.lockout
    return lock.failures, lock.locked_until if lock.failures >= settings.max_failures else None


def _locked(settings: ConsoleSettings, until: dt.datetime, now: dt.datetime) -> SignIn:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return SignIn(
        message=(
            f"密码连续输错 {settings.max_failures} 次，账号已被锁定 {settings.lockout_minutes} 分钟。"
            f"请 {minutes} 分钟后再试，或联系系统管理员。"
        ),
        status=429,
    )
