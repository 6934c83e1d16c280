"""What every screen shares: access to the app shell and its own key bindings."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import customtkinter as ctk

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class View(ctk.CTkFrame):
    title = ""

    def __init__(self, app: "MainWindow"):
        super().__init__(app.body, fg_color="transparent")
        self.app = app
        self.theme = app.theme
        self.services = app.services
        self.keys: dict[str, Callable[[], None]] = {}

    def on_show(self) -> None:
        """Called after the view is placed; put the focus where the next keystroke belongs."""

    def label(self, master, text: str = "", delta: int = 0, bold: bool = False, **kw) -> ctk.CTkLabel:
        return ctk.CTkLabel(master, text=text, font=self.theme.font(delta, bold), **kw)

    def button(self, master, text: str, command, delta: int = 0, **kw) -> ctk.CTkButton:
        return ctk.CTkButton(master, text=text, command=command, font=self.theme.font(delta), **kw)

    def entry(self, master, width: int = 220, **kw) -> ctk.CTkEntry:
        return ctk.CTkEntry(master, width=width, font=self.theme.font(), **kw)
