"""Statutory holidays of any year (《全国年节及纪念日放假办法》, 2024 revision), checked
against the State Council's published schedules (chinesecalendar's data) and the 清明 formula."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from client.domain.deadlines import WorkCalendar, load_builtin_calendar
from client.domain.holidays import law_conflicts, possible_makeup_workdays, statutory_days_off, statutory_holidays

NAMES = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Tomb-sweeping Day",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-autumn Festival",
    "国庆节": "National Day",
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_is_off_in_the_published_schedules_under_the_2024_law(year):
    for holiday in statutory_holidays(year):
        for day in holiday.days:
            assert chinese_calendar.get_holiday_detail(day) == (True, NAMES[holiday.name]), (holiday.name, day)
    assert len(statutory_days_off(year)) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3


@pytest.mark.parametrize("year", range(2008, 2027))
def test_lunar_and_solar_term_holidays_match_every_schedule_since_2008(year):
    # 春节 初一..初二, 清明, 端午, 中秋 have been statutory since 2008 (除夕 only from 2025).
    by_name = {h.name: h.days for h in statutory_holidays(year)}
    for name, days in (("春节", by_name["春节"][1:3]), *((n, by_name[n]) for n in ("清明节", "端午节", "中秋节"))):
        for day in days:  # named or not (a weekend, or 中秋 on 国庆), the day was off
            assert chinese_calendar.is_holiday(day), (name, day)


def test_known_dates_worked_by_hand():
    by_name = {h.name: h.days for h in statutory_holidays(2027)}
    assert by_name["春节"] == tuple(dt.date(2027, 2, d) for d in (5, 6, 7, 8))  # 除夕 2027-02-05
    assert by_name["清明节"] == (dt.date(2027, 4, 5),)
    assert by_name["端午节"] == (dt.date(2027, 6, 9),)
    assert by_name["中秋节"] == (dt.date(2027, 9, 15),)
    assert by_name["劳动节"] == (dt.date(2027, 5, 1), dt.date(2027, 5, 2))
    assert by_name["国庆节"] == (dt.date(2027, 10, 1), dt.date(2027, 10, 2), dt.date(2027, 10, 3))
    # 2028: 中秋 falls on 10-3, inside 国庆: the days off are the union.
    assert dt.date(2028, 10, 3) in statutory_days_off(2028) and len(statutory_days_off(2028)) == 12
    assert {h.name: h.days[0] for h in statutory_holidays(2028)}["春节"] == dt.date(2028, 1, 25)


@pytest.mark.parametrize("year", range(2001, 2100))
def test_qingming_is_the_solar_term_of_the_standard_formula(year):
    # 21st-century formula for 清明: day = [Y·0.2422 + 4.81] − [Y/4], Y the last two digits.
    y = year % 100
    expected = dt.date(year, 4, int(y * 0.2422 + 4.81) - y // 4)
    assert {h.name: h.days for h in statutory_holidays(year)}["清明节"] == (expected,)


def test_every_past_makeup_workday_lies_in_the_window_but_one_commemoration():
    """Why the windows (9 days around 春节/劳动节/国庆, 5 around the single days): every 调休
    weekend day of 2004–2026 is inside them, save 2015-09-06 (抗战胜利70周年, a one-off) and
    two 除夕 that were worked before the 2024 revision made 除夕 a statutory day."""
    outside = sorted(
        day
        for day in chinese_calendar.get_workdays(dt.date(2004, 1, 1), dt.date(2026, 12, 31))
        if day.weekday() >= 5 and day not in possible_makeup_workdays(day.year) | possible_makeup_workdays(day.year + 1)
    )
    assert outside == [dt.date(2006, 1, 28), dt.date(2007, 2, 17), dt.date(2015, 9, 6)]


def test_a_schedule_against_the_law_is_named_in_chinese():
    builtin = load_builtin_calendar()
    assert law_conflicts(2026, builtin.holidays, builtin.workdays) == ()
    problems = law_conflicts(2027, frozenset({dt.date(2027, 1, 1)}), frozenset({dt.date(2027, 2, 6)}))
    assert "2027-02-06是法定节假日（春节），不能安排为调休上班日" in problems
    assert "2027-02-05是法定节假日（春节），放假安排中缺少这一天" in problems


def test_an_unpublished_year_keeps_its_statutory_days_off_and_a_published_one_its_schedule():
    nothing = WorkCalendar()
    assert not nothing.is_working_day(dt.date(2027, 1, 1))  # a Friday, 元旦
    assert not nothing.is_working_day(dt.date(2027, 10, 1))
    assert nothing.is_working_day(dt.date(2027, 10, 4))  # a Monday the schedule may yet give off
    published = WorkCalendar(frozenset({dt.date(2027, 10, 4)}), frozenset(), frozenset({2027}))
    assert not published.is_working_day(dt.date(2027, 10, 4))  # the schedule's bridging day wins


def test_a_publication_cannot_make_a_statutory_day_a_working_day():
    incomplete = WorkCalendar(frozenset({dt.date(2027, 1, 1)}), frozenset(), frozenset({2027}))
    assert not incomplete.is_working_day(dt.date(2027, 10, 1))  # 国庆, missing from the data
