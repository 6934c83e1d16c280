"""A small modal question answered by one key, such as leaving an intake in progress.

The dialog holds the keyboard while it is open (a grab, and the main window ignores keys
from other top-level windows), so its Esc never reaches the screen below it.
"""

from __future__ import annotations

import functools
import tkinter as tk
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import customtkinter as ctk

from .modal import dialog_button, give_back_keyboard, over_main, take_keyboard
from .theme import WARN_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow

# (button text with its key, keysym, button kind, what happens after the dialog has closed)
Choice = tuple[str, str, str, Callable[[], None]]


class KeyDialog(ctk.CTkToplevel):
    """Choices each bound to a key; closing the dialog (the window's ✕) runs `on_close`."""

    def __init__(
        self,
        app: MainWindow,
        title: str,
        heading: str,
        text: str,
        choices: Sequence[Choice],
        on_close: Callable[[], None],
    ):
        super().__init__(app.root)
        self.app, self.on_close = app, on_close
        over_main(self, app.root, title, resizable=False)
        theme = app.theme
        # A frame of its own: a kiosk without a window manager draws no border round the dialog.
        card = ctk.CTkFrame(self, corner_radius=0, border_width=2, border_color=WARN_COLOR)
        card.pack(fill="both", expand=True)
        ctk.CTkLabel(card, text=heading, font=theme.font(3, True), text_color=WARN_COLOR).pack(
            anchor="w", padx=24, pady=(20, 6)
        )
        ctk.CTkLabel(card, text=text, font=theme.font(), justify="left", wraplength=520).pack(
            anchor="w", padx=24, pady=(0, 16)
        )
        bar = ctk.CTkFrame(card, fg_color="transparent")
        bar.pack(fill="x", padx=24, pady=(0, 20))
        self.buttons: dict[str, ctk.CTkButton] = {}
        # Tab reaches every button (a ring shows which); Enter on a focused button presses that one.
        for label, keysym, kind, action in choices:
            button = dialog_button(bar, label, functools.partial(self.choose, action), theme.font(), kind, 40)
            button.pack(side="left", padx=(0, 10))
            self.buttons[keysym] = button
            self.bind(f"<Key-{keysym}>", lambda _e, a=action: self.choose(a))
        self.protocol("WM_DELETE_WINDOW", lambda: self.choose(on_close))
        self._place_over(app.root)
        self.after(10, take_keyboard, self)  # modal: the intake underneath takes no click until answered

    def _place_over(self, root: tk.Misc) -> None:
        self.update_idletasks()
        x = root.winfo_rootx() + max(0, (root.winfo_width() - self.winfo_reqwidth()) // 2)
        y = root.winfo_rooty() + max(0, (root.winfo_height() - self.winfo_reqheight()) // 3)
        self.geometry(f"+{x}+{y}")

    def choose(self, action: Callable[[], None]) -> None:
        """Close first, then act: the action may show another screen or open another dialog."""
        if give_back_keyboard(self, self.app.root):
            action()


def ask_leave(
    app: MainWindow,
    keep: Callable[[], None],
    discard: Callable[[], None],
    back: Callable[[], None],
    quitting: bool,
    away: str = "返回首页",
    resume_at: str = "首页“未完成的受理”中",
) -> KeyDialog:
    """Esc or closing the window in an intake: keep the draft (Enter), give it up (Esc), or go back.
    `away` and `resume_at` name where Esc leads and where the draft is found again (a bus visit:
    the run's list)."""
    where = "关闭窗口" if quitting else away
    return KeyDialog(
        app,
        "离开受理",
        "本次受理尚未办结",
        f"{where}前请选择：保留草稿，之后可在{resume_at}继续（重新登录或重启后也在）；"
        "或放弃本次受理，已填写的内容将被清除。",
        (
            (f"保留草稿并{where}（Enter）", "Return", "primary", keep),
            ("放弃本次受理（Esc）", "Escape", "danger", discard),
            ("继续受理（Backspace）", "BackSpace", "secondary", back),
        ),
        on_close=back,
    )


def ask_discard(app: MainWindow, label: str, discard: Callable[[], None], back: Callable[[], None]) -> KeyDialog:
    """Delete on a draft in the home list: the clerk confirms before it is gone."""
    return KeyDialog(
        app,
        "放弃草稿",
        "放弃这份未完成的受理？",
        f"{label}\n放弃后草稿中填写的内容将被清除，不能恢复。",
        (("放弃草稿（Enter）", "Return", "danger", discard), ("保留（Esc）", "Escape", "secondary", back)),
        on_close=back,
    )
