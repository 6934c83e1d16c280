"""The booking actions as the page and the API both offer them: each checks its input, spends
the rate limits, then books, looks up, cancels or changes. Refusals are `BookingError`s."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sync import protocol

from ..context import ServerContext
from ..db import utcnow
from . import book, limits
from .book import Booked
from .limits import BookingLimits
from .rules import hall_code

log = logging.getLogger(__name__)


def make_booking(
    ctx: ServerContext,
    rules: BookingLimits,
    address: str,
    org_code: str,
    slot_id: int,
    name: str,
    id_number: str,
    phone: str,
    matter_code: str | None,
) -> Booked:
    now = utcnow()
    org_code = hall_code(org_code)
    person = book.check_person(name, id_number, phone, now.astimezone(protocol.CST).date())
    limits.admit_booking(ctx.sessions, rules, person.phone, address, now)
    with ctx.sessions() as session:
        catalog = ctx.current_catalog(session)
    booked = book.book(ctx.sessions, catalog, org_code, slot_id, person, matter_code, now)
    log.info("booking made at %s for %s", org_code, booked.when)
    return booked


def _guarded(
    ctx: ServerContext, rules: BookingLimits, address: str, action: Callable[..., Booked], *args: Any
) -> Booked:
    """A code-and-phone action: refused once the address has spent its wrong codes."""
    now = utcnow()
    limits.admit_code(ctx.sessions, rules, address, now)
    try:
        return action(*args)
    except book.BookingError as exc:
        if exc.code == "unknown_code":
            limits.count_miss(ctx.sessions, rules, address, now)
        raise


def look_up(ctx: ServerContext, rules: BookingLimits, address: str, code: str, phone: str) -> Booked:
    return _guarded(ctx, rules, address, book.look_up, ctx.sessions, code, phone)


def cancel(ctx: ServerContext, rules: BookingLimits, address: str, code: str, phone: str) -> Booked:
    booked = _guarded(ctx, rules, address, book.cancel, ctx.sessions, code, phone, utcnow())
    log.info("booking at %s for %s cancelled", booked.org_code, booked.when)
    return booked


def change(ctx: ServerContext, rules: BookingLimits, address: str, code: str, phone: str, slot_id: int) -> Booked:
    now = utcnow()
    limits.admit_code(ctx.sessions, rules, address, now)
    limits.admit_booking(ctx.sessions, rules, "", address, now)
    booked = _guarded(ctx, rules, address, book.change, ctx.sessions, code, phone, slot_id, now)
    log.info("booking at %s moved to %s", booked.org_code, booked.when)
    return booked
