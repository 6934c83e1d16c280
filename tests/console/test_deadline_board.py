"""The 限时办结 board on SQLite and PostgreSQL: cases synced from a window, one left running, one
near its date (黄牌), one past it (红牌), one past it but suspended (暂停计时, never red) and one
extended by the head (已延期); filters by card, department and approver; rows link to the case."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from client.domain.catalog import load_sample_catalog
from sync.server import admin, decisions, departments
from sync.server.db import Case
from sync.server.deadlines import NEAR_DUE_WORKING_DAYS, china_date, working_days_between
from sync.server.publishing import current_calendar
from tests.console.hall_windows import FOOD, LICENCE, hall_office, open_window, signed_in
from tests.sync.databases import BACKENDS

ROW = re.compile(r'<tr class="([a-z]*)" data-case="([0-9A-Z]+)" data-card="([a-z]*)">(.*?)</tr>', re.S)


@pytest.fixture(params=BACKENDS)
def hall(request, tmp_path):
    with hall_office(request.param, tmp_path / "server", request) as console:
        yield console


def _rows(html: str) -> dict[str, tuple[str, str]]:
    """case_no -> (card, the row's text)."""
    return {m.group(2): (m.group(3), m.group(4)) for m in ROW.finditer(html)}


def _set_due(hall, case_no: str, due: dt.date) -> None:
    with Session(hall.hall.engine) as session, session.begin():
        session.execute(update(Case).where(Case.case_no == case_no).values(due=due, warning=None))


def test_yellow_red_suspended_and_extended_cases_on_the_board(hall, tmp_path):
    engine = hall.hall.engine
    window = open_window(hall, tmp_path / "w", "1号窗口")
    running, yellow, red, paused, extended = (window.take("accept", "clerk-a", LICENCE) for _ in range(5))
    food = window.take("accept", "clerk-a", FOOD)
    notice = window.take("notify_missing", "clerk-a", LICENCE)  # not with the back office's approvers
    window.sync()
    today = china_date(admin.utcnow())
    licence_code = load_sample_catalog().get(LICENCE[0]).department_code
    approver = f"qian-{hall.hall.tag}"
    admin.add_user(engine, hall.hall.org_code, approver, "钱审批", "approver", hall.hall.password)
    departments.set_staff_departments(engine, approver, add=[licence_code])
    head = f"sun-{hall.hall.tag}"
    admin.add_user(engine, hall.hall.org_code, head, "孙科长", "department_head", hall.hall.password)
    departments.set_staff_departments(engine, head, add=[licence_code])

    _set_due(hall, running.case_no, today + dt.timedelta(days=30))
    _set_due(hall, yellow.case_no, today)
    _set_due(hall, red.case_no, today - dt.timedelta(days=5))
    _set_due(hall, paused.case_no, today - dt.timedelta(days=5))
    decisions.suspend(engine, paused.case_no, "组织听证", by=approver)
    decisions.request_extension(engine, extended.case_no, "需现场核查", by=approver)
    decisions.decide_extension(engine, extended.case_no, approve=True, by=head)

    with signed_in(hall, hall.hall.supervisor) as client:
        page = client.get("/console/deadlines")
        assert page.status_code == 200
        rows = _rows(page.text)
        assert notice.case_no not in rows  # a one-time notice awaits the applicant, not a decision
        assert rows[running.case_no][0] == ""
        assert rows[yellow.case_no][0] == "yellow" and "黄牌" in rows[yellow.case_no][1]
        assert "今日到期" in rows[yellow.case_no][1]
        assert rows[red.case_no][0] == "red" and "红牌" in rows[red.case_no][1]
        with Session(engine) as session:
            calendar = current_calendar(session)
        over = -working_days_between(today, today - dt.timedelta(days=5), calendar)
        assert f"逾期 {over} 个工作日" in rows[red.case_no][1]
        assert rows[paused.case_no][0] == "paused"
        assert "暂停计时" in rows[paused.case_no][1] and "红牌" not in rows[paused.case_no][1]
        assert "已延期" in rows[extended.case_no][1]
        assert f'href="/console/cases/{red.case_no}"' in rows[red.case_no][1]
        assert "钱审批" in rows[red.case_no][1]  # who decides in its department
        left = working_days_between(today, load_due(hall, extended.case_no), calendar)
        assert rows[extended.case_no][0] == ("yellow" if left <= NEAR_DUE_WORKING_DAYS else "")
        totals = dict(re.findall(r'<strong data-f="([a-z]+)">(\d+)</strong>', page.text))
        assert totals == {"total": "6", "red": "1", "yellow": "1", "paused": "1", "extended": "1"}

        red_only = _rows(client.get("/console/deadlines?show=red").text)
        assert set(red_only) == {red.case_no}  # the suspended case, past its date, is never red
        paused_only = _rows(client.get("/console/deadlines?show=paused").text)
        assert set(paused_only) == {paused.case_no}
        assert set(_rows(client.get("/console/deadlines?show=extended").text)) == {extended.case_no}
        by_approver = _rows(client.get(f"/console/deadlines?approver={approver}").text)
        assert food.case_no not in by_approver and red.case_no in by_approver
        food_dept = next(d.id for d in departments.list_departments(engine, hall.hall.org_code) if d.code == FOOD_CODE)
        assert set(_rows(client.get(f"/console/deadlines?dept={food_dept}").text)) == {food.case_no}
        assert client.get("/console/deadlines?show=purple").status_code == 400

    with signed_in(hall, head) as client:  # a head sees their departments' cases only
        rows = _rows(client.get("/console/deadlines").text)
        assert food.case_no not in rows and red.case_no in rows


FOOD_CODE = load_sample_catalog().get(FOOD[0]).department_code


def load_due(hall, case_no: str) -> dt.date:
    with Session(hall.hall.engine) as session:
        case = session.query(Case).filter(Case.case_no == case_no).one()
        assert case.due is not None
        return case.due
