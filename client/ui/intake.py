"""The intake wizard on one screen: applicant → matter → materials → decision.

Three columns left to right in the order the clerk works, and the engine's verdict
underneath; Tab and Enter move forward, F3 reads the ID card, F7 marks every material
received, F8 previews the notice, F9 records the decision and prints, F10 refuses.

The whole intake runs from the keyboard. It opens with the cursor in the ID field (F2
switches 个人/单位 and returns there); F4 selects the matter search. Enter on a matter
moves the focus on: to its first situation question when it has any (1..n picks an
answer, Up/Down go between questions, Down past the last one enters the materials), else
straight to the first material row (Up/Down between rows, 1–5 set the state, S scans,
I imports; see checklist.py). Tab reaches every other control, each with a visible ring.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
import tkinter as tk
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from tkinter import filedialog
from typing import TYPE_CHECKING, TypeVar

import customtkinter as ctk

from client.domain.catalog import Bundle, Matter, Situation
from client.domain.identity import ENTRUSTED, PROXY, RELATIONS, Agent, Applicant
from client.domain.parties import answered_by_applicant, case_materials
from client.services.auth import Clerk
from client.services.bundle_intake import BundleDraft
from client.services.drafts import IntakeSnapshot
from client.services.intake import AcceptResult, IntakeDraft, IntakePreview

from .applicant import ApplicantPanel
from .base import View, follow_focus, scroll_column, wrap_to_width
from .bundle_intake import BundleMode
from .checklist import KEY_HINT, MaterialChecklist
from .focus import keyboard_segments, keyboard_toggle
from .images import png_image
from .leave_dialog import KeyDialog, ask_leave
from .theme import ERROR_COLOR, WARN_COLOR, button_colors, style_list
from .verdict import VerdictPanel

if TYPE_CHECKING:
    from .mainwindow import MainWindow

log = logging.getLogger(__name__)

HANDLING = {"immediate": "即办件", "promised": "承诺件"}
UNIT = {"WD": "个工作日", "ND": "个自然日"}
AUTOSAVE_POLL_MS = 200  # how often the screen is compared with the saved draft
AUTOSAVE_QUIET_S = 0.5  # typing is saved this long after the last change; materials and pages at once
_Draft = TypeVar("_Draft", IntakeDraft, BundleDraft)  # a matter's intake or a 一件事's


class IntakeView(View):
    title = "受理"
    keeps_draft = True  # an intake in progress is a draft (未完成的受理), at the counter and on the bus
    leave_to, resume_at = "返回首页", "首页“未完成的受理”中"  # what the leave question says
    _draft_done: bool  # recorded or given up: autosave stops (set by reset and submit)

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
        self.answer_buttons: dict[str, ctk.CTkSegmentedButton] = {}  # situation code → its choice
        self.bundle_mode = BundleMode(self)  # 一件事 taken in as one application
        self._draft_state()
        # The applicant and the materials need the width; the matter column is a search and a list.
        self.columnconfigure((0, 2), weight=7, uniform="col")
        self.columnconfigure(1, weight=5, uniform="col")
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
        self.button(bottom, "预览文书（F8）", self.preview_notice, kind="secondary", height=42).pack(
            side="right", padx=10
        )
        self.button(bottom, "材料全部收齐（F7）", self.checklist.mark_all_received, kind="secondary", height=42).pack(
            side="right"
        )
        self.button(bottom, "返回（Esc）", self.leave, kind="secondary", height=42).pack(side="right", padx=10)
        self.message = self.label(bottom, "", wraplength=560, justify="left", text_color=ERROR_COLOR)
        self.message.pack(side="left", fill="x", expand=True)
        self.keys = {
            "F2": self.applicant.toggle_kind,
            "F3": self.read_card,
            "Shift-F3": self.applicant.read_agent_card,
            "F9": self.do_accept,
            "Escape": self.leave,
            "F4": self.focus_search,
            "F7": self.checklist.mark_all_received,
            "F8": self.preview_notice,
            "F10": self.verdict.toggle_refusal,
            "F6": self.toggle_proxy,
        }

    def on_show(self) -> None:
        """A new intake starts with the cursor in the ID field: F3 fills it from the card, or the clerk types."""
        self.id_number.focus_set()

    # ① applicant
    def _applicant_column(self) -> None:
        # Scrolled: below 768 pixels of height the applicant's and the agent's fields do not all fit.
        holder = scroll_column(self)
        holder.grid(row=0, column=0, sticky="nsew", padx=(16, 6), pady=12)
        self.applicant = ApplicantPanel(holder, self, self.refill_checklist, lambda: self.search.focus_set())
        self.applicant.configure(fg_color="transparent")
        self.applicant.pack(fill="both", expand=True)
        panel = self.applicant
        for note in (panel.id_status, panel.returning_info, panel.agent_status):
            wrap_to_width(note, holder, 40)
        follow_focus(panel)
        # The fields tests, the bench and the rest of the wizard address directly.
        self.id_number, self.name, self.phone = panel.id_number, panel.name, panel.phone
        self.id_status, self.returning_info, self.card_button = panel.id_status, panel.returning_info, panel.card_button

    def validate_id(self) -> bool:
        return self.applicant.validate_id()

    def read_card(self) -> None:
        self.applicant.read_card()

    # ② matter
    def _matter_column(self) -> None:
        col = scroll_column(self)
        col.grid(row=0, column=1, sticky="nsew", padx=6, pady=12)
        self.label(col, "② 办理事项", 2, True).pack(anchor="w", padx=14, pady=(12, 8))
        self.proxy_switch: ctk.CTkSwitch = ctk.CTkSwitch(
            col,
            text="帮办代办·转报县级（F6）",
            font=self.theme.font(-1),
            command=lambda: self.set_proxy(bool(self.proxy_switch.get())),
        )
        keyboard_toggle(self.proxy_switch)  # a Tab stop too: Space flips it, as F6 does anywhere
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
            col, width=180, placeholder_text="事项名称、编码、拼音或“开饭店”等说法（F4）"
        )
        self.search.pack(fill="x", padx=14)
        self.results = style_list(
            tk.Listbox(col, font=self.theme.tk_font(), height=8, activestyle="dotbox", exportselection=False)
        )
        self.results.pack(fill="both", expand=True, padx=14, pady=8)
        self.matter_info = self.label(col, "", -1, wraplength=320, justify="left")
        self.matter_info.pack(anchor="w", padx=14, pady=(0, 4))
        wrap_to_width(self.matter_info, col, 28)
        self.situation_box = ctk.CTkFrame(col, fg_color="transparent")
        self.situation_box.pack(fill="x", padx=14, pady=(0, 8))
        self.search.bind("<KeyRelease>", lambda e: self.run_search() if e.keysym not in ("Down", "Return") else None)
        self.search.bind("<Down>", lambda _e: self._focus_results())
        self.search.bind("<Return>", lambda _e: self.choose_matter(0))
        self.results.bind("<Return>", lambda _e: self.choose_matter())
        self.results.bind("<Double-1>", lambda _e: self.choose_matter())
        follow_focus(col)
        self.run_search()

    def focus_search(self) -> None:
        """F4: the search with its whole text selected, so typing replaces it."""
        self.search.focus_set()
        self.search.select_range(0, "end")
        self.search.icursor("end")

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
        if on and self.bundle_mode.active:  # a 一件事 is taken in here as a whole, never forwarded
            if self.proxy_switch.get():
                self.proxy_switch.deselect()
            self._show_error_text("一件事不能帮办代办转报，请先选择单个事项")
            return
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
            self.focus_answers()
            return
        # A bundle is one application: one merged checklist and one verdict (bundle_intake.py).
        self.bundle_mode.start(chosen)
        self.focus_answers()

    def select_matter(self, code: str) -> None:
        m = self.services.intake.matter(code)
        self.bundle_mode.stop()
        self.matter = m
        self.verdict.offer_reasons(self.services.intake.catalog().framing(m).reasons)  # the kind's own
        limit = f"承诺时限 {m.promised_limit}{UNIT[m.promised_unit]}" if m.promised_limit else "当场办结"
        self.matter_info.configure(
            text=f"已选：{m.name}\n{m.department} · {HANDLING[m.handling]} · {limit}\n"
            f"法定时限 {m.legal_limit}{UNIT[m.legal_unit]}"
        )
        self.answers = {sit.code: sit.options[0].code for sit in m.situations}
        for child in self.situation_box.winfo_children():
            child.destroy()
        self.panel_answers = {}
        self.answer_buttons = {}  # the questions of the matter chosen before are gone
        panel_asks = answered_by_applicant(m)
        for sit in m.situations:
            if sit.code in panel_asks:  # "委托他人办理？" is answered by the applicant column
                self.panel_answers[sit.code] = self.label(
                    self.situation_box, "", -1, text_color="gray30", justify="left"
                )
                self.panel_answers[sit.code].pack(anchor="w", pady=(0, 4))
                wrap_to_width(self.panel_answers[sit.code], self.situation_box)
                continue
            prompt = f"{sit.question}（按1–{len(sit.options)}）"
            self.add_question(sit.code, prompt, sit, sit.options[0].label, self.answer)
        follow_focus(self.situation_box)  # a question below a short window's edge scrolls up when reached
        self.refill_checklist()

    def add_question(
        self, key: str, prompt: str, situation: Situation, shown: str, answer: Callable[[str, str], None]
    ) -> None:
        """One situation question (a matter's, or one asked once for a whole 一件事): its prompt folded
        to the column, its options picked by number keys or a click, Up/Down to the neighbours.
        The segment shows the option's label; `answer(key, option code)` records the choice."""
        question = self.label(self.situation_box, prompt, -1, justify="left")
        question.pack(anchor="w")
        wrap_to_width(question, self.situation_box)  # folded to the column, never cut at its edges
        labels = {opt.label: opt.code for opt in situation.options}

        def picked(label: str) -> None:
            answer(key, labels[label])

        seg = ctk.CTkSegmentedButton(self.situation_box, values=list(labels), font=self.theme.font(-2), command=picked)
        seg.set(shown)
        index = len(self.answer_buttons)
        keyboard_segments(
            seg,
            picked,
            {
                "<Up>": functools.partial(self._to_question, index - 1),
                "<Down>": functools.partial(self._to_question, index + 1),
            },
        )
        self.answer_buttons[key] = seg
        seg.pack(anchor="w", pady=(0, 4))

    def focus_answers(self) -> None:
        """After a matter is chosen: its first situation question, or the first material."""
        self._to_question(0)

    def _to_question(self, index: int) -> None:
        """Up/Down between situation questions; above the first is the search, below the last the materials."""
        questions = list(self.answer_buttons.values())
        if index < 0:
            self.focus_search()
        elif index < len(questions):
            questions[index].focus_set()
        else:
            self.checklist.focus_row()

    def _above_materials(self) -> None:
        """Up from the first material row: the last situation question, else the search."""
        self._to_question(len(self.answer_buttons) - 1)

    def answer(self, situation: str, option: str) -> None:
        """A situation answer changes which materials are needed; recorded states are kept."""
        self.answers[situation] = option
        self.refill_checklist()

    def refill_checklist(self) -> None:
        """The matter's materials for these answers, plus what the representation adds (授权委托书,
        监护关系证明); called again whenever the applicant column changes who acts."""
        if self.bundle_mode.active:
            self.bundle_mode.refill()
            return
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
        self.label(col, "③ 申请材料", 2, True).pack(anchor="w", padx=14, pady=(12, 0))
        hint = self.label(col, KEY_HINT, -3, text_color="gray40", wraplength=400, justify="left")
        hint.pack(anchor="w", padx=14, pady=(0, 4))
        wrap_to_width(hint, col, 28)
        self.checklist = MaterialChecklist(col, self, self.refresh_verdict)
        self.checklist.on_leave_up = self._above_materials
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
            **self.verdict.choice(),
            ticket_no=self.app.ticket_no,
            proxy=self.proxy,
        )

    def refresh_verdict(self) -> None:
        """Ask the engine what F9 would do with the checklist as it stands."""
        if self.bundle_mode.active:
            self.bundle_mode.refresh_verdict()
            return
        if self.matter is None:
            return
        self.ask_verdict(self.services.intake.preview, self.draft)

    def ask_verdict(self, preview: Callable[[_Draft], IntakePreview], make: Callable[[], _Draft]) -> None:
        """Ask a worker for the verdict on the draft `make` builds (a matter's or a bundle's)."""
        try:
            draft = make()
        except ValueError as exc:
            self.verdict.clear(str(exc))
            return
        self.generation += 1
        ticket = self.generation
        # Workers finish in any order: only the answer to the latest question is shown.
        self.run_task(
            preview,
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
        if self.matter is None and not self.bundle_mode.active:
            self._show_error_text("请选择要办理的事项")
            self.search.focus_set()
            return False
        return True

    def checked_draft(self) -> IntakeDraft | None:
        """The draft when the applicant and matter are ready, else None (the reason is shown)."""
        return self.checked(self.draft)

    def checked(self, make: Callable[[], _Draft]) -> _Draft | None:
        """The draft `make` builds (a matter's or a bundle's) when the screen is ready for F8
        or F9, else None with the reason shown."""
        if self.busy or not self._ready():
            return None
        try:
            return make()
        except ValueError as exc:
            self._show_error_text(str(exc))
            return None

    def do_accept(self) -> None:
        """F9: record the verdict shown (受理、容缺、告知承诺、办结、一次性告知 or 不予受理) and print."""
        if self.bundle_mode.active:
            self.bundle_mode.accept()
            return
        draft = self.checked_draft()
        if draft is not None:
            self.submit(self.services.intake.submit, draft)

    def submit(self, submit: Callable[..., AcceptResult], draft: _Draft) -> None:
        """Record the draft (a matter's or a bundle's) on a worker, then show its result."""
        self.accept_button.configure(state="disabled", text="正在办理…")
        self._draft_done = True  # no autosave now: the draft goes with the case's transaction
        self.run_task(
            functools.partial(submit, within=self._draft_closer()),
            draft,
            self.app.current_clerk,
            on_done=self.app.show_result,
            on_error=self._accept_failed,
        )

    def preview_notice(self) -> None:
        """F8: the notice exactly as it would print, before anything is stored."""
        if self.bundle_mode.active:
            self.bundle_mode.preview_notice()
            return
        draft = self.checked_draft()
        if draft is not None:
            self.show_notice(self.services.intake.preview_notice, draft)

    def show_notice(self, render: Callable[[_Draft, Clerk], tuple[str, bytes]], draft: _Draft) -> None:
        """F8's preview of the draft's main notice, rendered on a worker."""
        self.run_task(render, draft, self.app.current_clerk, on_done=self._show_preview, on_error=self._show_error)

    def _show_preview(self, titled: tuple[str, bytes]) -> None:
        title, png = titled
        if self.preview_window is not None and self.preview_window.winfo_exists():
            self.preview_window.destroy()
        win = ctk.CTkToplevel(self)
        win.title(f"预览：{title}")
        ctk.CTkLabel(win, text="", image=png_image(png, 520, 700)).pack(padx=10, pady=10)
        ctk.CTkButton(
            win, text="关闭（Esc）", command=win.destroy, font=self.theme.font(), **button_colors("secondary")
        ).pack(pady=(0, 10))
        win.bind("<Escape>", lambda _e: win.destroy())
        self.preview_window = win

    def _accept_failed(self, exc: BaseException) -> None:
        self._submit_failed()
        self.accept_button.configure(state="normal", text=f"{self.outcome_label}并打印（F9）")
        self._show_error(exc)

    def _show_error(self, exc: BaseException) -> None:
        self._show_error_text(getattr(exc, "message", "操作失败，请重试"))

    def _show_error_text(self, text: str) -> None:
        self.message.configure(text=text, text_color=ERROR_COLOR)

    # drafts (未完成的受理): snapshot / restore / clear, saved as the clerk goes
    def _draft_state(self, draft_id: str = "") -> None:
        """Which draft this screen is, and what of it the store already holds."""
        self.draft_id = draft_id or (self.services.drafts.new_id() if self.services.drafts is not None else "")
        self._saved: IntakeSnapshot | None = None  # what the store holds for draft_id
        self._seen: IntakeSnapshot | None = None  # the screen at the last look, and since when
        self._seen_at = 0.0
        self._saving = False
        self._draft_done = False  # recorded as a case or given up: never saved again
        self._tick: str | None = None
        self._dialog: KeyDialog | None = None
        self._focus_before: tk.Misc | None = None

    @property
    def _drafts_on(self) -> bool:
        return self.keeps_draft and self.services.drafts is not None and self.app.clerk is not None

    def untouched(self, snap: IntakeSnapshot) -> bool:
        """Nothing the clerk would lose by leaving: no draft is kept (a bus visit: only the booking)."""
        return snap.empty

    def snapshot(self) -> IntakeSnapshot:
        """The screen as plain values: what a draft keeps and restore() puts back."""
        panel = self.applicant
        return IntakeSnapshot(
            kind=panel.kind,
            id_number=self.id_number.get(),
            name=self.name.get(),
            legal_rep=panel.legal_rep.get(),
            phone=self.phone.get(),
            address=panel.address.get(),
            source=panel.source,
            agent_open=panel.agent_open,
            agent_relation=next((k for k, v in RELATIONS.items() if v == panel.relation.get()), ENTRUSTED),
            agent_id=panel.agent_id.get(),
            agent_name=panel.agent_name.get(),
            agent_phone=panel.agent_phone.get(),
            agent_source=panel.agent_source,
            search=self.search.get(),
            matter_code=self.matter.code if self.matter is not None else "",
            bundle_code=self.bundle_mode.code,
            answers=tuple(sorted((self.bundle_mode.answers if self.bundle_mode.active else self.answers).items())),
            materials=self.checklist.snapshot_rows(),
            supplement_by=self.verdict.supplement_by.get(),
            refusal=self.verdict.refusal_key(),
            refusal_text=self.verdict.refusal_text.get(),
            competent_office=self.verdict.competent.get(),
            proxy=self.proxy,
            proxy_id=self.proxy_id.get(),
        )

    def clear(self) -> None:
        """A new intake on the screen built at login: nothing of the one before stays."""
        self._stop_autosave()
        self._close_dialog()
        self.epoch += 1  # answers still on their way to the previous intake are dropped
        self.generation += 1
        if self.preview_window is not None and self.preview_window.winfo_exists():
            self.preview_window.destroy()
        self.preview_window = None
        self.applicant.reset()
        self.proxy = False
        if self.proxy_switch.get():
            self.proxy_switch.deselect()
        self.proxy_row.pack_forget()
        self.proxy_id.delete(0, "end")
        self.proxy_agent_label.configure(text="代办人身份证号")
        self.search.delete(0, "end")
        self.matter, self.answers, self.panel_answers, self.answer_buttons = None, {}, {}, {}
        self.bundle_mode = BundleMode(self)
        for child in self.situation_box.winfo_children():
            child.destroy()
        self.matter_info.configure(text="")
        self.checklist.reset()
        self.verdict.reset()
        self.message.configure(text="")
        self.outcome_label = "受理"
        self.accept_button.configure(state="normal", text="受理并打印（F9）")
        self.run_search()
        self._draft_state()
        self._start_autosave()

    def restore(self, snap: IntakeSnapshot, draft_id: str = "") -> None:
        """Put a draft back on the screen, as the clerk left it (pages included)."""
        self.clear()
        self.applicant.restore(snap)
        if snap.proxy:
            self.proxy_id.insert(0, snap.proxy_id)
            self.set_proxy(True)
        if snap.search:
            self.search.insert(0, snap.search)
            self.run_search()
        if snap.matter_code:
            try:
                self.select_matter(snap.matter_code)
            except KeyError:
                self._show_error_text("草稿中的事项已不在事项目录中，请重新选择事项")
        if self.matter is not None:
            for code, option in snap.answers:
                situation = next((s for s in self.matter.situations if s.code == code), None)
                if situation is None:
                    continue
                self.answers[code] = option
                if code in self.answer_buttons:
                    self.answer_buttons[code].set(situation.option(option).label)
            self.refill_checklist()
            self.checklist.restore_rows(snap.materials)
        if snap.bundle_code:
            self.bundle_mode.restore(snap.bundle_code, dict(snap.answers))
            self.checklist.restore_rows(snap.materials)
        self.verdict.restore(snap.supplement_by, snap.refusal, snap.competent_office, snap.refusal_text)
        if snap.id_number.strip():
            self.validate_id()
        self._draft_state(draft_id)
        self._saved = self._seen = self.snapshot()
        self._seen_at = time.monotonic()
        self.refresh_verdict()
        self._start_autosave()

    def _start_autosave(self) -> None:
        if self._tick is None and self._drafts_on:
            self._tick = self.after(AUTOSAVE_POLL_MS, self._autosave)

    def _stop_autosave(self) -> None:
        if self._tick is not None:
            self.after_cancel(self._tick)
            self._tick = None

    def _autosave(self) -> None:
        """Compare the screen with the saved draft: typing is saved once it pauses, a material's
        state or a page at once. Polling catches every way the screen changes (keys, clicks, a
        card read, a returning applicant filled in) without each widget having to report it."""
        self._tick = None
        if not self._drafts_on or not self.winfo_exists():
            return
        self._tick = self.after(AUTOSAVE_POLL_MS, self._autosave)
        if self._saving or self._draft_done:
            return
        snap, now = self.snapshot(), time.monotonic()
        at_once = False
        if snap != self._seen:
            at_once = self._seen is not None and snap.materials != self._seen.materials
            self._seen, self._seen_at = snap, now
        if snap == self._saved or self.untouched(snap):
            return
        if at_once or now - self._seen_at >= AUTOSAVE_QUIET_S:
            self._save(snap)

    def _save(self, snap: IntakeSnapshot, then: Callable[[], None] | None = None) -> None:
        drafts = self.services.drafts
        if drafts is None or self.app.clerk is None:
            return
        draft_id = self.draft_id
        self._saving = True

        def saved(_kept: bool) -> None:
            self._saving = False
            if draft_id == self.draft_id:
                self._saved = snap
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            self._saving = False
            self._seen_at = time.monotonic()  # try again after the next quiet spell
            self.app.show_error(exc)
            self._start_autosave()

        self.app.runner.run(drafts.save, draft_id, self.app.clerk, snap, on_done=saved, on_error=failed)

    def flush_draft(self) -> None:
        """The program is closing or the clerk logs out: what changed since the last save is written now."""
        self._stop_autosave()
        drafts = self.services.drafts
        if not self._drafts_on or self._draft_done or drafts is None or self.app.clerk is None:
            return
        snap = self.snapshot()
        if self.untouched(snap) or snap == self._saved:
            return
        try:
            drafts.save(self.draft_id, self.app.clerk, snap)
            self._saved = snap
        except Exception:  # closing goes on; the last autosave is in the store
            log.exception("draft %s not saved at close", self.draft_id)

    def on_hide(self) -> None:
        self._stop_autosave()
        self._close_dialog()
        if self._drafts_on and not self._draft_done and not self._saving:
            snap = self.snapshot()
            if not self.untouched(snap) and snap != self._saved:
                self._save(snap)

    def leave(self, then: Callable[[], None] | None = None, quitting: bool = False) -> None:
        """Esc, 返回 or closing the window: an intake with anything in it asks first
        (Enter keeps the draft, a second Esc gives it up, Backspace goes back to it)."""
        go = then or self.app.show_home
        if self._dialog is not None and self._dialog.winfo_exists():
            return
        if not self._drafts_on:
            go()
            return
        snap = self.snapshot()
        if self.untouched(snap):  # nothing typed: nothing to keep (an emptied draft goes too)
            if self._saved is not None:
                self._discard(go)
            else:
                go()
            return
        self._stop_autosave()
        self._focus_before = self.focus_get()
        self._dialog = ask_leave(
            self.app,
            keep=lambda: self._keep(snap, go),
            discard=lambda: self._discard(go),
            back=self._back,
            quitting=quitting,
            away=self.leave_to,
            resume_at=self.resume_at,
        )

    def _keep(self, snap: IntakeSnapshot, go: Callable[[], None]) -> None:
        self._dialog = None
        if snap == self._saved:
            go()
        else:
            self._save(snap, then=go)

    def _discard(self, go: Callable[[], None]) -> None:
        self._dialog = None
        drafts = self.services.drafts
        if drafts is None or self.app.clerk is None:
            go()
            return
        self._draft_done = True
        self.app.runner.run(
            drafts.discard, self.draft_id, self.app.clerk, on_done=lambda _none: go(), on_error=self.app.show_error
        )

    def _back(self) -> None:
        """继续受理: the cursor goes back where it was."""
        self._dialog = None
        self._start_autosave()
        before = self._focus_before
        if before is not None and before.winfo_exists():
            before.focus_set()
        else:
            self.on_show()

    def _close_dialog(self) -> None:
        dialog, self._dialog = self._dialog, None
        if dialog is not None and dialog.winfo_exists():
            dialog.grab_release()
            dialog.destroy()

    def _draft_closer(self) -> Callable[..., None] | None:
        """For the submit: the draft leaves the store in the transaction that records its case."""
        drafts = self.services.drafts
        return drafts.closing(self.draft_id) if drafts is not None and self._drafts_on else None

    def _submit_failed(self) -> None:
        """Nothing was recorded: the intake is still a draft and keeps being saved."""
        self._draft_done = False
        if self.services.drafts is not None:
            self.services.drafts.reopen(self.draft_id)
