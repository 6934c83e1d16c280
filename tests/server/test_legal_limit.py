"""A licence's case tracks its §42 legal limit and the extension granted (issue 21, point 4).

A real back office on SQLite and PostgreSQL (on a thread, real HTTP) and a window of its hall:
the window takes a 食品经营许可 in, the back office computes the legal date (法定办结期限, 20
working days by §42) beside the promised one and shows both on the case page; the department
head's extension moves both by 10 working days, a suspension moves both by the days it lasted,
and the window learns the moved legal date with its next sync.
"""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.domain.catalog import load_sample_catalog
from client.domain.deadlines import Suspension, add_limit, after_suspension
from client.services.cases import CaseQueries
from client.services.legal_dates import legal_due_of
from sync.server import admin, decisions, departments
from sync.server.db import Case
from sync.server.deadlines import china_date, start_date
from sync.server.publishing import current_calendar
from tests.console.hall_windows import FOOD, hall_office, open_window, signed_in
from tests.sync.databases import BACKENDS

CATALOG = load_sample_catalog()


@pytest.fixture(params=BACKENDS)
def console(request, tmp_path):
    with hall_office(request.param, tmp_path / "office", request) as office:
        yield office


def _case(console, case_no: str) -> Case:
    with Session(console.hall.engine) as session:
        return session.execute(select(Case).where(Case.case_no == case_no)).scalar_one()


def test_a_licence_tracks_its_section_42_limit_and_the_extension(console, tmp_path):
    hall = console.hall
    window = open_window(console, tmp_path / "window", "一号窗口")
    taken = window.take("accept", hall.clerk, FOOD)
    window.sync()

    case = _case(console, taken.case_no)
    with Session(hall.engine) as session:
        calendar = current_calendar(session)
    matter = CATALOG.get(FOOD[0])
    framing = CATALOG.framing(matter)
    assert framing.licensing and (framing.limit.days, framing.limit.extension) == (20, 10)
    start = start_date(case.received_at, admin.utcnow())
    legal = add_limit(start, 20, "WD", calendar).due
    assert case.legal_due == legal
    assert case.due == add_limit(start, matter.promised_limit, "WD", calendar).due < legal  # the promise is shorter

    # The case page shows both dates.
    with signed_in(console, hall.approver) as client:
        page = client.get(f"/console/cases/{taken.case_no}").text
    assert f"承诺期限：{case.due.isoformat()}" in page and f"法定期限：{legal.isoformat()}" in page

    # The department head grants the one extension §42 allows: both dates move 10 working days.
    head = console.staff("department_head", "赵科长")
    departments.set_staff_departments(hall.engine, head, add=[matter.department_code])
    decisions.request_extension(hall.engine, taken.case_no, "需会同卫健部门现场核查", by=hall.approver)
    granted = decisions.decide_extension(hall.engine, taken.case_no, approve=True, by=head)
    assert granted.state == "approved"
    extended = _case(console, taken.case_no)
    assert extended.legal_due == add_limit(legal, 10, "WD", calendar).due
    assert extended.due == add_limit(case.due, 10, "WD", calendar).due
    with signed_in(console, hall.approver) as client:
        page = client.get(f"/console/cases/{taken.case_no}").text
    assert f"法定期限：{extended.legal_due.isoformat()}" in page

    # The window hears of it: its case detail shows the back office's moved legal date.
    window.sync()
    detail = CaseQueries(window.store, calendar).detail(taken.case_id)
    assert detail.legal_due == extended.legal_due
    assert detail.extension is not None and detail.extension.due_after == extended.due

    # A special procedure pauses the legal clock as it pauses the promise.
    decisions.suspend(hall.engine, taken.case_no, "组织专家评审", by=hall.approver)
    began = admin.utcnow() - dt.timedelta(days=14)
    with Session(hall.engine) as session, session.begin():
        session.execute(update(Case).where(Case.case_no == taken.case_no).values(suspended_at=began))
    decisions.resume(hall.engine, taken.case_no, by=hall.approver, reason="专家评审意见已出具")
    pause = Suspension(china_date(began), china_date(admin.utcnow()))
    assert pause.paused_working_days(calendar) > 0
    resumed = _case(console, taken.case_no)
    assert resumed.legal_due == after_suspension(extended.legal_due, pause, calendar).due
    assert resumed.due == after_suspension(extended.due, pause, calendar).due
    window.sync()
    assert CaseQueries(window.store, calendar).detail(taken.case_id).legal_due == resumed.legal_due


def test_a_case_from_an_older_window_still_gets_its_legal_date(console, tmp_path):
    """The back office computes the legal date itself from the published catalog: a window that
    sends none (every window before this change) gets one all the same."""
    window = open_window(console, tmp_path / "window", "二号窗口")
    taken = window.take("accept", console.hall.clerk)  # 个体工商户设立登记: its own 15 working days
    window.sync()
    case = _case(console, taken.case_no)
    with Session(console.hall.engine) as session:
        calendar = current_calendar(session)
    start = start_date(case.received_at, admin.utcnow())
    assert case.legal_due == add_limit(start, 15, "WD", calendar).due
    with window.store.sessions() as s:
        assert legal_due_of(s, taken.case_id) == case.legal_due  # from the status the back office sent


def test_a_benefits_denial_is_decided_and_printed_as_its_own_not_as_a_licences(console, tmp_path):
    """The console's decision forms and 决定书 of a 最低生活保障 (行政给付) cite no licensing law."""
    hall = console.hall
    allowance = CATALOG.get("370702-GG-0005")
    window = open_window(console, tmp_path / "window", "三号窗口")
    taken = window.take("accept", hall.clerk, (allowance.code, allowance.name))
    window.sync()
    with signed_in(console, hall.approver) as client:
        form = client.get(f"/console/cases/{taken.case_no}/deny").text
        assert "<h2>不予给付</h2>" in form and "不适用行政许可法" in form
        assert "第三十八条" not in form
        admin.decide(
            hall.engine,
            taken.case_no,
            "deny",
            by=hall.approver,
            reason="家庭人均收入高于当地最低生活保障标准",
            legal_basis=CATALOG.framing(allowance).decide,
        )
        page = client.get(f"/console/cases/{taken.case_no}/decision").text
        assert "不予给付决定书" in page and "不予行政许可决定书" not in page
        pdf = client.get(f"/console/cases/{taken.case_no}/documents/licence-denied.pdf")  # the URL keeps its name
    assert pdf.status_code == 200
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        text = "".join("".join((p.extract_text() or "").split()) for p in doc.pages)
    assert "不予给付决定书" in text and "《社会救助暂行办法》第十一条" in text and "行政许可法" not in text
