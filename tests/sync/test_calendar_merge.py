"""Calendar publications merge by year on both sides and are never lost; one counting rule
for a suspension on the back office and the window (issue #21, points 2 and 3)."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from client.domain.deadlines import Suspension, WorkCalendar, add_limit, load_builtin_calendar
from client.services.calendar import CalendarService
from client.services.published import ImportedCatalog, Published
from sync.server import publishing
from sync.server.db import Case, engine_for
from sync.server.deadlines import CST, extend_for_suspension

# Two schedules as the State Council might publish them: each with a bridging day off and a
# 调休 Saturday, so a forgotten year shows.
YEAR_2027 = {
    "years": [2027],
    "holidays": ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"],
    "workdays": ["2027-02-20"],
}
YEAR_2028 = {
    "years": [2028],
    "holidays": ["2028-01-01", "2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28", "2028-01-31"],
    "workdays": ["2028-02-05"],
}


def _server_calendar(db_url: str) -> WorkCalendar:
    with engine_for(db_url) as engine, Session(engine) as session:
        return publishing.current_calendar(session)


def _window_calendar(window, tmp_path) -> WorkCalendar:
    return Published(window.outbox, CalendarService(window.store), ImportedCatalog(tmp_path)).calendar()


def _assert_knows_2026_to_2028(calendar: WorkCalendar) -> None:
    assert {2026, 2027, 2028} <= calendar.known_years
    # 2026 (built in): the 2026-09-28 date stays 10-30, not 10-26.
    assert add_limit(dt.date(2026, 9, 28), 20, "WD", calendar).due == dt.date(2026, 10, 30)
    assert not calendar.is_working_day(dt.date(2027, 2, 11)) and calendar.is_working_day(dt.date(2027, 2, 20))
    assert not calendar.is_working_day(dt.date(2028, 1, 31)) and calendar.is_working_day(dt.date(2028, 2, 5))
    assert not add_limit(dt.date(2027, 12, 1), 20, "WD", calendar).approximate  # into 2028: known


def test_publishing_2027_then_2028_keeps_2026_to_2028_on_both_sides(window, running_back_office, tmp_path):
    db = running_back_office.db_url
    publishing.publish_calendar(db, YEAR_2027, version="2027")
    assert window.engine.sync_once().ok
    publishing.publish_calendar(db, YEAR_2028, version="2028")
    assert window.engine.sync_once().ok

    server, counter = _server_calendar(db), _window_calendar(window, tmp_path)
    _assert_knows_2026_to_2028(server)
    _assert_knows_2026_to_2028(counter)
    for start in (dt.date(2026, 12, 10), dt.date(2027, 1, 20), dt.date(2028, 1, 10)):
        assert add_limit(start, 20, "WD", server) == add_limit(start, 20, "WD", counter)
    # Kept in the window's store: a restart reads the same years.
    assert set(window.outbox.downlink().calendar["years"]) == {2027, 2028}


def test_both_publications_in_one_pull_and_a_newer_2027_replaces_only_2027(window, running_back_office, tmp_path):
    db = running_back_office.db_url
    publishing.publish_calendar(db, YEAR_2027, version="2027")
    publishing.publish_calendar(db, YEAR_2028, version="2028")
    corrected = {**YEAR_2027, "holidays": [*YEAR_2027["holidays"], "2027-02-12"]}  # one more day off
    publishing.publish_calendar(db, corrected, version="2027-2")
    assert window.engine.sync_once().ok

    server, counter = _server_calendar(db), _window_calendar(window, tmp_path)
    for calendar in (server, counter):
        _assert_knows_2026_to_2028(calendar)
        assert not calendar.is_working_day(dt.date(2027, 2, 12))  # the newest 2027 wins
    assert window.outbox.downlink().calendar["version"] == "2027-2"


@settings(max_examples=60, deadline=None)
@given(
    st.dates(dt.date(2026, 9, 1), dt.date(2028, 6, 30)),
    st.integers(1, 20),
    st.integers(0, 15),
    st.integers(0, 25),
)
@example(dt.date(2026, 9, 28), 20, 40, 10)  # begun on the due date (10-30): nothing moves on either side
@example(dt.date(2026, 12, 10), 20, 7, 20)  # across 2027's unpublished 元旦
def test_the_same_suspension_gives_the_same_due_date_on_both_sides(received, limit, offset, length):
    """The back office moves the due date when the procedure ends (sync.server.deadlines);
    the domain counts the limit around the paused days: the same date, published years or not."""
    calendar = load_builtin_calendar()  # 2027 and 2028 unpublished: the conservative count
    due = add_limit(received, limit, "WD", calendar).due
    start = received + dt.timedelta(days=min(offset, (due - received).days))  # begins by the due date
    end = start + dt.timedelta(days=length)
    case = Case(due=due, suspended_at=_utc_morning(start))
    extend_for_suspension(case, _utc_morning(end), calendar)
    window_due = add_limit(received, limit, "WD", calendar, [Suspension(start, end)]).due
    assert case.due == window_due


def _utc_morning(day: dt.date) -> dt.datetime:
    """09:00 in China on `day`, as the back office stores times (naive UTC)."""
    return dt.datetime.combine(day, dt.time(9), CST).astimezone(dt.UTC).replace(tzinfo=None)
