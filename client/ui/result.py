"""After accepting: the case number, the promised date, and the paper that came out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.bundle_intake import BundleResult
from client.services.intake import AcceptResult
from client.services.transfer import SlipPrint

from .base import View
from .images import png_image
from .pdf_viewer import PdfViewer
from .rating import RatingPrompt
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
        if isinstance(result, BundleResult):
            self._bundle_cases(head, result)
        else:
            self.label(head, f"办件编号：{result.case_no_display}", 3, True).pack(anchor="w", padx=16)
        if result.outcome == "conclude":
            # 即办件: decided here and handed over with this visit; nothing is promised.
            self.label(head, "当场办结，办理结果已当场交付（出件已登记）", 1).pack(anchor="w", padx=16)
        elif result.outcome not in ("notify_missing", "refuse"):
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
        self.home_button = self.button(bar, back_text, self.leave, 1, height=40)
        self.home_button.pack(side="left")
        self.button(bar, "查看办件", self.open_case, height=40, kind="secondary").pack(side="left", padx=10)
        self.rating = RatingPrompt(head, self, result.case_id)
        self.rating.pack(anchor="w", padx=16, pady=(0, 12))
        self.previews = ctk.CTkFrame(self, fg_color="transparent")
        self.previews.pack(fill="both", expand=True, padx=16, pady=(0, 12))
        self.keys = {"Return": self.leave, "Escape": self.leave}
        self.rating.bind_keys(self.keys)
        # What this screen shows, by case: the receipt's case number and the notices' files.
        self.shown_receipt: str | None = None
        self.shown_files: tuple[Path, ...] = ()
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
        """一次一评: the decision is printed, so the pad lights up for this case; the applicant
        presses, the clerk does not (a 即办件's hand-over is part of this same service)."""
        self.rating.ask()

    def leave(self) -> None:
        self.rating.leave()
        self.back()

    def open_case(self) -> None:
        self.rating.leave()
        self.app.show_case(self.result.case_id)

    def on_hide(self) -> None:
        self.rating.leave()

    def _load_previews(self) -> tuple[bytes | None, bytes | None]:
        """This case's own paper only: its notice, and the receipt printed for its number
        (a refusal prints none, so none is shown; never the last one anybody printed)."""
        notice = self.services.paperwork.preview_png(self.result.notice_pdf) if self.result.notice_pdf else None
        return notice, self.services.hardware.receipt_png(self.paper_no)

    def _show_previews(self, pngs: tuple[bytes | None, bytes | None]) -> None:
        notice, receipt = pngs
        # Thumbnails as tall as the room left, refitted when it changes (a 1024×600 window has
        # less than 200 pixels for them, and less again once the rating pad shows).
        thumbs: list[tuple[ctk.CTkLabel, bytes, int]] = []

        def room() -> int:
            return max(100, min(420, self.previews.winfo_height() - 90))

        def refit(_event: object = None) -> None:
            for label, png, width in thumbs:
                if label.winfo_exists():
                    label.configure(image=png_image(png, width, room()))

        self.update_idletasks()
        high = room()
        if receipt:
            box = ctk.CTkFrame(self.previews)
            box.pack(side="left", fill="y", padx=(0, 12))
            self.label(box, f"小票（虚拟打印机输出 · {self.result.case_no_display}）", -1).pack()
            slip = ctk.CTkLabel(box, text="", image=png_image(receipt, 300, high))
            slip.pack(padx=8, pady=8)
            thumbs.append((slip, receipt, 300))
            self.shown_receipt = self.paper_no
        notice_pdf = self.result.notice_pdf
        if notice and notice_pdf is not None:  # a preview is only made of a notice that exists
            box = ctk.CTkFrame(self.previews)
            box.pack(side="left", fill="y")
            self.label(box, f"{document_title(notice_pdf)}（{notice_pdf.name}）", -1).pack()
            self.viewer: PdfViewer | None = None
            case_id, bundle = self.result.case_id, isinstance(self.result, BundleResult)

            def open_notice() -> None:
                """The notice full-size (F8 or a click on it), printable again from there."""
                if self.viewer is not None and self.viewer.winfo_exists():
                    self.viewer.lift()
                    return
                # A 一件事 prints again as the bundle's one paper (bundles.reprint), never a member's own.
                printer = self.services.bundles if bundle and self.services.bundles else self.services.paperwork

                def reprint() -> str:
                    return printer.reprint(case_id).error

                self.viewer = PdfViewer(self, notice_pdf, document_title(notice_pdf), reprint)

            thumb = ctk.CTkLabel(box, text="", image=png_image(notice, 340, high), cursor="hand2")
            thumb.pack(padx=8, pady=(8, 4))
            thumb.bind("<Button-1>", lambda _e: open_notice())
            self.notice_thumb = thumb
            thumbs.append((thumb, notice, 340))
            self.button(box, "查看全文（F8）", open_notice, -1, "secondary", height=30).pack(pady=(0, 8))
            self.keys["F8"] = open_notice
            self.shown_files = (notice_pdf,)
        self.previews.bind("<Configure>", refit, add="+")

    def _no_preview(self, exc: BaseException) -> None:
        self.label(
            self.previews, getattr(exc, "message", "预览生成失败，PDF 文件已保存"), text_color=ERROR_COLOR
        ).pack()

    def on_show(self) -> None:
        self.home_button.focus_set()

    @property
    def paper_no(self) -> str:
        """The number the receipt carries: a 一件事's one receipt is printed for the bundle."""
        return self.result.bundle_no if isinstance(self.result, BundleResult) else self.result.case_no

    def _bundle_cases(self, head: ctk.CTkFrame, result: BundleResult) -> None:
        """一件事: the bundle number, then each member's case, department and outcome."""
        self.label(head, f"一件事：{result.bundle_name}　编号：{result.bundle_no_display}", 3, True).pack(
            anchor="w", padx=16
        )
        box = ctk.CTkFrame(head, fg_color="transparent")
        box.pack(anchor="w", padx=28, pady=(2, 4))
        for i, member in enumerate(result.members, 1):
            self.label(
                box, f"{i}. {member.matter_name} · {member.department} · 办件编号 {member.case_no_display}", 0
            ).pack(anchor="w")
