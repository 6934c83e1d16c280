"""Rate limits of booking, kept in the database like the public pages' (`public_hits`, shared
by every app process): bookings per phone and per client address, and wrong confirmation
codes per address (what guessing codes produces). Both values are kept as digests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..db import PublicHit
from ..public.limits import key
from .rules import BookingError

PHONE, ADDRESS, MISSES = "bk-phone", "bk-addr", "bk-miss"


@dataclass(frozen=True)
class BookingLimits:
    """How many bookings (and changes) one phone and one address may make, and how many wrong
    codes one address may try, per period."""

    per_phone: int = 5
    phone_period: dt.timedelta = dt.timedelta(days=1)
    per_address: int = 30
    misses: int = 10
    address_period: dt.timedelta = dt.timedelta(minutes=10)


def _spend(session: Session, kind: str, value: str, budget: int, period: dt.timedelta, now: dt.datetime) -> bool:
    """One more under (kind, value); False when the budget of the current period is spent."""
    wanted = key(kind, value)
    row = session.execute(select(PublicHit).where(PublicHit.key == wanted).with_for_update()).scalar_one_or_none()
    if row is None:
        row = PublicHit(key=wanted, period_start=now, hits=0)
        session.add(row)
        session.flush()
    elif row.period_start + period <= now:
        row.period_start, row.hits = now, 0
    if row.hits >= budget:
        return False
    row.hits += 1
    return True


def _retry(sessions: sessionmaker[Session], spend: list[tuple[str, str, int, dt.timedelta]], now: dt.datetime) -> bool:
    for attempt in range(2):  # two first requests racing to insert a row: the loser counts again
        try:
            with sessions() as session, session.begin():
                return all([_spend(session, kind, value, budget, period, now) for kind, value, budget, period in spend])
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def admit_booking(
    sessions: sessionmaker[Session], limits: BookingLimits, phone: str, address: str, now: dt.datetime
) -> None:
    """Count a booking (or change) of this phone from this address; refuse it over a budget."""
    spend = [(PHONE, phone, limits.per_phone, limits.phone_period)] if phone else []
    spend.append((ADDRESS, address, limits.per_address, limits.address_period))
    if not _retry(sessions, spend, now):
        raise BookingError("too_many", "预约操作过于频繁，请稍后再试（同一手机号每天最多预约5次）", 429)


def admit_code(sessions: sessionmaker[Session], limits: BookingLimits, address: str, now: dt.datetime) -> None:
    """Refuse every code from an address whose wrong codes are spent (right ones too: a
    guesser cannot tell a hit from a miss any more)."""
    with sessions() as session:
        row = session.get(PublicHit, key(MISSES, address))
        if row is not None and row.period_start + limits.address_period > now and row.hits >= limits.misses:
            raise BookingError("too_many", "查询次数过多，请稍后再试", 429)


def count_miss(sessions: sessionmaker[Session], limits: BookingLimits, address: str, now: dt.datetime) -> None:
    _retry(sessions, [(MISSES, address, 1 << 30, limits.address_period)], now)
