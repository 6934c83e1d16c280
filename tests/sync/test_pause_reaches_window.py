"""A suspension, its end and an extension decided in the back office reach the window with
its next sync: the window shows the moved due date, a suspended case carries no 红牌 however
its date stands, and the extension is a line of the case's timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.domain.deadlines import add_limit, working_days_between
from client.services.cases import CaseQueries
from client.store.outbox import StoreOutbox
from client.store.settings import load_identity
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


@pytest.mark.ui
def test_the_home_list_shows_a_suspended_case_paused_never_red(enrolled_runtime, live_server):
    """On the counter's screen: of two cases past their date, the running one is red-carded
    (超期) and the suspended one reads 暂停 (its clock paused), its status 特别程序中."""
    from client.ui.home import HomeView
    from tests.ui.conftest import window_driver

    hall = live_server.hall
    store = enrolled_runtime.store
    with store.sessions() as s:
        device_code = load_identity(s).device_code
    late_id, late_no = queue_case(store, device_code)
    paused_id, paused_no = queue_case(store, device_code)
    assert enrolled_runtime.services.sync.sync_now().rejected == 0
    past = dt.date.today() - dt.timedelta(days=3)  # both were due three days ago
    with Session(hall.engine) as session, session.begin():
        session.execute(update(ServerCase).where(ServerCase.case_no.in_((late_no, paused_no))).values(due=past))
    decisions.resume(hall.engine, late_no, by=hall.approver)  # into review: its (past) date comes down
    decisions.suspend(hall.engine, paused_no, "需组织听证", by=hall.approver)
    assert enrolled_runtime.services.sync.sync_now().rejected == 0

    with window_driver(enrolled_runtime.services, "", hall) as w:
        home = w.login()
        assert isinstance(home, HomeView)
        rows = w.pump(
            lambda: (
                {home.rows[i]: i for i in home.table.get_children()}
                if {late_id, paused_id} <= set(home.rows.values())
                else None
            ),
            what="both cases listed",
        )
        late, paused = (home.table.item(rows[case_id]) for case_id in (late_id, paused_id))
        assert late["tags"] == ["overdue"] and late["values"][5] == f"{past:%Y-%m-%d} 超期"
        assert paused["tags"] == ["paused"] and paused["values"][5] == f"{past:%Y-%m-%d} 暂停"
        assert paused["values"][3] == "特别程序中"
        w.settle(1.0)  # the list's own refreshes are done: each selects its first row again
        home.table.selection_remove(*home.table.selection())  # both rows in their own colours
        w.keep_screenshot("home-suspended.png")
