"""The decision panel: what F9 will do now, why, and the choices only a clerk can make.

The engine's verdict is recomputed on every change to the checklist, so the clerk
sees "一次性告知：缺…" or "容缺受理" before anything is printed. Refusing and the 容缺
deadline are explicit choices made here.

Refusing is done from the keyboard: F10 (or the 不予受理 button) opens the numbered list of
reasons with the focus on it; Up/Down or the digit keys choose, Tab goes on to 有权受理的机关
and 具体理由, and F10 again takes the refusal back. The reasons are the matter kind's
(client.domain.legal_framing): "申请事项依法不需要取得行政许可" is offered for a licence only.
Each field keeps a label beside it: a placeholder alone vanishes once the field is filled.
"""

from __future__ import annotations

import datetime as dt
import tkinter as tk
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, TypedDict

import customtkinter as ctk

from client.domain.decisions import ACCEPT_TOLERANT, CONCLUDE, NOTIFY_MISSING, REFUSAL_REASONS, REFUSE
from client.services.intake import IntakePreview

from .base import wrap_to_width
from .focus import FOCUS_COLOR, FOCUS_WIDTH
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR, style_list

if TYPE_CHECKING:
    from .intake import IntakeView


class ClerkChoice(TypedDict):
    """What the clerk set on the panel, as the fields of an intake draft (a matter's or a bundle's)."""

    refusal: str
    refusal_text: str
    competent_office: str
    supplement_by: dt.date | None


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
        wrap_to_width(self.detail, self, 24)
        choices = ctk.CTkFrame(self, fg_color="transparent")
        choices.pack(fill="x", padx=12, pady=(4, 8))
        view.label(choices, "容缺补齐期限", -1).pack(side="left", anchor="n", pady=2)
        self.supplement_by = view.entry(choices, width=120, placeholder_text="YYYY-MM-DD")
        self.supplement_by.pack(side="left", anchor="n", padx=(6, 18))
        self.refuse_button = view.button(
            choices, "不予受理（F10）", self.toggle_refusal, -1, kind="secondary", height=30, width=170
        )
        self.refuse_button.pack(side="left", anchor="n")
        # The reasons, numbered for the keys, and what a refusal must or may say; shown while refusing,
        # beside the button (a row of its own would take the height the columns above need).
        self.refusal_box = ctk.CTkFrame(choices, fg_color="transparent")
        self.offered: dict[str, str] = dict(REFUSAL_REASONS)  # the chosen matter's kind's reasons
        listed = ctk.CTkFrame(self.refusal_box, fg_color="transparent")  # the list and its keys
        listed.pack(side="left", fill="y", padx=(0, 10))
        self.reasons = tk.Listbox(
            listed,
            font=view.theme.tk_font(-1),
            height=len(self.offered),
            width=max(len(v) for v in self.offered.values()) * 2 + 4,
            activestyle="none",
            exportselection=False,  # typing in the fields beside it must not drop the chosen reason
            selectmode="browse",
            highlightthickness=FOCUS_WIDTH,
            highlightcolor=FOCUS_COLOR,
        )
        style_list(self.reasons)
        self._fill_reasons()
        self.reasons.pack(anchor="w")
        self.keys_hint = view.label(listed, "", -2, text_color="gray40", justify="left")
        self.keys_hint.pack(anchor="w", pady=(2, 0))
        self.reasons.bind("<<ListboxSelect>>", lambda _e: self._refusal_changed())
        for n in range(1, 10):
            for sequence in (f"<Key-{n}>", f"<KP_{n}>"):
                self.reasons.bind(sequence, partial(self._pick_key, n - 1))
        self.reasons.bind("<Return>", lambda _e: self._after_reason())
        fields = ctk.CTkFrame(self.refusal_box, fg_color="transparent")
        fields.pack(side="left", fill="y")
        # Labels above their fields: beside them the pair would not fit a 1024-pixel screen.
        self.competent_label = view.label(fields, "有权受理的机关", -2)
        self.competent_label.grid(row=0, column=0, sticky="w")
        self.competent = view.entry(fields, width=240, placeholder_text="如：潍坊市公安局潍城分局")
        self.competent.grid(row=1, column=0, sticky="w", pady=(0, 4))
        view.label(fields, "具体理由", -2).grid(row=2, column=0, sticky="w")
        self.refusal_text = view.entry(fields, width=240, placeholder_text="可选")
        self.refusal_text.grid(row=3, column=0, sticky="w")
        self._hint_keys()
        self.refusing = False
        for entry in (self.supplement_by, self.refusal_text):
            entry.bind("<KeyRelease>", lambda _e: view.refresh_verdict())
        self.competent.bind("<KeyRelease>", lambda _e: self._refusal_changed())  # the label says when it is owed

    def _fill_reasons(self) -> None:
        self.reasons.delete(0, "end")
        for n, label in enumerate(self.offered.values(), start=1):
            self.reasons.insert("end", f"{n}  {label}")
        self.reasons.configure(height=len(self.offered), width=max(len(v) for v in self.offered.values()) * 2 + 4)

    def _hint_keys(self) -> None:
        self.keys_hint.configure(text=f"↑↓ 或 1–{len(self.offered)} 选理由，Tab 填机关和理由，F10 取消")

    def offer_reasons(self, reasons: Mapping[str, str]) -> None:
        """The refusal reasons of the matter (or bundle) now chosen; a chosen reason it still
        offers stays chosen, else the refusal starts again from its first reason."""
        if not reasons or dict(reasons) == self.offered:
            return
        key = self.refusal_key()
        self.offered = dict(reasons)
        self._fill_reasons()
        self._hint_keys()
        if self.refusing:
            self.set_refusal(key if key in self.offered else next(iter(self.offered)))

    def _pick_key(self, index: int, _event: object) -> str:
        if index >= len(self.offered):
            return "break"
        return self._pick(index)

    def _pick(self, index: int) -> str:
        self.reasons.selection_clear(0, "end")
        self.reasons.selection_set(index)
        self.reasons.activate(index)
        self.reasons.see(index)
        self._refusal_changed()
        return "break"

    def _after_reason(self) -> str:
        """Enter on a reason: on to the field the reason needs (the competent office), else the reason text."""
        (self.competent if self.refusal_key() == "not_competent" else self.refusal_text).focus_set()
        return "break"

    def _refusal_changed(self) -> None:
        required = self.refusal_key() == "not_competent"
        self.competent_label.configure(
            text="有权受理的机关（必填）" if required else "有权受理的机关",
            text_color=ERROR_COLOR if required and not self.competent.get().strip() else ("gray10", "gray90"),
        )
        self.view.refresh_verdict()

    def toggle_refusal(self) -> None:
        """F10: start a refusal (the list of reasons opens with the focus on it) or take it back."""
        self.set_refusal("" if self.refusing else next(iter(self.offered)))
        if self.refusing:
            self.reasons.focus_set()
        else:
            self.refuse_button.focus_set()

    def set_refusal(self, key: str) -> None:
        """Refuse for `key` (one of the offered reasons' keys), or no refusal when ""."""
        self.refusing = key in self.offered
        self.reasons.selection_clear(0, "end")
        if self.refusing:
            index = list(self.offered).index(key)
            self.reasons.selection_set(index)
            self.reasons.activate(index)
            self.refusal_box.pack(side="left", padx=(10, 0))
            self.refuse_button.configure(text="取消不予受理（F10）")
        else:
            self.refusal_box.pack_forget()
            self.refuse_button.configure(text="不予受理（F10）")
        self._refusal_changed()

    def refusal_key(self) -> str:
        if not self.refusing:
            return ""
        chosen = self.reasons.curselection()
        return list(self.offered)[chosen[0]] if chosen else ""

    def choice(self) -> ClerkChoice:
        """The refusal (reason, words, competent office) and the 容缺 deadline as typed;
        ValueError (Chinese) when the deadline is malformed."""
        return ClerkChoice(
            refusal=self.refusal_key(),
            refusal_text=self.refusal_text.get().strip(),
            competent_office=self.competent.get().strip(),
            supplement_by=self.supplement_date(),
        )

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
        if d.outcome == CONCLUDE:
            due = "当场办结，结果当场交付"  # 即办件: nothing to promise
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

    # the intake screen is reused and its drafts put back
    def reset(self) -> None:
        """A new intake: no verdict, no refusal, no 容缺 deadline."""
        for entry in (self.supplement_by, self.competent, self.refusal_text):
            entry.delete(0, "end")
        self.set_refusal("")
        self.clear()

    def restore(self, supplement_by: str, refusal: str, competent: str, refusal_text: str) -> None:
        """The clerk's choices as a draft recorded them."""
        for entry, value in (
            (self.supplement_by, supplement_by),
            (self.competent, competent),
            (self.refusal_text, refusal_text),
        ):
            entry.delete(0, "end")
            if value:
                entry.insert(0, value)
        self.set_refusal(refusal)
