"""Working-day deadlines across year boundaries, 2026→2027 included, and suspensions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.domain.deadlines import (
    Suspension,
    WorkCalendar,
    add_limit,
    calendar_from_dict,
    case_deadlines,
    load_builtin_calendar,
    working_days_between,
)

BUILTIN = load_builtin_calendar()
starts = st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))
limits = st.integers(1, 60)


@given(starts, limits)
def test_due_date_is_a_working_day_exactly_n_working_days_on(start, n):
    deadline = add_limit(start, n, "WD", BUILTIN)
    assert BUILTIN.is_working_day(deadline.due)
    assert working_days_between(start, deadline.due, BUILTIN) == n


@given(starts, limits)
def test_approximate_exactly_when_the_period_reaches_an_unknown_year(start, n):
    deadline = add_limit(start, n, "WD", BUILTIN)
    assert deadline.approximate == (deadline.due.year > 2026)
    assert bool(deadline.warning) == deadline.approximate


@given(starts, limits)
def test_one_more_day_never_comes_earlier(start, n):
    assert add_limit(start, n + 1, "WD", BUILTIN).due > add_limit(start, n, "WD", BUILTIN).due


@given(starts, limits, st.integers(0, 30), st.integers(0, 20))
def test_suspension_pushes_the_date_by_its_working_days(start, n, offset, length):
    pause = Suspension(start + dt.timedelta(days=offset + 1), start + dt.timedelta(days=offset + 1 + length))
    plain = add_limit(start, n, "WD", BUILTIN)
    paused = add_limit(start, n, "WD", BUILTIN, [pause])
    assert paused.due >= plain.due
    counted = working_days_between(start, paused.due, BUILTIN) - working_days_between(
        pause.start - dt.timedelta(days=1), min(pause.end, paused.due), BUILTIN
    )
    assert counted == n and not pause.covers(paused.due)


def test_twenty_working_days_from_december_2026_land_in_2027_weekends_only():
    deadline = add_limit(dt.date(2026, 12, 10), 20, "WD", BUILTIN)
    assert deadline.due == dt.date(2027, 1, 7) and deadline.approximate
    assert "2027年法定节假日安排尚未更新" in deadline.warning


def test_national_day_holidays_and_makeup_saturday():
    # 2026-10-01..07 off; Saturday 2026-10-10 is a 调休 working day.
    assert add_limit(dt.date(2026, 9, 28), 5, "WD", BUILTIN) == add_limit(dt.date(2026, 9, 28), 5, "WD", BUILTIN)
    assert add_limit(dt.date(2026, 9, 28), 5, "WD", BUILTIN).due == dt.date(2026, 10, 10)


def test_natural_days_skip_only_suspensions():
    pause = Suspension(dt.date(2026, 3, 2), dt.date(2026, 3, 31), "离婚冷静期")
    assert add_limit(dt.date(2026, 3, 1), 30, "ND", BUILTIN).due == dt.date(2026, 3, 31)
    assert add_limit(dt.date(2026, 3, 1), 30, "ND", BUILTIN, [pause]).due == dt.date(2026, 4, 30)


def test_back_office_data_for_2027_replaces_the_weekend_guess():
    data_2027 = calendar_from_dict({"years": [2027], "holidays": ["2027-01-01"], "workdays": []})
    updated = BUILTIN.merged(data_2027)
    deadline = add_limit(dt.date(2026, 12, 30), 2, "WD", updated)
    assert deadline == add_limit(dt.date(2026, 12, 30), 2, "WD", updated)
    assert deadline.due == dt.date(2027, 1, 4) and not deadline.approximate
    assert updated.covers(dt.date(2026, 5, 1)) and not updated.is_working_day(dt.date(2026, 10, 1))


def test_calendar_without_any_data_still_answers():
    deadline = add_limit(dt.date(2030, 1, 4), 1, "WD", WorkCalendar())
    assert deadline.due == dt.date(2030, 1, 7) and deadline.approximate


def test_case_keeps_promised_and_legal_dates_apart():
    both = case_deadlines(dt.date(2026, 11, 2), (10, "WD"), (20, "WD"), BUILTIN)
    assert both.promised.due == dt.date(2026, 11, 16) and both.legal.due == dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"years": [2027], "holidays": ["2027-02-30"]}, "格式错误"),
        ({"years": [2027], "holidays": ["2028-01-01"]}, "不属于所列年份"),
        ({"years": [2027], "holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}, "既是节假日又是调休"),
    ],
)
def test_malformed_calendar_data_is_refused_in_chinese(data, message):
    with pytest.raises(ValueError, match=message):
        calendar_from_dict(data)
