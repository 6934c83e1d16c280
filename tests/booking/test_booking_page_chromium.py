"""A citizen's phone: headless Chromium at 390×844, no JavaScript, books a slot through the
public page (category, matter, slot, name, ID number, phone), gets the confirmation code, is
refused a second booking of the same slot, and finds the booking again with code and phone.
Screenshots: docs/screenshots/booking-phone.png, booking-done-phone.png."""

from __future__ import annotations

import shutil

from tests.booking.site import MATTER, SCREENSHOTS, tomorrow, valid_id
from tests.console.conftest import browser  # noqa: F401  (Chromium, once per session)
from tests.console.site import ARTIFACTS

PHONE = {"width": 390, "height": 844}
PERSON = valid_id("37070219850312001")


def _shot(page, name: str, whole: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=whole)
    shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)


def test_a_phone_books_a_slot_through_the_page(browser, sqlite_office):  # noqa: F811
    office = sqlite_office
    office.open_slots(tomorrow(), first="09:00", last="11:00", capacity=3)
    office.open_slots(tomorrow(), first="14:00", last="15:00", capacity=2, category="B")
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(f"{office.url}/b/{office.org_code}")
        page.click("nav.tabs a:has-text('综合受理')")
        assert "企业服务" not in page.locator("fieldset").inner_text()  # only category A's slots now
        page.click("label.slot:has-text('09:30')")
        page.select_option("select[name=matter]", MATTER)
        page.fill("input[name=name]", "张三")
        page.fill("input[name=id_number]", PERSON)
        page.fill("input[name=phone]", "13912345678")
        _shot(page, "booking-phone.png")
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "预约成功"
        code = page.locator(".code").inner_text()
        assert len(code) == 8
        facts = page.locator(".facts").inner_text()
        assert "09:30" in facts and "综合受理" in facts and "已预约" in facts
        _shot(page, "booking-done-phone.png")

        page.goto(f"{office.url}/b/{office.org_code}")
        assert "余 2 个" in page.locator("label.slot:has-text('09:30')").inner_text()
        page.click("label.slot:has-text('09:30')")
        page.fill("input[name=name]", "张三")
        page.fill("input[name=id_number]", PERSON)
        page.fill("input[name=phone]", "13912345678")
        page.click("button[type=submit]")
        assert page.locator(".error").inner_text() == "您已预约了这个时段，同一人同一时段只能预约一次"
        assert office.bookings() == 1

        page.goto(f"{office.url}/b/{office.org_code}/mine")
        page.fill("input[name=code]", code.lower())
        page.fill("input[name=phone]", "13912345678")
        page.click("button[value=look]")
        assert page.locator("h1").inner_text() == "我的预约"
        assert "09:30" in page.locator(".facts").inner_text()
    finally:
        context.close()
