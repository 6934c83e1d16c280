"""Working-day deadlines (行政许可法 §82: periods are working days).

The holiday calendar is data handed in by the caller (built in, replaced per year by the
back office); an unknown year degrades to weekends only and says so, rather than failing.
Suspension periods (特别程序, §45) pause the clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()  # make-up working days (调休) on weekends
    known_years: frozenset[int] = field(default_factory=frozenset)
    source: str = ""

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def covers(self, day: dt.date) -> bool:
        return day.year in self.known_years

    def merged(self, newer: WorkCalendar) -> WorkCalendar:
        """This calendar with every year `newer` knows replaced by `newer`'s data."""
        keep = lambda days: frozenset(d for d in days if d.year not in newer.known_years)  # noqa: E731
        return WorkCalendar(
            keep(self.holidays) | newer.holidays,
            keep(self.workdays) | newer.workdays,
            self.known_years | newer.known_years,
            newer.source or self.source,
        )


@dataclass(frozen=True)
class Suspension:
    """A 特别程序 (hearing, testing, expert appraisal…): days in [start, end] do not count."""

    start: dt.date
    end: dt.date
    kind: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    approximate: bool  # True when the calendar lacked a year it crossed: weekends only

    @property
    def warning(self) -> str:
        """What to show next to an approximate date; empty when the date is exact."""
        if not self.approximate:
            return ""
        return f"{self.due.year}年法定节假日安排尚未更新，期限暂按周末推算，仅供参考"


def add_limit(
    start: dt.date, value: int, unit: str, calendar: WorkCalendar, suspensions: Iterable[Suspension] = ()
) -> Deadline:
    """Deadline `value` units after `start`; the start day itself does not count.

    Working days (WD) skip weekends, holidays and suspended days and count 调休 Saturdays;
    natural days (ND) count every day that is not suspended. Never raises for an unknown year.
    """
    if unit not in ("WD", "ND"):
        raise ValueError(f"unknown time unit {unit!r}")
    paused = tuple(suspensions)
    day, left, approximate = start, value, False
    while left > 0:
        day += _ONE_DAY
        if any(s.covers(day) for s in paused):
            continue
        if unit == "ND":
            left -= 1
            continue
        approximate = approximate or not calendar.covers(day)
        if calendar.is_working_day(day):
            left -= 1
    return Deadline(day, approximate)


def working_days_between(start: dt.date, end: dt.date, calendar: WorkCalendar) -> int:
    """Working days in (start, end]: how many of a limit have been used by `end`."""
    count, day = 0, start
    while day < end:
        day += _ONE_DAY
        count += calendar.is_working_day(day)
    return count


@dataclass(frozen=True)
class CaseDeadlines:
    promised: Deadline
    legal: Deadline


def case_deadlines(
    received: dt.date,
    promised: tuple[int, str],
    legal: tuple[int, str],
    calendar: WorkCalendar,
    suspensions: Iterable[Suspension] = (),
) -> CaseDeadlines:
    """Both dates a case is held to: the promised one (承诺时限) and the legal one (法定时限)."""
    paused = tuple(suspensions)
    return CaseDeadlines(
        add_limit(received, *promised, calendar, paused), add_limit(received, *legal, calendar, paused)
    )


def calendar_from_dict(data: dict) -> WorkCalendar:
    """Parse calendar data; raises ValueError with a Chinese message when it is malformed."""
    try:
        holidays = frozenset(dt.date.fromisoformat(d) for d in data.get("holidays", ()))
        workdays = frozenset(dt.date.fromisoformat(d) for d in data.get("workdays", ()))
        years = frozenset(int(y) for y in data.get("years", ()))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"节假日数据格式错误：{exc}") from exc
    stray = sorted(d for d in holidays | workdays if d.year not in years)
    if stray:
        raise ValueError(f"节假日数据中的日期 {stray[0]} 不属于所列年份")
    if holidays & workdays:
        raise ValueError("同一天不能既是节假日又是调休工作日")
    return WorkCalendar(holidays, workdays, years, str(data.get("source", "")))


def calendar_to_dict(calendar: WorkCalendar) -> dict:
    return {
        "source": calendar.source,
        "years": sorted(calendar.known_years),
        "holidays": sorted(d.isoformat() for d in calendar.holidays),
        "workdays": sorted(d.isoformat() for d in calendar.workdays),
    }


@functools.lru_cache(maxsize=1)  # shipped data, immutable: parse it once
def load_builtin_calendar() -> WorkCalendar:
    """The holiday calendar shipped with the program; the back office sends newer ones."""
    text = resources.files("client.domain").joinpath("data/calendar.json").read_text("utf-8")
    return calendar_from_dict(json.loads(text))
