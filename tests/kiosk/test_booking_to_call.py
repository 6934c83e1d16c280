"""云叫号 end to end (issue #22): a booking made on the public page is checked in at the kiosk
and called ahead of the walk-ins of its slot.

Real parts throughout: a back office process of the test's own, the kiosk's touch window under
Xvfb with the virtual reader and printer, a phone in headless Chromium without JavaScript, and
the clerk's own queue client at window 3. The slot starts 9 to 10 minutes from now, so it can
still be booked and its check-in (from 15 minutes before the start) is already open.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy.orm import sessionmaker

from client.kiosk.service import Issued
from sync import protocol
from sync.server.booking import slots
from sync.server.db import make_engine
from tests.booking.site import MATTER
from tests.kiosk.conftest import PHONE
from tests.kiosk.test_kiosk_window import BOOKER, kiosk_window, on_screen, tickets_of

MOBILE = "13912345678"


def open_slot_soon(live_server, category: str, capacity: int) -> dt.datetime:
    """One slot of `category` starting on the minute 9 to 10 minutes from now (China time)."""
    start = (
        (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).astimezone(protocol.CST).replace(second=0, microsecond=0)
    )
    engine = make_engine(live_server.db_url, create=False)
    try:
        made = slots.set_slots(
            sessionmaker(engine),
            live_server.hall.org_code,
            category,
            start.date(),
            start.time(),
            start.time(),
            30,
            capacity,
        )
    finally:
        engine.dispose()
    assert made == 1
    return start


def book_on_the_phone(page, booking_page: str, start: dt.datetime) -> tuple[str, str]:
    """The booker's phone books the slot on the public page: (confirmation code, matter name)."""
    page.goto(booking_page)
    page.click("nav.tabs a:has-text('企业服务')")
    slot = page.locator(f"label.slot:has-text('{start:%H:%M}')")
    assert "企业服务" in slot.inner_text() and "余 2 个" in slot.inner_text()
    slot.click()
    page.select_option("select[name=matter]", MATTER)
    matter_name = page.locator(f"select[name=matter] option[value='{MATTER}']").inner_text().strip()
    assert matter_name
    page.fill("input[name=name]", BOOKER.name)
    page.fill("input[name=id_number]", BOOKER.id_number)
    page.fill("input[name=phone]", MOBILE)
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "预约成功"
    code = page.locator(".code").inner_text().strip()
    assert len(code) == 8
    facts = page.locator(".facts").inner_text()
    assert f"{start:%H:%M}" in facts and "企业服务" in facts and matter_name in facts and "已预约" in facts
    return code, matter_name


@pytest.mark.own_back_office  # bookings are rate-limited per address: not on the shared back office
def test_a_booking_from_the_public_page_is_checked_in_at_the_kiosk_and_called_first(
    enrolled_runtime, kiosk_service, virtual_devices, live_server, browser
):
    org = live_server.hall.org_code
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    services.shifts.open(clerk, "3号窗口")
    queue = services.queue
    printer = virtual_devices.printer

    # 1. The hall opens a category-B slot starting in about 10 minutes, two places.
    start = open_slot_soon(live_server, "B", 2)

    with kiosk_window(kiosk_service) as driver:
        window = on_screen(driver, "start")

        # 2. Two walk-ins take B tickets first: one by touch at the kiosk, one at the guide's desk.
        window.category_buttons["B"].invoke()
        on_screen(driver, "ticket")
        first = window.last
        assert isinstance(first, Issued) and first.printed
        assert first.ticket_no.startswith("B") and first.appointment == ""
        slip = printer.last_receipt()
        assert first.ticket_no in slip.text and "企业服务" in slip.text and "已签到预约" not in slip.text
        second = queue.take("B")
        assert second.ticket_no.startswith("B") and second.appointment_at is None
        assert second.ticket_no != first.ticket_no
        window.back_to_start()
        on_screen(driver, "start")

        # 3. The booker's phone books that slot on the public page, without JavaScript.
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            java_script_enabled=False,
        )
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            code, matter_name = book_on_the_phone(page, f"{live_server.url}/b/{org}", start)

            # 4. At the kiosk the booker lays the card on the reader and touches any category.
            virtual_devices.reader.place_card(BOOKER)
            driver.pump(lambda: window.holder is not None, what="the card read")
            window.category_buttons["A"].invoke()  # the booking's category counts, not the touch
            on_screen(driver, "ticket")
            booked = window.last
            assert isinstance(booked, Issued) and booked.printed
            assert booked.ticket_no.startswith("B") and booked.category_label == "企业服务"
            assert booked.waiting_ahead == 0  # the two walk-ins wait behind a checked-in booking
            assert booked.appointment == f"已签到预约（{start:%H:%M} 时段）：{matter_name}"
            assert booked.appointment in window.texts()
            slip = printer.last_receipt()
            assert booked.ticket_no in slip.text and "已签到预约" in slip.text and f"{start:%H:%M}" in slip.text
            assert "前面暂无人等候" in slip.text
            assert BOOKER.name not in slip.text and BOOKER.id_number not in slip.text
            assert slip.qr_codes == (booked.status_url,)
            assert len(printer.jobs) == 2
            assert tickets_of(live_server) == 3

            # 5. Window 3 calls next through the clerk's own queue client: the booking first.
            called = queue.call_next()
            assert called.available and called.current is not None
            assert called.current.ticket_no == booked.ticket_no
            assert called.message == f"请{booked.ticket_no}号到3号窗口办理"
            assert called.current.appointment_matter == MATTER
            assert called.current.appointment_matter_name == matter_name
            assert called.current.appointment_time == f"{start:%H:%M}"
            assert called.waiting == 2
            assert queue.done(called.current.id).message == f"{booked.ticket_no}号已办结"
            nxt = queue.call_next().current
            assert nxt is not None and nxt.ticket_no == first.ticket_no and nxt.appointment_matter is None
            queue.done(nxt.id)
            last = queue.call_next().current
            assert last is not None and last.ticket_no == second.ticket_no

            # 6. The booking's public look-up now says 已签到, on the page and by the API.
            page.goto(f"{live_server.url}/b/{org}/mine")
            page.fill("input[name=code]", code)
            page.fill("input[name=phone]", MOBILE)
            page.click("button[value=look]")
            assert page.locator("h1").inner_text() == "我的预约"
            facts = page.locator(".facts").inner_text()
            assert "已签到" in facts and f"{start:%H:%M}" in facts and matter_name in facts
            assert page.locator(".notice").count() == 0  # no "come at ..." reminder once checked in
        finally:
            context.close()

    answer = httpx.post(f"{live_server.url}/b/api/lookup", json={"code": code, "phone": MOBILE}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["status_label"]) == ("checked_in", "已签到")
