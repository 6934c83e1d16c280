"""The holiday calendar kept in the store: back-office years replace the built-in guess."""

from __future__ import annotations

import datetime as dt

import pytest

from client.domain.deadlines import add_limit
from client.services.calendar import CalendarService
from client.services.errors import ServiceError


def test_fresh_store_uses_the_builtin_calendar_and_guesses_2027(fresh_store):
    calendar = CalendarService(fresh_store).current()
    assert add_limit(dt.date(2026, 12, 30), 2, "WD", calendar).approximate


def test_installed_2027_data_is_kept_and_used(fresh_store):
    service = CalendarService(fresh_store)
    service.install({"years": [2027], "holidays": ["2027-01-01"], "workdays": [], "source": "后台下发"})
    calendar = CalendarService(fresh_store).current()
    deadline = add_limit(dt.date(2026, 12, 30), 2, "WD", calendar)
    assert deadline.due == dt.date(2027, 1, 4) and not deadline.approximate
    assert calendar.covers(dt.date(2026, 1, 1)) and calendar.source == "后台下发"


def test_bad_calendar_data_is_refused_and_nothing_changes(fresh_store):
    service = CalendarService(fresh_store)
    with pytest.raises(ServiceError, match="不属于所列年份"):
        service.install({"years": [2027], "holidays": ["2028-01-01"]})
    assert not service.current().covers(dt.date(2027, 1, 1))
