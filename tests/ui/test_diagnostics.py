"""Diagnostics screen: checks that a clerk can read, and the log export for support."""

from __future__ import annotations

import zipfile

from client.ui.diagnostics import DiagnosticsView


def test_diagnostics_show_checks_and_export_the_log(tmp_path, counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    w.login()

    w.key("F11")
    view = w.pump(
        lambda: win.view if isinstance(win.view, DiagnosticsView) and win.view.checks else None, what="diagnostics"
    )
    checks = {c.name: c for c in view.checks}
    assert checks["本机数据库"].ok and checks["后台服务器"].ok and checks["小票打印机"].ok
    assert "一窗通" in checks["程序版本"].detail
    w.screenshot("diagnostics.png")

    # The virtual printer runs out of paper: the check says so in Chinese.
    enrolled_runtime.hardware.printer.set_paper_out(True)
    w.key("F5")
    w.pump(lambda: view.checks and not {c.name: c for c in view.checks}["小票打印机"].ok, what="paper out")
    assert "缺纸" in {c.name: c for c in view.checks}["小票打印机"].detail

    log_dir = tmp_path / "client" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "onewindow.log").write_text("2026-11-22 INFO test line\n", encoding="utf-8")
    out = tmp_path / "usb"
    out.mkdir()
    view.ask_folder = lambda: str(out)
    view.export()
    w.pump(lambda: "日志已导出" in view.message.cget("text"), what="log export")
    archive = next(out.glob("onewindow-logs-*.zip"))
    with zipfile.ZipFile(archive) as z:
        assert z.read("onewindow.log").decode() == "2026-11-22 INFO test line\n"
