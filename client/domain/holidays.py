"""Statutory holidays of any year, from the law rather than from a published schedule.

《全国年节及纪念日放假办法》 (as revised in 2024, in force from 2025) fixes the days off every
year: 元旦 1 day, 春节 4 days (除夕 and the first three days of the lunar year), 清明 1 day
(the solar term), 劳动节 2 days (5-1, 5-2), 端午 1 day, 中秋 1 day, 国庆 3 days (10-1..10-3).
The State Council's yearly notice can only add days off around them (bridging, 补假) and
turn some nearby weekend days into make-up workdays (调休). So before a year's notice is out
its statutory days are certainly off and the weekend days near them may yet become workdays.

Lunar dates and the 清明 solar term come from lunar-python (pure Python, maintained).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from lunar_python import Lunar, Solar

# How far from a statutory holiday a schedule has put a make-up workday (调休), in days.
# Every 调休 weekend day in the State Council's schedules 2004–2026 (chinesecalendar's data)
# lies within 9 days of a multi-day block (春节, 劳动节, 国庆) or within 5 days of a
# single-day holiday (元旦, 清明, 端午, 中秋), counted from the nearest statutory day under
# the current law. The one exception, 2015-09-06, served the one-off 抗战胜利70周年 holiday.
MULTI_DAY_WINDOW = 9
SINGLE_DAY_WINDOW = 5
FIRST_YEAR, LAST_YEAR = 1901, 2099  # where the lunar tables and the 2024 rules are meant to be used


@dataclass(frozen=True)
class StatutoryHoliday:
    name: str
    days: tuple[dt.date, ...]

    @property
    def window(self) -> int:
        """Days either side in which a schedule may put a 调休 workday for this holiday."""
        return MULTI_DAY_WINDOW if len(self.days) > 1 else SINGLE_DAY_WINDOW


def _date(solar: Solar) -> dt.date:
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _span(first: dt.date, days: int) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=i) for i in range(days))


@functools.lru_cache(maxsize=64)  # pure function of the year; deadlines ask for the same few years
def statutory_holidays(year: int) -> tuple[StatutoryHoliday, ...]:
    """The year's statutory holidays (全体公民放假的节日), in calendar order; none outside
    the years the lunar tables cover (a deadline there is only ever provisional)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return ()
    new_year = Lunar.fromYmd(year, 1, 1)
    spring = _date(new_year.getSolar())
    qingming = _date(new_year.getJieQiTable()["清明"])
    found = (
        StatutoryHoliday("元旦", (dt.date(year, 1, 1),)),
        StatutoryHoliday("春节", _span(spring - dt.timedelta(days=1), 4)),
        StatutoryHoliday("清明节", (qingming,)),
        StatutoryHoliday("劳动节", _span(dt.date(year, 5, 1), 2)),
        StatutoryHoliday("端午节", (_date(Lunar.fromYmd(year, 5, 5).getSolar()),)),
        StatutoryHoliday("中秋节", (_date(Lunar.fromYmd(year, 8, 15).getSolar()),)),
        StatutoryHoliday("国庆节", _span(dt.date(year, 10, 1), 3)),
    )
    return tuple(sorted(found, key=lambda h: h.days[0]))


@functools.lru_cache(maxsize=64)
def statutory_days_off(year: int) -> frozenset[dt.date]:
    """Every statutory day off of the year: off whatever the year's schedule says."""
    return frozenset(day for holiday in statutory_holidays(year) for day in holiday.days)


@functools.lru_cache(maxsize=64)
def possible_makeup_workdays(year: int) -> frozenset[dt.date]:
    """Weekend days the year's schedule could still turn into 调休 workdays.

    Those within each holiday's window; 元旦's reaches back into the previous December
    (2018-12-29 was a workday for 2019's 元旦), so some dates belong to `year - 1`.
    """
    off = statutory_days_off(year)
    found = set()
    for holiday in statutory_holidays(year):
        first, last = holiday.days[0], holiday.days[-1]
        day = first - dt.timedelta(days=holiday.window)
        while day <= last + dt.timedelta(days=holiday.window):
            if day.weekday() >= 5 and day not in off:
                found.add(day)
            day += dt.timedelta(days=1)
    return frozenset(found)


LAW_IN_FORCE_FROM = 2025  # the 2024 revision: 除夕 and 5-2 are statutory from this year on


def law_conflicts(year: int, holidays: frozenset[dt.date], workdays: frozenset[dt.date]) -> tuple[str, ...]:
    """Where a year's schedule contradicts the law (Chinese, for the administrator): a
    statutory day made a workday, or a statutory weekday not given off. Years before the
    2024 revision followed older rules and are not checked."""
    if year < LAW_IN_FORCE_FROM:
        return ()
    problems = []
    for holiday in statutory_holidays(year):
        for day in holiday.days:
            if day in workdays:
                problems.append(f"{day.isoformat()}是法定节假日（{holiday.name}），不能安排为调休上班日")
            elif day.weekday() < 5 and day not in holidays:
                problems.append(f"{day.isoformat()}是法定节假日（{holiday.name}），放假安排中缺少这一天")
    return tuple(problems)
