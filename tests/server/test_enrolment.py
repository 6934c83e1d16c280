"""Enrolment: a one-time code buys a device token once, and only once."""

from __future__ import annotations

from server_helpers import API, enrol

from sync.server import admin


def test_code_enrols_a_device_of_the_org_unit(fresh_server):
    device = enrol(fresh_server.client, fresh_server, fresh_server.demo.enrol_code)
    assert len(device.device_code) == 4 and device.device_code.isalnum()
    assert device.device_code == device.device_code.upper()
    health = device.client.get(f"{API}/health").json()
    assert health == {"ok": True, "protocol": 1}


def test_enrol_response_names_the_org_unit(fresh_server):
    response = fresh_server.client.post(
        f"{API}/enrol", json={"code": fresh_server.demo.enrol_code, "device_name": "二号窗口"}
    )
    org = response.json()["org_unit"]
    assert org == {
        "code": "370702",
        "name": "潍坊市潍城区政务服务中心",
        "region_code": "370702000000",
        "level": "county",
    }


def test_second_use_of_a_code_is_rejected(fresh_server):
    enrol(fresh_server.client, fresh_server, fresh_server.demo.enrol_code)
    again = fresh_server.client.post(
        f"{API}/enrol", json={"code": fresh_server.demo.enrol_code, "device_name": "二号窗口"}
    )
    assert again.status_code == 403
    assert again.json()["code"] == "bad_enrol_code"
    assert "已被使用" in again.json()["message"]


def test_code_is_typeable_and_forgiving(fresh_server):
    code = admin.issue_enrol_code(fresh_server.db_url, "370702")
    assert len(code) == 8 and code.isupper() and not set(code) & set("IO01L")
    typed = f" {code[:4].lower()}-{code[4:]} "
    device = enrol(fresh_server.client, fresh_server, typed)
    assert device.token


def test_unknown_and_expired_codes_are_rejected(fresh_server):
    unknown = fresh_server.client.post(f"{API}/enrol", json={"code": "ZZZZZZZZ", "device_name": "x"})
    assert unknown.status_code == 403 and "不存在" in unknown.json()["message"]
    expired = admin.issue_enrol_code(fresh_server.db_url, "370702", ttl_hours=-1)
    answer = fresh_server.client.post(f"{API}/enrol", json={"code": expired, "device_name": "x"})
    assert answer.status_code == 403 and "过期" in answer.json()["message"]


def test_requests_without_token_are_refused(fresh_server):
    response = fresh_server.client.get(f"{API}/changes")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
