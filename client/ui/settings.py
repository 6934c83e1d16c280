"""Settings (F12): server address, receipt format, font size, lock time, the window number and low-power mode.

Every field is a Tab stop in order: the receipt format is picked by 1–n or Left/Right, the
low-power box flipped by Space, Ctrl+S saves from anywhere on the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.preferences import RECEIPT_FORMATS, CounterSettings

from .base import View, required, wrap_to_width
from .focus import keyboard_segments, keyboard_toggle
from .theme import ERROR_COLOR, OK_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class SettingsView(View):
    title = "设置"

    def __init__(self, app: MainWindow):
        super().__init__(app)
        self.preferences = required(self.services.preferences, "preferences")
        form = ctk.CTkFrame(self)
        form.pack(fill="x", padx=16, pady=12)
        self.label(form, "后台服务器地址").grid(row=0, column=0, sticky="e", padx=12, pady=10)
        self.server = self.entry(form, width=460)
        self.server.grid(row=0, column=1, sticky="w", pady=10)
        self.label(form, "收件凭证格式").grid(row=1, column=0, sticky="e", padx=12, pady=10)
        self.receipt = ctk.CTkSegmentedButton(form, values=list(RECEIPT_FORMATS.values()), font=self.theme.font())
        keyboard_segments(self.receipt, lambda _label: None)  # Tab to it, then 1–n or Left/Right; read on save
        self.receipt.grid(row=1, column=1, sticky="w", pady=10)
        self.label(form, "字号（Ctrl+= / Ctrl+-）").grid(row=2, column=0, sticky="e", padx=12, pady=10)
        self.font_size = self.entry(form, width=80)
        self.font_size.grid(row=2, column=1, sticky="w", pady=10)
        self.label(form, "无操作自动锁屏（分钟）").grid(row=3, column=0, sticky="e", padx=12, pady=10)
        self.lock_minutes = self.entry(form, width=80)
        self.lock_minutes.grid(row=3, column=1, sticky="w", pady=10)
        self.label(form, "本机窗口号（开班时默认）").grid(row=4, column=0, sticky="e", padx=12, pady=10)
        self.window = self.entry(form, width=80, placeholder_text="如 3")
        self.window.grid(row=4, column=1, sticky="w", pady=10)
        self.label(form, "省电模式（Ctrl+B）").grid(row=5, column=0, sticky="e", padx=12, pady=10)
        self.low_power = ctk.CTkCheckBox(
            form, text="暂停后台自动同步和设备轮询（按F5仍可手动同步）", font=self.theme.font()
        )
        keyboard_toggle(self.low_power)  # a Tab stop: Space flips it
        self.low_power.grid(row=5, column=1, sticky="w", pady=10)
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=16)
        self.save_button = self.button(bar, "保存（Ctrl+S）", self.save, 1, height=40)
        self.save_button.pack(side="left")
        self.button(bar, "返回（Esc）", self.app.show_home, kind="secondary", height=40).pack(side="right")
        self.message = self.label(self, "", wraplength=1100, justify="left")
        wrap_to_width(self.message, self, 40)
        self.message.pack(anchor="w", padx=18, pady=12)
        self.keys = {"Escape": self.app.show_home}
        # The view is kept while other screens show (built once per login): Ctrl+S is its own only on screen.
        self.bind_all_save = self.app.root.bind("<Control-s>", lambda _e: self._save_key(), add="+")

    def _save_key(self) -> None:
        if self.app.view is self and self.winfo_ismapped():
            self.save()

    def open(self) -> None:
        """The saved settings afresh on this view, built once per login: what was typed and left
        unsaved last time is gone before the screen shows."""
        self.epoch += 1  # answers still on their way for the last visit are dropped
        for entry in (self.server, self.font_size, self.lock_minutes, self.window):
            entry.delete(0, "end")
        self.message.configure(text="")
        self.run_task(self.preferences.load, on_done=self._fill, on_error=self._failed)

    def _fill(self, prefs: CounterSettings) -> None:
        self.server.delete(0, "end")
        self.server.insert(0, prefs.server_url)
        self.receipt.set(RECEIPT_FORMATS[prefs.receipt_format])
        for entry, value in (
            (self.font_size, prefs.font_size),
            (self.lock_minutes, prefs.lock_minutes),
            (self.window, prefs.window),
        ):
            entry.delete(0, "end")
            if str(value):
                entry.insert(0, str(value))
        (self.low_power.select if prefs.low_power else self.low_power.deselect)()
        self.server.focus_set()

    def current(self) -> CounterSettings | None:
        try:
            font_size, lock = int(self.font_size.get()), int(self.lock_minutes.get())
        except ValueError:
            self._failed(None, "字号和锁屏时间请填写整数")
            return None
        fmt = next((k for k, v in RECEIPT_FORMATS.items() if v == self.receipt.get()), "")
        return CounterSettings(self.server.get(), fmt, font_size, lock, self.window.get(), bool(self.low_power.get()))

    def save(self) -> None:
        prefs = self.current()
        if prefs is None or self.busy:
            return
        self.run_task(self.preferences.save, prefs, on_done=self._saved, on_error=self._failed)

    def _saved(self, prefs: CounterSettings) -> None:
        self.app.apply_preferences(prefs)
        self.message.configure(text="设置已保存并生效", text_color=OK_COLOR)

    def _failed(self, exc: BaseException | None, text: str = "") -> None:
        self.message.configure(text=text or getattr(exc, "message", "保存失败"), text_color=ERROR_COLOR)

    def destroy(self) -> None:
        self.app.root.unbind("<Control-s>", self.bind_all_save)
        super().destroy()
