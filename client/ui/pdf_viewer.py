"""A notice full-size: every page of its PDF, scrolled with the keyboard, printable from here.

The thumbnail on the result screen is too small to read a case number or a date on; before the
paper goes over the counter the clerk opens it here (F8 or a click), reads it with the applicant,
and prints it again if a copy is needed. The viewer is its own window: Esc closes it and nothing
else (the result screen underneath stays where it was).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import customtkinter as ctk

from .base import scroll_column
from .images import png_image
from .modal import dialog_button, give_back_keyboard, over_main, take_keyboard
from .theme import EDGE, ERROR_COLOR, GAP, OK_COLOR, TIGHT, WARN_COLOR

if TYPE_CHECKING:
    from .base import View

PAGE_GAP = 12  # grey between two sheets, as paper lies on a desk
PAGE_BACKGROUND = "gray60"
STEP = 60  # pixels an arrow key scrolls


class PdfViewer(ctk.CTkToplevel):
    """`print_task` runs off the Tk thread and returns "" when printed or the clerk's error text."""

    def __init__(self, view: View, pdf: Path, title: str, print_task: Callable[[], str] | None = None):
        root = view.app.root
        super().__init__(root)
        self.view, self.pdf, self.print_task = view, pdf, print_task
        self.pages: list[ctk.CTkLabel] = []
        self.page = 0
        over_main(self, root, f"{title}（{pdf.name}）")
        theme = view.theme
        # As large as the main window, so it also fits a 1024×600 screen; a sheet is read at full width.
        width, height = max(640, min(960, root.winfo_width())), max(480, root.winfo_height())
        x = root.winfo_rootx() + max(0, (root.winfo_width() - width) // 2)
        self.geometry(f"{width}x{height}+{x}+{root.winfo_rooty()}")
        self.minsize(640, 480)
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=EDGE, pady=(GAP, TIGHT))
        ctk.CTkLabel(bar, text=title, font=theme.font(2, True)).pack(side="left")
        self.position = ctk.CTkLabel(bar, text="正在打开…", font=theme.font(-1))
        self.position.pack(side="left", padx=GAP)
        self.close_button = dialog_button(bar, "关闭（Esc）", self.close, theme.font())
        self.close_button.pack(side="right")
        self.print_button = dialog_button(bar, "打印（Ctrl+P）", self.print_again, theme.font(), "primary")
        if print_task is not None:
            self.print_button.pack(side="right", padx=GAP)
        self.message = ctk.CTkLabel(self, text="", font=theme.font(-1), anchor="w")
        self.message.pack(fill="x", padx=EDGE)
        hint = "PageUp/PageDown 翻页　↑↓ 滚动　Home/End 首页/末页　Esc 关闭"
        ctk.CTkLabel(self, text=hint, font=theme.font(-2), text_color="gray40").pack(anchor="w", padx=EDGE)
        self.sheets = scroll_column(self, fg_color=PAGE_BACKGROUND, corner_radius=0)
        self.sheets.pack(fill="both", expand=True, pady=(TIGHT, 0))
        self.canvas: tk.Canvas = self.sheets._parent_canvas  # customtkinter offers no public handle
        for sequence, handler in (
            ("<Escape>", lambda _e: self.close()),
            ("<Next>", lambda _e: self.turn(1)),
            ("<Prior>", lambda _e: self.turn(-1)),
            ("<Home>", lambda _e: self.show_page(0)),
            ("<End>", lambda _e: self.show_page(len(self.pages) - 1)),
            ("<Down>", lambda _e: self.scroll(STEP)),
            ("<Up>", lambda _e: self.scroll(-STEP)),
            ("<Control-p>", lambda _e: self.print_again()),
        ):
            self.bind(sequence, lambda e, h=handler: (h(e), "break")[1])  # the screen below never sees it
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.after(10, take_keyboard, self)  # modal: keys and clicks belong to the viewer until it closes
        view.run_task(view.services.paperwork.page_pngs, pdf, on_done=self._show, on_error=self._failed)

    def _show(self, pngs: tuple[bytes, ...]) -> None:
        if not self.winfo_exists():
            return
        width = max(300, self.winfo_width() - 2 * EDGE - 24)
        for n, png in enumerate(pngs):
            sheet = ctk.CTkLabel(self.sheets, text="", image=png_image(png, width, width * 2))
            sheet.pack(pady=(PAGE_GAP, PAGE_GAP if n == len(pngs) - 1 else 0))
            self.pages.append(sheet)
        self.show_page(0)

    def _failed(self, exc: BaseException) -> None:
        if self.winfo_exists():
            self.position.configure(text="")
            self.message.configure(text=getattr(exc, "message", "文书无法显示，PDF 文件已保存"), text_color=ERROR_COLOR)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def _top_of(self, index: int) -> float:
        """Where page `index` starts, as a fraction of everything the frame holds."""
        self.update_idletasks()
        total = max(1, self.sheets.winfo_reqheight())
        return max(0.0, (self.pages[index].winfo_y() - PAGE_GAP) / total)

    def show_page(self, index: int) -> None:
        if not self.pages:
            return
        self.page = max(0, min(len(self.pages) - 1, index))
        self.canvas.yview_moveto(self._top_of(self.page))
        self._say_position()

    def turn(self, step: int) -> None:
        """PageDown/PageUp: the next or the previous sheet, from the one mostly in view."""
        if not self.pages:
            return
        self.page = self._page_in_view()
        self.show_page(self.page + step)

    def scroll(self, pixels: int) -> None:
        total = max(1, self.sheets.winfo_reqheight())
        self.canvas.yview_moveto(max(0.0, self.canvas.canvasy(0) + pixels) / total)
        self.page = self._page_in_view()
        self._say_position()

    def _page_in_view(self) -> int:
        """The last sheet whose top is above the middle of what shows."""
        middle = self.canvas.canvasy(self.canvas.winfo_height() / 2)
        tops = [sheet.winfo_y() for sheet in self.pages]
        return max((i for i, top in enumerate(tops) if top <= middle), default=0)

    def _say_position(self) -> None:
        self.position.configure(text=f"第 {self.page + 1} / {len(self.pages)} 页")

    def print_again(self) -> None:
        """Ctrl+P: the notice again, on the same path as 重新打印 in the case's detail."""
        task = self.print_task
        if task is None or self.print_button.cget("state") == "disabled":
            return
        self.print_button.configure(state="disabled")
        self.message.configure(text="正在打印…", text_color=WARN_COLOR)
        self.view.run_task(task, on_done=self._printed, on_error=self._print_failed)

    def _printed(self, error: str) -> None:
        if not self.winfo_exists():
            return
        self.print_button.configure(state="normal")
        self.message.configure(
            text=error or f"已重新打印：{self.pdf.name}", text_color=ERROR_COLOR if error else OK_COLOR
        )

    def _print_failed(self, exc: BaseException) -> None:
        self._printed(getattr(exc, "message", "打印失败，请检查打印机后重试"))

    def close(self) -> None:
        """Only the viewer goes; the focus returns to the screen that opened it."""
        give_back_keyboard(self, self.view.app.root)
