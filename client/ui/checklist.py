"""The materials checklist: one row per material with its state at the counter.

A row offers only the states the guide allows for that material (承诺 only where a
pledge may replace it, 免提交 only where an e-licence can be fetched), so the clerk
cannot record something the rules forbid.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.catalog import MaterialSpec
from client.domain.decisions import DEFECTIVE, ELICENSE, MISSING, PAPER_COPY, PAPER_ORIGINAL, PLEDGED
from client.services.intake import MaterialInput

from .theme import OK_COLOR

if TYPE_CHECKING:
    from .intake import IntakeView
    from .supplement import SupplementView

NECESSITY = {"required": "必要", "conditional": "视情", "optional": "可选"}
FORM = {"original": "原件", "copy": "复印件"}
RECEIVED, LACKING, FAULTY, PLEDGE, FETCH = "已收", "缺", "有误", "承诺", "免提交"


class MaterialChecklist(ctk.CTkScrollableFrame):
    def __init__(self, master: tk.Misc, view: IntakeView | SupplementView, on_change: Callable[[], None]):
        super().__init__(master, fg_color="transparent")
        self.view, self.theme, self.on_change = view, view.theme, on_change
        self.specs: dict[str, MaterialSpec] = {}
        self.states: dict[str, tk.StringVar] = {}
        self.reasons: dict[str, ctk.CTkEntry] = {}
        self.pages: dict[str, list] = {}
        self.page_labels: dict[str, ctk.CTkLabel] = {}
        self.view.label(self, "请先选择事项", -1).pack(anchor="w")

    def fill(self, specs: Iterable[MaterialSpec], pledge_allowed: bool) -> None:
        """Show `specs`, keeping what was recorded for materials that stay on the list."""
        kept = {code: (var.get(), self.reasons[code].get(), self.pages[code]) for code, var in self.states.items()}
        for child in self.winfo_children():
            child.destroy()
        self.specs, self.states, self.reasons, self.pages, self.page_labels = {}, {}, {}, {}, {}
        for spec in specs:
            self.specs[spec.code] = spec
            state, reason_text, pages = kept.get(spec.code, (LACKING, "", []))
            row = ctk.CTkFrame(self, fg_color="transparent")
            row.pack(fill="x", pady=(4, 6))
            flags = "".join(
                f" [{f}]"
                for f, on in (
                    ("可容缺", spec.tolerable),
                    ("可承诺", spec.pledgeable and pledge_allowed),
                    ("可免提交", bool(spec.elicense)),
                )
                if on
            )
            self.view.label(
                row,
                f"［{NECESSITY[spec.necessity]}］{spec.name}  {FORM[spec.form]}×{spec.copies}{flags}",
                -1,
                wraplength=400,
                justify="left",
            ).pack(anchor="w")
            line = ctk.CTkFrame(row, fg_color="transparent")
            line.pack(anchor="w", padx=16)
            options = [RECEIVED, LACKING, FAULTY]
            if spec.pledgeable and pledge_allowed:
                options.append(PLEDGE)
            if spec.elicense:
                options.append(FETCH)
            var = tk.StringVar(value=state if state in options else LACKING)
            ctk.CTkSegmentedButton(
                line,
                values=options,
                variable=var,
                font=self.theme.font(-2),
                command=lambda _v, c=spec.code: self._changed(c),
            ).pack(side="left")
            self.view.button(
                line, "扫描", partial(self.view.scan_pages, spec.code, spec.name), -2, width=48, height=26
            ).pack(side="left", padx=(8, 0))
            self.view.button(line, "导入", partial(self.view.import_pages, spec.code), -2, width=48, height=26).pack(
                side="left", padx=(4, 0)
            )
            label = self.view.label(line, f"已扫描 {len(pages)} 页" if pages else "", -2, text_color=OK_COLOR)
            label.pack(side="left", padx=6)
            reason = self.view.entry(row, width=320, placeholder_text="问题说明，如：缺少签字、复印件不清晰")
            if state == FAULTY and reason_text:
                reason.insert(0, reason_text)
            reason.bind("<KeyRelease>", lambda _e: self.on_change())
            self.states[spec.code], self.reasons[spec.code] = var, reason
            self.pages[spec.code], self.page_labels[spec.code] = list(pages), label
            self._show_reason(spec.code)
        self.on_change()

    def _changed(self, code: str) -> None:
        self._show_reason(code)
        if self.states[code].get() == FAULTY:
            self.reasons[code].focus_set()
        self.on_change()

    def _show_reason(self, code: str) -> None:
        entry = self.reasons[code]
        if self.states[code].get() == FAULTY:
            entry.pack(anchor="w", padx=16, pady=(4, 0))
        else:
            entry.pack_forget()

    def set_state(self, code: str, label: str) -> None:
        self.states[code].set(label)
        self._changed(code)

    def mark_all_received(self) -> None:
        """F7: everything on the list is here; the clerk then marks the exceptions."""
        for var in self.states.values():
            if var.get() == LACKING:
                var.set(RECEIVED)
        self.on_change()

    def add_pages(self, code: str, refs) -> None:
        self.pages[code].extend(refs)
        if self.states[code].get() == LACKING:
            self.states[code].set(RECEIVED)
        self.page_labels[code].configure(text=f"已扫描 {len(self.pages[code])} 页")
        self.on_change()

    def inputs(self) -> tuple[MaterialInput, ...]:
        out = []
        for code, var in self.states.items():
            spec = self.specs[code]
            state = {
                RECEIVED: PAPER_COPY if spec.form == "copy" else PAPER_ORIGINAL,
                LACKING: MISSING,
                FAULTY: DEFECTIVE,
                PLEDGE: PLEDGED,
                FETCH: ELICENSE,
            }[var.get()]
            out.append(
                MaterialInput(
                    code, var.get() == RECEIVED, tuple(self.pages[code]), state, self.reasons[code].get().strip()
                )
            )
        return tuple(out)
