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
def test_provisional_exactly_when_the_period_reaches_a_day_an_unpublished_schedule_decides(start, n):
    # 2027 is not published: its days, and Sunday 2026-12-27 (within 5 days of 2027's 元旦,
    # a possible 调休 workday like 2018-12-29 was for 2019), wait for its schedule.
    # 2028's 元旦 window reaches no weekend day of December 2027. The period is (start, due].
    deadline = add_limit(start, n, "WD", BUILTIN)
    sunday, new_year_2027, new_year_2028 = dt.date(2026, 12, 27), dt.date(2027, 1, 1), dt.date(2028, 1, 1)
    last_of_2027 = dt.date(2027, 12, 31)
    waits_for_2027 = start < sunday <= deadline.due or (start < last_of_2027 and deadline.due >= new_year_2027)
    waits_for_2028 = deadline.due >= new_year_2028
    assert deadline.approximate == (waits_for_2027 or waits_for_2028)
    assert bool(deadline.warning) == deadline.approximate
    assert ("2027" in deadline.note, "2028" in deadline.note) == (waits_for_2027, waits_for_2028)


@pytest.mark.parametrize(
    "start, n, years",
    [
        (dt.date(2026, 12, 26), 1, (2027,)),  # Sun 12-27 might become a 调休 workday
        (dt.date(2026, 12, 27), 1, ()),  # Mon 12-28: the Sunday is behind it
        (dt.date(2027, 12, 30), 2, (2027, 2028)),  # 12-31, then 1-1 off, Sun 1-2 may work
        (dt.date(2027, 12, 31), 1, (2028,)),
    ],
)
def test_the_pending_years_are_those_the_period_crosses(start, n, years):
    assert add_limit(start, n, "WD", BUILTIN).pending_years == years


@given(starts, limits)
def test_one_more_day_never_comes_earlier(start, n):
    assert add_limit(start, n + 1, "WD", BUILTIN).due > add_limit(start, n, "WD", BUILTIN).due


@given(starts, limits, st.integers(0, 30), st.integers(0, 20))
def test_suspension_pushes_the_date_by_its_working_days(start, n, offset, length):
    pause = Suspension(start + dt.timedelta(days=offset + 1), start + dt.timedelta(days=offset + 1 + length))
    plain = add_limit(start, n, "WD", BUILTIN)
    paused = add_limit(start, n, "WD", BUILTIN, [pause])
    assert paused.due >= plain.due
    # (start, end]: the day the procedure starts still counts, the day it ends does not.
    counted = working_days_between(start, paused.due, BUILTIN) - max(
        working_days_between(pause.start, min(pause.end, paused.due), BUILTIN), 0
    )
    assert counted == n and not pause.covers(paused.due)


def test_twenty_working_days_from_december_2026_are_counted_conservatively_into_2027():
    # Worked by hand in tests/domain/test_conservative_deadlines.py: 元旦 off, the nearby
    # weekend days that 2027's schedule may make 调休 workdays counted as working.
    deadline = add_limit(dt.date(2026, 12, 10), 20, "WD", BUILTIN)
    assert deadline.due == dt.date(2027, 1, 5) and deadline.approximate
    assert deadline.warning == "按法定节假日推算，2027年放假安排尚未公布"


def test_national_day_holidays_and_makeup_saturday():
    # 2026-10-01..07 off; Saturday 2026-10-10 is a 调休 working day.
    assert add_limit(dt.date(2026, 9, 28), 5, "WD", BUILTIN) == add_limit(dt.date(2026, 9, 28), 5, "WD", BUILTIN)
    assert add_limit(dt.date(2026, 9, 28), 5, "WD", BUILTIN).due == dt.date(2026, 10, 10)


def test_natural_days_skip_only_suspensions():
    # 民法典 §1077: thirty days from the day the application is received; (start, end] pauses 3-2..3-31.
    pause = Suspension(dt.date(2026, 3, 1), dt.date(2026, 3, 31), "离婚冷静期")
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
    # Friday 2030-03-08, far from any holiday: the weekend is off even unpublished.
    deadline = add_limit(dt.date(2030, 3, 8), 1, "WD", WorkCalendar())
    assert deadline.due == dt.date(2030, 3, 11) and deadline.approximate


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
