"""演示：放卡 — lay a sample card on the virtual ID reader, so F3, Shift+F3 and the 出件
check can be tried in demo mode and training.

Exists only when the services offer a demo deck (a virtual reader). Ctrl+Shift+K (or the
header button) opens a small panel listing the deck; a digit places that card and closes
it. Ctrl+Shift+1…9 places a card without opening the panel, so a trainer can deal the
applicant's and then the agent's card without leaving the intake.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.demo_cards import DemoCardService, SampleCard

from .focus import ROW_HIGHLIGHT, frame_bind, keyboard_button, take_focus
from .theme import DEMO_COLOR, EDGE, GAP, MUTED_TEXT, TIGHT

if TYPE_CHECKING:
    from .mainwindow import MainWindow

OPEN_KEY = "Ctrl+Shift+K"
# What Ctrl+Shift+digit delivers on a US (and Chinese) keyboard: the shifted symbol.
SHIFTED_DIGITS = (
    "exclam",
    "at",
    "numbersign",
    "dollar",
    "percent",
    "asciicircum",
    "ampersand",
    "asterisk",
    "parenleft",
)
HINT = "放好后：F3 读申请人证，Shift+F3 读代理人证；办件详情的出件栏 F3 核验领取人"


class DemoCardMenu(ctk.CTkFrame):
    """The panel; `app.popup` is set while it is open, so the view below gets no keys."""

    def __init__(self, app: MainWindow, cards: DemoCardService):
        super().__init__(app.root, corner_radius=10, border_width=2, border_color=DEMO_COLOR)
        self.app, self.cards = app, cards
        self.deck: tuple[SampleCard, ...] = cards.cards()
        self.rows: list[ctk.CTkLabel] = []
        self.current = 0
        self.placed: SampleCard | None = None  # the last card laid on the reader
        self._focus_before: tk.Misc | None = None
        theme = app.theme
        ctk.CTkLabel(self, text="演示：放卡", font=theme.font(2, True), text_color=DEMO_COLOR).pack(
            anchor="w", padx=EDGE, pady=(EDGE, TIGHT)
        )
        ctk.CTkLabel(self, text="按数字键把该卡放在虚拟读卡器上，Esc 关闭", font=theme.font(-1)).pack(
            anchor="w", padx=EDGE
        )
        for card in self.deck:
            row = ctk.CTkLabel(self, text=card.label, font=theme.font(), anchor="w", corner_radius=4, cursor="hand2")
            row.pack(fill="x", padx=EDGE, pady=1)
            row.bind("<Button-1>", lambda _e, n=card.number: self.lay(n))
            self.rows.append(row)
        ctk.CTkLabel(self, text=HINT, font=theme.font(-2), text_color=MUTED_TEXT).pack(
            anchor="w", padx=EDGE, pady=(TIGHT, EDGE)
        )
        take_focus(self)
        for n in range(1, len(self.deck) + 1):
            frame_bind(self, f"<Key-{n}>", self._digit(n))
            frame_bind(self, f"<KP_{n}>", self._digit(n))
        frame_bind(self, "<Up>", lambda _e: self._move(-1))
        frame_bind(self, "<Down>", lambda _e: self._move(+1))
        frame_bind(self, "<Return>", lambda _e: self._key_place(self.current + 1))
        frame_bind(self, "<Escape>", lambda _e: self._escape())
        # A click into the screen below closes the panel, so the keys go where the click put the focus.
        app.root.bind_all("<Button-1>", self._clicked, add="+")

    @property
    def is_open(self) -> bool:
        return self.app.popup is self

    def open(self) -> None:
        if self.is_open or self.app.popup is not None or self.app.overlay is not None:
            return
        self._focus_before = self.app.root.focus_get()
        self.app.popup = self
        self._move(0)
        self.place(relx=0.5, rely=0.42, anchor="center")
        self.lift()
        self.focus_set()

    def close(self, restore_focus: bool = True) -> None:
        if not self.is_open:
            return
        self.app.popup = None
        self.place_forget()
        before = self._focus_before
        if restore_focus and before is not None and before.winfo_exists():
            before.focus_set()  # back where the clerk was typing

    def lay(self, number: int) -> None:
        """Lay card `number` of the deck on the reader (off the Tk thread: the reader holds a lock)."""
        self.app.runner.run(self.cards.place, number, on_done=self._placed, on_error=self.app.show_error)

    def _digit(self, number: int) -> Callable[[tk.Event[tk.Misc]], str]:
        return lambda _e: self._key_place(number)

    def _key_place(self, number: int) -> str:
        self.lay(number)
        return "break"

    def _clicked(self, event: tk.Event[tk.Misc]) -> None:
        if not self.is_open:
            return
        widget: tk.Misc | None = event.widget if isinstance(event.widget, tk.Misc) else None
        while widget is not None:
            if widget is self:
                return  # a click on a card row: lay() closes the panel
            widget = widget.master
        self.close(restore_focus=False)

    def _escape(self) -> str:
        self.close()
        return "break"

    def _move(self, delta: int) -> str:
        if self.deck:
            self.current = max(0, min(len(self.deck) - 1, self.current + delta))
            for i, row in enumerate(self.rows):
                row.configure(fg_color=ROW_HIGHLIGHT if i == self.current else "transparent")
        return "break"

    def _placed(self, card: SampleCard) -> None:
        self.placed = card
        self.close()
        self.app.flash(f"演示：已将{card.name}的{card.kind}放在读卡器上，按 F3 读卡", DEMO_COLOR)


def install_demo_cards(app: MainWindow, header: ctk.CTkFrame) -> DemoCardMenu | None:
    """The panel, its header button and keys, when the services offer a demo deck; else nothing."""
    service = app.services.demo_cards
    if service is None:
        return None
    menu = DemoCardMenu(app, service)
    keyboard_button(
        ctk.CTkButton(
            header,
            text=f"演示：放卡（{OPEN_KEY}）",
            command=menu.open,
            font=app.theme.font(-1),
            height=30,
            width=0,
            fg_color=DEMO_COLOR,
            hover_color="#6b3a00",
            text_color="white",
        )
    ).pack(side="left", padx=GAP)
    app.root.bind_all("<Control-K>", lambda _e: menu.open())
    for number, symbol in enumerate(SHIFTED_DIGITS[: len(menu.deck)], 1):
        app.root.bind_all(f"<Control-Key-{symbol}>", lambda _e, n=number: _direct(app, menu, n))
    return menu


def _direct(app: MainWindow, menu: DemoCardMenu, number: int) -> None:
    """Ctrl+Shift+digit: place the card at once (not over the lock screen)."""
    if app.overlay is None:
        menu.lay(number)
