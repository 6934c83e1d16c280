"""Approver decisions reach the window; delivery follows the lifecycle."""

from __future__ import annotations

import pytest
from server_helpers import delivered_payload, make_event

from client.domain.case_numbers import format_case_no
from sync import protocol
from sync.server import admin


def test_approve_is_pulled_by_the_window(complete_case):
    device = complete_case.device
    cursor = device.pull()["cursor"]
    result = admin.decide(device.server.db_url, format_case_no(complete_case.case_no), "approve", by="approver01")
    assert result.status == "approved" and result.result_name == "营业执照" and result.result_no
    [change] = device.pull(cursor)["changes"]
    assert change["seq"] == result.change_seq
    data = change["data"]
    assert data["status"] == "approved" and data["complete"] is True
    assert data["result_name"] == "营业执照" and data["result_no"] == result.result_no
    assert data["decided_by"] == "approver01" and data["decided_at"] and data["reason"] is None


def test_deny_needs_a_reason(complete_case):
    db = complete_case.device.server.db_url
    with pytest.raises(admin.AdminError, match="理由"):
        admin.decide(db, complete_case.case_no, "deny", by="approver01")
    result = admin.decide(db, complete_case.case_no, "deny", by="approver01", reason="经营场所不符合要求")
    assert result.status == "denied" and result.reason == "经营场所不符合要求"


def test_approve_waits_for_the_scans(accepted_case):
    db = accepted_case.device.server.db_url
    with pytest.raises(admin.AdminError, match="扫描件"):
        admin.decide(db, accepted_case.case_no, "approve", by="approver01")
    assert admin.decide(db, accepted_case.case_no, "approve", by="approver01", force=True).status == "approved"


def test_unknown_case_and_second_decision_raise(complete_case):
    db = complete_case.device.server.db_url
    with pytest.raises(admin.UnknownCase, match="没有找到办件"):
        admin.decide(db, "370702000000-20260101-ZZZZ-0001", "approve", by="approver01")
    admin.decide(db, complete_case.case_no, "approve", by="approver01")
    with pytest.raises(admin.IllegalDecision, match="审批通过"):
        admin.decide(db, complete_case.case_no, "deny", by="approver01", reason="再想想")


def test_deliver_after_approval(complete_case):
    device = complete_case.device
    admin.decide(device.server.db_url, complete_case.case_no, "approve", by="approver01")
    cursor = device.pull()["cursor"]
    [result] = device.push(
        make_event(protocol.CASE_DELIVERED, complete_case.case_id, delivered_payload(complete_case.case_no), seq=2)
    )
    assert result["status"] == "acked"
    [change] = device.pull(cursor)["changes"]
    assert change["data"]["status"] == "delivered" and change["data"]["delivered_at"]
    [row] = admin.list_cases(device.server.db_url)
    assert row.status == "delivered" and row.status_label == "已出件"


def test_deliver_before_approval_is_an_illegal_transition(accepted_case):
    device = accepted_case.device
    [result] = device.push(
        make_event(protocol.CASE_DELIVERED, accepted_case.case_id, delivered_payload(accepted_case.case_no), seq=2)
    )
    assert result["status"] == "rejected" and result["code"] == "illegal_transition"
    assert "已报送后台" in result["reason"] and "已出件" in result["reason"]
    [row] = admin.list_cases(device.server.db_url)
    assert row.status == "submitted"


def test_deliver_unknown_case_is_rejected(enrolled_device):
    [result] = enrolled_device.push(
        make_event(protocol.CASE_DELIVERED, "no-such-case", delivered_payload("370702000000202601010AAA0001"))
    )
    assert result["code"] == "unknown_case"
