"""What every screen shares: access to the app shell and its own key bindings."""

from __future__ import annotations

import tkinter as tk
import tkinter.ttk as ttk
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, TypeVar, TypeVarTuple

import customtkinter as ctk

if TYPE_CHECKING:
    from .mainwindow import MainWindow

S = TypeVar("S")
T = TypeVar("T")
V = TypeVar("V")
Ts = TypeVarTuple("Ts")


def required(service: S | None, name: str) -> S:
    """An optional service a screen cannot work without (the app reaches the screen only when it is there)."""
    if service is None:
        raise RuntimeError(f"the {name} service is not available")
    return service


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

    def run_task(
        self,
        fn: Callable[[*Ts], T],
        *args: *Ts,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `fn` off the Tk thread; callbacks are dropped if the view is gone by then."""
        self.pending += 1

        def guard(callback: Callable[[V], None] | None) -> Callable[[V], None]:
            def deliver(value: V) -> None:
                self.pending -= 1
                if callback is not None and self.winfo_exists():
                    callback(value)

            return deliver

        self.app.runner.run(fn, *args, on_done=guard(on_done), on_error=guard(on_error))

    def on_show(self) -> None:
        """Called after the view is placed; put the focus where the next keystroke belongs."""

    def label(self, master: tk.Misc, text: str = "", delta: int = 0, bold: bool = False, **kw: object) -> ctk.CTkLabel:
        return ctk.CTkLabel(master, text=text, font=self.theme.font(delta, bold), **kw)

    def button(
        self, master: tk.Misc, text: str, command: Callable[[], object], delta: int = 0, **kw: object
    ) -> ctk.CTkButton:
        return ctk.CTkButton(master, text=text, command=command, font=self.theme.font(delta), **kw)

    def table_view(
        self,
        columns: Sequence[tuple[str, str, int]],
        pady: tuple[int, int] = (0, 12),
        stretch: Collection[str] = (),
    ) -> ttk.Treeview:
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

    def entry(self, master: tk.Misc, width: int = 220, **kw: object) -> ctk.CTkEntry:
        return ctk.CTkEntry(master, width=width, font=self.theme.font(), **kw)
