"""What every screen shares: access to the app shell and its own key bindings."""

from __future__ import annotations

import tkinter.ttk as ttk
from collections.abc import Callable
from typing import TYPE_CHECKING

import customtkinter as ctk

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class View(ctk.CTkFrame):
    title = ""

    def __init__(self, app: MainWindow):
        super().__init__(app.body, fg_color="transparent")
        self.app = app
        self.theme = app.theme
        self.services = app.services
        self.keys: dict[str, Callable[[], None]] = {}
        self.pending = 0

    @property
    def busy(self) -> bool:
        """True while a task this view started is still running (others' tasks don't count)."""
        return self.pending > 0

    def run_task(self, fn, *args, on_done=None, on_error=None) -> None:
        """Run `fn` off the Tk thread; callbacks are dropped if the view is gone by then."""
        self.pending += 1

        def guard(callback):
            def deliver(value):
                self.pending -= 1
                if callback is not None and self.winfo_exists():
                    callback(value)

            return deliver

        self.app.runner.run(fn, *args, on_done=guard(on_done), on_error=guard(on_error))

    def on_show(self) -> None:
        """Called after the view is placed; put the focus where the next keystroke belongs."""

    def label(self, master, text: str = "", delta: int = 0, bold: bool = False, **kw) -> ctk.CTkLabel:
        return ctk.CTkLabel(master, text=text, font=self.theme.font(delta, bold), **kw)

    def button(self, master, text: str, command, delta: int = 0, **kw) -> ctk.CTkButton:
        return ctk.CTkButton(master, text=text, command=command, font=self.theme.font(delta), **kw)

    def table_view(self, columns, pady=(0, 12), stretch=()) -> ttk.Treeview:
        """A list of rows filling the rest of the view: (key, heading, width) per column, a scrollbar."""
        style = ttk.Style(self)
        style.configure("Cases.Treeview", font=self.theme.tk_font(-1), rowheight=self.theme.base * 2 + 4)
        style.configure("Cases.Treeview.Heading", font=self.theme.tk_font(-1, True))
        frame = ctk.CTkFrame(self)
        frame.pack(fill="both", expand=True, padx=16, pady=pady)
        table = ttk.Treeview(
            frame, columns=[c[0] for c in columns], show="headings", style="Cases.Treeview", selectmode="browse"
        )
        for key, text, width in columns:
            table.heading(key, text=text)
            table.column(key, width=width, anchor="w", stretch=not stretch or key in stretch)
        scroll = ttk.Scrollbar(frame, orient="vertical", command=table.yview)
        table.configure(yscrollcommand=scroll.set)
        table.pack(side="left", fill="both", expand=True)
        scroll.pack(side="right", fill="y")
        return table

    def entry(self, master, width: int = 220, **kw) -> ctk.CTkEntry:
        return ctk.CTkEntry(master, width=width, font=self.theme.font(), **kw)
