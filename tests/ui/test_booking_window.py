"""A 云叫号 booking at the window, through the real Tk window against a real back office: the
booking made on the public API is checked in by the dispenser's ticket with the ID number, the
window's F7 calls it before the walk-in who came first, the panel shows 已签到预约 and the
booked matter, and 按预约事项受理 opens the intake with that matter chosen."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy.orm import sessionmaker

from client.domain.identity import id_check_char
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
