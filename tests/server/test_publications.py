"""Catalog versions, the working-day calendar, notice templates and device orders travel down."""

from __future__ import annotations

import json

import pytest

from client.domain.catalog import load_sample_catalog
from sync import protocol
from sync.server import admin, publishing
from sync.server.cli import main as cli

API = protocol.API


def test_a_published_catalog_reaches_every_window_and_is_served(enrolled_device, tmp_path, capsys):
    db = enrolled_device.server.db_url
    body = load_sample_catalog().to_dict()
    body["version"] = "2026.12-1"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert cli(["catalog-publish", str(path), "--db", db]) == 0
    [change] = [c for c in enrolled_device.pull()["changes"] if c["kind"] == protocol.CHANGE_CATALOG]
    data = protocol.CatalogVersionData.model_validate(change["data"])
    assert data.version == "2026.12-1" and data.matters == len(body["matters"])
    served = enrolled_device.client.get(f"{API}/catalog", headers=enrolled_device.headers).json()
    assert served["version"] == "2026.12-1"


def test_a_broken_catalog_is_refused(enrolled_device):
    with pytest.raises(publishing.PublishError):
        publishing.publish_catalog(enrolled_device.server.db_url, {"version": "x"})


def test_calendar_and_templates_travel_in_the_feed(enrolled_device):
    db = enrolled_device.server.db_url
    publishing.publish_calendar(db, {"years": [2027], "holidays": ["2027-01-01"], "workdays": []}, version="2027")
    publishing.publish_template(db, "acceptance", "3", "受理通知书 {case_no}")
    changes = enrolled_device.pull()["changes"]
    calendar = protocol.CalendarData.model_validate(
        next(c["data"] for c in changes if c["kind"] == protocol.CHANGE_CALENDAR)
    )
    assert calendar.years == [2027] and str(calendar.holidays[0]) == "2027-01-01"
    template = next(c["data"] for c in changes if c["kind"] == protocol.CHANGE_TEMPLATE)
    assert template == {"name": "acceptance", "version": "3", "body": "受理通知书 {case_no}"}
    with pytest.raises(publishing.PublishError):
        publishing.publish_calendar(db, {"years": [2027], "holidays": ["2026-01-01"]})


def test_a_wipe_order_goes_to_that_device_only(fresh_server, enrolled_device):
    from server_helpers import enrol

    other = enrol(fresh_server.client, fresh_server, admin.issue_enrol_code(fresh_server.db_url, "370702"), "二号窗口")
    admin.order_wipe(fresh_server.db_url, enrolled_device.device_code, "设备遗失")
    mine = [c for c in enrolled_device.pull()["changes"] if c["kind"] == protocol.CHANGE_DEVICE_COMMAND]
    assert [c["data"]["command"] for c in mine] == ["wipe"] and mine[0]["data"]["reason"] == "设备遗失"
    assert not [c for c in other.pull()["changes"] if c["kind"] == protocol.CHANGE_DEVICE_COMMAND]


def test_pruned_feed_answers_410_to_old_cursors_and_keeps_the_latest_state(complete_case):
    device, db = complete_case.device, complete_case.device.server.db_url
    admin.decide(db, complete_case.case_no, "approve", by="approver01")
    old_cursor = device.pull()["changes"][0]["seq"]
    assert admin.prune_changes(db, keep_days=-1) >= 1
    stale = device.client.get(f"{API}/changes", params={"cursor": old_cursor}, headers=device.headers)
    assert stale.status_code == 410 and stale.json()["code"] == "cursor_expired"
    [latest] = [c for c in device.pull(0)["changes"] if c["case_id"] == complete_case.case_id]
    assert latest["data"]["status"] == "approved"
