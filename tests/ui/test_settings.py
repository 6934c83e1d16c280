"""Settings screen: saved values apply to the running window."""

from __future__ import annotations

from client.ui.settings import SettingsView


def test_settings_change_font_and_lock_time(counter_window):
    w = counter_window
    win = w.window
    w.login()
    w.key("F12")
    view = w.pump(
        lambda: win.view if isinstance(win.view, SettingsView) and win.view.server.get() else None,
        what="settings loaded",
    )
    view.font_size.delete(0, "end")
    w.type(view.font_size, "abc")
    view.save()
    assert "整数" in view.message.cget("text")
    view.font_size.delete(0, "end")
    w.type(view.font_size, "17")
    view.lock_minutes.delete(0, "end")
    w.type(view.lock_minutes, "10")
    view.receipt.set("58毫米热敏小票")
    view.save()
    w.pump(lambda: "已保存" in view.message.cget("text"), what="saved")
    assert win.theme.base == 17 and win.lock_after_s == 600
    assert win.services.paperwork.receipt_format == "58"
    w.screenshot("settings.png")
