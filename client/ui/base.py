"""What every screen shares: access to the app shell and its own key bindings."""

from __future__ import annotations

import tkinter as tk
import tkinter.ttk as ttk
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, TypeVar, TypeVarTuple

import customtkinter as ctk

from .focus import keyboard_button
from .theme import EDGE, button_colors

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


def wrap_to_width(label: ctk.CTkLabel, container: tk.Misc, margin: int = 0) -> None:
    """Wrap `label` to the width `container` has now, so a narrow window (1024 pixels) folds the
    text onto more lines instead of cutting it off; a fixed wraplength only fits one width."""

    def fit(event: tk.Event[tk.Misc]) -> None:
        width = max(80, event.width - margin)
        if label.winfo_exists() and label.cget("wraplength") != width:
            label.configure(wraplength=width)

    container.bind("<Configure>", fit, add="+")


def fit_columns(table: ttk.Treeview, columns: Sequence[tuple[str, str, int]], stretch: Collection[str] = ()) -> None:
    """Keep a table's columns exactly as wide as the table: the stretching ones share what the
    fixed ones leave, in the proportions given, so a 1024-pixel window cuts no column off."""
    widths = {key: width for key, _text, width in columns}
    stretching = [key for key in widths if not stretch or key in stretch]
    fixed = sum(width for key, width in widths.items() if key not in stretching)
    wanted = sum(widths[key] for key in stretching) or 1

    def fit(event: tk.Event[tk.Misc]) -> None:
        share = max(0, event.width - fixed - 2) / wanted
        for key in stretching:
            table.column(key, width=max(40, int(widths[key] * share)))

    table.bind("<Configure>", fit, add="+")


def scroll_column(master: tk.Misc, **kw: object) -> ctk.CTkScrollableFrame:
    """A column that scrolls up and down when the window is too short for it, its scrollbar
    shown only then (a 1366×768 window keeps the clean look of a plain frame)."""
    column = ctk.CTkScrollableFrame(master, **kw)
    autohide_scrollbar(column)
    return column


def autohide_scrollbar(column: ctk.CTkScrollableFrame) -> None:
    """Show a scrolled frame's scrollbar only while its content is taller than the frame."""
    canvas, bar = column._parent_canvas, column._scrollbar  # customtkinter offers no public handle

    def update(_event: object = None) -> None:
        if not (canvas.winfo_exists() and bar.winfo_exists()):
            return
        needed = column.winfo_reqheight() > canvas.winfo_height() + 1
        # Whether grid manages the bar, not whether it is mapped: a view built while hidden (the
        # intake, prebuilt) can leave the bar drawn but unmanaged, lying over the rows' right edge.
        shown = bar.winfo_manager() == "grid"
        if needed and not shown:
            bar.grid()
        elif not needed and shown:
            bar.grid_remove()
            canvas.yview_moveto(0)

    tk.Misc.bind(column, "<Configure>", update, add="+")
    tk.Misc.bind(canvas, "<Configure>", update, add="+")


def scroll_into_view(widget: tk.Misc, margin: int = 8) -> None:
    """Scroll the scrolled frame holding `widget` just far enough that the widget shows."""
    if not widget.winfo_exists():
        return
    widget.update_idletasks()  # a field just shown (the agent's) has no place until the layout runs
    canvas = widget.master
    while canvas is not None and not isinstance(canvas, tk.Canvas):
        canvas = canvas.master
    if canvas is None or not canvas.winfo_ismapped():
        return
    region = canvas.bbox("all")
    if not region or region[3] <= canvas.winfo_height():
        return
    canvas.configure(scrollregion=region)  # the frame may have grown since customtkinter last set it
    total = float(region[3])
    top = canvas.canvasy(0)
    y = widget.winfo_rooty() - canvas.winfo_rooty() + top
    # The canvas scrolls in steps of its yscrollincrement (30 pixels on Linux): round away from the widget.
    step = max(1, int(float(canvas.cget("yscrollincrement") or 1)))
    if y - margin < top:
        canvas.yview_moveto(max(0.0, (y - margin) // step * step) / total)
    elif y + widget.winfo_height() + margin > top + canvas.winfo_height():
        below = y + widget.winfo_height() + margin - canvas.winfo_height()
        canvas.yview_moveto(-(-below // step) * step / total)


def _scroll_when_settled(event: tk.Event[tk.Misc]) -> None:
    """Scroll to the focused field now, and again once what the focus set off (a status line, a
    row shown) has been laid out."""
    event.widget.after_idle(scroll_into_view, event.widget)
    event.widget.after(150, scroll_into_view, event.widget)


def follow_focus(container: tk.Misc) -> None:
    """Tab into a field below a scrolled frame's visible part scrolls it into view: on a
    1024×600 screen the keyboard must reach what the eye cannot see yet."""
    for child in container.winfo_children():
        # The Tk widget inside a CTk one takes the focus. Only those that take it anyway: a FocusIn
        # binding makes Tk's Tab stop at any widget (a CTk entry's canvas, a label's text).
        if isinstance(child, (tk.Entry, tk.Listbox, tk.Text)):
            child.bind("<FocusIn>", _scroll_when_settled, add="+")
        follow_focus(child)


class View(ctk.CTkFrame):
    title = ""

    def __init__(self, app: MainWindow):
        super().__init__(app.body, fg_color="transparent")
        self.app = app
        self.theme = app.theme
        self.services = app.services
        self.keys: dict[str, Callable[[], None]] = {}
        self.pending = 0
        self.epoch = 0  # a reused view starts a new epoch; answers to an older one are dropped

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
        waits: bool = False,
    ) -> None:
        """Run `fn` off the Tk thread; callbacks are dropped if the view is gone (or was reset) by then.
        `waits`: `fn` waits on a person (the rating pad), on threads that never hold up the quick tasks."""
        self.pending += 1
        epoch = self.epoch

        def guard(callback: Callable[[V], None] | None) -> Callable[[V], None]:
            def deliver(value: V) -> None:
                self.pending -= 1
                if callback is not None and self.winfo_exists() and self.epoch == epoch:
                    callback(value)

            return deliver

        self.app.runner.run(fn, *args, on_done=guard(on_done), on_error=guard(on_error), waits=waits)

    def on_show(self) -> None:
        """Called after the view is placed; put the focus where the next keystroke belongs."""

    def on_hide(self) -> None:
        """Called when another screen takes the window; a view built once is kept for the next show."""

    def label(self, master: tk.Misc, text: str = "", delta: int = 0, bold: bool = False, **kw: object) -> ctk.CTkLabel:
        return ctk.CTkLabel(master, text=text, font=self.theme.font(delta, bold), **kw)

    def button(
        self,
        master: tk.Misc,
        text: str,
        command: Callable[[], object],
        delta: int = 0,
        kind: str = "primary",
        **kw: object,
    ) -> ctk.CTkButton:
        """A button whose colour says what it does: `kind` is primary, secondary or danger (theme.py)."""
        # Every button is a Tab stop with a visible focus ring; Enter or Space presses it (focus.py).
        return keyboard_button(
            ctk.CTkButton(
                master, text=text, command=command, font=self.theme.font(delta), **{**button_colors(kind), **kw}
            )
        )

    def table_view(
        self,
        columns: Sequence[tuple[str, str, int]],
        pady: tuple[int, int] = (0, 12),
        stretch: Collection[str] = (),
    ) -> ttk.Treeview:
        """A list of rows filling the rest of the view: (key, heading, width) per column, a scrollbar.
        Its look (font, row height, headings, selection) is the "Cases.Treeview" style of theme.py."""
        frame = ctk.CTkFrame(self, fg_color="transparent")
        frame.pack(fill="both", expand=True, padx=EDGE, pady=pady)
        table = ttk.Treeview(
            frame, columns=[c[0] for c in columns], show="headings", style="Cases.Treeview", selectmode="browse"
        )
        for key, text, width in columns:
            table.heading(key, text=text, anchor="w")
            table.column(key, width=width, minwidth=40, anchor="w", stretch=not stretch or key in stretch)
        fit_columns(table, columns, stretch)
        scroll = ctk.CTkScrollbar(frame, orientation="vertical", command=table.yview)  # as in every scrolled frame
        table.configure(yscrollcommand=scroll.set)
        # The scrollbar first: a narrow window takes its width from the columns, not from the scrollbar.
        scroll.pack(side="right", fill="y")
        table.pack(side="left", fill="both", expand=True)
        return table

    def entry(self, master: tk.Misc, width: int = 220, **kw: object) -> ctk.CTkEntry:
        return ctk.CTkEntry(master, width=width, font=self.theme.font(), **kw)
