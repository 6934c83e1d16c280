"""The set-up every window over the main one shares: a notice viewer, a key dialog, the signature pad.

Such a window sits over the main window (transient), and a modal one takes the keyboard and
the pointer as soon as it can be seen, so its Esc never reaches the screen below it. Its
buttons are Tab stops with the focus ring, in the colours that say what they do.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import customtkinter as ctk

from .focus import keyboard_button
from .theme import BUTTON_HEIGHT, button_colors

GRAB_RETRY_MS = 30  # a window not yet mapped cannot take the grab: try again this soon


def over_main(win: ctk.CTkToplevel, root: tk.Misc, title: str, *, resizable: bool = True) -> None:
    """Title `win` and keep it over the main window `root` (never hidden behind it)."""
    win.title(title)
    win.transient(root)
    if not resizable:
        win.resizable(False, False)


def take_keyboard(win: ctk.CTkToplevel) -> None:
    """Make `win` modal: raised, focused, and holding keys and clicks until it closes."""
    if not win.winfo_exists():
        return
    win.lift()
    win.focus_force()
    try:
        win.grab_set()
    except tk.TclError:  # not viewable yet: try again shortly
        win.after(GRAB_RETRY_MS, take_keyboard, win)


def give_back_keyboard(win: ctk.CTkToplevel, root: tk.Misc) -> bool:
    """Close `win` and hand the keyboard back to the main window; False when it was already gone."""
    if not win.winfo_exists():
        return False
    try:
        win.grab_release()
    except tk.TclError:
        pass
    win.destroy()
    root.focus_force()
    return True


def dialog_button(
    bar: ctk.CTkFrame,
    text: str,
    command: Callable[[], object],
    font: ctk.CTkFont,
    kind: str = "secondary",
    height: int = BUTTON_HEIGHT,
) -> ctk.CTkButton:
    """A button of a window's bar: a Tab stop with the ring, Enter or Space presses it."""
    return keyboard_button(
        ctk.CTkButton(bar, text=text, command=command, font=font, height=height, **button_colors(kind))
    )
