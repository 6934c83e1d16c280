"""The kiosk's touch window under Xvfb, with the virtual reader and printer and a real back office.

An elderly person's card gives a 爱心 priority ticket (the screen shows only the name's first
character), a touch gives an ordinary one; each slip is decoded back from the printer's bytes.
Offline, the kiosk sends the citizen to the 咨询台; with no paper or no printer it takes no
ticket and says so; a citizen cannot close it. A booking made through the public booking API
is checked in by the booker's card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from client.domain.identity import IdCard, id_check_char
from client.kiosk.service import Issued, KioskService, Refusal
from client.kiosk.window import KioskWindow
from devices.virtual import SAMPLE_CARDS
from sync import protocol
from sync.server.booking import slots
from sync.server.db import Ticket, make_engine
from tests.ui.conftest import ARTIFACTS, WindowDriver

ELDERLY = SAMPLE_CARDS[0]  # 王秀英, born 1949
BOOKER = IdCard(
    "张三",
    "男",
    "汉",
    "19850312",
    "山东省潍坊市潍城区",
    "37070219850312001" + id_check_char("37070219850312001"),
    "潍坊市公安局潍城分局",
    "20200101",
    "20400101",
)


@contextmanager
def kiosk_window(service: KioskService, idle_ms: int = 60_000) -> Iterator[WindowDriver]:
    window = KioskWindow(service, idle_ms=idle_ms)
    driver = WindowDriver(window)
    driver.settle(0.3)
    try:
        yield driver
    finally:
        errors = list(window.callback_errors)
        window.close()
        assert errors == [], f"Tk callbacks raised: {errors!r}"


def on_screen(driver: WindowDriver, screen: str) -> KioskWindow:
    window = driver.window
    return driver.pump(lambda: window if window.screen == screen and not window.busy else None, what=f"{screen} screen")


def tickets_of(live_server) -> int:
    engine = create_engine(live_server.db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(Ticket).where(Ticket.org_code == live_server.hall.org_code)
            ).scalar_one()
    finally:
        engine.dispose()


def test_an_elderly_card_gives_a_priority_ticket_and_a_touch_an_ordinary_one(
    kiosk_service, virtual_devices, live_server
):
    printer = virtual_devices.printer
    with kiosk_window(kiosk_service) as driver:
        window = on_screen(driver, "start")
        assert set(window.category_buttons) == {"A", "B", "C"}
        driver.keep_screenshot("kiosk-start.png")

        virtual_devices.reader.place_card(ELDERLY)
        driver.pump(lambda: window.holder is not None and window.screen == "start", what="the card read")
        shown = " ".join(window.texts())
        assert "王** 您好" in shown
        assert ELDERLY.name not in shown and ELDERLY.id_number not in shown and ELDERLY.birth_date not in shown
        driver.screenshot("kiosk-card.png")

        window.category_buttons["A"].invoke()
        on_screen(driver, "ticket")
        priority = window.last
        assert isinstance(priority, Issued) and priority.printed
        assert priority.ticket_no.startswith("P") and priority.priority_label == "老年人优先"
        shown = " ".join(window.texts())
        assert priority.ticket_no in shown and "老年人优先" in shown and "取号成功" in shown
        assert ELDERLY.name not in shown
        driver.keep_screenshot("kiosk-ticket.png")

        slip = printer.last_receipt()
        assert priority.ticket_no in slip.text and "综合受理" in slip.text and "老年人优先" in slip.text
        assert "前面暂无人等候" in slip.text and "取号时间" in slip.text
        assert ELDERLY.name not in slip.text and ELDERLY.id_number not in slip.text
        assert slip.qr_codes == (priority.status_url,) and priority.status_url.startswith(f"{live_server.url}/q/")
        (ARTIFACTS / "kiosk-slip.png").write_bytes(printer.last_png())

        # The card was used once: the next citizen touches a category without one.
        window.back_to_start()
        assert window.holder is None
        window.category_buttons["B"].invoke()
        on_screen(driver, "ticket")
        ordinary = window.last
        assert isinstance(ordinary, Issued) and ordinary.printed
        assert ordinary.ticket_no.startswith("B") and ordinary.priority_label == ""
        slip = printer.last_receipt()
        assert ordinary.ticket_no in slip.text and "企业服务" in slip.text and "前面还有 1 人等候" in slip.text
        assert "老年人优先" not in slip.text
        assert slip.qr_codes == (ordinary.status_url,) and ordinary.status_url != priority.status_url
    assert tickets_of(live_server) == 2


def test_offline_the_kiosk_sends_the_citizen_to_the_information_desk(enrolled_runtime, virtual_devices):
    def unreachable():
        api = enrolled_runtime.services.queue.api()
        api.base_url = "http://127.0.0.1:9"  # nothing listens on the discard port
        return api

    service = KioskService(unreachable, enrolled_runtime.services.hardware)
    with kiosk_window(service) as driver:
        window = on_screen(driver, "start")
        window.category_buttons["A"].invoke()
        on_screen(driver, "offline")
        assert isinstance(window.last, Refusal) and window.last.kind == "offline"
        assert "咨询台" in " ".join(window.texts())
        assert virtual_devices.printer.jobs == []
        driver.keep_screenshot("kiosk-offline.png")


def test_no_paper_or_no_printer_takes_no_ticket_and_says_so(kiosk_service, virtual_devices, live_server):
    printer = virtual_devices.printer
    with kiosk_window(kiosk_service) as driver:
        window = on_screen(driver, "start")
        printer.set_paper_out(True)
        driver.pump(lambda: "缺纸" in " ".join(window.texts()), what="the paper warning on the start screen")
        window.category_buttons["A"].invoke()
        on_screen(driver, "printer")
        assert isinstance(window.last, Refusal) and window.last.kind == "printer"
        assert "缺纸" in " ".join(window.texts()) and "咨询台" in " ".join(window.texts())

        printer.set_paper_out(False)
        virtual_devices.unplug(printer)
        window.back_to_start()
        on_screen(driver, "start").category_buttons["C"].invoke()
        on_screen(driver, "printer")
        assert "未连接" in " ".join(window.texts())
        assert tickets_of(live_server) == 0

        virtual_devices.plug(printer)
        window.back_to_start()
        driver.pump(lambda: "未连接" not in " ".join(window.texts()), what="the printer back")
        on_screen(driver, "start").category_buttons["C"].invoke()
        on_screen(driver, "ticket")
        assert isinstance(window.last, Issued) and window.last.printed
        assert window.last.ticket_no in printer.last_receipt().text
    assert tickets_of(live_server) == 1


def test_a_failed_print_after_the_ticket_was_taken_shows_the_number(kiosk_service, virtual_devices, monkeypatch):
    """The printer said it was ready, then failed: the ticket stands, its number fills the screen."""
    hardware = kiosk_service.hardware

    def jammed(_layout):
        virtual_devices.printer.set_cover_open(True)  # opened mid-print: the driver refuses
        try:
            hardware.printer.call("print_layout", _layout)
        finally:
            virtual_devices.printer.set_cover_open(False)

    monkeypatch.setattr(hardware, "print_layout", jammed)
    with kiosk_window(kiosk_service) as driver:
        window = on_screen(driver, "start")
        window.category_buttons["A"].invoke()
        on_screen(driver, "ticket")
        issued = window.last
        assert isinstance(issued, Issued) and not issued.printed
        shown = " ".join(window.texts())
        assert "号票打印失败，请记住您的号码" in shown and issued.ticket_no in shown
        driver.screenshot("kiosk-print-failed.png")
        assert virtual_devices.printer.jobs == []


def test_idle_returns_to_start_and_a_citizen_cannot_close_it(kiosk_service, virtual_devices):
    with kiosk_window(kiosk_service, idle_ms=500) as driver:
        window = on_screen(driver, "start")
        virtual_devices.reader.place_card(ELDERLY)
        driver.pump(lambda: window.holder is not None, what="the card read")
        driver.pump(lambda: window.holder is None and window.screen == "start", what="the card forgotten when idle")

        window.category_buttons["C"].invoke()
        on_screen(driver, "ticket")
        on_screen(driver, "start")

        driver.key("Escape")
        window.root.event_generate("<Escape>")
        window.root.tk.eval(window.root.protocol("WM_DELETE_WINDOW"))  # the window manager's close button
        driver.settle(0.2)
        assert not window.closed and window.screen == "start"

        window.root.event_generate("<Control-Q>")
        driver.settle(0.2)
        assert window.screen == "exit"
        on_screen(driver, "start")  # nobody confirmed: back to the start screen
        window.root.event_generate("<Control-Q>")
        driver.settle(0.2)
        assert window.confirm_exit is not None
        window.confirm_exit.invoke()
        assert window.closed


def test_with_the_virtual_reader_a_sample_card_is_laid_on_it_by_touch(enrolled_runtime, kiosk_service):
    demo_cards = enrolled_runtime.services.demo_cards
    assert demo_cards is not None
    window = KioskWindow(kiosk_service, demo_cards=demo_cards)
    driver = WindowDriver(window)
    try:
        on_screen(driver, "start")
        window.demo_buttons[ELDERLY.name].invoke()
        driver.pump(lambda: window.holder is not None, what="the sample card read")
        assert "王** 您好" in window.texts()
        window.category_buttons["C"].invoke()
        on_screen(driver, "ticket")
        assert isinstance(window.last, Issued) and window.last.priority_label == "老年人优先"
    finally:
        errors = list(window.callback_errors)
        window.close()
    assert errors == []


@pytest.mark.own_back_office  # bookings are rate-limited per address: not on the shared back office
def test_a_booking_made_on_the_public_page_is_checked_in_by_the_card(kiosk_service, virtual_devices, live_server):
    """云叫号: the booker's card checks the booking in; the ticket takes the booking's category."""
    org = live_server.hall.org_code
    start = (
        (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).astimezone(protocol.CST).replace(second=0, microsecond=0)
    )
    engine = make_engine(live_server.db_url, create=False)
    try:
        slots.set_slots(sessionmaker(engine), org, "B", start.date(), start.time(), start.time(), 30, 1)
    finally:
        engine.dispose()
    [slot] = httpx.get(f"{live_server.url}/b/api/{org}/slots", timeout=30).json()
    booked = httpx.post(
        f"{live_server.url}/b/api/{org}",
        json={"slot_id": slot["id"], "name": BOOKER.name, "id_number": BOOKER.id_number, "phone": "13912345678"},
        timeout=30,
    )
    assert booked.status_code == 200, booked.text

    with kiosk_window(kiosk_service) as driver:
        window = on_screen(driver, "start")
        virtual_devices.reader.place_card(BOOKER)
        driver.pump(lambda: window.holder is not None, what="the card read")
        window.category_buttons["A"].invoke()  # whatever is touched, the booking's category counts
        on_screen(driver, "ticket")
        issued = window.last
        assert isinstance(issued, Issued) and issued.printed
        assert issued.category_label == "企业服务" and issued.ticket_no.startswith("B")
        assert issued.appointment == f"已签到预约（{start:%H:%M} 时段）"
        assert issued.appointment in window.texts()
        slip = virtual_devices.printer.last_receipt()
        assert issued.appointment in slip.text and "企业服务" in slip.text
        assert BOOKER.name not in slip.text and BOOKER.name not in " ".join(window.texts())


def test_the_command_on_an_unenrolled_machine_says_what_to_do(tmp_path, capsys):
    from client.cli import main

    assert main(["kiosk", "--data-dir", str(tmp_path), "--devices", "virtual"]) == 1
    assert "尚未登记" in capsys.readouterr().out
