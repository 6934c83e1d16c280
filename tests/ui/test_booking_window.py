"""A 云叫号 booking at the window, through the real Tk window against a real back office: the
booking made on the public API is checked in by the dispenser's ticket with the ID number, the
window's F7 calls it before the walk-in who came first, the panel shows 已签到预约 and the
booked matter, and 按预约事项受理 opens the intake with that matter chosen."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy.orm import sessionmaker

from client.domain.identity import IdCard, id_check_char
from client.ui.intake import IntakeView
from sync import protocol
from sync.server import cli
from sync.server.booking import slots

BOOKER = "37070219850312001" + id_check_char("37070219850312001")
MATTER = "370702-XK-0001"


def dispense(live_server, *extra: str) -> None:
    assert cli.main(["queue", "take", "--db", live_server.db_url, "--org", live_server.hall.org_code, *extra]) == 0


def panel_text(home) -> str:
    p = home.queue_panel
    return " ".join(w.cget("text") for w in (p.window_label, p.number, p.detail, p.waiting, p.message))


def test_a_booked_ticket_is_called_first_and_its_matter_prepared(counter_window, live_server):
    hall = live_server.hall
    start = (
        (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).astimezone(protocol.CST).replace(second=0, microsecond=0)
    )
    slots.set_slots(sessionmaker(hall.engine), hall.org_code, "A", start.date(), start.time(), start.time(), 30, 2)
    [slot] = httpx.get(f"{live_server.url}/b/api/{hall.org_code}/slots", timeout=30).json()
    booked = httpx.post(
        f"{live_server.url}/b/api/{hall.org_code}",
        json={
            "slot_id": slot["id"],
            "name": "张三",
            "id_number": BOOKER,
            "phone": "13912345678",
            "matter_code": MATTER,
        },
        timeout=30,
    )
    assert booked.status_code == 200, booked.text
    dispense(live_server)  # a walk-in, first in the hall
    dispense(live_server, "--id-number", BOOKER)  # the booker reads their card at the dispenser

    w = counter_window
    home = w.login()
    w.key("F7")
    w.pump(lambda: "请A002号到3号窗口办理" in panel_text(home), what="the booked ticket called")
    text = panel_text(home)
    assert f"已签到预约 {start:%H:%M}" in text and "预约事项：个体工商户设立登记" in text
    button = home.queue_panel.booked
    w.pump(lambda: button.winfo_ismapped(), what="按预约事项受理 shown")
    w.keep_screenshot("queue-appointment.png")
    button.invoke()
    intake = w.pump(lambda: w.window.view if isinstance(w.window.view, IntakeView) else None, what="intake")
    assert intake.matter is not None and intake.matter.code == MATTER


SECOND = IdCard(
    "李四",
    "女",
    "汉",
    "19900101",
    "山东省潍坊市潍城区",
    "37070219900101004" + id_check_char("37070219900101004"),
    "潍坊市公安局潍城分局",
    "20200101",
    "20400101",
)


@pytest.mark.own_back_office  # bookings are rate-limited per address: not on the shared back office
def test_the_window_checks_bookings_in_by_code_and_by_card(counter_window, live_server, virtual_devices):
    """A booker comes to the counter instead of the kiosk: the clerk checks one in by the
    confirmation code, another by the ID card; each slip is printed at the window, a wrong entry
    is refused in words and kept, and F7 calls the checked-in tickets ahead of the walk-in."""
    hall = live_server.hall
    start = (
        (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).astimezone(protocol.CST).replace(second=0, microsecond=0)
    )
    slots.set_slots(sessionmaker(hall.engine), hall.org_code, "A", start.date(), start.time(), start.time(), 30, 2)
    [slot] = httpx.get(f"{live_server.url}/b/api/{hall.org_code}/slots", timeout=30).json()
    codes = []
    for name, number, phone in (("张三", BOOKER, "13912345678"), (SECOND.name, SECOND.id_number, "13812345678")):
        body = {"slot_id": slot["id"], "name": name, "id_number": number, "phone": phone, "matter_code": MATTER}
        booked = httpx.post(f"{live_server.url}/b/api/{hall.org_code}", json=body, timeout=30)
        assert booked.status_code == 200, booked.text
        codes.append(booked.json()["code"])
    dispense(live_server)  # a walk-in, first in the hall: A001

    w = counter_window
    home = w.login()
    panel = home.queue_panel
    panel.check_in_toggle.invoke()
    w.pump(lambda: panel.check_in_row.winfo_ismapped(), what="the check-in row")

    w.type(panel.check_in_entry, "110105194912310021")  # a mistyped ID number: refused here, kept
    w.press(panel.check_in_entry, "Return")
    w.pump(lambda: "校验位错误" in panel.message.cget("text"), what="the refusal")
    assert panel.check_in_entry.get() == "110105194912310021"
    panel.check_in_entry.delete(0, "end")

    w.type(panel.check_in_entry, codes[0].lower())  # as a citizen reads it out
    w.press(panel.check_in_entry, "Return")
    w.pump(lambda: panel.message.cget("text").startswith("已签到：A002号"), what="the code checked in")
    said = panel.message.cget("text")
    assert f"预约 {start:%H:%M} 时段（个体工商户设立登记）" in said and "号票已打印" in said
    assert panel.check_in_entry.get() == ""
    slip = virtual_devices.printer.last_receipt()
    assert "A002" in slip.text and f"已签到预约（{start:%H:%M} 时段）" in slip.text
    assert "张三" not in slip.text and BOOKER not in slip.text

    w.type(panel.check_in_entry, codes[0])  # the same code again: already checked in, with its number
    w.press(panel.check_in_entry, "Return")
    w.pump(lambda: "已于" in panel.message.cget("text"), what="the second check-in refused")
    assert "号码A002" in panel.message.cget("text")
    panel.check_in_entry.delete(0, "end")

    virtual_devices.reader.place_card(SECOND)
    panel.check_in_card_button.invoke()
    w.pump(lambda: panel.message.cget("text").startswith("已签到：A003号"), what="the card checked in")
    w.pump(lambda: "等候 3 人" in panel.waiting.cget("text"), what="the waiting count")
    w.keep_screenshot("window-booking-check-in.png")

    w.key("F7")
    w.pump(lambda: "请A002号到3号窗口办理" in panel_text(home), what="the first booking called")
    w.key("F3")
    w.pump(lambda: "A002号已办结" in panel_text(home), what="done")
    w.key("F7")
    w.pump(lambda: "请A003号到3号窗口办理" in panel_text(home), what="the second booking, still ahead of A001")
