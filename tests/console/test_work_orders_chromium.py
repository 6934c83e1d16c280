"""差评整改 in a real headless Chromium: the department head finds the work order in the list
(overdue in red), records the call-back and the fix through the forms; the supervisor sees the
applicant's second rating beside the close form and closes it; the supervisor's rule page."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import select

from sync import protocol
from sync.server import departments, ratings, work_orders
from sync.server.db import Case, WorkOrder
from tests.console.site import ARTIFACTS, Console, sign_in
from tests.support.rating_window import RatingWindow, department_code

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _keep(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)


def _head(console: Console) -> str:
    username = console.staff("department_head", "钱科长")
    departments.set_staff_departments(console.hall.engine, username, add=[department_code()])
    return username


def test_the_department_head_rectifies_and_the_supervisor_closes_in_chromium(page, console, fresh_store):
    window = RatingWindow.enrol(fresh_store, console.url, console.hall.enrol_code)
    case_id, case_no = window.take_in()
    window.rate(case_id, 1, console.hall.clerk, reason="attitude")
    late_id, _late_no = window.take_in()
    window.sync()
    with console.sessions.begin() as session:  # an older 差评 from the online page, long overdue
        late = session.get(Case, late_id)
        rated = dt.datetime(2026, 11, 2, 9, 30, tzinfo=protocol.CST).astimezone(dt.UTC)
        ratings.store(session, [ratings.online(late, 2, "slow", "等了一个多小时", 1, now=rated)])
    with console.sessions() as session:
        order_id = session.execute(select(WorkOrder.id).where(WorkOrder.case_id == case_id)).scalar_one()
        late_order = session.execute(select(WorkOrder.id).where(WorkOrder.case_id == late_id)).scalar_one()
    head = _head(console)

    sign_in(page, console, head, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.click("nav.nav >> text=差评整改")
    page.wait_for_url(f"{console.url}/console/work-orders")
    overdue_row = page.locator(f'#work-orders tr[data-id="{late_order}"]')
    assert "red" in (overdue_row.get_attribute("class") or "") and "已超期" in overdue_row.inner_text()
    fresh_row = page.locator(f'#work-orders tr[data-id="{order_id}"]')
    assert "red" not in (fresh_row.get_attribute("class") or "")
    assert "非常不满意" in fresh_row.inner_text() and "服务态度不好" in fresh_row.inner_text()
    _keep(page, "console-work-orders.png")

    fresh_row.locator("td.no a").click()
    page.wait_for_url(f"{console.url}/console/work-orders/{order_id}")
    assert "窗口评价器" in page.locator("#ratings").inner_text()
    page.fill("#call-back-note", "已电话回访申请人，申请人反映窗口人员解释材料要求时语气生硬。")
    page.click("#call-back-form button[type=submit]")
    page.wait_for_url(f"{console.url}/console/work-orders/{order_id}?done=call-back")
    assert "已记录回访" in page.locator("#done").inner_text()
    page.click("#rectify")  # nothing typed: the browser's own check keeps the post from leaving
    assert page.url.endswith("?done=call-back")
    page.fill("#answer-note", "已对该窗口人员进行服务规范教育，并在窗口增设一次性告知单。")
    _keep(page, "console-work-order.png")
    page.click("#rectify")
    page.wait_for_url(f"{console.url}/console/work-orders/{order_id}?done=rectify")
    assert "已整改" in page.locator("#state").inner_text()

    with console.sessions.begin() as session:  # the applicant rates again by the notice's QR
        ratings.store(session, [ratings.online(session.get(Case, case_id), 4, "", "态度好多了", 2)])

    page.context.clear_cookies()
    sign_in(page, console, console.hall.supervisor, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.goto(f"{console.url}/console/work-orders/{order_id}")
    again = page.locator("#again").inner_text()
    assert "满意" in again and "扫码评价" in again and "态度好多了" in again
    page.fill("#close-note", "整改措施到位，申请人二次评价满意。")
    page.click("#close")
    page.wait_for_url(f"{console.url}/console/work-orders/{order_id}?done=close")
    assert "已办结" in page.locator("#state").inner_text()
    assert "办结" in page.locator("#steps").inner_text()
    with console.sessions() as session:
        order = session.get(WorkOrder, order_id)
        assert (order.status, order.closed_by) == ("closed", console.hall.supervisor)

    page.goto(f"{console.url}/console/work-orders")
    page.click("#rule-link")
    page.wait_for_url(f"{console.url}/console/rectification-rule")
    page.fill("#days", "5")
    page.fill("#ledger_days", "20")
    page.click("#rule-form button[type=submit]")
    page.wait_for_url(f"{console.url}/console/rectification-rule?done=1")
    assert "仅对今后新生成的整改工单生效" in page.locator("#done").inner_text()
    _keep(page, "console-rectification-rule.png")
    with console.sessions() as session:
        assert work_orders.rule_for(session, console.hall.org_code) == work_orders.Rule(5, 20)
