"""Scenario 10: a cursor the server no longer keeps answers 410; the window pulls the
whole (compacted) feed again and still sends its unsent events."""

from __future__ import annotations

from client.domain.case_numbers import format_case_no
from client.store.models import Case
from sync.server import admin, decisions
from tests.sync.window_cases import queue_case


def test_stale_cursor_resyncs_and_keeps_the_outbox(window, running_back_office):
    db = running_back_office.db_url
    first_id, first_no = queue_case(window.store, window.device_code)
    assert window.engine.sync_once().ok
    admin.decide(db, format_case_no(first_no), "approve", by="approver01")
    decisions.result_ready(db, first_no, by="approver01")  # supersedes "approved" in the feed
    # The window stays away while the feed is compacted past its cursor.
    second_id, second_no = queue_case(window.store, window.device_code)
    admin.prune_changes(db, keep_days=-1)

    report = window.engine.sync_once()
    assert report.ok and report.resynced and report.acked == 1
    assert {c.case_no for c in admin.list_cases(db)} == {first_no, second_no}
    with window.store.sessions() as s:
        assert s.get(Case, first_id).status == "result_ready"
    assert window.outbox.progress().events_pending == 0
