"""The decision panel: what F9 will do now, why, and the choices only a clerk can make.

The engine's verdict is recomputed on every change to the checklist, so the clerk
sees "一次性告知：缺…" or "容缺受理" before anything is printed. Refusing and the 容缺
deadline are explicit choices made here.
"""

from __future__ import annotations

import datetime as dt
import tkinter as tk
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.decisions import ACCEPT_TOLERANT, NOTIFY_MISSING, REFUSAL_REASONS, REFUSE
from client.services.intake import IntakePreview

from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .intake import IntakeView

NO_REFUSAL = "（不拒绝）"


class VerdictPanel(ctk.CTkFrame):
    def __init__(self, master: tk.Misc, view: IntakeView):
        super().__init__(master)
        self.view = view
        top = ctk.CTkFrame(self, fg_color="transparent")
        top.pack(fill="x", padx=12, pady=(8, 0))
        self.verdict = view.label(top, "请选择事项并核对材料", 3, True)
        self.verdict.pack(side="left")
        self.deadline = view.label(top, "", -1)
        self.deadline.pack(side="left", padx=16)
        self.detail = view.label(self, "", -1, wraplength=1250, justify="left")
        self.detail.pack(anchor="w", padx=12)
        choices = ctk.CTkFrame(self, fg_color="transparent")
        choices.pack(fill="x", padx=12, pady=(4, 8))
        view.label(choices, "容缺补齐期限", -1).pack(side="left")
        self.supplement_by = view.entry(choices, width=120, placeholder_text="YYYY-MM-DD")
        self.supplement_by.pack(side="left", padx=(6, 18))
        view.label(choices, "不予受理（F10）", -1).pack(side="left")
        self.refusal = ctk.CTkOptionMenu(
            choices,
            values=[NO_REFUSAL, *REFUSAL_REASONS.values()],
            font=view.theme.font(-1),
            dropdown_font=view.theme.font(-1),
            command=lambda _v: self._refusal_changed(),
            width=230,
        )
        self.refusal.pack(side="left", padx=6)
        self.competent = view.entry(choices, width=200, placeholder_text="有权受理的机关")
        self.refusal_text = view.entry(choices, width=220, placeholder_text="具体理由（可选）")
        for entry in (self.supplement_by, self.competent, self.refusal_text):
            entry.bind("<KeyRelease>", lambda _e: view.refresh_verdict())

    def _refusal_changed(self) -> None:
        if self.refusal_key():
            self.competent.pack(side="left", padx=6)
            self.refusal_text.pack(side="left", padx=6)
            self.competent.focus_set()
        else:
            self.competent.pack_forget()
            self.refusal_text.pack_forget()
        self.view.refresh_verdict()

    def toggle_refusal(self) -> None:
        """F10: start a refusal (first reason) or take it back."""
        values = [NO_REFUSAL, *REFUSAL_REASONS.values()]
        self.refusal.set(values[1] if self.refusal.get() == NO_REFUSAL else NO_REFUSAL)
        self._refusal_changed()

    def refusal_key(self) -> str:
        label = self.refusal.get()
        return next((k for k, v in REFUSAL_REASONS.items() if v == label), "")

    def supplement_date(self) -> dt.date | None:
        """The typed 容缺 deadline; None when empty, ValueError (Chinese) when malformed."""
        text = self.supplement_by.get().strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("容缺补齐期限格式应为 2026-12-01") from None

    def show(self, preview: IntakePreview) -> None:
        d = preview.decision
        color = ERROR_COLOR if d.outcome == REFUSE else WARN_COLOR if d.outcome == NOTIFY_MISSING else OK_COLOR
        self.verdict.configure(text=f"将办理：{preview.outcome_label}", text_color=color)
        due = f"承诺办结：{preview.promised_by:%Y年%m月%d日}"
        self.deadline.configure(text=due + (f"（{preview.deadline_warning}）" if preview.deadline_warning else ""))
        lines = []
        if d.shortfalls:
            lines.append(
                ("容缺材料：" if d.outcome == ACCEPT_TOLERANT else "需补正：")
                + "；".join(f"{s.name}（{s.problem}）" for s in d.shortfalls)
            )
        if d.outcome == ACCEPT_TOLERANT and d.supplement_by:
            lines.append(f"补齐期限：{d.supplement_by:%Y年%m月%d日}，逾期未补齐的终止办理")
        if d.reasons:
            lines.append(("不予受理理由：" if d.outcome == REFUSE else "不能容缺：") + "；".join(d.reasons))
        if d.pledged:
            lines.append("以告知承诺代替：" + "、".join(d.pledged))
        lines.append(f"依据：{d.basis}")
        self.detail.configure(text="\n".join(lines))

    def clear(self, text: str = "请选择事项并核对材料") -> None:
        self.verdict.configure(text=text, text_color=("gray10", "gray90"))
        self.deadline.configure(text="")
        self.detail.configure(text="")
