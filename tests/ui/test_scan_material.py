"""Scanning a material with the document camera from the checklist."""

from __future__ import annotations

from client.ui.intake import IntakeView


def test_scan_button_ticks_the_material_and_warns_about_a_blurred_page(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.search, "个体")
    w.press(intake.search, "Return")
    assert intake.matter is not None
    enrolled_runtime.hardware.scanner.feed("text", "blurred")
    intake.scan_pages("M02", "个体工商户登记（备案）申请书")
    w.pump(lambda: intake.checklist.states["M02"].get() == "已收", what="scan done")
    assert intake.page_labels["M02"].cget("text") == "已扫描 2 页"
    assert "请检查扫描质量" in intake.message.cget("text") and "第2页" in intake.message.cget("text")
    w.screenshot("scanned.png")
