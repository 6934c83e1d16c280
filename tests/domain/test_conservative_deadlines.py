"""Dates promised before a year's holiday schedule is out: worked by hand, and never later
than what the schedule, once published, makes them (docs/calendar.md, "the decision")."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client.domain.deadlines import WorkCalendar, add_limit, load_builtin_calendar, provisional_years

BUILTIN = load_builtin_calendar()  # 2025 and 2026 published, built in
NOTE_2027 = "按法定节假日推算，2027年放假安排尚未公布"

# 20 working days, counted by hand (the start day does not count). Days named off are the
# statutory ones; "may work" are weekend days within the window of an unpublished year's
# holiday (9 days around 春节/劳动节/国庆, 5 around 元旦/清明/端午/中秋), counted as working.
HAND_WORKED = [
    # 2026-12-10 (Thu): Dec 11=1, 14–18=2..6, 21–25=7..11, Sat 26 off (6 days before 元旦, outside
    # the window), Sun 27 may work=12, 28–31=13..16, Jan 1 元旦 off, Sat 2 / Sun 3 may work=17, 18,
    # Mon 4=19, Tue 5=20. The 2027-01-08 counts statutory days alone; a 2027 schedule could
    # make 12-27, 01-02 and 01-03 workdays (as 2018-12-29 and 2026-01-04 were), so 01-05 is the
    # latest date no schedule can overtake.
    (dt.date(2026, 12, 10), dt.date(2027, 1, 5), NOTE_2027),
    # 2026-09-28 (Mon), published: Sep 29, 30=1, 2; Oct 1–7 off; Oct 8, 9=3, 4; Sat 10 调休=5;
    # 12–16=6..10, 19–23=11..15, 26–30=16..20.
    (dt.date(2026, 9, 28), dt.date(2026, 10, 30), ""),
    # 2026-02-10 (Tue), published: Feb 11–13=1..3, Sat 14 调休=4, Feb 16–20 and 23 off,
    # 24–27=5..8, Sat 28 调休=9, Mar 2–6=10..14, 9–13=15..19, 16=20.
    (dt.date(2026, 2, 10), dt.date(2026, 3, 16), ""),
    # 2027-01-20 (Wed): Jan 21, 22=1, 2; Sat 23/Sun 24 off (the 春节 window opens Jan 27);
    # 25–29=3..7; Sat 30/Sun 31 may work=8, 9; Feb 1–4=10..13; Feb 5 (除夕)–8 off; 9–12=14..17;
    # Sat 13/Sun 14 may work=18, 19 (window to Feb 17); Mon 15=20.
    (dt.date(2027, 1, 20), dt.date(2027, 2, 15), NOTE_2027),
    # 2027-09-20 (Mon): 21–24=1..4; Sat 25/Sun 26 may work (国庆 window from Sep 22)=5, 6;
    # 27–30=7..10; Oct 1–3 off; Oct 4–8=11..15; Sat 9/Sun 10 may work=16, 17; 11–13=18..20.
    (dt.date(2027, 9, 20), dt.date(2027, 10, 13), NOTE_2027),
    # 2028-01-10 (Mon): 11–14=1..4; Sat 15 off; Sun 16 may work (春节 window from Jan 16)=5;
    # 17–21=6..10; Sat 22/Sun 23=11, 12; Mon 24=13; Jan 25 (除夕)–28 off; Sat 29/Sun 30=14, 15;
    # Jan 31–Feb 4=16..20.
    (dt.date(2028, 1, 10), dt.date(2028, 2, 4), "按法定节假日推算，2028年放假安排尚未公布"),
    # 2028-09-20 (Wed): 中秋 falls on 10-3, inside 国庆. 21, 22=1, 2; Sat 23/Sun 24 may work=3, 4;
    # 25–29=5..9; Sat 30=10; Oct 1–3 off; 4–6=11..13; Sat 7/Sun 8=14, 15; 9–13=16..20.
    (dt.date(2028, 9, 20), dt.date(2028, 10, 13), "按法定节假日推算，2028年放假安排尚未公布"),
]


@pytest.mark.parametrize("start, due, note", HAND_WORKED, ids=[str(s) for s, _, _ in HAND_WORKED])
def test_twenty_working_days_worked_by_hand(start, due, note):
    deadline = add_limit(start, 20, "WD", BUILTIN)
    assert (deadline.due, deadline.note) == (due, note)
    assert deadline.approximate == bool(note)


def test_the_note_is_the_same_for_a_printed_date_as_for_the_screen():
    # The paper recomputes the note from the case's dates (client.services.paperwork.due_note).
    for start, _, note in HAND_WORKED:
        deadline = add_limit(start, 20, "WD", BUILTIN)
        years = provisional_years(start, deadline.due, BUILTIN)
        assert years == deadline.pending_years and bool(years) == bool(note)


def test_once_2027_is_published_the_date_is_exact_and_no_earlier_than_promised():
    # 2027's schedule as it might come: 元旦 Jan 1–3 off, no 调休 near it.
    published = BUILTIN.merged(WorkCalendar(frozenset({dt.date(2027, 1, 1)}), frozenset(), frozenset({2027})))
    exact = add_limit(dt.date(2026, 12, 10), 20, "WD", published)
    assert exact.due == dt.date(2027, 1, 8) and not exact.approximate  # the statutory count
    assert add_limit(dt.date(2026, 12, 10), 20, "WD", BUILTIN).due <= exact.due


def _published(years: range) -> WorkCalendar:
    """The State Council's schedules of `years`, as chinesecalendar has them."""
    first, last = dt.date(years.start, 1, 1), dt.date(years.stop - 1, 12, 31)
    return WorkCalendar(
        frozenset(chinese_calendar.get_holidays(first, last)),
        frozenset(d for d in chinese_calendar.get_workdays(first, last) if d.weekday() >= 5),
        frozenset(years),
    )


BEFORE, AFTER = _published(range(2024, 2025)), _published(range(2024, 2027))


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(2024, 12, 1), dt.date(2026, 11, 30)), st.integers(1, 60))
def test_a_date_promised_before_the_schedule_is_never_later_than_the_schedule_makes_it(start, n):
    """2025 and 2026 fall under the 2024 law: promise with 2024 alone known, then compare."""
    promised, exact = add_limit(start, n, "WD", BEFORE), add_limit(start, n, "WD", AFTER)
    assert promised.due <= exact.due
    # Pending days: Sat 12-28 and Sun 12-29 (within 2025 元旦's window) and all of 2025 on.
    crosses_window = start < dt.date(2024, 12, 29) and promised.due >= dt.date(2024, 12, 28)
    assert promised.approximate == (crosses_window or promised.due.year >= 2025)


@pytest.mark.parametrize(
    "start, n, approximate",
    [
        (dt.date(2024, 12, 27), 1, True),  # Sat 12-28 may become a 调休 workday for 2025's 元旦
        (dt.date(2024, 12, 29), 1, False),  # Mon 12-30: both weekend days are behind it
        (dt.date(2024, 12, 29), 3, True),  # 12-30, 12-31, then Thu 1-2 in unpublished 2025
    ],
)
def test_a_period_is_approximate_only_when_it_crosses_a_day_a_schedule_could_change(start, n, approximate):
    assert add_limit(start, n, "WD", BEFORE).approximate is approximate
