"""What a booking is and what refuses one: statuses, the check-in grace period, the errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from client.domain.tickets import CODE_ALPHABET, CODE_LENGTH, booking_code

from ..errors import ApiError

BOOKED, CHECKED_IN, NO_SHOW, CANCELLED = "booked", "checked_in", "no_show", "cancelled"
ACTIVE = (BOOKED, CHECKED_IN)  # what takes a place in its slot
STATUS_LABELS = {BOOKED: "已预约", CHECKED_IN: "已签到", NO_SHOW: "未到（爽约）", CANCELLED: "已取消"}

# Check-in opens 15 minutes before the slot's start and closes 15 minutes after it; a booking
# not checked in by then is a no-show.
GRACE_BEFORE = dt.timedelta(minutes=15)
GRACE_AFTER = dt.timedelta(minutes=15)
BOOK_AHEAD_DAYS = 7


class BookingError(ApiError):
    """A refused booking action; `message` is Chinese, for the citizen."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(status, code, message)

    def __str__(self) -> str:
        return self.message


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(raw: str) -> str:
    return booking_code(raw)


def digest(kind: str, value: str) -> str:
    """A keyed-by-kind SHA-256: what is kept of an ID number, a phone, a code."""
    return hashlib.sha256(f"booking:{kind}:{value}".encode()).hexdigest()


def hall_code(text: str) -> str:
    """An org unit code from an address, refused before any query when it could not be one
    (a NUL or a long string would be the database's error, not a Chinese answer)."""
    if not text or len(text) > 32 or not text.isascii() or not text.isalnum():
        raise BookingError("unknown_org", "没有这个大厅，请向办事大厅咨询正确的预约地址", 404)
    return text
