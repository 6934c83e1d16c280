"""The thin path driven through the clerk's window, with screenshots."""

from __future__ import annotations

import os
import subprocess
import sys

from PIL import Image

from client.ui.detail import CaseDetailView
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.login import LoginView
from client.ui.result import ResultView
from client.ui.shift import ShiftOpenView


def _page(tmp_path):
    path = tmp_path / "申请书.png"
    Image.new("RGB", (600, 800), (240, 240, 255)).save(path)
    return path


def test_clerk_takes_in_a_case_and_delivers_the_result(tmp_path, counter_window, live_server, virtual_devices):
    from devices.virtual import SAMPLE_CARDS

    w = counter_window
    win = w.window
    assert "演示模式" in win.root.title()
    login = win.view
    assert isinstance(login, LoginView)
    w.screenshot("login.png")

    # A wrong password shows a Chinese message and keeps the user name.
    w.type(login.username, live_server.clerk)
    w.type(login.password, "wrong")
    w.press(login.password, "Return")
    w.pump(lambda: login.error.cget("text"), what="login error")
    assert login.error.cget("text") == "用户名或密码错误"
    assert login.username.get() == live_server.clerk

    w.type(login.password, "123456")
    w.press(login.password, "Return")
    w.pump(lambda: isinstance(win.view, ShiftOpenView), what="开班 view")
    w.open_shift("3")
    w.pump(lambda: isinstance(win.view, HomeView), what="home view")
    assert "张敏" in win.who.cget("text")

    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake view")

    # Typed ID numbers are checked live.
    w.type(intake.id_number, "110105194912310021")
    assert "校验位错误" in intake.id_status.cget("text")
    intake.id_number.delete(0, "end")

    card = SAMPLE_CARDS[0]
    virtual_devices.reader.place_card(card)
    w.key("F3")
    w.pump(lambda: intake.id_number.get() == card.id_number, what="card read")
    assert intake.name.get() == card.name
    assert intake.id_status.cget("text").startswith("身份证号码有效")

    w.type(intake.search, "个体")
    assert intake.results.get(0).startswith("个体工商户设立登记")
    w.press(intake.search, "Return")
    assert intake.matter is not None and intake.matter.name == "个体工商户设立登记"

    # With required materials missing the engine's verdict is a one-time notice naming them all.
    w.pump(lambda: "一次性告知" in intake.verdict.verdict.cget("text"), what="one-time notice verdict")
    assert "个体工商户登记（备案）申请书" in intake.verdict.detail.cget("text")
    assert intake.accept_button.cget("text") == "一次性告知并打印（F9）"

    page = _page(tmp_path)
    intake.ask_files = lambda: [str(page)]
    intake.import_pages("M01")
    w.pump(lambda: intake.checklist.states["M01"].get() == "已收", what="page import")
    assert intake.page_labels["M01"].cget("text") == "已扫描 1 页"
    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理", what="accept verdict")
    w.screenshot("intake.png")

    w.key("F9")
    result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result view")
    case_no = result.result.case_no
    w.pump(lambda: result.previews.winfo_children(), what="paper previews")
    w.screenshot("accepted.png")
    assert virtual_devices.printer.last_receipt() is not None

    # The sync round started by the acceptance empties the outbox.
    w.pump(lambda: win.services.sync.status().pending == 0, what="case pushed")

    env = dict(os.environ, ONEWINDOW_SERVER_DB=live_server.db_url)
    done = subprocess.run(
        [sys.executable, "-m", "sync.server", "decide", case_no, "approve", "--by", live_server.hall.approver],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr

    w.key("Return")
    home = w.pump(lambda: win.view if isinstance(win.view, HomeView) else None, what="home again")
    w.key("F5")
    w.pump(
        lambda: any("审批通过" in home.table.item(i, "values")[3] for i in home.table.get_children()),
        what="approved status in the case list",
    )

    win.show_case(result.result.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )
    assert detail.detail.can_deliver
    w.type(detail.recipient_id, card.id_number)
    w.press(detail.recipient_id, "Return")
    w.pump(lambda: detail.detail.summary.status == "delivered", what="delivered")
    w.pump(lambda: win.services.sync.status().pending == 0, what="delivery pushed")
    w.screenshot("delivered.png")
    assert "已出件" in detail.status_label.cget("text")
