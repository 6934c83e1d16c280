"""补正 (F6 on a case): only the materials the applicant still owes, each with its problem.

The screen opens with the keyboard on the first material (checklist.py's keys apply). When the
back office asked for the supplement during review, its list comes first, with who asked and
when, and Shift+F6 prints the 补正材料通知书 for an applicant who has not brought everything.
"""

from __future__ import annotations

from pathlib import Path
from tkinter import filedialog
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.bundles import format_bundle_no
from client.services.supplement import RequestNotice, SupplementForm, SupplementResult

from .base import View, required, wrap_to_width
from .checklist import KEY_HINT, MaterialChecklist
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class SupplementView(View):
    title = "补正材料"

    def __init__(self, app: MainWindow, case_id: str):
        super().__init__(app)
        self.supplement = required(self.services.supplement, "supplement")
        self.case_id = case_id
        self.form: SupplementForm | None = None
        self.ask_files = lambda: filedialog.askopenfilenames(
            title="选择扫描件", filetypes=[("扫描件", "*.jpg *.jpeg *.png *.tif *.tiff *.pdf"), ("全部文件", "*")]
        )
        self.heading = self.label(self, "", 3, True)
        self.heading.pack(anchor="w", padx=18, pady=(12, 2))
        self.problems = self.label(self, "", -1, wraplength=1250, justify="left")
        wrap_to_width(self.problems, self, 40)
        self.problems.pack(anchor="w", padx=18)
        # 后台要求补正: who asked and when, and the notice for an applicant who came without everything
        self.asked_row = ctk.CTkFrame(self, fg_color="transparent")
        self.asked_by = self.label(
            self.asked_row, "", -2, text_color="gray40", wraplength=900, justify="left", anchor="w"
        )
        self.asked_by.pack(side="left", fill="x", expand=True)
        wrap_to_width(self.asked_by, self.asked_row, 300)
        self.notice_button = self.button(
            self.asked_row, "打印补正材料通知书（Shift+F6）", self.print_notice, -1, kind="secondary", height=32
        )
        self.notice_button.pack(side="right")
        self.refused = False  # the message line holds a refused submission
        self.label(self, KEY_HINT, -3, text_color="gray40").pack(anchor="w", padx=18, pady=(4, 0))
        self.checklist = MaterialChecklist(self, self, self._edited)
        self.checklist.pack(fill="both", expand=True, padx=16, pady=8)
        bottom = ctk.CTkFrame(self, fg_color="transparent")
        bottom.pack(fill="x", padx=16, pady=(0, 12))
        self.submit_button = self.button(bottom, "确认补正并打印（F9）", self.submit, 2, height=42, width=260)
        self.submit_button.pack(side="right")
        self.button(bottom, "材料全部收齐（F7）", self.checklist.mark_all_received, kind="secondary", height=42).pack(
            side="right", padx=10
        )
        self.button(bottom, "返回（Esc）", self.back, kind="secondary", height=42).pack(side="right")
        self.message = self.label(bottom, "", wraplength=600, justify="left", text_color=ERROR_COLOR)
        self.message.pack(side="left", fill="x", expand=True)
        self.keys = {"F9": self.submit, "F7": self.checklist.mark_all_received, "Escape": self.back}
        self.run_task(self.supplement.form, case_id, on_done=self._show, on_error=self._failed)

    def _show(self, form: SupplementForm) -> None:
        self.form = form
        self.heading.configure(text=f"补正：{form.matter_name} · {form.applicant_name}")
        if form.bundle_no:  # 一件事: one screen for the whole bundle, each shared paper once
            self.heading.configure(
                text=f"补正：{form.bundle_name}（{format_bundle_no(form.bundle_no)}）· {form.applicant_name}"
                f"\n本次补正一并记入：{'、'.join(form.members)}",
                justify="left",
            )
        self.problems.configure(
            text="需补交或修改："
            + "；".join(f"{spec.name}（{problem}）" for spec, problem in zip(form.lacking, form.problems))
            if form.lacking
            else "后台要求补正：请核对申请人带来的材料后确认"
        )
        asked = form.request
        if asked is not None:  # the approver's list: each of its papers must come in before F9
            self.asked_by.configure(
                text=f"后台要求补正：{asked.requested_by}于{asked.requested_at:%Y-%m-%d %H:%M}提出"
                + (f"（{asked.reason}）" if asked.reason else "")
                + "。所列材料须逐项收取（1 已收或 S 扫描）后方可确认补正"
            )
            self.asked_row.pack(fill="x", padx=18, pady=(2, 0), after=self.problems)
            self.keys["Shift-F6"] = self.print_notice
        self.checklist.fill(form.lacking, form.pledge_allowed)
        self.checklist.focus_row()  # the keys work on the materials at once: 1 已收, S 扫描, Down …

    def back(self) -> None:
        self.app.show_case(self.case_id)

    def print_notice(self) -> None:
        """The applicant came without everything: the notice lists it all again (§32)."""
        if self.form is None or self.form.request is None:
            return
        self.run_task(self.supplement.request_notice, self.case_id, on_done=self._notice, on_error=self._failed)

    def _notice(self, notice: RequestNotice) -> None:
        self.message.configure(text=f"已生成补正材料通知书（{notice.doc_no}），请打印交申请人", text_color=OK_COLOR)

    def import_pages(self, code: str) -> None:
        paths = self.ask_files()
        if paths:
            self.run_task(
                lambda: [self.services.intake.import_page(Path(p)) for p in paths],
                on_done=lambda refs: self.checklist.add_pages(code, refs),
                on_error=self._failed,
            )

    def scan_pages(self, code: str, name: str) -> None:
        def work():
            result = self.services.hardware.scan()
            return self.services.intake.store_scanned(result.pages, name), result.warnings

        def done(value) -> None:
            refs, warnings = value
            self.checklist.add_pages(code, refs)
            if warnings:
                self.message.configure(text="请检查扫描质量：" + "；".join(warnings), text_color=WARN_COLOR)

        self.run_task(work, on_done=done, on_error=self._failed)

    def submit(self) -> None:
        if self.busy or self.form is None:
            return
        self.submit_button.configure(state="disabled")
        self.run_task(
            self.supplement.submit,
            self.case_id,
            self.checklist.inputs(),
            self.app.current_clerk,
            on_done=self._done,
            on_error=self._submit_failed,
        )

    def _done(self, result: SupplementResult) -> None:
        self.app.sync_now()
        self.app.show_case(self.case_id)
        text = "补正完成，已受理并打印受理通知书" if result.accepted_now else "补正材料已收取"
        if result.supplemented:
            text = (
                f"一件事补正完成，{len(result.supplemented)}个办件已一并受理，已打印受理通知书"
                if result.accepted_now
                else f"一件事补正材料已收取，已记入{len(result.supplemented)}个办件"
            )
        self.app.flash(
            text + (f"；{result.paper_error}" if result.paper_error else ""),
            WARN_COLOR if result.paper_error else OK_COLOR,
        )

    def _submit_failed(self, exc: BaseException) -> None:
        self.submit_button.configure(state="normal")
        self._failed(exc)
        self.refused = True

    def _edited(self) -> None:
        """The clerk works on the list after a refusal: its message has been read."""
        if self.refused:
            self.refused = False
            self.message.configure(text="")

    def _failed(self, exc: BaseException) -> None:
        self.message.configure(text=getattr(exc, "message", "操作失败，请重试"), text_color=ERROR_COLOR)
