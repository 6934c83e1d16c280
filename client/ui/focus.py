"""Keyboard focus for customtkinter controls, which neither take focus nor draw a ring by themselves.

A clerk works with both hands on the keyboard, so every control must be reachable by Tab and
show where the focus is: a focused button or segmented choice gets a thick amber border
(FOCUS_COLOR, a colour no button uses), Enter or Space presses a focused button, and
Left/Right or a digit picks a segment; an entry with the cursor in it gets the same ring.
Ctrl+A selects the whole text of any entry (Tk's default moves to the start of the line,
which no clerk expects). A control that gets the focus inside a scrolled column is scrolled
into view: on a 1024×600 screen Tab must not go somewhere the eye cannot follow.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.ttk as ttk
from collections.abc import Callable

import customtkinter as ctk

FOCUS_COLOR = "#f0a000"
FOCUS_WIDTH = 3
ROW_HIGHLIGHT = "#fff1cc"  # the background of the focused row of a list made of frames

DIGITS = tuple(str(n) for n in range(1, 10))


def _reveal(widget: tk.Misc) -> None:
    """Once the layout has settled, scroll the scrolled column holding `widget` so it shows."""
    from .base import scroll_into_view  # base builds on this module, so it is looked up here

    widget.after_idle(scroll_into_view, widget)


def _exists(widget: tk.Misc) -> bool:
    try:
        return bool(widget.winfo_exists())
    except tk.TclError:
        return False


def keyboard_button(button: ctk.CTkButton) -> ctk.CTkButton:
    """Make `button` a Tab stop with a visible ring; Enter or Space presses it (and goes no further)."""
    _ring_control(button, {"border_width": FOCUS_WIDTH, "border_color": FOCUS_COLOR}, button.invoke)
    return button


def keyboard_toggle(toggle: ctk.CTkSwitch | ctk.CTkCheckBox) -> ctk.CTkSwitch | ctk.CTkCheckBox:
    """Make a switch or check box a Tab stop with a ring round its box; Space or Enter flips it.

    A ticked check box paints its fill over its border, so it takes the ring's colour as its fill
    while focused: ticked or not, the focused box is amber."""
    ring: dict[str, object] = {"border_width": FOCUS_WIDTH, "border_color": FOCUS_COLOR}
    if isinstance(toggle, ctk.CTkCheckBox):
        ring |= {"fg_color": FOCUS_COLOR, "hover_color": FOCUS_COLOR}
    _ring_control(toggle, ring, toggle.toggle)
    return toggle


def _ring_control(
    control: ctk.CTkButton | ctk.CTkSwitch | ctk.CTkCheckBox, ring: dict[str, object], act: Callable[[], object]
) -> None:
    """A Tab stop that wears `ring` (its own options) while focused and runs `act` on Enter or Space.

    The focus goes to the control's own frame window: its text label, where customtkinter would
    put it, is destroyed and made again when the text goes empty and comes back, bindings and all."""
    tk.Frame.configure(control, takefocus=1)
    control.focus_set = control.focus = lambda: tk.Frame.focus_set(control)
    control.focus_force = lambda: tk.Frame.focus_force(control)
    saved: dict[str, object] = {}

    def focus_in(_event: object) -> None:
        if _exists(control):
            for option in ring:
                saved.setdefault(option, control.cget(option))
            control.configure(**ring)
            _reveal(control)

    def focus_out(_event: object) -> None:
        if _exists(control) and saved:
            control.configure(**saved)
            saved.clear()

    def press(_event: object) -> str:
        act()
        return "break"

    for sequence, handler in (("<FocusIn>", focus_in), ("<FocusOut>", focus_out)):
        tk.Misc.bind(control, sequence, handler, "+")
    for sequence in ("<Return>", "<KP_Enter>", "<space>"):
        tk.Misc.bind(control, sequence, press, "+")


def keyboard_segments(
    segments: ctk.CTkSegmentedButton,
    on_pick: Callable[[str], None],
    keys: dict[str, Callable[[], object]] | None = None,
) -> ctk.CTkSegmentedButton:
    """Make a segmented choice a Tab stop: digit n picks the n-th value, Left/Right the neighbour.

    `on_pick` gets the value chosen by key (the widget's own command fires only on a click);
    `keys` adds bindings of the caller's own (Up/Down between questions, say)."""
    tk.Frame.configure(segments, takefocus=1)
    normal = segments.cget("fg_color")

    def focus_in(_event: object) -> None:
        if _exists(segments):
            segments.configure(fg_color=FOCUS_COLOR)
            _reveal(segments)

    def focus_out(_event: object) -> None:
        if _exists(segments):
            segments.configure(fg_color=normal)

    def pick(index: int) -> str:
        values = list(segments.cget("values"))
        if 0 <= index < len(values) and segments.get() != values[index]:
            segments.set(values[index])
            on_pick(values[index])
        return "break"

    def step(delta: int) -> str:
        values = list(segments.cget("values"))
        current = values.index(segments.get()) if segments.get() in values else 0
        return pick(max(0, min(len(values) - 1, current + delta)))

    def picker(index: int) -> Callable[[object], str]:
        return lambda _e: pick(index)

    def stepper(delta: int) -> Callable[[object], str]:
        return lambda _e: step(delta)

    def own(action: Callable[[], object]) -> Callable[[object], str]:
        def handler(_e: object) -> str:
            action()
            return "break"

        return handler

    bindings: dict[str, Callable[[tk.Event[tk.Misc]], object]] = {
        "<FocusIn>": focus_in,
        "<FocusOut>": focus_out,
        "<Left>": stepper(-1),
        "<Right>": stepper(+1),
    }
    for n, digit in enumerate(DIGITS):
        bindings[f"<Key-{digit}>"] = bindings[f"<KP_{digit}>"] = picker(n)
    for sequence, action in (keys or {}).items():
        bindings[sequence] = own(action)
    for sequence, handler in bindings.items():
        tk.Misc.bind(segments, sequence, handler, "+")
    return segments


def scroll_keys(column: ctk.CTkScrollableFrame) -> dict[str, Callable[[], None]]:
    """PageUp/PageDown for a screen's keys table: a scrolled column of text (a case's timeline,
    the supervisor's figures) is read to its end without the mouse wheel."""
    canvas = column._parent_canvas  # customtkinter offers no public handle

    def page(step: int) -> Callable[[], None]:
        return lambda: canvas.yview_scroll(step, "pages")

    return {"Prior": page(-1), "Next": page(1)}


def frame_bind(frame: tk.Misc, sequence: str, handler: Callable[[tk.Event[tk.Misc]], object]) -> None:
    """Bind on a CTk frame's own window (CTkFrame.bind goes to its canvas, which never has the focus)."""
    tk.Misc.bind(frame, sequence, handler, "+")


def take_focus(frame: tk.Frame) -> None:
    """Let a CTk frame take the keyboard focus (Tab stops at it; its own bindings get the keys)."""
    tk.Frame.configure(frame, takefocus=1)  # CTkFrame.configure refuses takefocus


def _select_all(event: tk.Event[tk.Misc]) -> str:
    entry = event.widget
    if isinstance(entry, tk.Entry):  # ttk.Entry is one too
        entry.selection_range(0, "end")
        entry.icursor("end")
    return "break"


def _entry_ring(event: tk.Event[tk.Misc], on: bool) -> None:
    """The CTkEntry around a focused Tk entry shows the ring; its own border colour comes back after."""
    outer = getattr(event.widget, "master", None)
    if not isinstance(outer, ctk.CTkEntry) or not _exists(outer):
        return
    if on:
        if not hasattr(outer, "_unfocused_border"):
            outer._unfocused_border = outer.cget("border_color")
        outer.configure(border_color=FOCUS_COLOR)
        _reveal(outer)
    elif hasattr(outer, "_unfocused_border"):
        outer.configure(border_color=outer._unfocused_border)
        del outer._unfocused_border


def install_focus_defaults(root: tk.Misc) -> None:
    """For the whole program (class bindings, option and style defaults, so widgets made later get
    them too): Ctrl+A selects all in an entry, a CTk entry shows the ring while the cursor is in it,
    and a list's or a table's focus border is the ring's colour."""
    root.option_add("*Listbox.highlightColor", FOCUS_COLOR)
    root.option_add("*Listbox.highlightThickness", FOCUS_WIDTH - 1)
    # A table (ttk, "clam" theme) has no focus highlight of its own: its frame turns the ring's colour.
    ttk.Style(root).map(
        "Cases.Treeview",
        bordercolor=[("focus", FOCUS_COLOR)],
        lightcolor=[("focus", FOCUS_COLOR)],
        darkcolor=[("focus", FOCUS_COLOR)],
    )
    for cls in ("Entry", "TEntry"):
        for sequence in ("<Control-a>", "<Control-A>"):
            root.bind_class(cls, sequence, _select_all)
    root.bind_class("Entry", "<FocusIn>", lambda e: _entry_ring(e, True), add="+")
    root.bind_class("Entry", "<FocusOut>", lambda e: _entry_ring(e, False), add="+")
