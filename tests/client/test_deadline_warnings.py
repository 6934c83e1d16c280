"""黄牌/红牌 on open cases: near due within 2 working days, overdue after the promised date."""

from __future__ import annotations

import datetime as dt

import pytest

from client.domain.deadlines import load_builtin_calendar
from client.services.cases import deadline_warning

CAL = load_builtin_calendar()


@pytest.mark.parametrize(
    "status, due, today, expected",
    [
        ("submitted", dt.date(2026, 11, 30), dt.date(2026, 11, 20), ""),  # Fri; Mon+Tue still ahead
        ("submitted", dt.date(2026, 11, 24), dt.date(2026, 11, 20), "near"),  # Fri → Tue is 2 working days
        ("approved", dt.date(2026, 11, 20), dt.date(2026, 11, 20), "near"),  # due today, result not out yet
        ("in_review", dt.date(2026, 11, 19), dt.date(2026, 11, 20), "overdue"),
        ("delivered", dt.date(2026, 11, 1), dt.date(2026, 11, 20), ""),  # closed cases carry no card
        ("submitted", dt.date(2026, 10, 8), dt.date(2026, 9, 30), "near"),  # National Day: Oct 1-7 off
        ("suspended", dt.date(2026, 11, 1), dt.date(2026, 11, 20), "paused"),  # 特别程序: the clock is paused
    ],
)
def test_warning_levels(status, due, today, expected):
    assert deadline_warning(status, due, today, CAL) == expected
