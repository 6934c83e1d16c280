"""Login screen: the first thing a clerk sees, and what demo mode announces itself on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.auth import Clerk

from .base import View
from .theme import DEMO_COLOR, ERROR_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class LoginView(View):
    title = "登录"

    def __init__(self, app: MainWindow, demo_hint: str = ""):
        super().__init__(app)
        card = ctk.CTkFrame(self, corner_radius=12)
        card.place(relx=0.5, rely=0.45, anchor="center")
        self.label(card, "一窗通 · 综合窗口受理系统", 10, True).grid(
            row=0, column=0, columnspan=2, padx=40, pady=(30, 6)
        )
        self.label(card, self.services.office_name, 1).grid(row=1, column=0, columnspan=2, pady=(0, 20))
        self.label(card, "用户名").grid(row=2, column=0, sticky="e", padx=(30, 10), pady=8)
        self.username = self.entry(card)
        self.username.grid(row=2, column=1, sticky="w", padx=(0, 30), pady=8)
        self.label(card, "密  码").grid(row=3, column=0, sticky="e", padx=(30, 10), pady=8)
        self.password = self.entry(card, show="●")
        self.password.grid(row=3, column=1, sticky="w", padx=(0, 30), pady=8)
        self.submit = self.button(card, "登录（Enter）", self.do_login, 1, width=220, height=38)
        self.submit.grid(row=4, column=1, sticky="w", pady=(14, 6))
        self.error = self.label(card, "", text_color=ERROR_COLOR, wraplength=380)
        self.error.grid(row=5, column=0, columnspan=2, pady=(0, 10))
        if demo_hint:
            self.label(card, demo_hint, -1, text_color=DEMO_COLOR, wraplength=420, justify="left").grid(
                row=6, column=0, columnspan=2, padx=30, pady=(0, 24)
            )
        self.username.bind("<Return>", lambda _e: self.password.focus_set())
        self.password.bind("<Return>", lambda _e: self.do_login())

    def on_show(self) -> None:
        self.username.focus_set()

    def do_login(self) -> None:
        if self.busy:
            return
        self.error.configure(text="")
        self.submit.configure(state="disabled", text="正在登录…")
        self.run_task(
            self.services.auth.login,
            self.username.get(),
            self.password.get(),
            on_done=self._logged_in,
            on_error=self._failed,
        )

    def _logged_in(self, clerk: Clerk) -> None:
        self.app.logged_in(clerk)

    def _failed(self, exc: BaseException) -> None:
        self.submit.configure(state="normal", text="登录（Enter）")
        self.error.configure(text=getattr(exc, "message", "登录失败，请稍后重试"))
        self.password.delete(0, "end")
        self.password.focus_set()
