"""The rules behind the console's pause, extension and 容缺 forms, on SQLite and PostgreSQL: the
heads' list finds requests by the stored JSON's text on both; one extension per case, decided by
a head who did not ask; 容缺 blocks approval until materials arrive or a head lifts it."""

from __future__ import annotations

import datetime as dt

import pytest
from server_helpers import accepted_payload, case_no_for, make_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.domain.deadlines import add_limit
from reports.templates import default_templates
from sync import protocol
from sync.server import admin, cli, decisions, departments, tolerance
from sync.server.db import Case, make_engine
from sync.server.demo import DEMO_ORG_CODE
from sync.server.publishing import current_calendar
from tests.sync.databases import BACKENDS, server_database


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    with server_database(request.param, tmp_path / "db", request) as url:
        yield url


def _refused(call, code: str) -> str:
    with pytest.raises(admin.AdminError) as refused:
        call()
    assert refused.value.code == code, refused.value.message
    return refused.value.message


def _heads(db: str) -> None:
    for username, name in (("wang-head", "王科长"), ("li-head", "李科长")):
        admin.add_user(db, DEMO_ORG_CODE, username, name, "department_head", "pw")
        departments.set_staff_departments(db, username, add=["SCZRK"])  # the sample matter's 市场准入科


def _case(db: str, case_no: str) -> Case:
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            return session.execute(select(Case).where(Case.case_no == case_no)).scalar_one()
    finally:
        engine.dispose()


def test_extension_is_asked_decided_by_another_head_and_granted_once(accepted_case):
    db, case_no = accepted_case.device.server.db_url, accepted_case.case_no
    _heads(db)
    due = _case(db, case_no).due
    assert due is not None
    _refused(lambda: decisions.request_extension(db, case_no, " ", by="approver01"), "reason_required")

    asked = decisions.request_extension(db, case_no, "需现场核查", by="approver01")
    assert (asked.state, asked.requested_by_name) == ("requested", "李审批")
    _refused(lambda: decisions.request_extension(db, case_no, "再次申请", by="approver01"), "already_requested")
    assert "只有科室负责人可以" in _refused(
        lambda: decisions.decide_extension(db, case_no, approve=True, by="approver01"), "role_refused"
    )
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            listed = decisions.pending_extensions(session, "wang-head")
    finally:
        engine.dispose()
    assert [(p.extension.case_no, p.extension.reason, p.department) for p in listed] == [
        (case_no, "需现场核查", "市场准入科")
    ]

    refusal = _refused(
        lambda: decisions.decide_extension(db, case_no, approve=False, by="wang-head"), "reason_required"
    )
    assert "必须填写理由" in refusal
    refused = decisions.decide_extension(db, case_no, approve=False, by="wang-head", note="理由不充分")
    assert (refused.state, refused.note) == ("refused", "理由不充分") and _case(db, case_no).due == due

    # Asked again, this time by a head: the other head decides it.
    decisions.request_extension(db, case_no, "需会同住建部门现场核查", by="li-head")
    assert "本人提出" in _refused(
        lambda: decisions.decide_extension(db, case_no, approve=True, by="li-head"), "own_request"
    )
    cursor = accepted_case.device.pull()["cursor"]
    granted = decisions.decide_extension(db, case_no, approve=True, by="wang-head")
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            extended = add_limit(due, 10, "WD", current_calendar(session)).due
    finally:
        engine.dispose()
    assert (granted.state, granted.due_before, granted.due_after) == ("approved", due, extended)
    office = default_templates().office  # nothing published: the built-in office names the notice
    assert (
        granted.doc_no
        == f"{office.short_name}延字〔{granted.decided_at.astimezone(protocol.CST).year}〕{case_no[-8:]}号"
    )
    assert _case(db, case_no).due == extended
    [change] = accepted_case.device.pull(cursor)["changes"]
    assert change["data"]["due"] == extended.isoformat() and change["data"]["status"] == "in_review"
    assert change["data"]["extension"]["doc_no"] == granted.doc_no
    assert change["data"]["extension"]["approved_by_name"] == "王科长"
    assert [h["state"] for h in _case(db, case_no).payload[decisions.EXTENSION_HISTORY_KEY]] == [
        "refused"
    ]  # the first request is kept

    _refused(lambda: decisions.request_extension(db, case_no, "还要再延", by="approver01"), "already_extended")


def test_tolerated_materials_block_approval_until_they_arrive_or_a_head_lifts_it(enrolled_device):
    db = enrolled_device.server.db_url
    _heads(db)
    case_nos = []
    for seq in (1, 2):
        case_no = case_no_for(enrolled_device, seq)
        payload = accepted_payload(case_no)
        payload["materials"].append({"code": "M03", "name": "经营场所使用证明", "status": "tolerated"})
        payload["outcome"] = "accept_tolerant"
        payload["supplement_by"] = (dt.date.today() + dt.timedelta(days=10)).isoformat()
        [answer] = enrolled_device.push(make_event(protocol.CASE_ACCEPTED, f"tolerant-{seq}", payload))
        assert answer["status"] == "acked", answer
        case_nos.append(case_no)
    lifted_no, brought_no = case_nos

    for case_no in case_nos:
        message = _refused(lambda n=case_no: admin.decide(db, n, "approve", by="approver01"), "tolerance_outstanding")
        assert "经营场所使用证明" in message
        assert not tolerance.tolerance_overdue(_case(db, case_no))
    assert tolerance.tolerance_overdue(_case(db, lifted_no), today=dt.date.today() + dt.timedelta(days=11))

    _refused(lambda: tolerance.lift_block(db, lifted_no, "不影响结论", by="approver01"), "role_refused")
    _refused(lambda: tolerance.lift_block(db, lifted_no, "", by="wang-head"), "reason_required")
    lifted = tolerance.lift_block(db, lifted_no, "经营场所已现场核查", by="wang-head")
    assert (lifted.materials, lifted.by_name) == (("经营场所使用证明",), "王科长")
    _refused(lambda: tolerance.lift_block(db, lifted_no, "再来一次", by="li-head"), "already_lifted")
    assert admin.decide(db, lifted_no, "approve", by="approver01").status == "approved"

    # The other one's materials arrive with the window's supplement: nothing to lift any more.
    supplement = {
        "case_no": brought_no,
        "materials": [
            {"code": "M01", "name": "申请人身份证"},
            {"code": "M02", "name": "个体工商户登记（备案）申请书"},
            {"code": "M03", "name": "经营场所使用证明"},
        ],
        "complete": True,
        "supplemented_at": dt.datetime.now(protocol.CST).isoformat(),
        "clerk": "clerk01",
    }
    [answer] = enrolled_device.push(make_event(protocol.CASE_SUPPLEMENTED, "tolerant-2", supplement))
    assert answer["status"] == "acked", answer
    assert tolerance.outstanding(_case(db, brought_no)) == ()
    _refused(lambda: tolerance.lift_block(db, brought_no, "不影响结论", by="wang-head"), "nothing_outstanding")
    assert admin.decide(db, brought_no, "approve", by="approver01").status == "approved"


def test_resume_moves_the_due_date_by_the_working_days_paused(accepted_case, capsys):
    db, case_no = accepted_case.device.server.db_url, accepted_case.case_no
    due = _case(db, case_no).due
    assert due is not None
    argv = ["suspend", case_no, "--reason", "听证", "--by", "approver01", "--db", db]
    assert cli.main([*argv, "--expected-end", "下周五"]) == 1
    assert "预计结束日期应写作 年-月-日" in capsys.readouterr().err
    _refused(
        lambda: decisions.suspend(db, case_no, "听证", by="approver01", expected_end=dt.date(2020, 1, 1)), "bad_date"
    )
    decisions.suspend(db, case_no, "组织听证", by="approver01", expected_end=dt.date.today() + dt.timedelta(days=9))
    began = dt.datetime.now(dt.UTC) - dt.timedelta(days=21)  # it lasted three weeks
    engine = make_engine(db)
    try:
        with Session(engine) as session, session.begin():
            session.execute(update(Case).where(Case.case_no == case_no).values(suspended_at=began))
            calendar = current_calendar(session)
    finally:
        engine.dispose()
    done = decisions.resume(db, case_no, by="approver01", only_suspended=True)
    start = began.astimezone(protocol.CST).date()
    paused = sum(calendar.is_working_day(start + dt.timedelta(days=n)) for n in range(1, 22))
    assert paused > 0
    assert done.due == add_limit(due, paused, "WD", calendar).due
    [ended] = _case(db, case_no).payload[decisions.SUSPENSIONS_KEY]
    assert (ended["reason"], ended["paused_working_days"]) == ("组织听证", paused)
    _refused(lambda: decisions.resume(db, case_no, by="approver01", only_suspended=True), "illegal_transition")
