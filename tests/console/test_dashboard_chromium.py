"""The supervision pages in a real headless Chromium: the hall dashboard takes a new case pushed
by a window without a reload (its script fetches the figures), the 限时办结 board shows its
cards, and 电子监察 lists an escalation with its count in the header until it is acknowledged.

Screenshots: docs/screenshots/console-dashboard.png, console-deadline-board.png and
console-supervision.png.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.domain.catalog import load_sample_catalog
from sync.server import admin, decisions, departments
from sync.server.db import Case, WorkOrder
from sync.server.deadlines import china_date, scan_deadlines
from tests.console.hall_windows import FOOD, LICENCE, open_window
from tests.console.site import sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _today_received(page) -> int:
    return int(page.locator('#total-today [data-f="today-received"]').inner_text())


def test_dashboard_board_and_supervision_in_chromium(page, console, tmp_path):
    engine, org = console.hall.engine, console.hall.org_code
    licence_code = load_sample_catalog().get(LICENCE[0]).department_code
    for username, name in (("clerk-li", "李受理"), ("clerk-zhang", "张受理")):
        admin.add_user(engine, org, f"{username}-{console.hall.tag}", name, "clerk", console.hall.password)
    li, zhang = f"clerk-li-{console.hall.tag}", f"clerk-zhang-{console.hall.tag}"
    approver = f"qian-{console.hall.tag}"
    admin.add_user(engine, org, approver, "钱审批", "approver", console.hall.password)
    departments.set_staff_departments(
        engine, approver, add=[licence_code, load_sample_catalog().get(FOOD[0]).department_code]
    )
    head = f"sun-{console.hall.tag}"
    admin.add_user(engine, org, head, "孙科长", "department_head", console.hall.password)
    departments.set_staff_departments(engine, head, add=[licence_code])

    first, second = open_window(console, tmp_path / "w1", "1号窗口"), open_window(console, tmp_path / "w2", "2号窗口")
    taken = [first.take("accept", li, LICENCE) for _ in range(4)] + [first.take("notify_missing", li, LICENCE)]
    taken += [second.take("accept", zhang, FOOD) for _ in range(3)] + [second.take("refuse", zhang, FOOD)]
    first.rate(taken[0], 5)
    first.rate(taken[1], 1, "slow")
    second.rate(taken[5], 4)
    second.rate(taken[6], 2, "attitude")
    first.sync()
    second.sync()

    # The board's cards: one near its date, one past it, one past it but suspended, one extended.
    today = china_date(admin.utcnow())
    with Session(engine) as session, session.begin():
        for case, due in (
            (taken[1], today),
            (taken[2], today - dt.timedelta(days=6)),
            (taken[3], today - dt.timedelta(days=6)),
        ):
            session.execute(update(Case).where(Case.case_no == case.case_no).values(due=due))
        # One 差评 work order whose rectification deadline has passed.
        session.execute(
            update(WorkOrder).where(WorkOrder.case_id == taken[1].case_id).values(due=today - dt.timedelta(days=2))
        )
    decisions.suspend(engine, taken[3].case_no, "组织听证", by=approver)
    decisions.request_extension(engine, taken[0].case_no, "需现场核查经营场所", by=approver)
    decisions.decide_extension(engine, taken[0].case_no, approve=True, by=head)
    scan_deadlines(engine, org_codes=(org,))

    # The dashboard: a case pushed by a window shows without a reload.
    sign_in(page, console, console.hall.supervisor, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    assert page.locator("#escalation-count").inner_text() == "2"  # the yellow and the red case
    page.click("nav.nav >> text=大厅监控")
    page.wait_for_url(f"{console.url}/console/dashboard")
    page.goto(f"{console.url}/console/dashboard?every=5")
    assert _today_received(page) == len(taken)
    assert page.locator("#work-orders tr.red").count() == 1
    page.evaluate("window.__notReloaded = true")
    late = second.take("accept", zhang, FOOD)
    second.rate(late, 5)
    second.sync()
    # The page's script brings the new figure (the CSP forbids a string predicate here).
    page.locator(f'#total-today [data-f="today-received"]:text-is("{len(taken) + 1}")').wait_for(timeout=30_000)
    assert page.evaluate("window.__notReloaded === true")
    window_row = page.locator('#by-window tr[data-name="2号窗口"]')
    assert window_row.locator('[data-f="today-received"]').inner_text() == "5"
    assert window_row.locator('[data-f="today-ratings"]').inner_text() == "3"
    assert page.locator('#by-clerk tr[data-name="张受理"]').count() == 1
    _shot(page, "console-dashboard.png")

    # The 限时办结 board, and the drill-down to a case.
    page.click("nav.nav >> text=限时办结")
    page.wait_for_url(f"{console.url}/console/deadlines")
    assert "红牌" in page.locator(f'tr[data-case="{taken[2].case_no}"]').inner_text()
    paused = page.locator(f'tr[data-case="{taken[3].case_no}"]').inner_text()
    assert "暂停计时" in paused and "红牌" not in paused
    assert "已延期" in page.locator(f'tr[data-case="{taken[0].case_no}"]').inner_text()
    _shot(page, "console-deadline-board.png")
    page.click(f'tr[data-case="{taken[2].case_no}"] td.no a')
    page.wait_for_url(f"{console.url}/console/cases/{taken[2].case_no}")

    # 电子监察: acknowledge the yellow card with a reason; the red one still waits.
    page.click("#supervision-link")
    page.wait_for_url(f"{console.url}/console/supervision")
    with Session(engine) as session:
        yellow = session.execute(
            select(Case.case_no).where(Case.case_no == taken[1].case_no, Case.warning == "near_due")
        ).scalar_one()
    form = page.locator(f'tr[data-case="{yellow}"] form.ack-form')
    form.locator("textarea").fill("今日到期，已提醒承办人当日办结")
    form.locator("button").click()
    page.wait_for_selector("#done")
    assert page.locator("#escalation-count").inner_text() == "1"
    page.goto(f"{console.url}/console/supervision?show=all")
    acked = page.locator(f'tr[data-case="{yellow}"]').inner_text()
    assert "今日到期，已提醒承办人当日办结" in acked and "签收于" in acked
    _shot(page, "console-supervision.png")
