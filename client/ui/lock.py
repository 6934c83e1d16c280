"""Screen lock: windows are public places, so an idle counter hides what it shows.

The lock covers the window without destroying the view under it: whatever the clerk
had typed is still there after unlocking. Enter unlocks; F2 (or Tab to the button and
Enter) switches to another clerk's login.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.auth import Clerk

from .focus import keyboard_button
from .theme import ERROR_COLOR, button_colors

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class LockOverlay(ctk.CTkFrame):
    def __init__(self, app: MainWindow, on_unlocked: Callable[[Clerk], None], on_switch_user: Callable[[], None]):
        super().__init__(app.root, corner_radius=0, fg_color=("gray85", "gray20"))
        self.app, self.on_unlocked, self.on_switch_user = app, on_unlocked, on_switch_user
        self.pending = False
        theme = app.theme
        card = ctk.CTkFrame(self, corner_radius=12)
        card.place(relx=0.5, rely=0.45, anchor="center")
        ctk.CTkLabel(card, text="屏幕已锁定", font=theme.font(8, True)).pack(padx=60, pady=(28, 6))
        ctk.CTkLabel(
            card,
            text=f"{app.current_clerk.display_name}（{app.current_clerk.username}），请输入密码解锁",
            font=theme.font(),
        ).pack(padx=40)
        self.password = ctk.CTkEntry(card, show="●", width=260, font=theme.font())
        self.password.pack(pady=14)
        self.error = ctk.CTkLabel(card, text="", text_color=ERROR_COLOR, font=theme.font(-1))
        self.error.pack()
        bar = ctk.CTkFrame(card, fg_color="transparent")
        bar.pack(pady=(6, 24))
        self.unlock_button = keyboard_button(
            ctk.CTkButton(bar, text="解锁（Enter）", command=self.unlock, font=theme.font())
        )
        self.unlock_button.pack(side="left", padx=6)
        self.switch_button = keyboard_button(
            ctk.CTkButton(
                bar, text="切换用户（F2）", command=on_switch_user, font=theme.font(), **button_colors("secondary")
            )
        )
        self.switch_button.pack(side="left", padx=6)
        self.password.bind("<Return>", lambda _e: self.unlock())
        # The shell hands key presses to the overlay while it covers the window.
        self.keys: dict[str, Callable[[], None]] = {"F2": on_switch_user}

    def show(self) -> None:
        self.place(relx=0, rely=0, relwidth=1, relheight=1)
        self.lift()
        self.password.focus_force()

    def unlock(self) -> None:
        if self.pending:
            return
        self.pending = True
        self.unlock_button.configure(state="disabled")
        self.app.runner.run(
            self.app.services.auth.login,
            self.app.current_clerk.username,
            self.password.get(),
            on_done=self._done,
            on_error=self._failed,
        )

    def _done(self, clerk: Clerk) -> None:
        self.pending = False
        if self.winfo_exists():
            self.on_unlocked(clerk)

    def _failed(self, exc: BaseException) -> None:
        self.pending = False
        if not self.winfo_exists():
            return
        self.unlock_button.configure(state="normal")
        self.error.configure(text=getattr(exc, "message", "解锁失败"))
        self.password.delete(0, "end")
