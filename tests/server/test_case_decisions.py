"""Supplement, suspension (特别程序) and result-ready decisions reach the window."""

from __future__ import annotations

import datetime as dt

import pytest

from sync.server import admin, decisions
from sync.server.cli import main as cli


def _latest(device, cursor):
    return device.pull(cursor)["changes"][-1]["data"]


def test_supplement_sends_the_list_of_materials(accepted_case):
    device, db = accepted_case.device, accepted_case.device.server.db_url
    cursor = device.pull()["cursor"]
    done = decisions.request_supplement(
        db, accepted_case.case_no, ["营业场所证明", "租赁合同"], by="approver01", reason="场所信息不全"
    )
    assert done.status == "supplement_requested"
    data = _latest(device, cursor)
    assert data["status"] == "supplement_requested" and data["supplement"] == ["营业场所证明", "租赁合同"]
    assert data["reason"] == "场所信息不全" and data["decided_by"] == "approver01"


def test_supplement_needs_a_list(accepted_case):
    with pytest.raises(admin.AdminError, match="补正"):
        decisions.request_supplement(accepted_case.device.server.db_url, accepted_case.case_no, [" "], by="approver01")


def test_suspension_needs_a_reason_and_resume_moves_the_due_date(accepted_case):
    device, db = accepted_case.device, accepted_case.device.server.db_url
    with pytest.raises(admin.AdminError, match="理由"):
        decisions.suspend(db, accepted_case.case_no, "", by="approver01")
    first_due = device.pull()["changes"][-1]["data"]["due"]
    suspended = decisions.suspend(db, accepted_case.case_no, "组织专家评审", by="approver01")
    assert suspended.status == "suspended" and suspended.reason == "组织专家评审"
    resumed = decisions.resume(db, accepted_case.case_no, by="approver01")
    assert resumed.status == "in_review"
    # Suspended and resumed on the same day: no working day lost, the due date stays.
    assert resumed.due.isoformat() == first_due
    with pytest.raises(admin.IllegalDecision):
        decisions.resume(db, accepted_case.case_no, by="approver01")


def test_result_ready_follows_a_decision(complete_case):
    db = complete_case.device.server.db_url
    with pytest.raises(admin.IllegalDecision):
        decisions.result_ready(db, complete_case.case_no, by="approver01")
    admin.decide(db, complete_case.case_no, "approve", by="approver01", e_licence=True)
    cursor = 0
    done = decisions.result_ready(db, complete_case.case_no, by="approver01")
    assert done.status == "result_ready"
    statuses = [c["data"]["status"] for c in complete_case.device.pull(cursor)["changes"]]
    assert statuses[-2:] == ["approved", "result_ready"]


def test_deny_tells_the_appeal_rights(complete_case):
    device, db = complete_case.device, complete_case.device.server.db_url
    cursor = device.pull()["cursor"]
    admin.decide(db, complete_case.case_no, "deny", by="approver01", reason="不符合条件")
    data = _latest(device, cursor)
    assert data["status"] == "denied" and "行政复议" in data["appeal_rights"]


def test_cli_covers_the_decisions(accepted_case, capsys):
    db = accepted_case.device.server.db_url
    by = ["--by", "approver01"]  # the demo's approver, in every county department
    assert cli(["supplement", accepted_case.case_no, "租赁合同", "--db", db, *by]) == 0
    assert "已要求补正" in capsys.readouterr().out
    assert cli(["resume", accepted_case.case_no, "--db", db, *by]) == 0  # supplement -> in review
    assert cli(["suspend", accepted_case.case_no, "--reason", "听证", "--db", db, *by]) == 0
    assert "特别程序" in capsys.readouterr().out
    assert cli(["result-ready", accepted_case.case_no, "--db", db, *by]) == 1
    assert "不能变为" in capsys.readouterr().err
    assert admin.list_cases(db)[0].status == "suspended"


def test_deadline_warnings_are_computed_once_per_level(accepted_case, capsys):
    device, db = accepted_case.device, accepted_case.device.server.db_url
    due = dt.date.fromisoformat(device.pull()["changes"][-1]["data"]["due"])
    cursor = device.pull()["cursor"]
    from sync.server.deadlines import scan_deadlines

    assert scan_deadlines(db, today=due - dt.timedelta(days=30)) == ()
    [near] = scan_deadlines(db, today=due)
    assert near.level == "near_due" and near.working_days_left == 0
    [over] = scan_deadlines(db, today=due + dt.timedelta(days=1))
    assert over.level == "overdue"
    scan_deadlines(db, today=due + dt.timedelta(days=2))  # already red: not published again
    kinds = [(c["kind"], c["data"]["level"]) for c in device.pull(cursor)["changes"]]
    assert kinds == [("deadline_warning", "near_due"), ("deadline_warning", "overdue")]
    assert cli(["deadlines", "--today", (due + dt.timedelta(days=3)).isoformat(), "--db", db]) == 0
    assert "红牌" in capsys.readouterr().out
