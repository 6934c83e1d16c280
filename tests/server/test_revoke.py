"""A revoked device is refused everywhere with 401."""

from __future__ import annotations

from server_helpers import API

from sync.server import admin


def test_revoked_device_gets_401(enrolled_device):
    db = enrolled_device.server.db_url
    row = admin.revoke_device(db, enrolled_device.device_id)
    assert row.revoked
    response = enrolled_device.client.post(f"{API}/events", json={"events": []}, headers=enrolled_device.headers)
    assert response.status_code == 401
    assert response.json()["code"] == "device_revoked" and "停用" in response.json()["message"]
    assert enrolled_device.client.get(f"{API}/changes", headers=enrolled_device.headers).status_code == 401


def test_revoke_by_device_code(enrolled_device):
    row = admin.revoke_device(enrolled_device.server.db_url, enrolled_device.device_code.lower())
    assert row.id == enrolled_device.device_id and row.revoked
