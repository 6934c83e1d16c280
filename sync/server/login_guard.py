"""Lock-out and per-device throttling for the clerks' login at the windows.

The same rule and the same table (`staff_lockouts`) as the console's sign-in: one account has
one password, so wrong passwords count together whether typed at a window or in the console.
Failures are counted per typed username, known or not, so the answers never tell whether an
account exists. A device is also throttled as a whole: a window trying many names (a password
spray, which no per-name count sees) is refused for a while after too many failures.

The device's count lives in the same table under a key no typed name can equal: it starts with
a control character, which both sign-in paths refuse in a username.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .db import StaffLockout

_FORGOTTEN_AFTER = dt.timedelta(days=1)  # failure counts older than this are dropped
_DEVICE_KEY_PREFIX = "\x1fdevice "


@dataclass(frozen=True)
class LoginRules:
    """How many wrong passwords in a row lock a name, for how long, and the device's budget."""

    max_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    device_max_failures: int = 20  # failed logins (any names) per device and period
    device_period: dt.timedelta = dt.timedelta(minutes=15)

    @property
    def lockout_minutes(self) -> int:
        return int(self.lockout.total_seconds() // 60)


@dataclass(frozen=True)
class Standing:
    """Whether a name and a device may try now (None: they may)."""

    name_locked_until: dt.datetime | None
    device_blocked_until: dt.datetime | None
    name_counted: bool = False  # the name has a row (failures to reset on success)


def is_plain_name(name: str) -> bool:
    """A username without control characters: only such names are counted or looked up."""
    return bool(name) and not any(ord(char) < 32 or ord(char) == 127 for char in name)


def device_key(device_id: str) -> str:
    return f"{_DEVICE_KEY_PREFIX}{device_id}"


def standing(session: Session, name: str, device_id: str, now: dt.datetime) -> Standing:
    """Read both counts (no lock taken: the check is repeated when a failure is counted)."""
    rows = {
        row.username: row
        for row in session.execute(
            select(StaffLockout).where(StaffLockout.username.in_([name, device_key(device_id)]))
        ).scalars()
    }
    name_row, device_row = rows.get(name), rows.get(device_key(device_id))
    name_until = name_row.locked_until if name_row is not None else None
    device_until = device_row.locked_until if device_row is not None else None
    return Standing(
        name_until if name_until is not None and name_until > now else None,
        device_until if device_until is not None and device_until > now else None,
        name_row is not None,
    )


def record_failure(
    sessions: sessionmaker[Session], rules: LoginRules, name: str | None, device_id: str, now: dt.datetime
) -> Standing:
    """Count one failed login for the typed name (if plain) and for the device."""
    for attempt in range(2):  # two first failures racing to insert a row: the loser counts again
        try:
            with sessions() as session, session.begin():
                _forget_old(session, now, keep=[k for k in (name, device_key(device_id)) if k])
                name_until = (
                    _count(session, name, now, rules.max_failures, rules.lockout, rules.lockout)
                    if name is not None
                    else None
                )
                device_until = _count(
                    session,
                    device_key(device_id),
                    now,
                    rules.device_max_failures,
                    rules.device_period,
                    rules.device_period,
                    in_a_row=False,
                )
                return Standing(name_until, device_until)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def clear_name(session: Session, name: str) -> None:
    """A success resets the name's count (not the device's: a spray with one good account
    must not buy itself more guesses)."""
    session.execute(delete(StaffLockout).where(StaffLockout.username == name))


def _forget_old(session: Session, now: dt.datetime, keep: list[str]) -> None:
    session.execute(
        delete(StaffLockout).where(
            StaffLockout.last_failure_at < now - _FORGOTTEN_AFTER,
            or_(StaffLockout.locked_until.is_(None), StaffLockout.locked_until < now),
            StaffLockout.username.not_in(keep),
        )
    )


def _count(
    session: Session,
    key: str,
    now: dt.datetime,
    limit: int,
    lock_for: dt.timedelta,
    period: dt.timedelta,
    *,
    in_a_row: bool = True,
) -> dt.datetime | None:
    """One more failure under `key`; returns the lock's end when this one reaches `limit`.
    A name counts failures in a row (a success clears the row); a device counts failures
    until it has been quiet for `period`."""
    row = session.execute(
        select(StaffLockout).where(StaffLockout.username == key).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = StaffLockout(username=key, failures=0, last_failure_at=now)
        session.add(row)
        session.flush()
    elif row.locked_until is not None and row.locked_until <= now:
        row.failures, row.locked_until = 0, None  # a lock that ran out starts the count afresh
    elif not in_a_row and row.locked_until is None and now - row.last_failure_at > period:
        row.failures = 0  # a device's quiet period ends its count
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= limit:
        row.locked_until = (
            row.locked_until if row.locked_until is not None and row.locked_until > now else now + lock_for
        )
        return row.locked_until
    return None
