"""Every screen besides the intake from the keyboard, with the focus visible (issue #15, point 2).

Each test walks a screen by Tab and keys delivered where the focus is (WindowDriver.key), checks
that each control is reached, shows the ring, and does its job when its key is pressed. The
intake itself is walked in test_keyboard.py.
Screenshots: docs/screenshots/keyboard-*.png."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tkinter.ttk as ttk

import pytest

from client.domain.catalog import Bundle, load_sample_catalog
from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.services.outreach import MISSED_REASONS
from client.services.preferences import RECEIPT_FORMATS
from client.store.models import Case
from client.ui.checklist import RECEIVED
from client.ui.detail import CaseDetailView
from client.ui.diagnostics import DiagnosticsView
from client.ui.focus import FOCUS_COLOR, ROW_HIGHLIGHT
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.login import LoginView
from client.ui.outreach import OutreachView
from client.ui.settings import SettingsView
from client.ui.signature import SignaturePad
from client.ui.supervisor import SupervisorView
from client.ui.supplement import SupplementView
from sync.server import publishing
from tests.support.cases import taken_in
from tests.ui.test_outreach import _plan


def _focus(w):
    return w.window.root.focus_get()


def _inside(w, widget) -> bool:
    """The focus is on `widget` or on a window inside it (a CTk entry focuses its inner Tk entry)."""
    focused = _focus(w)
    return focused is not None and (focused is widget or str(focused).startswith(f"{widget}."))


def _ringed(widget) -> bool:
    """A button, switch or check box shows the focus ring round its border."""
    return widget.cget("border_color") == FOCUS_COLOR and widget.cget("border_width") >= 3


def _view(w, kind, ready=lambda v: True):
    win = w.window
    return w.pump(lambda: win.view if isinstance(win.view, kind) and ready(win.view) else None, what=kind.__name__)


def test_settings_receipt_format_and_low_power_by_keys(counter_window):
    w = counter_window
    win = w.window
    w.login()
    w.key("F12")
    view = _view(w, SettingsView, lambda v: v.server.get() and not v.busy)
    w.pump(lambda: _inside(w, view.server), what="the cursor in the server field")
    # Tab: the receipt format (ringed), digits pick; on to the three number fields.
    w.key("Tab")
    assert _focus(w) is view.receipt and view.receipt.cget("fg_color") == FOCUS_COLOR
    formats = list(RECEIPT_FORMATS.values())
    w.key("2")
    assert view.receipt.get() == formats[1]
    w.key("Left")
    assert view.receipt.get() == formats[0]
    w.key("Right")
    assert view.receipt.get() == formats[1]
    for entry in (view.font_size, view.lock_minutes, view.window):
        w.key("Tab")
        assert _inside(w, entry) and entry.cget("border_color") == FOCUS_COLOR
    assert view.receipt.cget("fg_color") != FOCUS_COLOR  # the ring left with the focus
    # The low-power box: a Tab stop with the ring, Space flips it.
    w.key("Tab")
    assert _focus(w) is view.low_power and _ringed(view.low_power)
    before = bool(view.low_power.get())
    w.key("space")
    assert bool(view.low_power.get()) is not before
    w.screenshot("keyboard-settings.png")
    # Then 保存, pressed by Enter: what the keys chose is saved and applied.
    w.key("Tab")
    assert _focus(w) is view.save_button and _ringed(view.save_button)
    assert not _ringed(view.low_power)
    w.key("Return")
    w.pump(lambda: "已保存" in view.message.cget("text"), what="saved")
    saved = win.services.preferences.load()
    assert RECEIPT_FORMATS[saved.receipt_format] == formats[1]
    assert saved.low_power is not before
    assert win.power_badge.cget("text") == ("省电模式（Ctrl+B）" if saved.low_power else "")
    w.key("Tab")  # 返回, then Enter goes home
    w.key("Return")
    _view(w, HomeView)


def _outreach(w):
    win = w.window
    home = w.login()
    shifted = home.queue_panel is not None  # F8 is 重呼 while the queue runs; Shift+F8 opens the bus then
    (win.root.focus_get() or win.root).event_generate("<KeyPress-F8>", state=1 if shifted else 0)
    view = _view(w, OutreachView)
    w.key("F5")
    return w.pump(lambda: view.appointments and view, what="run loaded")


def test_outreach_missed_reason_by_keys(counter_window, live_server):
    _plan(live_server)
    w = counter_window
    view = _outreach(w)
    # The list has the focus, shown by its frame in the ring's colour; Down goes to the third visit.
    w.pump(lambda: _focus(w) is view.table, what="the run's list focused")
    w.settle(0.1)
    assert "focus" in view.table.state()
    style = ttk.Style(w.window.root)
    assert style.lookup("Cases.Treeview", "bordercolor", ("focus",)) == FOCUS_COLOR
    first = view.table.selection()[0]
    w.key("Down")
    w.key("Down")
    third = view.table.selection()[0]
    assert third != first and view.selected().position == 3
    w.screenshot("keyboard-outreach-list.png")

    # F7: the reasons, ringed, with the focus on them; Esc closes the panel only.
    w.key("F7")
    assert view.missed.winfo_ismapped()
    assert _focus(w) is view.reason and view.reason.cget("fg_color") == FOCUS_COLOR
    w.key("Escape")
    assert not view.missed.winfo_ismapped() and _focus(w) is view.table
    assert isinstance(w.window.view, OutreachView)

    # Again: digits choose; Tab reaches the note, 登记 and 取消, each ringed.
    w.key("F7")
    labels = list(MISSED_REASONS.values())
    w.key("3")
    assert view.reason.get() == labels[2] == MISSED_REASONS["rescheduled"]
    w.key("Tab")
    assert _inside(w, view.reason_text) and view.reason_text.cget("border_color") == FOCUS_COLOR
    assert view.reason.cget("fg_color") != FOCUS_COLOR
    buttons = [c for c in view.missed.winfo_children() if c.winfo_class() == "Frame" and hasattr(c, "invoke")]
    assert [b.cget("text") for b in buttons] == ["登记（Enter）", "取消（Esc）"]
    for button in buttons:
        w.key("Tab")
        assert _focus(w) is button and _ringed(button)
    # Back to the reasons (Shift+Tab thrice); Left picks the one before, Enter goes to the note.
    for _ in range(3):
        _focus(w).event_generate("<Shift-KeyPress-Tab>")
        w.window.root.update()
    assert _focus(w) is view.reason
    w.key("Left")
    assert view.reason.get() == labels[1]
    w.key("Right")
    w.key("Return")
    assert _inside(w, view.reason_text)
    view.reason_text.insert("end", "家属电话改约到28日")  # Chinese comes from the input method
    w.screenshot("keyboard-outreach-missed.png")
    w.key("Return")
    w.pump(lambda: view.appointments[2].outcome == "missed", what="missed recorded")
    assert view.appointments[2].reason_label == "改约：家属电话改约到28日"
    assert not view.missed.winfo_ismapped() and _focus(w) is view.table
    # Esc in the note also closes only the panel; nothing is recorded.
    w.key("Down")
    w.key("F7")
    w.key("Tab")
    assert _inside(w, view.reason_text)
    w.key("Escape")
    assert not view.missed.winfo_ismapped() and isinstance(w.window.view, OutreachView)
    assert view.appointments[3].outcome == ""


def test_signature_pad_buttons_by_keys(counter_window):
    w = counter_window
    win = w.window
    w.login()
    w.key("F2")
    intake = _view(w, IntakeView)
    signed = []
    pad = SignaturePad(intake, "王秀英：请确认", signed.append)
    w.pump(lambda: _focus(w) is pad, what="the pad has the keyboard")
    w.settle(0.2)
    # Tab reaches the three buttons, each ringed while focused.
    reached = []
    for _ in range(3):
        w.key("Tab")
        reached.append(_focus(w))
        assert _ringed(_focus(w))
    assert set(reached) == {pad.confirm, pad.clear_button, pad.cancel_button}
    pad.draw([(40 + 6 * t, 110 + (t % 7) * 4) for t in range(40)])
    w.pump(lambda: pad.strokes, what="a stroke")
    pad.clear_button.focus_set()
    w.settle(0.05)
    w.key("space")  # 重签 by its focused button: the ink goes, the pad stays
    assert pad.strokes == [] and pad.winfo_exists()
    pad.confirm.focus_set()
    w.settle(0.05)
    w.key("Return")  # nothing signed: refused with a message, not the intake's Enter
    assert "请申请人在签名框内签名" in pad.message.cget("text") and signed == []
    pad.draw([(40 + 6 * t, 110 + (t % 5) * 6) for t in range(50)])
    for _ in range(3):  # Tab round to 取消
        w.key("Tab")
        if _focus(w) is pad.cancel_button:
            break
    assert _focus(w) is pad.cancel_button and _ringed(pad.cancel_button)
    w.screenshot("keyboard-signature-pad.png")
    assert _focus(w) is pad.cancel_button
    w.key("Return")
    w.pump(lambda: not pad.winfo_exists(), what="pad closed by 取消")
    assert signed == [] and isinstance(win.view, IntakeView)


def test_header_buttons_demo_card_menu_and_sign_out_by_tab(counter_window):
    w = counter_window
    win = w.window
    w.login()
    _view(w, HomeView)
    demo = next(
        (c for c in win.header.winfo_children() if hasattr(c, "invoke") and c.cget("text").startswith("演示：放卡")),
        None,
    )
    assert demo is not None and win.demo_cards is not None  # the counter_window runs with virtual devices
    # From the header's title, Tab reaches 退出登录 and then 演示：放卡, each ringed.
    win.heading.focus_set()
    w.settle(0.05)
    w.key("Tab")
    assert _focus(w) is win.sign_out_button and _ringed(win.sign_out_button)
    w.key("Tab")
    assert _focus(w) is demo and _ringed(demo) and not _ringed(win.sign_out_button)
    # Enter opens the demo deck; Up/Down move the highlight; Esc closes it and the focus comes back.
    w.key("Return")
    menu = win.demo_cards
    assert menu.is_open and _focus(w) is menu
    w.key("Down")
    assert menu.current == 1 and menu.rows[1].cget("fg_color") == ROW_HIGHLIGHT
    w.screenshot("keyboard-demo-cards.png")
    w.key("Escape")
    assert not menu.is_open and _focus(w) is demo
    # Shift+Tab back to 退出登录; Space signs out.
    _focus(w).event_generate("<Shift-KeyPress-Tab>")
    win.root.update()
    assert _focus(w) is win.sign_out_button
    w.key("space")
    _view(w, LoginView)
    assert win.clerk is None


def test_diagnostics_buttons_by_tab(counter_window):
    w = counter_window
    win = w.window
    w.login()
    w.key("F11")
    view = _view(w, DiagnosticsView, lambda v: v.checks and not v.busy)
    buttons = [c for c in view.winfo_children()[0].winfo_children() if hasattr(c, "invoke")]
    assert [b.cget("text") for b in buttons] == ["重新检查（F5）", "导出日志", "返回（Esc）"]
    buttons[0].focus_set()
    w.settle(0.05)
    assert _ringed(buttons[0])
    for button in buttons[1:]:
        w.key("Tab")
        assert _focus(w) is button and _ringed(button)
    # 导出日志 by Enter: the folder is asked (here answered by the test) and the logs are written.
    exported = []
    view.ask_folder = lambda: exported.append(True) or ""
    _focus(w).event_generate("<Shift-KeyPress-Tab>")
    win.root.update()
    assert _focus(w) is buttons[1]
    w.key("Return")
    assert exported == [True]
    _focus(w).event_generate("<Shift-KeyPress-Tab>")
    win.root.update()
    w.key("Return")  # 重新检查
    w.pump(lambda: view.checks and not view.busy, what="checked again")
    w.screenshot("keyboard-diagnostics.png")
    w.key("Tab")
    w.key("Tab")
    w.key("space")  # 返回
    _view(w, HomeView)


def test_supervisor_buttons_by_tab_and_page_keys(counter_window, enrolled_runtime):
    # Five cases past their promised date: more red cards than a 1024×600 screen shows at once.
    services = enrolled_runtime.services
    clerk = services.auth.login(counter_window.hall.clerk, "123456")
    matter = services.intake.matter("370702-XK-0001")
    for n in range(5):
        late = services.intake.submit(
            IntakeDraft(
                Applicant("李建国", "身份证", "34052419800101001X"),
                matter.code,
                tuple(MaterialInput(m.code, True) for m in matter.materials),
            ),
            clerk,
        )
        with enrolled_runtime.store.sessions.begin() as s:
            s.get(Case, late.case_id).promised_by = dt.date.today() - dt.timedelta(days=3 + n)
    w = counter_window
    win = w.window
    win.root.geometry("1024x600")
    w.settle(0.3)
    w.login(w.hall.supervisor)
    w.key("F9")
    view = _view(w, SupervisorView, lambda v: v.overview is not None and not v.busy)
    w.settle(0.3)
    # The screen takes the keyboard on its first button (not a widget of the home screen behind it).
    w.pump(lambda: _focus(w) is not None and str(_focus(w)).startswith(str(view)), what="focus on the screen")
    buttons = [c for c in view.winfo_children()[0].winfo_children() if hasattr(c, "invoke")]
    assert [b.cget("text") for b in buttons] == ["刷新（F5）", "打印今日窗口日报（F9）", "返回（Esc）"]
    assert _focus(w) is buttons[0] and _ringed(buttons[0])
    for button in buttons[1:]:
        w.key("Tab")
        assert _focus(w) is button and _ringed(button)
    # PageDown/PageUp read the figures to their end on a short screen.
    canvas = view.body._parent_canvas
    assert view.body.winfo_reqheight() > canvas.winfo_height(), "the figures fit: nothing to scroll"
    assert canvas.yview()[0] == 0.0
    w.key("Next")
    assert canvas.yview()[0] > 0.0
    w.key("Prior")
    assert canvas.yview()[0] == 0.0
    buttons[1].focus_set()
    w.settle(0.05)
    w.key("Return")  # 打印日报 from its focused button
    w.pump(lambda: view.daily is not None, what="daily report printed")
    w.screenshot("keyboard-supervisor.png")


def test_supplement_opens_on_the_materials(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    w.login()
    services = enrolled_runtime.services
    applicant = Applicant("王秀英", "身份证", "11010519491231002X")
    case = taken_in(services, win.current_clerk, "370702-XK-0001", applicant, ("M01",))  # a one-time notice
    win.show_case(case.case_id)
    _view(w, CaseDetailView, lambda v: v.detail is not None)
    w.key("F6")
    view = _view(w, SupplementView, lambda v: v.form is not None)
    checklist = view.checklist
    first, second, *_ = list(checklist.rows)
    # The first material has the keyboard at once, highlighted: the keys work without a click.
    w.pump(lambda: checklist.focused_code() == first, what="the first material focused")
    w.settle(0.1)
    assert checklist.rows[first].cget("fg_color") == ROW_HIGHLIGHT
    w.key("1")
    assert checklist.states[first].get() == RECEIVED
    w.key("Down")
    assert checklist.focused_code() == second
    w.key("1")
    assert checklist.states[second].get() == RECEIVED
    w.screenshot("keyboard-supplement.png")
    w.key("F9")
    detail = _view(w, CaseDetailView, lambda v: v.detail is not None)
    assert detail.case_id == case.case_id


@pytest.mark.own_back_office  # a published catalog reaches every org unit
def test_bundle_questions_by_number_keys(counter_window, enrolled_runtime, live_server):
    # The sample bundles ask only who acts (answered in the applicant column), so the back office
    # publishes one whose members ask real questions: a licence change and a lost ID card.
    sample = load_sample_catalog()
    bundle = Bundle(
        "370702-YJS-91", "个体户变更补证一件事", ("370702-XK-0020", "370702-GG-0025"), keywords=("变更补证",)
    )
    newer = dataclasses.replace(sample, version="2026.12-kb", bundles=(*sample.bundles, bundle))
    publishing.publish_catalog(live_server.db_url, newer.to_dict(), by="admin")
    assert enrolled_runtime.services.sync.sync_now().error == ""

    w = counter_window
    w.login()
    w.key("F2")
    intake = _view(w, IntakeView)
    w.type(intake.search, "个体户变更补证一件事")
    assert intake.results.get(0).startswith("【一件事】个体户变更补证一件事")
    w.key("Return")
    w.pump(lambda: intake.bundle_mode.active, what="bundle chosen")
    questions = list(intake.answer_buttons.values())
    assert len(questions) == 2  # 变更的是否为经营场所？ and 是否需要办理临时身份证？
    # Enter on the bundle went to its first question, ringed; digits answer it.
    first, second = questions
    assert _focus(w) is first and first.cget("fg_color") == FOCUS_COLOR
    key = next(iter(intake.answer_buttons))
    values = list(first.cget("values"))
    w.key("2")
    assert first.get() == values[1]
    answered = intake.bundle_mode.answers[key]
    w.key("1")
    assert first.get() == values[0] and intake.bundle_mode.answers[key] != answered
    # Down to the second question (the ring moves), then past it into the merged materials.
    w.key("Down")
    assert _focus(w) is second and second.cget("fg_color") == FOCUS_COLOR and first.cget("fg_color") != FOCUS_COLOR
    w.key("2")
    assert second.get() == list(second.cget("values"))[1]
    assert intake.bundle_mode.answers[list(intake.answer_buttons)[1]]
    w.key("Down")
    w.settle(0.1)
    assert intake.checklist.focused_code() == next(iter(intake.checklist.rows))
    w.key("Up")
    assert _focus(w) is second
    w.screenshot("keyboard-bundle-questions.png")


def test_highlighted_material_clear_of_the_scrollbar_at_1024_by_600(counter_window):
    w = counter_window
    win = w.window
    win.root.geometry("1024x600")
    w.settle(0.3)
    w.login()
    w.key("F2")
    intake = _view(w, IntakeView)
    w.type(intake.search, "企业设立登记")
    w.press(intake.search, "Return")
    checklist = intake.checklist
    w.pump(lambda: checklist.focused_code(), what="materials focused")
    w.settle(0.4)
    bar, canvas = checklist._scrollbar, checklist._parent_canvas
    assert bar.winfo_ismapped() and bar.winfo_manager() == "grid"  # seven materials: the list scrolls
    for code in (next(iter(checklist.rows)), list(checklist.rows)[-1]):
        checklist.focus_row(code)
        w.settle(0.2)
        row = checklist.rows[code]
        right = row.winfo_rootx() + row.winfo_width()
        assert right <= bar.winfo_rootx(), f"row {code} ends at {right}, under the scrollbar at {bar.winfo_rootx()}"
        assert right <= canvas.winfo_rootx() + canvas.winfo_width()
    checklist.focus_row(next(iter(checklist.rows)))
    w.screenshot("keyboard-materials-1024x600.png")


def _tab_round(w, limit: int = 40) -> list:
    """Tab from the focus until it comes back round: every stop on the way, in order."""
    start = _focus(w)
    stops = []
    for _ in range(limit):
        w.key("Tab")
        if _focus(w) is start:
            return stops
        stops.append(_focus(w))
    raise AssertionError(f"Tab never came back round to {start}: {stops}")


def test_case_detail_every_action_by_tab_at_1024_by_600(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    win.root.geometry("1024x600")
    w.settle(0.3)
    w.login()
    services = enrolled_runtime.services
    applicant = Applicant("王秀英", "身份证", "11010519491231002X")
    case = taken_in(services, win.current_clerk, "370702-XK-0001", applicant, ("M01",))  # a one-time notice
    home = _view(w, HomeView)
    w.key("F6")
    assert _inside(w, home.query)
    home.query.insert(0, case.case_no)
    w.key("Return")  # the list answers the number and the case opens
    view = _view(w, CaseDetailView, lambda v: v.detail is not None)
    w.settle(0.2)
    # The screen takes the keyboard on 返回 (ringed), not the home list behind it.
    assert _focus(w) is view.back_button and _ringed(view.back_button)
    assert view.detail.can_supplement and view.detail.can_withdraw
    stops = _tab_round(w)
    texts = [s.cget("text") if hasattr(s, "invoke") else "" for s in stops]
    assert "补正材料（F6）" in texts and "确认撤件" in texts and "重新打印（F7）" in texts
    assert any(_inside_of(s, view.withdraw_reason) for s in stops)
    # Each stop in the scrolled column is scrolled into view when Tab reaches it.
    canvas = view.content._parent_canvas
    withdraw = next(s for s in stops if hasattr(s, "invoke") and s.cget("text") == "确认撤件")
    while _focus(w) is not withdraw:
        w.key("Tab")
    w.settle(0.2)
    assert _ringed(withdraw)
    top, bottom = canvas.winfo_rooty(), canvas.winfo_rooty() + canvas.winfo_height()
    assert top <= withdraw.winfo_rooty() and withdraw.winfo_rooty() + withdraw.winfo_height() <= bottom
    w.screenshot("keyboard-detail-1024x600.png")
    # The 补正 button by Enter opens the supplement screen.
    supplement = next(s for s in stops if hasattr(s, "invoke") and s.cget("text") == "补正材料（F6）")
    while _focus(w) is not supplement:
        w.key("Tab")
    w.key("Return")
    _view(w, SupplementView, lambda v: v.form is not None)


def _inside_of(widget, outer) -> bool:
    return widget is outer or str(widget).startswith(f"{outer}.")


def test_shift_open_and_close_by_keys(counter_window):
    from client.ui.shift import ShiftCloseView, ShiftOpenView

    w = counter_window
    win = w.window
    login = win.view
    w.type(login.username, w.hall.clerk)
    w.key("Tab")
    assert _inside(w, login.password)
    w.type(login.password, "123456")
    w.key("Tab")
    assert _focus(w) is login.submit and _ringed(login.submit)
    w.key("Return")  # 登录 by its focused button
    opening = _view(w, ShiftOpenView)
    w.pump(lambda: _inside(w, opening.window), what="the window number focused")
    if not opening.window.get():
        w.type(opening.window, "3")
    w.key("Tab")
    assert _focus(w) is opening.submit and _ringed(opening.submit)
    w.key("space")  # 开班
    _view(w, HomeView)
    assert win.shift is not None

    w.window.root.focus_get().event_generate("<Control-q>")
    w.window.root.update()
    closing = _view(w, ShiftCloseView, lambda v: v.confirm.cget("state") == "normal")
    w.pump(lambda: _focus(w) is closing.confirm, what="确认交班 focused")
    assert _ringed(closing.confirm)
    w.key("Tab")
    assert _focus(w) is closing.back and _ringed(closing.back) and not _ringed(closing.confirm)
    w.screenshot("keyboard-shift-close.png")
    _focus(w).event_generate("<Shift-KeyPress-Tab>")
    win.root.update()
    assert _focus(w) is closing.confirm
    w.key("space")  # 交班 by its focused button (Enter works anywhere on the screen)
    w.pump(lambda: closing.closed, what="handed over")
    assert win.clerk is None
