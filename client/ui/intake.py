"""The intake wizard on one screen: applicant → matter → materials → accept.

Three columns left to right in the order the clerk works; Tab and Enter move forward,
F3 reads the ID card, F9 accepts.
"""
from __future__ import annotations

import tkinter as tk
from pathlib import Path
from tkinter import filedialog

import customtkinter as ctk

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput

from .base import View
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

NECESSITY = {"required": "必要", "conditional": "视情", "optional": "可选"}
FORM = {"original": "原件", "copy": "复印件"}
HANDLING = {"immediate": "即办件", "promised": "承诺件"}
UNIT = {"WD": "个工作日", "ND": "个自然日"}


class IntakeView(View):
    title = "受理"

    def __init__(self, app):
        super().__init__(app)
        self.ask_files = lambda: filedialog.askopenfilenames(
            title="选择扫描件", filetypes=[("扫描件", "*.jpg *.jpeg *.png *.tif *.tiff *.pdf"), ("全部文件", "*")])
        self.applicant_source = "manual"
        self.matters = ()
        self.matter = None
        self.checks: dict[str, tk.BooleanVar] = {}
        self.pages: dict[str, list] = {}
        self.page_labels: dict[str, ctk.CTkLabel] = {}
        self.columnconfigure((0, 1, 2), weight=1, uniform="col")
        self.rowconfigure(0, weight=1)
        self._applicant_column()
        self._matter_column()
        self._materials_column()
        bottom = ctk.CTkFrame(self, fg_color="transparent")
        bottom.grid(row=1, column=0, columnspan=3, sticky="ew", padx=16, pady=(0, 12))
        self.accept_button = self.button(bottom, "受理并打印（F9）", self.do_accept, 2, height=44, width=240)
        self.accept_button.pack(side="right")
        self.button(bottom, "返回（Esc）", self.app.show_home, height=44, fg_color="gray50").pack(side="right", padx=10)
        self.message = self.label(bottom, "", wraplength=760, justify="left", text_color=ERROR_COLOR)
        self.message.pack(side="left", fill="x", expand=True)
        self.keys = {"F3": self.read_card, "F9": self.do_accept, "Escape": self.app.show_home,
                     "F4": self.search.focus_set}

    # ① applicant
    def _applicant_column(self) -> None:
        col = ctk.CTkFrame(self)
        col.grid(row=0, column=0, sticky="nsew", padx=(16, 6), pady=12)
        self.label(col, "① 申请人", 2, True).pack(anchor="w", padx=14, pady=(12, 8))
        self.card_button = self.button(col, "读取身份证（F3）", self.read_card, 1, height=40)
        self.card_button.pack(fill="x", padx=14, pady=(0, 12))
        self.label(col, "身份证号码").pack(anchor="w", padx=14)
        self.id_number = self.entry(col, width=300)
        self.id_number.pack(fill="x", padx=14)
        self.id_status = self.label(col, "", -1)
        self.id_status.pack(anchor="w", padx=14, pady=(2, 8))
        self.label(col, "姓名").pack(anchor="w", padx=14)
        self.name = self.entry(col, width=300)
        self.name.pack(fill="x", padx=14, pady=(0, 8))
        self.label(col, "联系电话").pack(anchor="w", padx=14)
        self.phone = self.entry(col, width=300)
        self.phone.pack(fill="x", padx=14, pady=(0, 8))
        self.returning_info = self.label(col, "", -2, wraplength=300, justify="left", text_color=OK_COLOR)
        self.returning_info.pack(anchor="w", padx=14)
        self._looked_up = ""
        self.card_info = self.label(col, "", -2, wraplength=300, justify="left")
        self.card_info.pack(anchor="w", padx=14, pady=(6, 0))
        self.id_number.bind("<KeyRelease>", lambda _e: self.validate_id())
        for widget, nxt in ((self.id_number, self.name), (self.name, self.phone)):
            widget.bind("<Return>", lambda _e, n=nxt: n.focus_set())
        self.phone.bind("<Return>", lambda _e: self.search.focus_set())

    def validate_id(self) -> bool:
        check = self.services.intake.check_id(self.id_number.get())
        if not self.id_number.get().strip():
            self.id_status.configure(text="")
        else:
            extra = f"（{check.birth_date:%Y-%m-%d}，{check.sex}）" if check.ok else ""
            self.id_status.configure(text=check.message + extra, text_color=OK_COLOR if check.ok else ERROR_COLOR)
        if check.ok and check.number != self._looked_up:
            self._looked_up = check.number
            self.run_task(self.services.intake.returning_applicant, check.number, on_done=self._returning)
        return check.ok

    def _returning(self, known) -> None:
        """A returning applicant: fill what an earlier case already knows, never overwrite typing."""
        if known is None or known.id_number != self._looked_up:
            return
        for widget, value in ((self.name, known.name), (self.phone, known.phone)):
            if value and not widget.get().strip():
                widget.insert(0, value)
        self.returning_info.configure(text=f"老办事人：曾于{known.last_seen:%Y-%m-%d}办理“{known.last_matter}”，"
                                           f"共{known.cases}件")

    def read_card(self) -> None:
        self.card_button.configure(state="disabled", text="正在读卡…")
        self.run_task(self.services.hardware.read_card, on_done=self._card_read, on_error=self._card_failed)

    def _card_read(self, card) -> None:
        self.card_button.configure(state="normal", text="读取身份证（F3）")
        self.applicant_source = "card"
        for widget, value in ((self.id_number, card.id_number), (self.name, card.name)):
            widget.delete(0, "end")
            widget.insert(0, value)
        self.card_info.configure(text=f"已读卡：{card.sex} {card.nation}族  {card.address}\n有效期至 {card.valid_to}")
        self.validate_id()
        self.message.configure(text="")
        self.phone.focus_set()

    def _card_failed(self, exc) -> None:
        self.card_button.configure(state="normal", text="读取身份证（F3）")
        self.message.configure(text=getattr(exc, "message", "读卡失败，请手工输入"), text_color=ERROR_COLOR)
        self.id_number.focus_set()

    # ② matter
    def _matter_column(self) -> None:
        col = ctk.CTkFrame(self)
        col.grid(row=0, column=1, sticky="nsew", padx=6, pady=12)
        self.label(col, "② 办理事项", 2, True).pack(anchor="w", padx=14, pady=(12, 8))
        self.search = self.entry(col, width=300, placeholder_text="事项名称、编码、拼音或“开饭店”等说法（F4）")
        self.search.pack(fill="x", padx=14)
        self.results = tk.Listbox(col, font=self.theme.tk_font(), height=8, activestyle="dotbox",
                                  exportselection=False)
        self.results.pack(fill="both", expand=True, padx=14, pady=8)
        self.matter_info = self.label(col, "", -1, wraplength=320, justify="left")
        self.matter_info.pack(anchor="w", padx=14, pady=(0, 12))
        self.search.bind("<KeyRelease>", lambda e: self.run_search() if e.keysym not in ("Down", "Return") else None)
        self.search.bind("<Down>", lambda _e: self._focus_results())
        self.search.bind("<Return>", lambda _e: self.choose_matter(0))
        self.results.bind("<Return>", lambda _e: self.choose_matter())
        self.results.bind("<Double-1>", lambda _e: self.choose_matter())
        self.run_search()

    def run_search(self) -> None:
        """Ranked, scoped search on every keystroke; 一件事 are listed with their matters."""
        self.matters = self.services.intake.search(self.search.get(), bundles=True)
        self._list_matters()

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
        self.matter_info.configure(text=f"一件事：{chosen.name}\n{chosen.description}\n"
                                        f"请逐项选择下列{len(chosen.matters)}个事项受理，相同材料只需收取一次。")
        self._focus_results()

    def select_matter(self, code: str) -> None:
        m = self.services.intake.matter(code)
        self.matter = m
        limit = (f"承诺时限 {m.promised_limit}{UNIT[m.promised_unit]}" if m.promised_limit
                 else "当场办结")
        self.matter_info.configure(text=f"已选：{m.name}\n{m.department} · {HANDLING[m.handling]} · {limit}\n"
                                        f"法定时限 {m.legal_limit}{UNIT[m.legal_unit]}")
        self._fill_materials()

    # ③ materials
    def _materials_column(self) -> None:
        col = ctk.CTkFrame(self)
        col.grid(row=0, column=2, sticky="nsew", padx=(6, 16), pady=12)
        self.label(col, "③ 申请材料", 2, True).pack(anchor="w", padx=14, pady=(12, 8))
        self.material_box = ctk.CTkScrollableFrame(col, fg_color="transparent")
        self.material_box.pack(fill="both", expand=True, padx=6, pady=(0, 12))
        self.label(self.material_box, "请先选择事项", -1).pack(anchor="w")

    def _fill_materials(self) -> None:
        for child in self.material_box.winfo_children():
            child.destroy()
        self.checks, self.pages, self.page_labels = {}, {}, {}
        first = None
        for spec in self.matter.materials:
            row = ctk.CTkFrame(self.material_box, fg_color="transparent")
            row.pack(fill="x", pady=4)
            var = tk.BooleanVar(value=False)
            text = f"［{NECESSITY[spec.necessity]}］{spec.name}  {FORM[spec.form]}×{spec.copies}"
            box = ctk.CTkCheckBox(row, text=text, variable=var, font=self.theme.font(-1))
            box.pack(anchor="w")
            first = first or box
            line = ctk.CTkFrame(row, fg_color="transparent")
            line.pack(anchor="w", padx=28)
            self.button(line, "高拍仪扫描", lambda c=spec.code, n=spec.name: self.scan_pages(c, n), -2, width=90,
                        height=26).pack(side="left")
            self.button(line, "导入扫描件", lambda c=spec.code: self.import_pages(c), -2, width=90, height=26).pack(
                side="left", padx=(6, 0))
            label = self.label(line, "未扫描", -2)
            label.pack(side="left", padx=8)
            self.checks[spec.code], self.pages[spec.code], self.page_labels[spec.code] = var, [], label
        if first is not None:
            first.focus_set()

    def import_pages(self, code: str) -> None:
        paths = self.ask_files()
        if not paths:
            return
        self.run_task(lambda: [self.services.intake.import_page(Path(p)) for p in paths],
                            on_done=lambda refs: self._pages_added(code, refs), on_error=self._show_error)

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
        self.pages[code].extend(refs)
        self.checks[code].set(True)
        self.page_labels[code].configure(text=f"已扫描 {len(self.pages[code])} 页", text_color=OK_COLOR)

    # accept
    def draft(self) -> IntakeDraft:
        applicant = Applicant(name=self.name.get().strip(), id_type="身份证",
                              id_number=self.id_number.get().strip().upper(), phone=self.phone.get().strip(),
                              source=self.applicant_source)
        materials = tuple(MaterialInput(code, var.get(), tuple(self.pages[code])) for code, var in self.checks.items())
        return IntakeDraft(applicant, self.matter.code if self.matter else "", materials, self.phone.get().strip())

    def do_accept(self) -> None:
        if self.busy:
            return
        if not self.validate_id():
            self._show_error_text(self.id_status.cget("text") or "请输入身份证号码")
            self.id_number.focus_set()
            return
        if self.matter is None:
            self._show_error_text("请选择要办理的事项")
            self.search.focus_set()
            return
        self.accept_button.configure(state="disabled", text="正在受理…")
        self.run_task(self.services.intake.accept, self.draft(), self.app.clerk,
                            on_done=self.app.show_result, on_error=self._accept_failed)

    def _accept_failed(self, exc) -> None:
        self.accept_button.configure(state="normal", text="受理并打印（F9）")
        self._show_error(exc)

    def _show_error(self, exc) -> None:
        self._show_error_text(getattr(exc, "message", "操作失败，请重试"))

    def _show_error_text(self, text: str) -> None:
        self.message.configure(text=text, text_color=ERROR_COLOR)
