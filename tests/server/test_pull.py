"""Pull: a cursor over the server-ordered feed, scoped to the device's org unit."""

from __future__ import annotations

import uuid

from server_helpers import API, accepted_payload, case_no_for, enrol, make_event

from sync import protocol
from sync.server import admin


def _push_cases(device, count):
    events = [
        make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(device, seq)), seq)
        for seq in range(1, count + 1)
    ]
    assert all(r["status"] == "acked" for r in device.push(*events))


def test_cursor_pages_through_changes(enrolled_device):
    _push_cases(enrolled_device, 5)
    first = enrolled_device.pull(0, limit=2)
    assert len(first["changes"]) == 2 and first["more"] is True
    second = enrolled_device.pull(first["cursor"], limit=2)
    third = enrolled_device.pull(second["cursor"], limit=2)
    assert third["more"] is False and len(third["changes"]) == 1
    seqs = [c["seq"] for page in (first, second, third) for c in page["changes"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    idle = enrolled_device.pull(third["cursor"])
    assert idle == {"cursor": third["cursor"], "changes": [], "more": False}


def test_device_of_another_org_unit_sees_nothing(enrolled_device):
    server = enrolled_device.server
    _push_cases(enrolled_device, 2)
    admin.create_org_unit(server.db_url, "370703", "潍坊市寒亭区政务服务中心", "370703000000")
    other = enrol(server.client, server, admin.issue_enrol_code(server.db_url, "370703"))
    assert other.pull(0)["changes"] == []
    # Its clerks are not ours either.
    login = other.client.post(f"{API}/login", json={"username": "clerk01", "password": "123456"}, headers=other.headers)
    assert login.status_code == 401


def test_cursor_from_another_database_answers_410(enrolled_device):
    response = enrolled_device.client.get(f"{API}/changes", params={"cursor": 999}, headers=enrolled_device.headers)
    assert response.status_code == 410
    assert response.json()["code"] == "cursor_expired"
