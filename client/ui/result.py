"""After accepting: the case number, the promised date, and the paper that came out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.intake import AcceptResult
from client.services.ratings import RatingResult
from client.services.transfer import SlipPrint

from .base import View
from .images import png_image
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow

HEADLINES = {
    "accept": ("✔ 已受理", OK_COLOR),
    "pledge": ("✔ 已受理（告知承诺）", OK_COLOR),
    "accept_tolerant": ("✔ 已容缺受理", OK_COLOR),
    "conclude": ("✔ 已当场办结", OK_COLOR),
    "notify_missing": ("已出具一次性告知书", WARN_COLOR),
    "refuse": ("已出具不予受理通知书", ERROR_COLOR),
}


def document_title(path: Path) -> str:
    """The notice's name from its file name: <case no>-<title>.pdf."""
    return path.stem.rsplit("-", 1)[-1]


class ResultView(View):
    title = "办理结果"

    def __init__(self, app: MainWindow, result: AcceptResult, back: Callable[[], None] | None = None):
        super().__init__(app)
        self.result = result
        self.back = back or self.app.show_home  # the outreach list, after a visit on the bus
        head = ctk.CTkFrame(self)
        head.pack(fill="x", padx=16, pady=12)
        headline, color = HEADLINES.get(result.outcome, ("✔ 已受理", OK_COLOR))
        self.label(head, headline, 8, True, text_color=color).pack(anchor="w", padx=16, pady=(12, 0))
        self.label(head, f"办件编号：{result.case_no_display}", 3, True).pack(anchor="w", padx=16)
        if result.outcome not in ("notify_missing", "refuse"):
            due = f"承诺办结日期：{result.promised_by:%Y年%m月%d日}"
            if result.deadline_warning:
                due += f"（{result.deadline_warning}）"
            self.label(head, due, 1).pack(anchor="w", padx=16)
        titles = [document_title(p) for p in result.documents]
        if titles:
            self.label(head, f"{titles[0]}文号：{result.notice_no}").pack(anchor="w", padx=16)
        made = ("收件凭证已打印；" if result.printed else "") + ("已生成：" + "、".join(titles) if titles else "")
        paper = made if not result.paper_error else result.paper_error
        self.label(
            head,
            paper,
            0,
            text_color=OK_COLOR if not result.paper_error else WARN_COLOR,
            wraplength=1100,
            justify="left",
        ).pack(anchor="w", padx=16, pady=(0, 12))
        bar = ctk.CTkFrame(head, fg_color="transparent")
        bar.pack(anchor="w", padx=16, pady=(0, 12))
        back_text = "返回首页（Enter）" if back is None else "返回行程（Enter）"
        self.home_button = self.button(bar, back_text, self.back, 1, height=40)
        self.home_button.pack(side="left")
        self.button(bar, "查看办件", lambda: self.app.show_case(result.case_id), height=40).pack(side="left", padx=10)
        self.rating = self.label(bar, "", 1, True)
        self.rating.pack(side="left", padx=20)
        self.previews = ctk.CTkFrame(self, fg_color="transparent")
        self.previews.pack(fill="both", expand=True, padx=16, pady=(0, 12))
        self.keys = {"Return": self.back, "Escape": self.back}
        self.slip: ctk.CTkLabel | None = None
        if result.slip_no and self.services.transfer is not None:
            # 帮办代办: the transfer slip comes out after the receipt and goes with the originals.
            self.slip = self.label(head, f"正在打印流转单 {result.slip_no}…", 1, True, text_color=WARN_COLOR)
            self.slip.pack(anchor="w", padx=16, pady=(0, 12), before=bar)
            self.run_task(
                self.services.transfer.print_slip,
                result.case_id,
                on_done=self._slip_printed,
                on_error=self._slip_failed,
            )
        else:
            self.run_task(self._load_previews, on_done=self._show_previews, on_error=self._no_preview)
        self.ask_rating()

    def _slip_printed(self, printed: SlipPrint) -> None:
        text = (
            f"流转单 {printed.slip_no} 已打印，请随申请材料原件一并转报"
            if not printed.error
            else f"流转单 {printed.slip_no}：{printed.error}"
        )
        if self.slip is not None:  # set whenever a slip is printed
            self.slip.configure(text=text, text_color=OK_COLOR if not printed.error else WARN_COLOR)
        self.run_task(self._load_previews, on_done=self._show_previews, on_error=self._no_preview)

    def _slip_failed(self, exc: BaseException) -> None:
        if self.slip is not None:  # set whenever a slip is printed
            self.slip.configure(
                text=getattr(exc, "message", "流转单打印失败，可在办件详情中重新打印"), text_color=ERROR_COLOR
            )
        self.run_task(self._load_previews, on_done=self._show_previews, on_error=self._no_preview)

    def ask_rating(self) -> None:
        """一次一评: the pad lights up for this case; the applicant presses, the clerk does not."""
        if self.services.ratings is None:
            return
        self.rating.configure(text="请申请人在评价器上为本次服务评价…", text_color=WARN_COLOR)
        self.run_task(
            self.services.ratings.ask,
            self.result.case_id,
            self.app.current_clerk,
            on_done=self._rated,
            on_error=lambda exc: self.rating.configure(
                text=getattr(exc, "message", "评价器无响应"), text_color=WARN_COLOR
            ),
        )

    def _rated(self, rated: RatingResult) -> None:
        if rated.level is None:
            self.rating.configure(text="申请人未评价", text_color=WARN_COLOR)
        elif rated.bad:
            self.rating.configure(text=f"申请人评价：{rated.label}（差评，已记录，需回访整改）", text_color=ERROR_COLOR)
        else:
            self.rating.configure(text=f"申请人评价：{rated.label}", text_color=OK_COLOR)

    def _load_previews(self) -> tuple[bytes | None, bytes | None]:
        notice = self.services.paperwork.preview_png(self.result.notice_pdf) if self.result.notice_pdf else None
        return notice, self.services.hardware.last_receipt_png()

    def _show_previews(self, pngs: tuple[bytes | None, bytes | None]) -> None:
        notice, receipt = pngs
        if receipt:
            box = ctk.CTkFrame(self.previews)
            box.pack(side="left", fill="y", padx=(0, 12))
            self.label(box, "小票（虚拟打印机输出）", -1).pack()
            ctk.CTkLabel(box, text="", image=png_image(receipt, 300, 420)).pack(padx=8, pady=8)
        notice_pdf = self.result.notice_pdf
        if notice and notice_pdf is not None:  # a preview is only made of a notice that exists
            box = ctk.CTkFrame(self.previews)
            box.pack(side="left", fill="y")
            self.label(box, f"{document_title(notice_pdf)}（{notice_pdf.name}）", -1).pack()
            ctk.CTkLabel(box, text="", image=png_image(notice, 340, 420)).pack(padx=8, pady=8)

    def _no_preview(self, exc: BaseException) -> None:
        self.label(
            self.previews, getattr(exc, "message", "预览生成失败，PDF 文件已保存"), text_color=ERROR_COLOR
        ).pack()

    def on_show(self) -> None:
        self.home_button.focus_set()
