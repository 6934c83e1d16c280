"""Scenario 1: the server commits, the answer is lost on the way, the window retries."""

from __future__ import annotations

from sqlalchemy import select

from client.store.models import OutboxEntry
from sync.server import admin
from tests.sync.window_cases import queue_case


def test_three_lost_answers_leave_exactly_one_case(window, running_back_office):
    _case_id, case_no = queue_case(window.store, window.device_code)
    window.proxy.drop_response("POST /api/v1/events", times=3)
    for _ in range(3):
        report = window.engine.sync_once()
        assert not report.ok and report.error.startswith("无法连接")
    assert [c.case_no for c in admin.list_cases(running_back_office.db_url)] == [case_no]
    assert window.engine.sync_once().ok
    assert [c.case_no for c in admin.list_cases(running_back_office.db_url)] == [case_no]
    with window.store.sessions() as s:
        assert [e.state for e in s.scalars(select(OutboxEntry))] == ["acked"]
    assert sum(b"POST /api/v1/events" in line for line in window.proxy.requests) == 4
