"""Working-day deadlines (行政许可法 §82: periods are working days).

The holiday calendar is data handed in by the caller (built in, merged per year with what
the back office publishes). A year without a published schedule is never guessed from
weekends alone: its statutory holidays (client.domain.holidays) are off, and the weekend
days its schedule could still turn into 调休 workdays count as working days, so the date
computed is never later than any schedule could make it: firm, printed as provisional
(`Deadline.note`). One counting rule for suspensions (特别程序) serves both the window and
the back office: the days in (start, end] are paused.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from .holidays import LAW_IN_FORCE_FROM, possible_makeup_workdays, statutory_days_off

_ONE_DAY = dt.timedelta(days=1)
# What screen and paper say next to a date computed before a year's schedule is out.
PROVISIONAL_NOTE = "按法定节假日推算，{years}年放假安排尚未公布"


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()  # make-up working days (调休) on weekends
    known_years: frozenset[int] = field(default_factory=frozenset)
    source: str = ""

    def is_working_day(self, day: dt.date) -> bool:
        """A published year as published, its statutory days always off; in a year not
        published the statutory days are off and a weekend day its schedule could make a 调休
        workday counts as working (the earlier date)."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if (day.year >= LAW_IN_FORCE_FROM or day.year not in self.known_years) and day in statutory_days_off(day.year):
            return False  # the law's days off, whatever a publication says (older years: as published)
        return day.weekday() < 5 or self.may_become_workday(day)

    def may_become_workday(self, day: dt.date) -> bool:
        """A weekend day an unpublished schedule (its year's, or next year's 元旦) may make a 调休 workday."""
        return any(y not in self.known_years and day in possible_makeup_workdays(y) for y in (day.year, day.year + 1))

    def pending_year(self, day: dt.date) -> int | None:
        """The year whose unpublished schedule could still change whether `day` is worked.

        The day's own year when it is not published; else the next year when its 元旦 could
        yet put a 调休 workday on this weekend day (2018-12-29 was one, for 2019); else None.
        """
        if day.year not in self.known_years:
            return day.year
        later = day.year + 1
        if later not in self.known_years and day.month == 12 and day in possible_makeup_workdays(later):
            return later
        return None

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
    """A 特别程序 (hearing, testing, expert appraisal…) from `start` to `end`.

    The day it starts still ran (the case was worked on, and a period counts from the day
    after its event, 民法典 §201); the days after it up to and including the day it ended do
    not count. The same rule on the window and the back office (`paused_working_days`).
    """

    start: dt.date
    end: dt.date
    kind: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.start < day <= self.end

    def paused_working_days(self, calendar: WorkCalendar) -> int:
        """The working days the procedure took out of the limit."""
        return max(working_days_between(self.start, self.end, calendar), 0)


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    # Years whose schedule was not published when the date was computed: the date is then
    # the earliest any schedule could make it, so it is kept, and printed with `note`.
    pending_years: tuple[int, ...] = ()

    @property
    def approximate(self) -> bool:
        """True when a pending schedule could still move the exact date later (never earlier)."""
        return bool(self.pending_years)

    @property
    def note(self) -> str:
        """What screen and paper print next to the date; empty when every schedule is known."""
        return provisional_note(self.pending_years)

    @property
    def warning(self) -> str:
        return self.note


def provisional_note(years: Iterable[int]) -> str:
    """The one wording for a date counted before a schedule came out ("" when none is pending)."""
    listed = sorted(set(years))
    return PROVISIONAL_NOTE.format(years="、".join(str(y) for y in listed)) if listed else ""


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
    day, left, pending = start, value, set()
    while left > 0:
        day += _ONE_DAY
        if any(s.covers(day) for s in paused):
            continue
        if unit == "ND":
            left -= 1
            continue
        year = calendar.pending_year(day)
        if year is not None:
            pending.add(year)
        if calendar.is_working_day(day):
            left -= 1
    return Deadline(day, tuple(sorted(pending)))


def provisional_years(start: dt.date, due: dt.date, calendar: WorkCalendar) -> tuple[int, ...]:
    """The pending years a working-day period (start, due] crosses: a printed date's note."""
    found, day = set(), start
    while day < due:
        day += _ONE_DAY
        year = calendar.pending_year(day)
        if year is not None:
            found.add(year)
    return tuple(sorted(found))


def working_days_between(start: dt.date, end: dt.date, calendar: WorkCalendar) -> int:
    """Working days in (start, end]: how many of a limit have been used by `end`
    (negative when `end` is before `start`: how many are overdue)."""
    sign, (a, b) = (1, (start, end)) if end >= start else (-1, (end, start))
    count, day = 0, a
    while day < b:
        day += _ONE_DAY
        count += calendar.is_working_day(day)
    return sign * count


def after_suspension(due: dt.date, suspension: Suspension, calendar: WorkCalendar) -> Deadline:
    """The due date once a suspension has ended: moved by the working days it paused, the
    date `add_limit` gives with the suspension. One begun on or after the due date moves
    nothing: the limit had run out before the procedure began."""
    if suspension.start >= due:
        return add_limit(due, 0, "WD", calendar)
    return add_limit(due, suspension.paused_working_days(calendar), "WD", calendar)


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


def merge_calendar_data(older: dict | None, newer: dict) -> dict:
    """Two calendar publications (calendar_from_dict form) as one: `newer` wins for the years
    it lists, every other year of `older` is kept, so no publication is ever lost."""
    if not older:
        return dict(newer)
    years = {int(y) for y in newer.get("years", ())}
    kept = lambda key: [d for d in older.get(key, ()) if int(str(d)[:4]) not in years]  # noqa: E731
    return {
        **older,
        **newer,
        "years": sorted(years | {int(y) for y in older.get("years", ())}),
        "holidays": sorted(kept("holidays") + list(newer.get("holidays", ())), key=str),
        "workdays": sorted(kept("workdays") + list(newer.get("workdays", ())), key=str),
    }
