"""Working-day deadlines (行政许可法 §82: periods are working days).

The holiday calendar is data handed in by the caller; an unknown year degrades to
weekends only and says so, rather than failing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()  # make-up working days (调休) on weekends
    known_years: frozenset[int] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def covers(self, day: dt.date) -> bool:
        return day.year in self.known_years


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    approximate: bool  # True when the calendar lacked the year: weekends only


def add_limit(start: dt.date, value: int, unit: str, calendar: WorkCalendar) -> Deadline:
    """Deadline `value` units after `start`; the start day itself does not count."""
    if unit == "ND":
        due = start + dt.timedelta(days=value)
        return Deadline(due, False)
    if unit != "WD":
        raise ValueError(f"unknown time unit {unit!r}")
    day, left, approximate = start, value, False
    while left > 0:
        day += dt.timedelta(days=1)
        approximate = approximate or not calendar.covers(day)
        if calendar.is_working_day(day):
            left -= 1
    return Deadline(day, approximate)


def calendar_from_dict(data: dict) -> WorkCalendar:
    return WorkCalendar(
        holidays=frozenset(dt.date.fromisoformat(d) for d in data.get("holidays", ())),
        workdays=frozenset(dt.date.fromisoformat(d) for d in data.get("workdays", ())),
        known_years=frozenset(int(y) for y in data.get("years", ())),
    )


def load_builtin_calendar() -> WorkCalendar:
    """The holiday calendar shipped with the program; the back office will send newer ones."""
    import json
    from importlib import resources

    text = resources.files("client.domain").joinpath("data/calendar.json").read_text("utf-8")
    return calendar_from_dict(json.loads(text))
