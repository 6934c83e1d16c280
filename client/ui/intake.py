"""The intake wizard on one screen: applicant → matter → materials → decision.

Three columns left to right in the order the clerk works, and the engine's verdict
underneath; Tab and Enter move forward, F3 reads the ID card, F7 marks every material
received, F8 previews the notice, F9 records the decision and prints, F10 refuses.
"""

from __future__ import annotations

import datetime as dt
import tkinter as tk
from dataclasses import replace
from pathlib import Path
from tkinter import filedialog
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.catalog import Bundle, Matter
from client.domain.identity import PROXY, Agent, Applicant
from client.domain.parties import answered_by_applicant, case_materials
from client.services.intake import IntakeDraft, IntakePreview

from .applicant import ApplicantPanel
from .base import View
from .checklist import MaterialChecklist
from .images import png_image
from .theme import ERROR_COLOR, WARN_COLOR
from .verdict import VerdictPanel

if TYPE_CHECKING:
    from .mainwindow import MainWindow

HANDLING = {"immediate": "即办件", "promised": "承诺件"}
UNIT = {"WD": "个工作日", "ND": "个自然日"}


class IntakeView(View):
    title = "受理"

    def __init__(self, app: MainWindow):
        super().__init__(app)
        self.ask_files = lambda: filedialog.askopenfilenames(
            title="选择扫描件", filetypes=[("扫描件", "*.jpg *.jpeg *.png *.tif *.tiff *.pdf"), ("全部文件", "*")]
        )
        self.panel_answers: dict[str, ctk.CTkLabel] = {}
        self.matters: tuple[Matter | Bundle, ...] = ()
        self.matter: Matter | None = None
        self.answers: dict[str, str] = {}
        self.outcome_label = "受理"
        self.generation = 0  # of verdict requests
        self.preview_window: ctk.CTkToplevel | None = None
        self.proxy = False  # 帮办代办: a county matter taken in here and forwarded with a transfer slip
        self.columnconfigure((0, 1, 2), weight=1, uniform="col")
        self.rowconfigure(0, weight=1)
        self._applicant_column()
        self._matter_column()
        self._materials_column()
        self.verdict = VerdictPanel(self, self)
        self.verdict.grid(row=1, column=0, columnspan=3, sticky="ew", padx=16, pady=(0, 6))
        bottom = ctk.CTkFrame(self, fg_color="transparent")
        bottom.grid(row=2, column=0, columnspan=3, sticky="ew", padx=16, pady=(0, 10))
        self.accept_button = self.button(bottom, "受理并打印（F9）", self.do_accept, 2, height=42, width=260)
        self.accept_button.pack(side="right")
        self.button(bottom, "预览文书（F8）", self.preview_notice, height=42).pack(side="right", padx=10)
        self.button(bottom, "材料全部收齐（F7）", self.checklist.mark_all_received, height=42).pack(side="right")
        self.button(bottom, "返回（Esc）", self.app.show_home, height=42, fg_color="gray50").pack(side="right", padx=10)
        self.message = self.label(bottom, "", wraplength=560, justify="left", text_color=ERROR_COLOR)
        self.message.pack(side="left", fill="x", expand=True)
        self.keys = {
            "F2": self.applicant.toggle_kind,
            "F3": self.read_card,
            "Shift-F3": self.applicant.read_agent_card,
            "F9": self.do_accept,
            "Escape": self.app.show_home,
            "F4": self.search.focus_set,
            "F7": self.checklist.mark_all_received,
            "F8": self.preview_notice,
            "F10": self.verdict.toggle_refusal,
            "F6": self.toggle_proxy,
        }

    # ① applicant
    def _applicant_column(self) -> None:
        self.applicant = ApplicantPanel(self, self, self.refill_checklist, lambda: self.search.focus_set())
        self.applicant.grid(row=0, column=0, sticky="nsew", padx=(16, 6), pady=12)
        panel = self.applicant
        # The fields tests, the bench and the rest of the wizard address directly.
        self.id_number, self.name, self.phone = panel.id_number, panel.name, panel.phone
        self.id_status, self.returning_info, self.card_button = panel.id_status, panel.returning_info, panel.card_button

    def validate_id(self) -> bool:
        return self.applicant.validate_id()

    def read_card(self) -> None:
        self.applicant.read_card()

    # ② matter
    def _matter_column(self) -> None:
        col = ctk.CTkFrame(self)
        col.grid(row=0, column=1, sticky="nsew", padx=6, pady=12)
        self.label(col, "② 办理事项", 2, True).pack(anchor="w", padx=14, pady=(12, 8))
        self.proxy_switch: ctk.CTkSwitch = ctk.CTkSwitch(
            col,
            text="帮办代办：转报县级并打印流转单（F6）",
            font=self.theme.font(-1),
            command=lambda: self.set_proxy(bool(self.proxy_switch.get())),
        )
        self.proxy_switch.pack(anchor="w", padx=14, pady=(0, 6))
        # The social worker is the agent (帮办代办); their ID number goes on the 授权委托书.
        self.proxy_row = ctk.CTkFrame(col, fg_color="transparent")
        self.proxy_agent_label = self.label(self.proxy_row, "代办人身份证号", -1)
        self.proxy_agent_label.pack(side="left")
        self.proxy_id = self.entry(self.proxy_row, width=200)
        self.proxy_id.pack(side="left", padx=(6, 0), fill="x", expand=True)

        def proxy_id_typed(_event: object) -> None:
            self.refill_checklist()
            self.refresh_verdict()

        self.proxy_id.bind("<KeyRelease>", proxy_id_typed)
        self.search: ctk.CTkEntry = self.entry(
            col, width=300, placeholder_text="事项名称、编码、拼音或“开饭店”等说法（F4）"
        )
        self.search.pack(fill="x", padx=14)
        self.results = tk.Listbox(col, font=self.theme.tk_font(), height=8, activestyle="dotbox", exportselection=False)
        self.results.pack(fill="both", expand=True, padx=14, pady=8)
        self.matter_info = self.label(col, "", -1, wraplength=320, justify="left")
        self.matter_info.pack(anchor="w", padx=14, pady=(0, 4))
        self.situation_box = ctk.CTkFrame(col, fg_color="transparent")
        self.situation_box.pack(fill="x", padx=14, pady=(0, 8))
        self.search.bind("<KeyRelease>", lambda e: self.run_search() if e.keysym not in ("Down", "Return") else None)
        self.search.bind("<Down>", lambda _e: self._focus_results())
        self.search.bind("<Return>", lambda _e: self.choose_matter(0))
        self.results.bind("<Return>", lambda _e: self.choose_matter())
        self.results.bind("<Double-1>", lambda _e: self.choose_matter())
        self.run_search()

    def run_search(self) -> None:
        """Ranked, scoped search on every keystroke; 一件事 are listed with their matters."""
        self.matters = self.services.intake.search(self.search.get(), bundles=True, proxy=self.proxy)
        self._list_matters()

    def _proxy_agent(self, agent: Agent) -> None:
        self.proxy_agent_label.configure(text=f"代办人 {agent.name} 身份证号")
        if agent.id_number and not self.proxy_id.get().strip():
            self.proxy_id.insert(0, agent.id_number)
            self.refresh_verdict()

    def toggle_proxy(self) -> None:
        self.set_proxy(not self.proxy)

    def set_proxy(self, on: bool) -> None:
        """帮办代办 searches the county's matters; the case is forwarded with a transfer slip."""
        self.proxy = on
        if bool(self.proxy_switch.get()) != on:
            self.proxy_switch.toggle()
        if on:
            self.proxy_row.pack(fill="x", padx=14, pady=(0, 6), after=self.proxy_switch)
            if self.app.clerk is not None and not self.proxy_id.get().strip():
                self.run_task(self.services.intake.proxy_agent, self.app.clerk, on_done=self._proxy_agent)
        else:
            self.proxy_row.pack_forget()
        self.run_search()
        self.message.configure(text="帮办代办：受理后转报县级，原件随流转单寄出" if on else "", text_color=WARN_COLOR)
        self.refill_checklist()
        self.refresh_verdict()

    def _list_matters(self) -> None:
        self.results.delete(0, "end")
        for m in self.matters:
            if hasattr(m, "handling"):
                self.results.insert("end", f"{m.name}（{HANDLING[m.handling]}）")
            else:
                self.results.insert("end", f"【一件事】{m.name}（{len(m.matters)}个事项）")

    def _focus_results(self) -> None:
        if self.matters:
            self.results.focus_set()
            self.results.selection_clear(0, "end")
            self.results.selection_set(0)
            self.results.activate(0)

    def choose_matter(self, index: int | None = None) -> None:
        if index is None:
            sel = self.results.curselection()
            index = sel[0] if sel else 0
        if not self.matters or index >= len(self.matters):
            return
        chosen = self.matters[index]
        if hasattr(chosen, "handling"):
            self.select_matter(chosen.code)
            return
        # A bundle: list its member matters so the clerk takes them in one after another.
        self.matters = tuple(self.services.intake.matter(code) for code in chosen.matters)
        self._list_matters()
        self.matter_info.configure(
            text=f"一件事：{chosen.name}\n{chosen.description}\n"
            f"请逐项选择下列{len(chosen.matters)}个事项受理，相同材料只需收取一次。"
        )
        self._focus_results()

    def select_matter(self, code: str) -> None:
        m = self.services.intake.matter(code)
        self.matter = m
        limit = f"承诺时限 {m.promised_limit}{UNIT[m.promised_unit]}" if m.promised_limit else "当场办结"
        self.matter_info.configure(
            text=f"已选：{m.name}\n{m.department} · {HANDLING[m.handling]} · {limit}\n"
            f"法定时限 {m.legal_limit}{UNIT[m.legal_unit]}"
        )
        self.answers = {sit.code: sit.options[0].code for sit in m.situations}
        for child in self.situation_box.winfo_children():
            child.destroy()
        self.panel_answers = {}
        panel_asks = answered_by_applicant(m)
        for sit in m.situations:
            if sit.code in panel_asks:  # "委托他人办理？" is answered by the applicant column
                self.panel_answers[sit.code] = self.label(self.situation_box, "", -1, text_color="gray30")
                self.panel_answers[sit.code].pack(anchor="w", pady=(0, 4))
                continue
            self.label(self.situation_box, sit.question, -1).pack(anchor="w")
            labels = {opt.label: opt.code for opt in sit.options}
            seg = ctk.CTkSegmentedButton(
                self.situation_box,
                values=list(labels),
                font=self.theme.font(-2),
                command=lambda label, c=sit.code, ls=labels: self.answer(c, ls[label]),
            )
            seg.set(sit.options[0].label)
            seg.pack(anchor="w", pady=(0, 4))
        self.refill_checklist()

    def answer(self, situation: str, option: str) -> None:
        """A situation answer changes which materials are needed; recorded states are kept."""
        self.answers[situation] = option
        self.refill_checklist()

    def refill_checklist(self) -> None:
        """The matter's materials for these answers, plus what the representation adds (授权委托书,
        监护关系证明); called again whenever the applicant column changes who acts."""
        if self.matter is None:
            return
        answers, specs, _extra = case_materials(self.matter, self.answers, self.acting_applicant(), dt.date.today())
        for sit in self.matter.situations:
            if sit.code in self.panel_answers:
                chosen = sit.option(answers.get(sit.code)).label
                self.panel_answers[sit.code].configure(text=f"{sit.question} {chosen}（按申请人栏）")
        if tuple(self.checklist.specs.values()) != specs:
            self.checklist.fill(specs, self.matter.pledge)

    # ③ materials
    def _materials_column(self) -> None:
        col = ctk.CTkFrame(self)
        col.grid(row=0, column=2, sticky="nsew", padx=(6, 16), pady=12)
        self.label(col, "③ 申请材料", 2, True).pack(anchor="w", padx=14, pady=(12, 4))
        self.checklist = MaterialChecklist(col, self, self.refresh_verdict)
        self.checklist.pack(fill="both", expand=True, padx=6, pady=(0, 8))

    @property
    def page_labels(self):
        return self.checklist.page_labels

    def import_pages(self, code: str) -> None:
        paths = self.ask_files()
        if not paths:
            return
        self.run_task(
            lambda: [self.services.intake.import_page(Path(p)) for p in paths],
            on_done=lambda refs: self._pages_added(code, refs),
            on_error=self._show_error,
        )

    def scan_pages(self, code: str, name: str) -> None:
        """Scan with the document camera; blank or blurred pages are kept but flagged."""

        def work():
            result = self.services.hardware.scan()
            return self.services.intake.store_scanned(result.pages, name), result.warnings

        def done(value) -> None:
            refs, warnings = value
            self._pages_added(code, refs)
            if warnings:
                self.message.configure(text="请检查扫描质量：" + "；".join(warnings), text_color=WARN_COLOR)

        self.run_task(work, on_done=done, on_error=self._show_error)

    def _pages_added(self, code: str, refs) -> None:
        self.checklist.add_pages(code, refs)

    # decision
    def acting_applicant(self) -> Applicant:
        """The applicant column's applicant; under 帮办代办 the social worker acts as agent."""
        applicant = self.applicant.applicant()
        if self.proxy and self.app.clerk is not None:
            applicant = replace(
                applicant, agent=Agent(self.app.clerk.display_name, self.proxy_id.get().strip().upper(), relation=PROXY)
            )
        return applicant

    def draft(self) -> IntakeDraft:
        applicant = self.acting_applicant()
        return IntakeDraft(
            applicant,
            self.matter.code if self.matter else "",
            self.checklist.inputs(),
            self.phone.get().strip(),
            answers=dict(self.answers),
            refusal=self.verdict.refusal_key(),
            refusal_text=self.verdict.refusal_text.get().strip(),
            competent_office=self.verdict.competent.get().strip(),
            supplement_by=self.verdict.supplement_date(),
            ticket_no=self.app.ticket_no,
            proxy=self.proxy,
        )

    def refresh_verdict(self) -> None:
        """Ask the engine what F9 would do with the checklist as it stands."""
        if self.matter is None:
            return
        try:
            draft = self.draft()
        except ValueError as exc:
            self.verdict.clear(str(exc))
            return
        self.generation += 1
        ticket = self.generation
        # Workers finish in any order: only the answer to the latest question is shown.
        self.run_task(
            self.services.intake.preview,
            draft,
            on_done=lambda p: self._verdict(p) if ticket == self.generation else None,
            on_error=lambda e: self._no_verdict(e) if ticket == self.generation else None,
        )

    def _verdict(self, preview: IntakePreview) -> None:
        self.verdict.show(preview)
        self.outcome_label = preview.outcome_label
        if self.accept_button.cget("state") == "normal":
            self.accept_button.configure(text=f"{self.outcome_label}并打印（F9）")

    def _no_verdict(self, exc: BaseException) -> None:
        self.verdict.clear(getattr(exc, "message", "无法判断，请检查填写内容"))

    def _ready(self) -> bool:
        problem = self.applicant.problem()
        if problem:
            self._show_error_text(problem)
            return False
        if self.matter is None:
            self._show_error_text("请选择要办理的事项")
            self.search.focus_set()
            return False
        return True

    def checked_draft(self) -> IntakeDraft | None:
        """The draft when the applicant and matter are ready, else None (the reason is shown)."""
        if self.busy or not self._ready():
            return None
        try:
            return self.draft()
        except ValueError as exc:
            self._show_error_text(str(exc))
            return None

    def do_accept(self) -> None:
        """F9: record the verdict shown (受理、容缺、告知承诺、办结、一次性告知 or 不予受理) and print."""
        draft = self.checked_draft()
        if draft is None:
            return
        self.accept_button.configure(state="disabled", text="正在办理…")
        self.run_task(
            self.services.intake.submit,
            draft,
            self.app.current_clerk,
            on_done=self.app.show_result,
            on_error=self._accept_failed,
        )

    def preview_notice(self) -> None:
        """F8: the notice exactly as it would print, before anything is stored."""
        draft = self.checked_draft()
        if draft is None:
            return
        self.run_task(
            self.services.intake.preview_notice,
            draft,
            self.app.current_clerk,
            on_done=self._show_preview,
            on_error=self._show_error,
        )

    def _show_preview(self, titled: tuple[str, bytes]) -> None:
        title, png = titled
        if self.preview_window is not None and self.preview_window.winfo_exists():
            self.preview_window.destroy()
        win = ctk.CTkToplevel(self)
        win.title(f"预览：{title}")
        ctk.CTkLabel(win, text="", image=png_image(png, 520, 700)).pack(padx=10, pady=10)
        ctk.CTkButton(win, text="关闭（Esc）", command=win.destroy, font=self.theme.font()).pack(pady=(0, 10))
        win.bind("<Escape>", lambda _e: win.destroy())
        self.preview_window = win

    def _accept_failed(self, exc: BaseException) -> None:
        self.accept_button.configure(state="normal", text=f"{self.outcome_label}并打印（F9）")
        self._show_error(exc)

    def _show_error(self, exc: BaseException) -> None:
        self._show_error_text(getattr(exc, "message", "操作失败，请重试"))

    def _show_error_text(self, text: str) -> None:
        self.message.configure(text=text, text_color=ERROR_COLOR)
