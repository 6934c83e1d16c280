"""A suspension, its end and an extension decided in the back office reach the window with
its next sync: the window shows the moved due date, a suspended case carries no 红牌 however
its date stands, and the extension is a line of the case's timeline."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.domain.deadlines import add_limit, working_days_between
from client.services.cases import CaseQueries
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin, decisions, departments
from sync.server.db import Case as ServerCase
from sync.server.deadlines import china_date
from sync.server.publishing import current_calendar
from tests.sync.window_cases import enrol_store, queue_case


def _server_case(engine, case_no: str) -> ServerCase:
    with Session(engine) as session:
        return session.execute(select(ServerCase).where(ServerCase.case_no == case_no)).scalar_one()


def _head(live_server) -> str:
    hall = live_server.hall
    username = f"head-{hall.tag}"
    admin.add_user(hall.engine, hall.org_code, username, "赵科长", "department_head", hall.password)
    codes = [d.code for d in departments.list_departments(hall.engine, hall.org_code)]
    departments.set_staff_departments(hall.engine, username, add=codes)
    return username


def test_suspension_resume_and_extension_reach_the_window(live_server, fresh_store):
    hall = live_server.hall
    token, device_code = enrol_store(fresh_store, live_server.url, live_server.enrol_code)
    case_id, case_no = queue_case(fresh_store, device_code)
    engine = SyncEngine(BackOfficeApi(live_server.url, token, timeout=30), StoreOutbox(fresh_store))
    assert engine.sync_once().ok
    with Session(hall.engine) as session:
        calendar = current_calendar(session)
    due = _server_case(hall.engine, case_no).due
    assert due is not None

    # Long after the due date, a running case would be red-carded at the window...
    late = due + dt.timedelta(days=20)
    window = CaseQueries(fresh_store, calendar, today=lambda: late)
    assert window.detail(case_id).summary.warning == "overdue"

    # ...but not once the back office has suspended it: the clock is paused.
    decisions.suspend(
        hall.engine,
        case_no,
        "需组织专家评审",
        by=hall.approver,
        expected_end=china_date(admin.utcnow()) + dt.timedelta(7),
    )
    assert engine.sync_once().ok
    summary = window.detail(case_id).summary
    assert summary.status == "suspended" and summary.status_label == "特别程序中"
    assert summary.warning == "paused" and summary.server_due == due  # the date stays while paused
    assert [c.warning for c in window.recent() if c.case_id == case_id] == ["paused"]

    # The procedure lasted two weeks: the back office moves the date by its working days.
    began = admin.utcnow() - dt.timedelta(days=14)
    with Session(hall.engine) as session, session.begin():
        session.execute(update(ServerCase).where(ServerCase.case_no == case_no).values(suspended_at=began))
    decisions.resume(hall.engine, case_no, by=hall.approver, reason="专家评审意见已出具")
    paused = working_days_between(china_date(began), china_date(admin.utcnow()), calendar)
    assert paused > 0
    resumed_due = add_limit(due, paused, "WD", calendar).due
    assert _server_case(hall.engine, case_no).due == resumed_due

    assert engine.sync_once().ok
    summary = window.detail(case_id).summary
    assert summary.status == "in_review"
    assert summary.server_due == resumed_due and summary.promised_by == resumed_due
    on_time = CaseQueries(fresh_store, calendar, today=lambda: due)  # the old date is no longer a card
    assert on_time.detail(case_id).summary.warning == ""

    # The head approves an approver's request for §42's ten more working days.
    head = _head(live_server)
    decisions.request_extension(hall.engine, case_no, "需会同住建部门现场核查", by=hall.approver)
    decisions.decide_extension(hall.engine, case_no, approve=True, by=head)
    extended_due = add_limit(resumed_due, 10, "WD", calendar).due
    assert engine.sync_once().ok
    detail = window.detail(case_id)
    assert detail.summary.server_due == extended_due and detail.summary.promised_by == extended_due
    lines = [(t.label, t.who, t.note) for t in detail.timeline]
    assert (
        "延长审批期限（经负责人批准）",
        "赵科长",
        f"办理期限延至{extended_due.isoformat()}：需会同住建部门现场核查",
    ) in lines
    assert any(label == "特别程序（暂停计时）" and note == "需组织专家评审" for label, _who, note in lines)
