"""A department head's account is for the console only: a window refuses it in Chinese."""

from __future__ import annotations

import httpx

from sync import protocol


def test_a_department_head_cannot_log_in_at_a_window(console):
    head = console.staff("department_head", "孙科长")
    with httpx.Client(base_url=console.url, timeout=30) as client:
        enrolled = client.post(
            f"{protocol.API}/enrol", json={"code": console.hall.enrol_code, "device_name": "一号窗口"}
        )
        assert enrolled.status_code == 200, enrolled.text
        headers = {"Authorization": f"Bearer {enrolled.json()['token']}"}
        answer = client.post(
            f"{protocol.API}/login", json={"username": head, "password": console.hall.password}, headers=headers
        )
        assert answer.status_code == 403
        assert answer.json() == {"code": "console_only", "message": "此账号只能登录后台审批控制台，不能在窗口登录"}
        approver = console.staff("approver", "李审批")  # a console role the window protocol knows
        answer = client.post(
            f"{protocol.API}/login", json={"username": approver, "password": console.hall.password}, headers=headers
        )
        assert answer.status_code == 200 and answer.json()["role"] == "approver"
