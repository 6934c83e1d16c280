"""Idle lock keeps what was typed; font size changes apply at once."""

from __future__ import annotations

from client.ui.intake import IntakeView
from client.ui.login import LoginView


def test_locking_hides_the_screen_and_unlocking_keeps_the_typed_data(counter_window):
    w = counter_window
    win = w.window
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.id_number, "11010519491231002X")
    w.type(intake.name, "王秀英")

    intake.id_number.focus_force()
    win.root.update()
    (win.root.focus_get()).event_generate("<Control-l>")
    w.pump(lambda: win.overlay is not None, what="lock overlay")
    w.screenshot("locked.png")
    w.key("Escape")  # view keys are ignored while locked
    assert isinstance(win.view, IntakeView)

    w.type(win.overlay.password, "000000")
    w.press(win.overlay.password, "Return")
    w.pump(lambda: win.overlay is not None and win.overlay.error.cget("text"), what="unlock error")
    assert win.overlay.error.cget("text") == "用户名或密码错误"

    w.type(win.overlay.password, "123456")
    w.press(win.overlay.password, "Return")
    w.pump(lambda: win.overlay is None, what="unlocked")
    assert win.view is intake
    assert intake.id_number.get() == "11010519491231002X" and intake.name.get() == "王秀英"


def test_idle_timeout_locks_and_switch_user_returns_to_login(counter_window):
    w = counter_window
    win = w.window
    w.login()
    win.lock_after_s = 0
    win._idle_check()
    assert win.overlay is not None
    win.overlay.on_switch_user()
    w.pump(lambda: isinstance(win.view, LoginView), what="login view")
    assert win.clerk is None and win.overlay is None


def test_font_size_follows_ctrl_plus_and_minus(counter_window):
    w = counter_window
    win = w.window
    before = win.theme.base
    label_font = win.theme.font()
    win.root.event_generate("<Control-equal>")
    win.root.update()
    assert win.theme.base == before + 1 and label_font.cget("size") == before + 1
    win.root.event_generate("<Control-minus>")
    win.root.event_generate("<Control-minus>")
    win.root.update()
    assert win.theme.base == before - 1 and label_font.cget("size") == before - 1
