"""Scenario 9: device clocks 3 days fast and 3 days slow; the server's clock orders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, select

from sync.server.db import Event
from tests.sync.window_cases import queue_case


def test_server_time_orders_and_device_time_is_kept(window, running_back_office):
    now = dt.datetime.now()
    fast, _ = queue_case(window.store, window.device_code, device_time=now + dt.timedelta(days=3))
    slow, _ = queue_case(window.store, window.device_code, device_time=now - dt.timedelta(days=3))
    before = dt.datetime.now(dt.UTC)
    assert window.engine.sync_once().ok
    after = dt.datetime.now(dt.UTC)

    engine = create_engine(running_back_office.db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Event.case_id, Event.server_time, Event.device_time).order_by(Event.id)).all()
    engine.dispose()
    assert [r.case_id for r in rows] == [fast, slow]  # the order they reached the server
    for row in rows:
        server_time = row.server_time.replace(tzinfo=dt.UTC)
        assert before - dt.timedelta(seconds=1) <= server_time <= after + dt.timedelta(seconds=1)
    skews = [abs((r.device_time - r.server_time).total_seconds()) for r in rows]
    assert all(2.9 * 86400 < s < 3.1 * 86400 for s in skews)  # device time kept for display
    pulled = window.outbox  # the feed is in server order, whatever the device clocks said
    with window.store.sessions() as s:
        from client.store.models import ServerChange

        feed = [c.case_id for c in s.scalars(select(ServerChange).order_by(ServerChange.seq))]
    assert feed == [fast, slow] and pulled.cursor() > 0
