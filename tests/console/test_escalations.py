"""电子监察 on SQLite and PostgreSQL: a case turning red raises one escalation however often the
deadline scan runs, for the head of its department and the hall's supervisor (with the count in
the header of every page) and not for another department's head; an acknowledgement needs a
reason and is kept with who and when; a case decided leaves the open list, its escalation stays."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.domain.catalog import load_sample_catalog
from sync.server import admin, decisions, departments
from sync.server.db import Case, Escalation
from sync.server.deadlines import china_date, scan_deadlines
from tests.console.hall_windows import FOOD, LICENCE, hall_office, open_window, post_form, signed_in
from tests.sync.databases import BACKENDS

COUNT = re.compile(r'<span class="alert-count" id="escalation-count"[^>]*>(\d+)</span>')


@pytest.fixture(params=BACKENDS)
def hall(request, tmp_path):
    with hall_office(request.param, tmp_path / "server", request) as console:
        yield console


def _header_count(html: str) -> int:
    found = COUNT.search(html)
    return int(found.group(1)) if found else 0


def _escalations(hall) -> list[Escalation]:
    with Session(hall.hall.engine) as session:
        return list(session.execute(select(Escalation).order_by(Escalation.id)).scalars())


def _head(hall, name: str, matter: tuple[str, str]) -> str:
    username = f"{name}-{hall.hall.tag}"
    admin.add_user(hall.hall.engine, hall.hall.org_code, username, name, "department_head", hall.hall.password)
    departments.set_staff_departments(
        hall.hall.engine, username, add=[load_sample_catalog().get(matter[0]).department_code]
    )
    return username


def test_a_red_case_raises_one_escalation_for_its_head_and_the_supervisor(hall, tmp_path):
    engine, org = hall.hall.engine, (hall.hall.org_code,)
    window = open_window(hall, tmp_path / "w", "1号窗口")
    late = window.take("accept", "clerk-a", LICENCE)
    window.sync()
    head = _head(hall, "市场科长", LICENCE)
    other_head = _head(hall, "社会科长", FOOD)
    today = china_date(admin.utcnow())
    with Session(engine) as session, session.begin():
        session.execute(update(Case).where(Case.case_no == late.case_no).values(due=today - dt.timedelta(days=3)))

    for _ in range(3):  # the scan runs every few minutes: one escalation, not one per scan
        scan_deadlines(engine, org_codes=org)
    [raised] = _escalations(hall)
    assert (raised.case_no, raised.level, raised.due) == (late.case_no, "overdue", today - dt.timedelta(days=3))
    assert raised.working_days_left <= 0 and raised.acknowledged_at is None

    with signed_in(hall, head) as client:
        home = client.get("/console/")
        assert _header_count(home.text) == 1  # on every page, the inbox too
        assert _header_count(client.get("/console/inbox").text) == 1
        listing = client.get("/console/supervision").text
        assert late.case_no in listing and "红牌" in listing
    with signed_in(hall, hall.hall.supervisor) as client:
        assert _header_count(client.get("/console/").text) == 1
        assert late.case_no in client.get("/console/supervision").text
    with signed_in(hall, other_head) as client:
        assert _header_count(client.get("/console/").text) == 0
        assert late.case_no not in client.get("/console/supervision?show=all").text
        stranger = post_form(
            client, f"/console/supervision/{raised.id}/acknowledge", "/console/supervision", reason="不是我的"
        )
        assert stranger.status_code == 404
    with signed_in(hall, hall.hall.approver) as client:
        assert client.get("/console/supervision").status_code == 403
        assert 'id="supervision-link"' not in client.get("/console/").text

    with signed_in(hall, head) as client:
        blank = post_form(client, f"/console/supervision/{raised.id}/acknowledge", "/console/supervision", reason="  ")
        assert blank.status_code == 400 and "必须填写原因或处理说明" in blank.text
        no_token = client.post(f"/console/supervision/{raised.id}/acknowledge", data={"reason": "已督办"})
        assert no_token.status_code == 403
        assert _escalations(hall)[0].acknowledged_at is None
        done = post_form(
            client,
            f"/console/supervision/{raised.id}/acknowledge",
            "/console/supervision",
            reason="申请人补交材料延误，已督促承办人今日办结",
        )
        assert done.status_code == 303
        after = client.get(done.headers["location"]).text
        assert "已签收该监察预警" in after and _header_count(after) == 0
        history = client.get("/console/supervision?show=all").text
        assert "市场科长" in history and "申请人补交材料延误，已督促承办人今日办结" in history
        again = post_form(
            client, f"/console/supervision/{raised.id}/acknowledge", "/console/supervision?show=all", reason="再签"
        )
        assert again.status_code == 409
    [kept] = _escalations(hall)
    assert kept.acknowledged_by == head and kept.acknowledged_at is not None
    assert kept.reason == "申请人补交材料延误，已督促承办人今日办结"
    assert ("escalation_ack", "ok") in hall.audit(head) and ("escalation_ack", "refused") in hall.audit(head)

    # Decided: the case leaves the open list; its escalation stays as history.
    admin.decide(engine, late.case_no, "approve", by=hall.hall.approver, result_name="营业执照", force=True)
    with signed_in(hall, hall.hall.supervisor) as client:
        assert late.case_no not in client.get("/console/deadlines").text
        history = client.get("/console/supervision?show=all").text
        assert late.case_no in history and "已不在办" in history


def test_yellow_then_red_raises_one_escalation_per_level(hall, tmp_path):
    engine, org = hall.hall.engine, (hall.hall.org_code,)
    window = open_window(hall, tmp_path / "w", "1号窗口")
    case = window.take("accept", "clerk-a", FOOD)
    window.sync()
    with Session(engine) as session:
        due = session.execute(select(Case.due).where(Case.case_no == case.case_no)).scalar_one()
    assert due is not None
    scan_deadlines(engine, today=due, org_codes=org)  # due today: 黄牌
    scan_deadlines(engine, today=due, org_codes=org)
    assert [e.level for e in _escalations(hall)] == ["near_due"]
    scan_deadlines(engine, today=due + dt.timedelta(days=1), org_codes=org)  # past it: 红牌
    scan_deadlines(engine, today=due + dt.timedelta(days=2), org_codes=org)
    assert [e.level for e in _escalations(hall)] == ["near_due", "overdue"]
    with signed_in(hall, hall.hall.supervisor) as client:
        assert _header_count(client.get("/console/").text) == 2

    # 特别程序 for three weeks, then resumed: the date moves, the old cards no longer hold (and stay).
    approver = hall.hall.approver
    decisions.suspend(engine, case.case_no, "组织专家评审", by=approver)
    with Session(engine) as session, session.begin():
        began = admin.utcnow() - dt.timedelta(days=21)
        session.execute(update(Case).where(Case.case_no == case.case_no).values(suspended_at=began))
    decisions.resume(engine, case.case_no, by=approver, reason="评审结束")
    with Session(engine) as session:
        moved = session.execute(select(Case.due).where(Case.case_no == case.case_no)).scalar_one()
    assert moved is not None and moved > due
    with signed_in(hall, hall.hall.supervisor) as client:
        history = client.get("/console/supervision?show=all").text
        assert history.count(f"期限已变更为 {moved.isoformat()}") == 2
        assert _header_count(history) == 2  # still to be acknowledged: kept, not dropped
