"""Diagnostics (F11): the checks hall IT support asks for first, and the log export."""

from __future__ import annotations

from pathlib import Path
from tkinter import filedialog
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.diagnostics import Check

from .base import View, required, wrap_to_width
from .theme import ERROR_COLOR, OK_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class DiagnosticsView(View):
    title = "系统诊断"

    def __init__(self, app: MainWindow):
        super().__init__(app)
        self.diagnostics = required(self.services.diagnostics, "diagnostics")
        self.ask_folder = lambda: filedialog.askdirectory(title="选择日志导出位置（如U盘）")
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=16, pady=12)
        self.refresh_button = self.button(bar, "重新检查（F5）", self.refresh, height=40)
        self.refresh_button.pack(side="left")
        self.button(bar, "导出日志", self.export, kind="secondary", height=40).pack(side="left", padx=10)
        self.button(bar, "返回（Esc）", self.app.show_home, kind="secondary", height=40).pack(side="right")
        self.rows = ctk.CTkFrame(self)
        self.rows.pack(fill="both", expand=True, padx=16, pady=(0, 12))
        self.message = self.label(self, "", wraplength=1200, justify="left")
        wrap_to_width(self.message, self, 40)
        self.message.pack(anchor="w", padx=18, pady=(0, 12))
        self.checks: tuple[Check, ...] = ()
        self.keys = {"F5": self.refresh, "Escape": self.app.show_home}

    def open(self) -> None:
        """The checks run afresh on this view, built once per login; the last results go first."""
        self.epoch += 1  # answers still on their way for the last visit are dropped
        self.checks = ()
        self.message.configure(text="")
        self.refresh()

    def on_show(self) -> None:
        self.refresh_button.focus_set()  # the keyboard leaves the home screen behind; Tab goes on

    def refresh(self) -> None:
        for child in self.rows.winfo_children():
            child.destroy()
        self.label(self.rows, "正在检查…").pack(anchor="w", padx=12, pady=12)
        self.run_task(self.diagnostics.run, on_done=self._show, on_error=self.app.show_error)

    def _show(self, checks: tuple[Check, ...]) -> None:
        self.checks = checks
        for child in self.rows.winfo_children():
            child.destroy()
        for row, check in enumerate(checks):
            mark, color = ("正常", OK_COLOR) if check.ok else ("异常", ERROR_COLOR)
            self.label(self.rows, check.name, 1, True).grid(row=row, column=0, sticky="nw", padx=12, pady=8)
            self.label(self.rows, mark, 1, True, text_color=color).grid(row=row, column=1, sticky="nw", pady=8)
            self.label(self.rows, check.detail, wraplength=900, justify="left").grid(
                row=row, column=2, sticky="w", padx=12, pady=8
            )

    def export(self) -> None:
        folder = self.ask_folder()
        if not folder:
            return
        self.run_task(
            self.diagnostics.export_logs,
            Path(folder),
            on_done=lambda path: self.message.configure(text=f"日志已导出：{path}", text_color=OK_COLOR),
            on_error=lambda exc: self.message.configure(
                text=getattr(exc, "message", "导出失败"), text_color=ERROR_COLOR
            ),
        )
