"""Rate limits of the public pages, per client address, kept in the database.

Several app processes behind nginx share nothing but the database, so the counts live there
(`public_hits`), one row per address digest and kind, counted over fixed periods:

- every request to /p/ (a page view or a rating): a budget generous enough for many phones
  behind one carrier-grade NAT;
- ratings posted;
- answers "not found": what guessing tokens produces, so its budget is small. Once spent, the
  address gets 429 for every token, right or wrong, until the period ends: a guesser cannot
  tell a hit from a miss any more.

The address is stored as a digest (keyed by the period's kind), never as typed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..db import PublicHit

REQUESTS, POSTS, MISSES = "req", "post", "miss"
_FORGOTTEN_AFTER = dt.timedelta(days=1)


@dataclass(frozen=True)
class PublicLimits:
    """How many requests, ratings and misses one address may make per `period`."""

    requests: int = 120
    posts: int = 20
    misses: int = 30
    period: dt.timedelta = dt.timedelta(minutes=10)

    def budget(self, kind: str) -> int:
        return {REQUESTS: self.requests, POSTS: self.posts, MISSES: self.misses}[kind]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0  # seconds until the period that refused ends


def key(kind: str, address: str) -> str:
    return f"{kind}:{hashlib.sha256(f'{kind}:{address}'.encode('utf-8', 'replace')).hexdigest()[:64]}"


def admit(
    sessions: sessionmaker[Session], limits: PublicLimits, address: str, posting: bool, now: dt.datetime
) -> Verdict:
    """Count one request (and one rating if `posting`) of `address`; refuse it when a budget,
    the misses' included, is spent."""
    kinds = [REQUESTS, POSTS] if posting else [REQUESTS]
    for attempt in range(2):  # two first requests racing to insert a row: the loser counts again
        try:
            with sessions() as session, session.begin():
                ends = [_count(session, limits, kind, address, now) for kind in kinds]
                missed = session.get(PublicHit, key(MISSES, address))
                if missed is not None and _current(missed, limits, now) and missed.hits >= limits.misses:
                    ends.append(missed.period_start + limits.period)
                over = [end for end in ends if end is not None]
                if over:
                    return Verdict(False, max(1, int((max(over) - now).total_seconds())))
                return Verdict(True)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def count_miss(sessions: sessionmaker[Session], limits: PublicLimits, address: str, now: dt.datetime) -> None:
    """One more "not found" for `address`."""
    for attempt in range(2):
        try:
            with sessions() as session, session.begin():
                _count(session, limits, MISSES, address, now)
                return
        except IntegrityError:
            if attempt:
                raise


def _current(row: PublicHit, limits: PublicLimits, now: dt.datetime) -> bool:
    return row.period_start + limits.period > now


def _count(session: Session, limits: PublicLimits, kind: str, address: str, now: dt.datetime) -> dt.datetime | None:
    """One more under (kind, address); the period's end when this one is over the budget."""
    wanted = key(kind, address)
    row = session.execute(select(PublicHit).where(PublicHit.key == wanted).with_for_update()).scalar_one_or_none()
    if row is None:
        session.execute(delete(PublicHit).where(PublicHit.period_start < now - _FORGOTTEN_AFTER))
        row = PublicHit(key=wanted, period_start=now, hits=0)
        session.add(row)
        session.flush()
    elif not _current(row, limits, now):
        row.period_start, row.hits = now, 0
    row.hits += 1
    return row.period_start + limits.period if row.hits > limits.budget(kind) else None
