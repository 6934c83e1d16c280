"""开班 and 交班: the clerk opens a shift at a window after login, and hands over at the end
(a summary on screen and on paper, then logged out).

交班 names the clerk's unfinished intakes (drafts) so none is forgotten: a number key goes back
to one to finish it, and handing over anyway keeps them (listed as an earlier shift's next time).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.auth import Clerk
from client.services.drafts import DraftSummary
from client.services.shift import ShiftInfo, ShiftSummary

from .base import View, required, wrap_to_width
from .images import png_image
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow

MAX_DRAFTS = 9  # drafts named on 交班, each with its number key
TALL = 700  # window height from which all MAX_DRAFTS are named


class ShiftOpenView(View):
    title = "开班"

    def __init__(self, app: MainWindow, clerk: Clerk, window: str = "", left_open: ShiftInfo | None = None):
        super().__init__(app)
        self.shifts = required(self.services.shifts, "shift")
        self.clerk = clerk
        card = ctk.CTkFrame(self, corner_radius=12)
        card.place(relx=0.5, rely=0.42, anchor="center")
        self.label(card, "开班", 10, True).grid(row=0, column=0, columnspan=3, padx=40, pady=(30, 6))
        self.label(card, f"{clerk.role_label} {clerk.display_name}，请确认今天所在的窗口", 1).grid(
            row=1, column=0, columnspan=3, padx=30, pady=(0, 20)
        )
        self.label(card, "窗口号").grid(row=2, column=0, sticky="e", padx=(30, 10), pady=8)
        self.window = self.entry(card, width=120, placeholder_text="如 3")
        self.window.grid(row=2, column=1, sticky="w", pady=8)
        self.label(card, "号窗口").grid(row=2, column=2, sticky="w", padx=(6, 30))
        if window:
            self.window.insert(0, window)
        self.submit = self.button(card, "开班（Enter）", self.open_shift, 1, width=220, height=38)
        self.submit.grid(row=3, column=1, columnspan=2, sticky="w", pady=(14, 6))
        note = ""
        if left_open is not None:
            note = (
                f"上一班（{left_open.clerk_name}，{left_open.window_label}，{left_open.opened_at:%m-%d %H:%M}开班）"
                "未交班，开班时将自动结束"
            )
        self.message = self.label(card, note, text_color=WARN_COLOR, wraplength=460, justify="left")
        self.message.grid(row=4, column=0, columnspan=3, padx=30, pady=(0, 24))
        self.window.bind("<Return>", lambda _e: self.open_shift())
        self.keys = {"Escape": self.app.log_out}

    def on_show(self) -> None:
        self.window.focus_set()
        self.window.select_range(0, "end")

    def open_shift(self) -> None:
        if self.busy:
            return
        self.submit.configure(state="disabled", text="正在开班…")
        self.run_task(
            self.shifts.open,
            self.clerk,
            self.window.get(),
            on_done=self.app.shift_opened,
            on_error=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.submit.configure(state="normal", text="开班（Enter）")
        self.message.configure(text=getattr(exc, "message", "开班失败，请重试"), text_color=ERROR_COLOR)
        self.window.focus_set()


class ShiftCloseView(View):
    """First the figures so far (nothing changed yet); Enter hands over, prints and logs out."""

    title = "交班"

    def __init__(self, app: MainWindow):
        super().__init__(app)
        self.shifts = required(self.services.shifts, "shift")
        self.closed = False
        self.card = ctk.CTkFrame(self)
        self.card.pack(fill="x", padx=16, pady=12)
        self.headline = self.label(self.card, "交班小结（正在统计…）", 6, True)
        self.headline.pack(anchor="w", padx=16, pady=(12, 4))
        self.heading = self.label(self.card, "", 1, justify="left")
        self.heading.pack(anchor="w", padx=16)
        self.figures = self.label(self.card, "", 1, justify="left", wraplength=1150)
        wrap_to_width(self.figures, self.card, 40)
        self.figures.pack(anchor="w", padx=16, pady=(10, 4))
        self.warnings = self.label(self.card, "", 1, True, justify="left", text_color=ERROR_COLOR, wraplength=1150)
        wrap_to_width(self.warnings, self.card, 40)
        self.warnings.pack(anchor="w", padx=16, pady=(4, 4))
        self.drafts: tuple[DraftSummary, ...] = ()
        self.drafts_note = self.label(self.card, "", 1, justify="left", text_color=WARN_COLOR, wraplength=1150)
        wrap_to_width(self.drafts_note, self.card, 40)
        self.message = self.label(self.card, "", 1, justify="left", wraplength=1150)
        wrap_to_width(self.message, self.card, 40)
        self.message.pack(anchor="w", padx=16, pady=(4, 8))
        bar = ctk.CTkFrame(self.card, fg_color="transparent")
        bar.pack(anchor="w", padx=16, pady=(0, 14))
        self.confirm = self.button(bar, "确认交班并打印（Enter）", self.hand_over, 1, height=40, state="disabled")
        self.confirm.pack(side="left")
        self.back = self.button(bar, "返回（Esc）", self.app.show_home, kind="secondary", height=40)
        self.back.pack(side="left", padx=10)
        self.keys = {"Return": self.hand_over, "Escape": self.app.show_home}
        self.run_task(self.shifts.summary, on_done=self._show, on_error=self._failed)
        drafts, clerk = self.services.drafts, self.app.clerk
        if drafts is not None and clerk is not None:
            since = self.app.shift.opened_at if self.app.shift is not None else None
            self.run_task(drafts.drafts, clerk, since, on_done=self._show_drafts, on_error=self.app.show_error)

    def _show_drafts(self, drafts: tuple[DraftSummary, ...]) -> None:
        """Each unfinished intake by applicant and matter; 1–9 go back to one to finish it."""
        self.drafts = drafts
        if not drafts or self.closed:
            return
        lines = [
            f"！还有 {len(drafts)} 件未完成的受理（草稿）：按数字键返回继续办理；"
            "交班后草稿保留，下次登录时列为上一班次留下"
        ]
        # Named one a line, 1–9 on a tall screen; on a short one (1024×600) three, so 交班 stays in view.
        shown = drafts[: MAX_DRAFTS if self.app.root.winfo_height() >= TALL else 3]
        for i, d in enumerate(shown, 1):
            earlier = "，上一班次留下" if d.stale else ""
            lines.append(f"    {i}  {d.label}（最后保存 {d.updated_at:%m-%d %H:%M}{earlier}）")
        if len(drafts) > len(shown):
            lines.append(f"    另有 {len(drafts) - len(shown)} 件，请返回首页（Esc）在“未完成的受理”中查看")
        self.drafts_note.configure(text="\n".join(lines))
        self.drafts_note.pack(anchor="w", padx=16, pady=(4, 4), before=self.message)
        for i, d in enumerate(shown, 1):
            self.keys[str(i)] = functools.partial(self.app.resume_draft, d.id)
        if self.confirm.cget("text") == "确认交班并打印（Enter）":  # not while handing over
            self.confirm.configure(text="保留草稿并交班（Enter）")

    def _show(self, summary: ShiftSummary) -> None:
        self.headline.configure(text="交班小结" if self.closed else "交班小结（确认后打印并退出登录）")
        self.heading.configure(text="    ".join(f"{k}：{v}" for k, v in summary.heading()))
        self.figures.configure(text="\n".join(f"{k}：{v}" for k, v in summary.rows()))
        self.warnings.configure(text="\n".join(f"！{w}" for w in summary.warnings))
        if not summary.warnings:
            self.warnings.pack_forget()
        if not self.closed:
            self.confirm.configure(state="normal")
            self.confirm.focus_set()

    def on_show(self) -> None:
        if not self.closed and self.confirm.cget("state") == "disabled":
            self.back.focus_set()  # off the home screen behind, until the figures enable 确认交班

    def hand_over(self) -> None:
        if self.closed:
            self.app.show_login()
            return
        if self.busy or self.confirm.cget("state") == "disabled":
            return
        self.confirm.configure(state="disabled", text="正在交班…")
        self.run_task(self.shifts.close, on_done=self._closed, on_error=self._failed)

    def _closed(self, summary: ShiftSummary) -> None:
        self.closed = True
        self._show(summary)
        self.app.log_out(show_login=False)
        paper = "交班小结已打印。" if summary.printed else f"{summary.print_error}。"
        self.message.configure(
            text=f"已交班，{paper}已退出登录。", text_color=OK_COLOR if summary.printed else WARN_COLOR
        )
        self.confirm.configure(state="normal", text="返回登录（Enter）")
        self.back.pack_forget()
        self.keys = {"Return": self.hand_over, "Escape": self.hand_over}
        if self.drafts:
            self.drafts_note.configure(
                text=f"未完成的受理 {len(self.drafts)} 件已保留："
                + "；".join(d.label for d in self.drafts)
                + "。下次登录后在首页“未完成的受理”中继续或放弃。"
            )
        self.confirm.focus_set()
        if summary.printed:
            self.run_task(self.services.hardware.last_receipt_png, on_done=self._slip, on_error=lambda _exc: None)

    def _slip(self, png: bytes | None) -> None:
        if png:
            box = ctk.CTkFrame(self)
            box.pack(anchor="w", padx=16, pady=(0, 12))
            self.label(box, "交班小结（虚拟打印机输出）", -1).pack()
            ctk.CTkLabel(box, text="", image=png_image(png, 300, 240)).pack(padx=8, pady=8)

    def _failed(self, exc: BaseException) -> None:
        self.confirm.configure(
            state="normal", text="保留草稿并交班（Enter）" if self.drafts else "确认交班并打印（Enter）"
        )
        self.message.configure(text=getattr(exc, "message", "交班失败，请重试"), text_color=ERROR_COLOR)
