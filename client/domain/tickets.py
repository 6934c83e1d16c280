"""Queue tickets (叫号): categories, who counts as a priority holder, and whose turn it is.

Pure rules shared by the back office (which keeps the queue of a hall) and the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .identity import check_id_number

# Ticket series of a hall: the letter printed before the number.
CATEGORIES = {"A": "综合受理", "B": "企业服务", "C": "出件咨询"}
DEFAULT_CATEGORY = "A"
PRIORITY_PREFIX = "P"  # every priority ticket is drawn from one P series, whatever its category

ELDERLY_AGE = 65
MAX_PRIORITY_IN_A_ROW = 2  # then a waiting ordinary ticket gets its turn (no starvation)

REASON_ELDERLY = "elderly"
REASON_GREEN = "green_channel"
REASON_LABELS = {REASON_ELDERLY: "老年人优先", REASON_GREEN: "绿色通道"}

STATUS_LABELS = {"waiting": "等候中", "called": "已叫号", "done": "已办结", "no_show": "过号"}

# A 云叫号 booking's confirmation code: eight characters of 31 (no 0/O, 1/I/L), so a clerk can
# tell a typed code from an ID number, and about 8.5·10¹¹ codes are guessed only under the
# back office's rate limit of a few misses per address (and only together with the phone).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def booking_code(raw: str) -> str:
    """A confirmation code as typed ("k7m2 x9pq", "K7M2-X9PQ") in its one written form."""
    return "".join(raw.split()).upper().replace("-", "")


def is_booking_code(text: str) -> bool:
    return len(text) == CODE_LENGTH and all(char in CODE_ALPHABET for char in text)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class PriorityCheck:
    priority: bool
    reason: str  # REASON_ELDERLY, REASON_GREEN or ""
    message: str  # Chinese, for the dispenser's screen or the operator


def priority_for(id_number: str | None, green_channel: bool, day: dt.date) -> PriorityCheck:
    """Elderly holders (65 or older on the day, from the ID number's birth date) and the
    green channel (disabled people, soldiers… flagged by the guide at the door) go first."""
    if id_number:
        check = check_id_number(id_number, day)
        if not check.ok or check.birth_date is None:  # a valid number always has its birth date
            raise ValueError(f"身份证号码有误：{check.message}")
        if age_on(check.birth_date, day) >= ELDERLY_AGE:
            return PriorityCheck(True, REASON_ELDERLY, f"年满{ELDERLY_AGE}周岁，优先叫号")
    if green_channel:
        return PriorityCheck(True, REASON_GREEN, "绿色通道，优先叫号")
    return PriorityCheck(False, "", "")


def window_number(text: str | None) -> str:
    """A window as typed ("3", "3号", "3号窗口", "B2") → its number; ValueError if it is none."""
    window = (text or "").strip().removesuffix("号窗口").removesuffix("号").strip()
    if not window or len(window) > 8 or not all(c.isascii() and (c.isalnum() or c == "-") for c in window):
        raise ValueError("请填写窗口号，如 3（数字或字母，不超过8位）")
    return window


def ticket_label(prefix: str, number: int) -> str:
    return f"{prefix}{number:03d}"


def priority_turn(recent_calls: list[bool], priority_waiting: bool, normal_waiting: bool) -> bool | None:
    """Whether the next call takes a priority ticket (True), an ordinary one (False) or
    none is waiting (None). `recent_calls` are this window's latest calls, newest first,
    True for a priority ticket: after MAX_PRIORITY_IN_A_ROW priority calls in a row an
    ordinary ticket that waits is called before the next priority one."""
    if not priority_waiting:
        return False if normal_waiting else None
    if not normal_waiting:
        return True
    streak = 0
    for was_priority in recent_calls:
        if not was_priority:
            break
        streak += 1
    return streak < MAX_PRIORITY_IN_A_ROW
