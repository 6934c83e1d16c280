"""Slots for every working day of a range, from the command line: weekends and the National
Day holiday skipped, the 调休 Saturday opened (2026's schedule, worked by hand)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from sync.server import cli
from sync.server.db import BookingSlot


def test_a_range_opens_the_working_days_only(sqlite_office, capsys):
    office = sqlite_office
    argv = ["booking", "slots", "--db", office.db_url, "--org", office.org_code, "--category", "B"]
    times = ["--first", "09:00", "--last", "09:30", "--every", "30", "--capacity", "3"]
    assert cli.main([*argv, "--day", "2026-09-28", "--until", "2026-10-11", *times]) == 0
    said = capsys.readouterr().out
    assert "6 个工作日" in said and "B 类预约时段 12 个" in said
    with office.sessions() as session:
        rows = session.execute(select(BookingSlot.day, BookingSlot.capacity).order_by(BookingSlot.starts_at)).all()
    # Sep 28–30 (Mon–Wed), Oct 1–7 off, Oct 8 and 9, Sat Oct 10 调休; Sun Oct 11 off.
    worked = [dt.date(2026, 9, 28), dt.date(2026, 9, 29), dt.date(2026, 9, 30)]
    worked += [dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 10)]
    assert sorted({day for day, _ in rows}) == worked
    assert len(rows) == 12 and {capacity for _, capacity in rows} == {3}


def test_a_wrong_range_is_refused_and_opens_nothing(sqlite_office, capsys):
    office = sqlite_office
    argv = ["booking", "slots", "--db", office.db_url, "--org", office.org_code]
    for first, last in (("2026-10-11", "2026-09-28"), ("2026-01-01", "2026-12-31")):
        assert cli.main([*argv, "--day", first, "--until", last]) != 0
        assert "日期范围有误" in capsys.readouterr().err
    assert office.bookings() == 0
    with office.sessions() as session:
        assert session.execute(select(BookingSlot.id)).first() is None
