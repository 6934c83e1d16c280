"""演示：放卡: with a virtual reader the demo deals sample cards, so F3, Shift+F3 and the
出件 identity check read a card; without one the menu and its keys do not exist."""

from __future__ import annotations

import dataclasses

import customtkinter as ctk

from client.app import ClientConfig, build_runtime
from client.domain.identity import Applicant
from client.ui.detail import CaseDetailView
from client.ui.intake import IntakeView
from devices.virtual import SAMPLE_CARDS
from sync.server import admin
from tests.support.cases import taken_in
from tests.ui.conftest import window_driver

WANG, LI = SAMPLE_CARDS[0], SAMPLE_CARDS[1]  # the deck's cards 1 and 2


def _ctrl_shift(w, keysym: str) -> None:
    """Ctrl+Shift+key where the focus is; a digit arrives as its shifted symbol (Ctrl+Shift+1 is 'exclam')."""
    (w.window.root.focus_get() or w.window.root).event_generate(f"<Control-Shift-KeyPress-{keysym}>")
    w.window.root.update()


def test_a_placed_sample_card_is_read_by_f3_and_shift_f3(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    menu = win.demo_cards
    assert menu is not None and [c.name for c in menu.deck][:2] == [WANG.name, LI.name]
    buttons = [c.cget("text") for c in win.header.winfo_children() if isinstance(c, ctk.CTkButton)]
    assert "演示：放卡（Ctrl+Shift+K）" in buttons
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.pump(lambda: win.root.focus_get() is not None, what="focus in the intake")

    _ctrl_shift(w, "K")
    w.pump(lambda: win.popup is menu and menu.winfo_ismapped(), what="demo card menu open")
    w.screenshot("demo-card-menu.png")
    w.key("Escape")  # Esc closes the menu only: the intake underneath stays
    assert win.popup is None and win.view is intake
    _ctrl_shift(w, "K")
    w.pump(lambda: win.popup is menu, what="menu open again")
    intake.applicant.phone.event_generate("<Button-1>")  # a click into the screen below closes it too
    w.pump(lambda: win.popup is None, what="menu closed by a click outside it")
    intake.applicant.phone.focus_force()

    _ctrl_shift(w, "K")
    w.pump(lambda: win.popup is menu, what="menu open again")
    w.key("2")
    w.pump(lambda: menu.placed is not None and win.popup is None, what="card placed")
    assert menu.placed.name == LI.name and "李建国" in win.error_line.cget("text")
    assert enrolled_runtime.hardware.reader.card == LI

    w.key("F3")
    w.pump(lambda: intake.applicant.id_number.get() == LI.id_number, what="applicant's card read")
    assert intake.applicant.name.get() == LI.name
    w.screenshot("demo-card-read.png")

    # The agent's card: Ctrl+Shift+1 lays card 1 without the menu, Shift+F3 reads it.
    _ctrl_shift(w, "exclam")
    w.pump(lambda: menu.placed is not None and menu.placed.name == WANG.name, what="agent's card placed")
    (win.root.focus_get() or win.root).event_generate("<Shift-KeyPress-F3>")
    w.pump(lambda: intake.applicant.agent_id.get() == WANG.id_number, what="agent's card read")
    assert intake.applicant.agent_name.get() == WANG.name


def test_a_placed_card_serves_the_hand_over_check(counter_window, enrolled_runtime, live_server):
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    case = taken_in(services, clerk, "370702-XK-0001", Applicant(LI.name, "身份证", LI.id_number))
    assert services.sync.sync_now().error == ""
    admin.decide(live_server.db_url, case.case_no, "approve", by=live_server.hall.approver)
    assert services.sync.sync_now().error == ""

    w = counter_window
    win = w.window
    w.login()
    win.show_case(case.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.recipient_id is not None else None,
        what="case detail with its 出件 form",
    )
    w.key("F8")
    _ctrl_shift(w, "at")  # Ctrl+Shift+2: the applicant's card
    w.pump(lambda: win.demo_cards.placed is not None, what="card placed")
    w.key("F3")
    w.pump(lambda: detail.recipient_id.get() == LI.id_number, what="recipient's card read")
    assert detail.recipient_name.get() == LI.name


def test_without_a_virtual_reader_there_is_no_card_menu(tmp_path, enrolled_runtime, live_server):
    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "usb-less", devices="none"))
    try:
        assert runtime.services.demo_cards is None
    finally:
        runtime.close()
    services = dataclasses.replace(enrolled_runtime.services, demo=False, demo_cards=None)
    with window_driver(services, "", live_server.hall) as w:
        win = w.window
        assert win.demo_cards is None
        w.login()
        _ctrl_shift(w, "K")
        _ctrl_shift(w, "exclam")
        w.settle(0.3)
        assert win.popup is None
        buttons = [c.cget("text") for c in win.header.winfo_children() if isinstance(c, ctk.CTkButton)]
        assert not any("放卡" in text for text in buttons)
        assert enrolled_runtime.hardware.reader.card is None
