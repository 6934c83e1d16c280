"""The 差评 loop closed end to end (issue 20, "Done when"): an applicant's phone opens the QR
link printed at the window, rates 非常不满意 with a reason; the department head finds the work
order, records the call-back and the fix; the applicant rates again by the same QR; the
supervisor closes it; the hall's monthly report shows the 整改率 — all in headless Chromium
against a real back office, the monthly report read back from the PDF the console serves."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
from sqlalchemy import select

from sync import protocol
from sync.server.db import Rating, WorkOrder
from sync.server.demo import DEMO_HEAD, DEMO_ORG_CODE, DEMO_PASSWORD
from tests.public.conftest import PublicHall

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}


def _phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(15_000)
    return context


def _signed_in(browser, url: str, username: str):
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{url}/console/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console/")
    return context, page


def _rate(browser, link: str, level: int, reason: str = "") -> str:
    """The applicant rates on their phone; the thanks page's facts."""
    context = _phone(browser)
    try:
        page = context.new_page()
        page.goto(link)
        page.click(f"label.level-{level}")
        if reason:
            page.click(f"label.reason:has-text('{reason}')")
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "感谢您的评价"
        return page.locator(".facts").inner_text()
    finally:
        context.close()


def test_a_bad_rating_by_qr_is_rectified_rated_again_closed_and_counted(browser, sqlite_hall: PublicHall):
    hall = sqlite_hall
    taken = hall.take_in()
    link = hall.qr_link()  # what the receipt's QR holds: the public page, never the case number
    assert taken.case_no not in link and "/p/" in link

    recorded = _rate(browser, link, 1, "材料要求讲不清、一次性告知不到位")
    assert "非常不满意" in recorded
    with hall.sessions() as session:
        [order] = session.execute(select(WorkOrder).where(WorkOrder.case_id == taken.case_id)).scalars()
        order_id = order.id
        assert order.status == "open"

    # The department head: the work order in their list, the call-back, the fix.
    context, page = _signed_in(browser, hall.url, DEMO_HEAD)
    try:
        page.click("nav.nav >> text=差评整改")
        row = page.locator(f'#work-orders tr[data-id="{order_id}"]')
        assert "非常不满意" in row.inner_text() and "一次性告知不到位" in row.inner_text()
        row.locator("td.no a").click()
        page.wait_for_url(f"{hall.url}/console/work-orders/{order_id}")
        assert "扫码评价" in page.locator("#ratings").inner_text()
        page.fill("#call-back-note", "已电话回访申请人，了解到窗口未一次性讲清需补交的材料。")
        page.click("#call-back-form button[type=submit]")
        page.wait_for_url(f"{hall.url}/console/work-orders/{order_id}?done=call-back")
        page.fill("#answer-note", "已重新培训窗口人员，并按事项印制一次性告知清单。")
        page.click("#rectify")
        page.wait_for_url(f"{hall.url}/console/work-orders/{order_id}?done=rectify")
        assert "已整改" in page.locator("#state").inner_text()
    finally:
        context.close()

    # The applicant, by the same QR: 二次评价.
    assert "满意" in _rate(browser, link, 4)
    with hall.sessions() as session:
        rounds = session.execute(
            select(Rating.round, Rating.level).where(Rating.case_id == taken.case_id).order_by(Rating.round)
        ).all()
    assert [tuple(r) for r in rounds] == [(1, 1), (2, 4)]

    # The supervisor sees the second rating, closes the work order, and opens the month's report.
    context, page = _signed_in(browser, hall.url, "supervisor01")
    try:
        page.goto(f"{hall.url}/console/work-orders/{order_id}")
        assert "满意" in page.locator("#again").inner_text()
        page.fill("#close-note", "整改到位，申请人二次评价满意。")
        page.click("#close")
        page.wait_for_url(f"{hall.url}/console/work-orders/{order_id}?done=close")
        assert "已办结" in page.locator("#state").inner_text()
        month = dt.datetime.now(protocol.CST).strftime("%Y-%m")
        answer = page.context.request.get(
            f"{hall.url}/console/reports/file?kind=monthly&org={DEMO_ORG_CODE}&period={month}&format=pdf"
        )
        assert answer.status == 200
        body = answer.body()
    finally:
        context.close()
    with pdfplumber.open(io.BytesIO(body)) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert "差评整改率" in text and "100.0%" in text
    assert taken.case_no_display in text and "已办结" in text  # the 差评 table: its rectification state
