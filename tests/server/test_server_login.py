"""Clerk login on an enrolled device."""

from __future__ import annotations

from server_helpers import API


def test_login_ok(enrolled_device):
    response = enrolled_device.client.post(
        f"{API}/login", json={"username": "clerk01", "password": "123456"}, headers=enrolled_device.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "username": "clerk01",
        "display_name": "张敏",
        "role": "clerk",
        "org_unit_code": "370702",
    }


def test_bad_password(enrolled_device):
    response = enrolled_device.client.post(
        f"{API}/login", json={"username": "clerk01", "password": "654321"}, headers=enrolled_device.headers
    )
    assert response.status_code == 401
    assert response.json() == {"code": "bad_credentials", "message": "用户名或密码错误"}


def test_unknown_user_gets_the_same_answer(enrolled_device):
    response = enrolled_device.client.post(
        f"{API}/login", json={"username": "nobody", "password": "123456"}, headers=enrolled_device.headers
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"
