"""Scenario 4: item 3 of 10 is refused; it is quarantined and shown, the rest go on."""

from __future__ import annotations

from sqlalchemy import select

from client.store.models import OutboxEntry
from sync.server import admin
from tests.sync.window_cases import queue_case, valid_id


def test_a_refused_event_is_quarantined_and_the_others_arrive(window, running_back_office):
    cases = [
        queue_case(window.store, window.device_code, id_number=valid_id()[:-1] + ("Y" if n == 2 else valid_id()[-1]))
        for n in range(10)
    ]
    report = window.engine.sync_once()
    assert report.ok and report.acked == 9 and report.rejected == 1
    on_server = {c.case_no for c in admin.list_cases(running_back_office.db_url)}
    assert on_server == {no for n, (_, no) in enumerate(cases) if n != 2}
    with window.store.sessions() as s:
        [bad] = s.scalars(select(OutboxEntry).where(OutboxEntry.state == "rejected")).all()
    assert bad.code == "invalid_id_number" and "身份证" in bad.reason
    # Nothing is left queued, so the next round sends nothing and the clerk sees the refusal.
    again = window.engine.sync_once()
    assert again.ok and again.acked == 0 and window.outbox.counts()["rejected"] == 1
