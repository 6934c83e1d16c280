"""An applicant's phone: headless Chromium at 390×844 opens the receipt's QR link, sees the
progress, rates 非常不满意 with a reason, and the 差评's work order exists for the case's
department. Screenshots: docs/screenshots/public-{progress,rating,thanks,not-found}-phone.png."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from sync.server.db import Case, Department, Rating, WorkOrder
from tests.console.site import ARTIFACTS
from tests.public.conftest import MATTER, PublicHall

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


def _shot(page, name: str, whole: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=whole)
    shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)


def test_a_phone_rates_very_dissatisfied_and_a_work_order_opens(browser, sqlite_hall: PublicHall):
    hall = sqlite_hall
    result = hall.take_in()
    link = hall.qr_link()
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(link)
        assert page.locator("h1").inner_text() == hall.runtime.services.intake.matter(MATTER).name
        assert "已受理，正在审批" in page.locator(".status").inner_text()
        assert "欧阳**" in page.locator(".facts").inner_text()
        _shot(page, "public-progress-phone.png")

        page.click("label.level-1")
        page.click("label.reason:has-text('服务态度不好')")
        page.fill("textarea[name=comment]", "窗口工作人员解释材料要求时不耐烦。")
        page.locator("#rate").scroll_into_view_if_needed()
        _shot(page, "public-rating-phone.png", whole=False)  # the filled form, as the phone shows it
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "感谢您的评价"
        recorded = page.locator(".facts").inner_text()
        assert "非常不满意" in recorded and "服务态度不好" in recorded
        _shot(page, "public-thanks-phone.png")

        page.goto(f"{hall.url}/p/this-is-not-a-real-token-at-all")
        assert page.locator("h1").inner_text() == "未找到办件"
        _shot(page, "public-not-found-phone.png")
    finally:
        context.close()

    with hall.sessions() as session:
        case = session.get(Case, result.case_id)
        assert case is not None
        [rating] = session.execute(select(Rating).where(Rating.case_id == case.id, Rating.channel == "web")).scalars()
        assert (rating.level, rating.reason, rating.round) == (1, "attitude", 1)
        [order] = session.execute(select(WorkOrder).where(WorkOrder.case_id == case.id)).scalars()
        assert order.rating_id == rating.id and order.status == "open"
        department = session.get(Department, order.department_id)
        assert department is not None and department.id == case.department_id and department.org_code == case.org_code
