"""Scenario 11: a revoked device gets 401, stops sending and taking in; its unsent outbox
is kept and exportable; a wipe order reaches a device before it is revoked."""

from __future__ import annotations

import json

from client.services.syncing import SyncService
from sync.server import admin
from tests.sync.window_cases import queue_case


def test_revoked_device_stops_and_keeps_its_outbox_for_export(window, running_back_office, tmp_path):
    service = SyncService(lambda: window.engine, window.outbox)
    queue_case(window.store, window.device_code)
    admin.revoke_device(running_back_office.db_url, window.device_code, "设备遗失")

    status = service.sync_now()
    assert status.revoked and not status.intake_allowed and status.label == "本设备已停用"
    assert status.pending == 1 and admin.list_cases(running_back_office.db_url) == ()
    exported = tmp_path / "unsent.json"
    assert service.export_unsent(exported) == 1
    assert json.loads(exported.read_text(encoding="utf-8"))[0]["type"] == "case.accepted"


def test_wipe_order_and_published_data_come_down_with_the_feed(window, running_back_office):
    from sync.server import publishing

    db = running_back_office.db_url
    publishing.publish_calendar(db, {"years": [2027], "holidays": ["2027-01-01"], "workdays": []}, version="2027")
    publishing.publish_template(db, "acceptance", "2", "受理通知书")
    admin.order_wipe(db, window.device_code, "设备报废")
    assert window.engine.sync_once().ok
    down = window.outbox.downlink()
    assert down.calendar["years"] == [2027] and down.templates["acceptance"]["version"] == "2"
    assert down.wipe_ordered and not down.intake_allowed and down.device_command["reason"] == "设备报废"
