"""The service bus through the real window: load the run, open an appointment as a prepared
intake, conclude one on the spot, collect one with a signature, record a missed visit.
Screenshots: docs/screenshots/outreach-*.png (the window is 1366 wide, for the bus laptop)."""

from __future__ import annotations

import datetime as dt
import math

from client.ui.detail import CaseDetailView
from client.ui.outreach import OutreachIntakeView, OutreachView
from client.ui.result import ResultView
from client.ui.signature import SignaturePad
from client.ui.supervisor import SupervisorView
from devices.idcard import IdCard
from sync.server import admin
from sync.server import outreach as server_outreach
from tests.ui.test_small_screen import check

PEOPLE = (
    ("王秀英", "11010519491231002X", "370702-GG-0038", "城乡居民基本养老保险参保登记"),
    ("李建国", "34052419800101001X", "370702-GG-0036", "80周岁以上老年人高龄津贴申请"),
    ("张桂兰", "", "370702-GG-0027", "公证"),
    ("刘德福", "", "370702-GG-0030", "城乡居民基本医疗保险参保登记"),
)


def _plan(live_server) -> str:
    run = server_outreach.plan_run(
        live_server.db_url,
        live_server.hall.org_code,
        dt.date.today(),
        "370702103000",
        [live_server.hall.clerk, live_server.hall.user("worker01")],
        area_name="乐埠山生态发展区",
        note="上午东村，下午西村",
    )
    for i, (name, id_number, matter, _label) in enumerate(PEOPLE):
        server_outreach.add_appointment(
            live_server.db_url,
            run.id,
            name=name,
            id_number=id_number,
            address=f"乐埠山生态发展区东村{i + 3}排{i + 5}号",
            matter_code=matter,
            phone=f"1390536{i:04d}",
            booked_via="电话" if i % 2 else "村级代办点",
        )
    return run.id


def _card(name, id_number, address="山东省潍坊市潍城区乐埠山生态发展区东村"):
    return IdCard(
        name,
        "女" if int(id_number[16]) % 2 == 0 else "男",
        "汉",
        id_number[6:14],
        address,
        id_number,
        "潍坊市公安局潍城分局",
        "20200101",
        "长期",
    )


def _select(w, view, position):
    iid = next(a.id for a in view.appointments if a.position == position)
    view.table.selection_set(iid)
    view.table.focus(iid)
    view.table.focus_set()
    w.window.root.update()


def _open_intake(w, view, position, card, virtual_devices):
    win = w.window
    _select(w, view, position)
    w.key("Return")
    intake = w.pump(lambda: win.view if isinstance(win.view, OutreachIntakeView) else None, what="prepared intake")
    assert intake.matter is not None and intake.matter.code == PEOPLE[position - 1][2]
    assert intake.name.get() == PEOPLE[position - 1][0]
    virtual_devices.reader.place_card(card)
    w.key("F3")
    w.pump(
        lambda: "核验" in intake.message.cget("text") or "不一致" in intake.message.cget("text"), what="card verified"
    )
    w.key("F7")
    return intake


def _back_to_run(w, result):
    win = w.window
    assert result.home_button.cget("text") == "返回行程（Enter）"
    w.key("Return")
    return w.pump(
        lambda: win.view if isinstance(win.view, OutreachView) and win.view.appointments else None, what="outreach list"
    )


def test_a_bus_day_through_the_window(counter_window, live_server, enrolled_runtime, virtual_devices):
    run_id = _plan(live_server)
    enrolled_runtime.services.preferences.save(
        enrolled_runtime.services.preferences.load().__class__("", "58", 15, 5)
    )  # portable 58 mm printer
    w = counter_window
    win = w.window
    home = w.login()
    # F8 opens the service bus; while the queue panel is on (a shift is open) F8 is 重呼 and Shift+F8 it is.
    shifted = home.queue_panel is not None
    assert home.keys["Shift-F8" if shifted else "F8"] == win.show_outreach
    w.screenshot("outreach-home.png")
    (win.root.focus_get() or win.root).event_generate("<KeyPress-F8>", state=1 if shifted else 0)
    view = w.pump(lambda: win.view if isinstance(win.view, OutreachView) else None, what="outreach view")
    w.key("F5")
    view = w.pump(lambda: view.appointments and view, what="run loaded")
    assert view.run.id == run_id and view.run.planned == 4
    assert [a.name for a in view.appointments] == [p[0] for p in PEOPLE]
    assert "已下载1个行程" in view.message.cget("text")
    check(w, "outreach list")  # fits the bus laptop's 1366×768 screen
    w.screenshot("outreach-run.png")

    # 1: an immediate matter, concluded and printed on the spot (58 mm); the applicant signs
    # for the result handed over at the door, and that is the 出件 on record.
    intake = _open_intake(w, view, 1, _card(*PEOPLE[0][:2]), virtual_devices)
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：当场办结" and not intake.busy, what="conclude")
    assert intake.message.cget("text") == "已核验：持证人与预约人一致"
    check(w, "prepared intake")
    w.screenshot("outreach-intake.png")
    w.key("F9")
    pad = w.pump(lambda: getattr(intake, "pad", None), what="signature pad for the hand-over")
    assert pad.prompt == "王秀英：事项已当场办结，请确认已收到办理结果，在下方签名"
    pad.draw([(40 + 6 * t, 110 + 30 * math.sin(t / 3)) for t in range(60)])
    w.pump(lambda: len(pad.strokes) == 1, what="stroke")
    w.screenshot("outreach-handover-signature.png")
    pad.done()
    result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result")
    assert result.result.outcome == "conclude"
    handed = enrolled_runtime.services.cases.detail(result.result.case_id)
    assert handed.summary.status == "delivered" and "窗口出件" in [t.label for t in handed.timeline]
    receipt = virtual_devices.printer.last_receipt()
    assert "王秀英"[0] in receipt.text and result.result.case_no_display.replace("-", "") in "".join(
        receipt.barcodes
    ).replace("-", "")
    w.pump(lambda: result.previews.winfo_children(), what="receipt preview")
    w.screenshot("outreach-concluded.png")
    view = _back_to_run(w, result)
    assert view.appointments[0].outcome == "concluded"

    # 2: a promised matter, collected with the applicant's signature on the pad.
    intake = _open_intake(w, view, 2, _card(*PEOPLE[1][:2]), virtual_devices)
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理" and not intake.busy, what="accept")
    w.key("F9")
    pad = w.pump(lambda: getattr(intake, "pad", None), what="signature pad")
    assert isinstance(pad, SignaturePad)
    pad.done()  # an empty pad is refused
    assert "请申请人在签名框内签名" in pad.message.cget("text")
    pad.draw([(40 + 6 * t, 110 + 40 * math.sin(t / 4)) for t in range(70)])
    pad.draw([(150, 60), (170, 150), (200, 70), (230, 140)])
    w.pump(lambda: len(pad.strokes) == 2, what="strokes")
    w.screenshot("outreach-signature.png")
    pad.done()
    result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result")
    assert result.result.outcome == "accept"
    view = _back_to_run(w, result)
    collected = view.appointments[1]
    assert collected.outcome == "collected" and collected.case_no_display

    # 3: nobody at home.
    _select(w, view, 3)
    w.key("F7")
    assert view.missed.winfo_ismapped()
    view.reason.set("改约")
    w.type(view.reason_text, "家属电话改约到28日")
    check(w, "missed visit form")
    w.screenshot("outreach-missed-reason.png")
    w.press(view.reason_text, "Return")
    w.pump(lambda: view.appointments[2].outcome == "missed", what="missed recorded")
    assert view.appointments[2].reason_label == "改约：家属电话改约到28日"
    assert "已登记" in view.message.cget("text")
    w.pump(lambda: view.run.missed == 1, what="tally")
    assert (view.run.concluded, view.run.collected, view.run.missed, view.run.open) == (1, 1, 1, 1)
    w.screenshot("outreach-missed.png")

    # On return the run syncs; the back office sees what was done.
    status = enrolled_runtime.services.sync.sync_now()
    assert status.pending == 0 and status.rejected == 0 and status.error == ""
    tally = server_outreach.tally(server_outreach.show_run(live_server.db_url, run_id))
    assert (tally.concluded, tally.collected, tally.missed, tally.open) == (1, 1, 1, 1)
    admin.decide(
        live_server.db_url, collected.case_no_display, "approve", by=live_server.hall.approver
    )  # the result is ready
    enrolled_runtime.services.sync.sync_now()

    # The supervisor sees the run and what waits to be mailed.
    win.lock()
    win.overlay.on_switch_user()
    home = w.login(live_server.hall.supervisor, "123456")
    w.key("F9")
    sup = w.pump(
        lambda: win.view if isinstance(win.view, SupervisorView) and win.view.outreach else None, what="supervisor view"
    )
    assert sup.outreach.runs[0].label.startswith(f"{dt.date.today():%Y-%m-%d} 乐埠山生态发展区")
    assert [m.case_no_display for m in sup.outreach.awaiting_mail] == [collected.case_no_display]
    w.screenshot("outreach-supervisor.png")

    # The result is mailed to the visited address, postage paid by the office.
    win.show_case(collected.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )
    w.pump(lambda: detail.address.get() == collected.address, what="visited address filled in")
    w.type(detail.tracking, "EA123456789CN")
    detail.mail()
    w.pump(lambda: "邮寄费用由政府承担" in detail.message.cget("text"), what="mailed")
    w.screenshot("outreach-mail.png")
