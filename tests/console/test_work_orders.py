"""差评整改 through the console over HTTP, on a real back office (SQLite and PostgreSQL): a
window's pad rating opens a work order that only the case's department head sees; the call-back,
the fix, the supervisor's close; a send-back; the 台账 with its own limit; overdue counted with
the working-day calendar; refused posts that keep what was typed; the rule's page and CLI."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select

from client.domain.deadlines import WorkCalendar
from sync import protocol
from sync.server import departments, ratings, work_orders
from sync.server.cli import main as server_cli
from sync.server.db import Case, RectificationRule, WorkOrder, WorkOrderStep
from sync.server.deadlines import china_date
from sync.server.publishing import current_calendar
from tests.console.site import CSRF, Console, form_token
from tests.support.back_office import open_hall
from tests.support.rating_window import RatingWindow, back_office_on, department_code
from tests.sync.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path) -> Iterator[Console]:
    with back_office_on(request.param, tmp_path / "server", request) as console:
        yield console


@contextmanager
def _signed_in(console: Console, username: str) -> Iterator[httpx.Client]:
    with console.client() as client:
        answer = client.post(
            "/console/login",
            data={"csrf_token": form_token(client), "username": username, "password": console.hall.password},
        )
        assert answer.status_code == 303
        yield client


def _post(client: httpx.Client, page: str, action: str, **fields: str) -> httpx.Response:
    found = CSRF.search(client.get(page).text)
    assert found is not None
    return client.post(action, data={"csrf_token": found.group(1), **fields})


def _head(console: Console, name: str, code: str) -> str:
    username = console.staff("department_head", name)
    departments.set_staff_departments(console.hall.engine, username, add=[code])
    return username


def _other_code(console: Console) -> str:
    codes = [d.code for d in departments.list_departments(console.hall.engine, console.hall.org_code)]
    return next(c for c in codes if c != department_code())


def _order_of(console: Console, case_id: str) -> WorkOrder:
    with console.sessions() as session:
        return session.execute(select(WorkOrder).where(WorkOrder.case_id == case_id)).scalar_one()


def _steps(console: Console, order_id: int) -> list[tuple[str, str]]:
    with console.sessions() as session:
        return [
            (s.action, s.actor)
            for s in session.execute(
                select(WorkOrderStep).where(WorkOrderStep.work_order_id == order_id).order_by(WorkOrderStep.id)
            ).scalars()
        ]


def _calendar(console: Console) -> WorkCalendar:
    with console.sessions() as session:
        return current_calendar(session)


def _after_working_days(start: dt.date, count: int, calendar: WorkCalendar) -> dt.date:
    """Counted here day by day: the day after `start` is the first that may count."""
    day = start
    while count:
        day += dt.timedelta(days=1)
        count -= calendar.is_working_day(day)
    return day


def _rows(html: str) -> list[tuple[str, str]]:
    """(class, work order id) of each row of the list."""
    return re.findall(r'<tr class="([^"]*)" data-id="(\d+)"', html)


def _bad_case(console: Console, fresh_store, reason: str = "attitude") -> tuple[str, str]:
    """A case taken in at a window of the hall, rated 非常不满意 on the pad, pushed."""
    window = RatingWindow.enrol(fresh_store, console.url, console.hall.enrol_code)
    case_id, case_no = window.take_in()
    window.rate(case_id, 1, console.hall.clerk, reason=reason)
    window.sync()
    return case_id, case_no


def _today() -> dt.date:
    return china_date(dt.datetime.now(dt.UTC))


def test_the_department_head_calls_back_and_rectifies_and_the_supervisor_closes(office, fresh_store):
    case_id, case_no = _bad_case(office, fresh_store)
    head = _head(office, "钱科长", department_code())
    other_head = _head(office, "孙科长", _other_code(office))
    approver = office.staff("approver", "李审批")
    order = _order_of(office, case_id)
    page = f"/console/work-orders/{order.id}"
    assert order.due == _after_working_days(_today(), work_orders.DEFAULT_RULE.working_days, _calendar(office))

    with _signed_in(office, other_head) as client:
        empty = client.get("/console/work-orders")
        assert empty.status_code == 200 and case_no not in empty.text and 'id="no-orders"' in empty.text
        assert client.get(page).status_code == 404  # as if it did not exist
    with _signed_in(office, approver) as client:
        answer = client.get("/console/work-orders")
        assert answer.status_code == 403 and "科室负责人和窗口主管" in answer.text

    with _signed_in(office, head) as client:
        listing = client.get("/console/work-orders").text
        assert [int(i) for _cls, i in _rows(listing)] == [order.id]
        row = listing.split(f'data-id="{order.id}"')[1].split("</tr>")[0]
        for shown in ("非常不满意", "服务态度不好", "张敏", _today().isoformat(), order.due.isoformat(), "待回访"):
            assert shown in row
        detail = client.get(page).text
        assert "窗口评价器" in detail and f"/console/cases/{case_no}" in detail and 'id="call-back-form"' in detail
        assert 'id="close-form"' not in detail  # the department does not close its own work order
        assert _post(client, page, f"{page}/close").status_code == 403
        answer = _post(
            client, page, f"{page}/call-back", at=_tz_now(), note="已电话联系申请人，了解到等候时窗口无人解释。"
        )
        assert answer.status_code == 303 and answer.headers["location"].endswith("?done=call-back")
        answer = _post(client, page, f"{page}/rectify", note="已对窗口人员开展服务规范培训，设置引导岗。")
        assert answer.status_code == 303
        assert "等待窗口主管审核办结" in client.get(answer.headers["location"]).text
    assert _order_of(office, case_id).status == "rectified"

    # The applicant rates again online (二次评价), as the public page does.
    with office.sessions.begin() as session:
        case = session.get(Case, case_id)
        ratings.store(session, [ratings.online(case, 5, "", "整改后服务很好", 2)])

    with _signed_in(office, office.hall.supervisor) as client:
        listing = client.get("/console/work-orders").text
        assert str(order.id) in [i for _c, i in _rows(listing)]
        detail = client.get(page).text
        again = detail.split('id="again"')[1].split("</div>")[0]
        assert "非常满意" in again and "扫码评价" in again and "整改后服务很好" in again
        assert _post(client, page, f"{page}/rectify", note="主管代填").status_code == 403
        answer = _post(client, page, f"{page}/close", note="整改到位")
        assert answer.status_code == 303
        closed = client.get(answer.headers["location"]).text
        assert "已办结" in closed and "整改到位" in closed
    done = _order_of(office, case_id)
    assert (done.status, done.closed_by, done.handled_by, done.called_back_by) == (
        "closed",
        office.hall.supervisor,
        head,
        head,
    )
    assert _steps(office, order.id) == [
        ("opened", "system"),
        ("called_back", head),
        ("rectified", head),
        ("closed", office.hall.supervisor),
    ]
    with office.sessions() as session:
        figures = work_orders.rectification_figures(session, [office.hall.org_code], _today(), _today())
    assert (figures.opened, figures.called_back, figures.closed, figures.overdue) == (1, 1, 1, 0)
    assert figures.rectification_rate == 1.0 and figures.callback_rate == 1.0
    assert ("work_order", "refused") in office.audit(other_head)


def test_a_supervisor_sends_it_back_and_the_ledger_gets_its_own_limit(office, fresh_store):
    head = _head(office, "钱科长", department_code())
    with _signed_in(office, office.hall.supervisor) as client:
        answer = _post(client, "/console/rectification-rule", "/console/rectification-rule", days="2", ledger_days="3")
        assert answer.status_code == 303
        assert "仅对今后新生成的整改工单生效" in client.get(answer.headers["location"]).text
    case_id, _case_no = _bad_case(office, fresh_store, reason="slow")
    order = _order_of(office, case_id)
    page = f"/console/work-orders/{order.id}"
    calendar = _calendar(office)
    assert order.due == _after_working_days(_today(), 2, calendar)

    with _signed_in(office, head) as client:
        _post(client, page, f"{page}/call-back", at=_tz_now(), note="已回访")
        assert _post(client, page, f"{page}/explain", note="办理时限符合规定，已向申请人解释").status_code == 303
    with _signed_in(office, office.hall.supervisor) as client:
        assert _post(client, page, f"{page}/reopen", note="").status_code == 400  # a reason is required
        answer = _post(client, page, f"{page}/reopen", note="解释不充分，请重新核实")
        assert answer.status_code == 303
    again = _order_of(office, case_id)
    assert (again.status, again.reopened, again.called_back_at, again.explanation) == ("open", 1, None, "")
    assert again.due == _after_working_days(_today(), 2, calendar)

    with _signed_in(office, head) as client:
        assert "退回 1 次" in client.get("/console/work-orders").text
        _post(client, page, f"{page}/call-back", at=_tz_now(), note="再次回访，申请人反映材料清单不清")
        answer = _post(client, page, f"{page}/ledger", note="需修订事项办事指南，报局务会审定")
        assert answer.status_code == 303
        ledgered = _order_of(office, case_id)
        assert ledgered.status == "ledger"
        assert ledgered.ledger_due == _after_working_days(_today(), 3, calendar)
        shown = client.get(page).text
        assert f'id="deadline">{ledgered.ledger_due.isoformat()}' in shown and "列入台账" in shown
        assert _post(client, page, f"{page}/rectify", note="办事指南已修订并公开").status_code == 303
    with _signed_in(office, office.hall.supervisor) as client:
        assert _post(client, page, f"{page}/close").status_code == 303
    assert [a for a, _ in _steps(office, order.id)] == [
        "opened",
        "called_back",
        "explained",
        "reopened",
        "called_back",
        "ledger",
        "rectified",
        "closed",
    ]
    with office.sessions() as session:
        rule = session.get(RectificationRule, office.hall.org_code)
        assert (rule.working_days, rule.ledger_working_days, rule.updated_by) == (2, 3, office.hall.supervisor)


def test_overdue_counts_working_days_and_shows_red(office, fresh_store):
    """A 差评 rated on a Friday with a one-working-day rule is due the Monday after: overdue
    from Tuesday, and red in the list; a 台账 problem is overdue only after its own limit."""
    head = _head(office, "钱科长", department_code())
    window = RatingWindow.enrol(fresh_store, office.url, office.hall.enrol_code)
    case_id, case_no = window.take_in()
    friday = dt.datetime(2026, 11, 27, 10, 0, tzinfo=protocol.CST)
    with office.sessions.begin() as session:
        work_orders.set_rule(session, office.hall.org_code, 1, 2, "test")
        case = session.get(Case, case_id)
        ratings.store(session, [ratings.online(case, 2, "runs", "", 1, now=friday.astimezone(dt.UTC))])
    order = _order_of(office, case_id)
    monday, tuesday = dt.date(2026, 11, 30), dt.date(2026, 12, 1)
    assert order.due == monday
    orgs = [office.hall.org_code]
    with office.sessions() as session:
        assert work_orders.overdue_orders(session, orgs, monday) == []
        [late] = work_orders.overdue_orders(session, orgs, tuesday)
        assert (late.id, late.case_no, late.deadline, late.status) == (order.id, case_no, monday, "open")
        figures = work_orders.rectification_figures(session, orgs, dt.date(2026, 11, 1), dt.date(2026, 11, 30), tuesday)
        assert (figures.opened, figures.called_back, figures.overdue) == (1, 0, 1)
        assert figures.callback_rate == 0.0 and work_orders.rate_text(figures.rectification_rate) == "0.0%"
        december = work_orders.rectification_figures(session, orgs, dt.date(2026, 12, 1), dt.date(2026, 12, 31))
        assert december.opened == 0 and december.rectification_rate is None

    with _signed_in(office, head) as client:
        listing = client.get("/console/work-orders", params={"show": "overdue"}).text
        assert ("red", str(order.id)) in _rows(listing) and "已超期" in listing
        page = f"/console/work-orders/{order.id}"
        assert 'id="overdue"' in client.get(page).text
        _post(client, page, f"{page}/call-back", at="2026-11-27T15:00", note="已回访")
        _post(client, page, f"{page}/ledger", note="需协调系统厂商")
    ledgered = _order_of(office, case_id)
    with office.sessions() as session:
        on_time = ledgered.ledger_due
        assert on_time is not None and on_time > monday
        assert work_orders.overdue_orders(session, orgs, on_time) == []
        assert [o.id for o in work_orders.overdue_orders(session, orgs, on_time + dt.timedelta(days=1))] == [order.id]


def test_refused_posts_keep_what_was_typed(office, fresh_store):
    case_id, _case_no = _bad_case(office, fresh_store)
    head = _head(office, "钱科长", department_code())
    page = f"/console/work-orders/{_order_of(office, case_id).id}"
    note = "与申请人通话二十分钟，申请人反映窗口人员态度生硬"
    with _signed_in(office, head) as client:
        answer = _post(client, page, f"{page}/call-back", at="", note=note)
        assert answer.status_code == 400 and "请填写回访时间" in answer.text and note in answer.text
        answer = _post(client, page, f"{page}/call-back", at="明天上午", note=note)
        assert answer.status_code == 400 and "回访时间格式不正确" in answer.text and note in answer.text
        tomorrow = (dt.datetime.now(protocol.CST) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        answer = _post(client, page, f"{page}/call-back", at=tomorrow, note=note)
        assert answer.status_code == 400 and "不能晚于现在" in answer.text and tomorrow in answer.text
        answer = _post(client, page, f"{page}/call-back", at="2020-01-01T09:00", note=note)
        assert answer.status_code == 400 and "不能早于申请人作出评价的时间" in answer.text
        answer = _post(client, page, f"{page}/call-back", at=_tz_now(), note="")
        assert answer.status_code == 400 and "请填写回访情况" in answer.text
        long = "很" * (work_orders.MAX_NOTE + 1)
        answer = _post(client, page, f"{page}/call-back", at=_tz_now(), note=long)
        assert answer.status_code == 400 and "不能超过" in answer.text and long in answer.text
        answer = _post(client, page, f"{page}/rectify", note="提前整改")
        assert answer.status_code == 409 and "工单状态已经变化" in answer.text and "提前整改" in answer.text
        answer = client.post(f"{page}/call-back", data={"at": _tz_now(), "note": note})  # no form token
        assert answer.status_code == 403
    assert _order_of(office, case_id).status == "open"  # nothing moved
    with _signed_in(office, office.hall.supervisor) as client:
        answer = _post(client, "/console/rectification-rule", "/console/rectification-rule", days="0", ledger_days="30")
        assert answer.status_code == 400 and "1到60个工作日" in answer.text and 'value="0"' in answer.text
        answer = _post(client, "/console/rectification-rule", "/console/rectification-rule", days="十", ledger_days="3")
        assert answer.status_code == 400 and "请填写整数" in answer.text
        answer = _post(client, "/console/rectification-rule", "/console/rectification-rule", days="15", ledger_days="5")
        assert answer.status_code == 400 and "台账期限不能短于整改期限" in answer.text and 'value="15"' in answer.text
    with office.sessions() as session:
        assert session.get(RectificationRule, office.hall.org_code) is None
    assert (
        server_cli(
            [
                "rectification-rule",
                "--db",
                office.db_url,
                "--org",
                office.hall.org_code,
                "--days",
                "61",
                "--ledger-days",
                "61",
            ]
        )
        == 1
    )
    assert (
        server_cli(
            [
                "rectification-rule",
                "--db",
                office.db_url,
                "--org",
                office.hall.org_code,
                "--days",
                "5",
                "--ledger-days",
                "20",
                "--by",
                "ops",
            ]
        )
        == 0
    )
    with office.sessions() as session:
        assert work_orders.rule_for(session, office.hall.org_code) == work_orders.Rule(5, 20)
    assert _order_of(office, case_id).due == _after_working_days(_today(), 10, _calendar(office))  # unchanged


def _tz_now() -> str:
    return dt.datetime.now(protocol.CST).strftime("%Y-%m-%dT%H:%M")


def test_a_village_case_reaches_the_county_and_no_other_hall(office, fresh_store):
    """A village station's 差评 goes to the county department that decides its matter; the
    county's supervisor sees it (units below theirs), another hall's supervisor does not."""
    window = RatingWindow.enrol(fresh_store, office.url, office.hall.village_enrol_code)
    case_id, case_no = window.take_in()
    window.rate(case_id, 2, office.hall.clerk, reason="runs")
    window.sync()
    order = _order_of(office, case_id)
    assert order.org_code == office.hall.village_code
    head = _head(office, "钱科长", department_code())
    elsewhere = open_hall(office.hall.engine)
    stranger = elsewhere.supervisor
    for username in (head, office.hall.supervisor):
        with _signed_in(office, username) as client:
            assert ("", str(order.id)) in _rows(client.get("/console/work-orders").text)
            assert case_no in client.get(f"/console/work-orders/{order.id}").text
    with _signed_in(office, stranger) as client:
        assert str(order.id) not in [i for _c, i in _rows(client.get("/console/work-orders").text)]
        assert client.get(f"/console/work-orders/{order.id}").status_code == 404
    with office.sessions() as session:
        figures = work_orders.rectification_figures(session, [office.hall.village_code], _today(), _today())
        county_only = work_orders.rectification_figures(session, [office.hall.org_code], _today(), _today())
    assert (figures.opened, county_only.opened) == (1, 0)
