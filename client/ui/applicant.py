"""① 申请人: a person or an organisation, and whoever acts for them.

F2 switches 个人/单位; F3 reads the applicant's ID card (for an organisation, the card of
its 经办人), Shift+F3 always reads the agent's card, and F3 with the focus in the agent's
fields reads the agent too. A USCC may be typed or scanned from the 营业执照 QR code.
A returning person or organisation is looked up as soon as the number is valid and
everything known is filled in where the clerk has not typed yet. When the name typed (or
read from a card) differs from the one on record, the clerk sees both and chooses (keys 1
and 2): nothing of the person on record is filled in until then.
"""

from __future__ import annotations

import datetime as dt
import tkinter as tk
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.identity import (
    ENTRUSTED,
    ID_RESIDENT,
    ID_USCC,
    KINDS,
    ORGANISATION,
    PERSON,
    RELATIONS,
    RELATIONS_FOR,
    STAFF,
    STATUTORY,
    Agent,
    Applicant,
    IdCard,
)
from client.domain.parties import check_applicant, is_minor
from client.domain.validators import check_uscc, uscc_from_scan
from client.services.applicants import KnownApplicant
from client.services.drafts import IntakeSnapshot
from client.services.printable import NameCheck

from .focus import keyboard_segments
from .theme import ERROR_COLOR, OK_COLOR

if TYPE_CHECKING:
    from .intake import IntakeView

LABEL_WIDTH = 78


class ApplicantPanel(ctk.CTkFrame):
    """The applicant column of the intake; `on_change` fires when who-acts changes the checklist."""

    def __init__(self, master: tk.Misc, view: IntakeView, on_change: Callable[[], None], on_done: Callable[[], None]):
        super().__init__(master)
        self.view, self.services, self.theme = view, view.services, view.theme
        self.on_change, self.on_done = on_change, on_done
        self.kind = PERSON
        self.source = "manual"
        self.agent_source = "manual"
        self.agent_open = False
        self._looked_up = ""
        self._agent_looked_up = ""
        self.last_agent: Agent | None = None  # a returning person's agent, offered with one click
        # Called after a card read fills the applicant in (the service bus checks it against the booking).
        self.on_card: Callable[[IdCard], None] | None = None
        self.columnconfigure(1, weight=1)

        head = ctk.CTkFrame(self, fg_color="transparent")
        head.grid(row=0, column=0, columnspan=2, sticky="ew", padx=14, pady=(10, 6))
        view.label(head, "① 申请人", 2, True).pack(side="left")
        self.kind_switch = ctk.CTkSegmentedButton(
            head,
            values=list(KINDS.values()),
            font=self.theme.font(-1),
            command=lambda label: self.set_kind(self._kind_of(label)),
        )
        self.kind_switch.set(KINDS[PERSON])
        keyboard_segments(self.kind_switch, lambda label: self.set_kind(self._kind_of(label)))
        self.kind_switch.pack(side="left", padx=(10, 0))
        view.label(head, "F2", -3, text_color="gray40").pack(side="left", padx=(4, 0))
        self.card_button = view.button(head, "读身份证（F3）", self.read_card, -1, "secondary", height=30, width=100)
        self.card_button.pack(side="right")

        self.id_label, self.id_number = self._row(1, "身份证号")
        self.id_status = view.label(self, "", -2, anchor="w", justify="left", wraplength=410)
        self.id_status.grid(row=2, column=0, columnspan=2, sticky="w", padx=14)
        self.name_label, self.name = self._row(3, "姓名")
        self.legal_rep_label, self.legal_rep = self._row(4, "法定代表人")
        self.phone_label, self.phone = self._row(5, "联系电话")
        self.address_label, self.address = self._row(6, "地址")
        self.returning_info = view.label(self, "", -2, wraplength=410, justify="left", anchor="w", text_color=OK_COLOR)
        self.returning_info.grid(row=7, column=0, columnspan=2, sticky="w", padx=14)
        self.name_conflict: KnownApplicant | None = None  # on record under another name, not chosen yet
        self.conflict_box = ctk.CTkFrame(self, border_width=2, border_color=ERROR_COLOR)
        self.conflict_text = view.label(
            self.conflict_box, "", -1, wraplength=400, justify="left", anchor="w", text_color=ERROR_COLOR
        )
        self.conflict_text.pack(anchor="w", padx=8, pady=(6, 2))
        self.keep_recorded = view.button(self.conflict_box, "1", lambda: self.choose_name(True), -2, height=28)
        self.keep_recorded.pack(anchor="w", padx=8, pady=2)
        self.keep_typed = view.button(
            self.conflict_box, "2", lambda: self.choose_name(False), -2, "secondary", height=28
        )
        self.keep_typed.pack(anchor="w", padx=8, pady=(2, 8))
        self._bind_chooser_keys()

        # One row: who acts (代理人 / 经办人), how (the relation), and the card key.
        title = ctk.CTkFrame(self, fg_color="transparent", width=LABEL_WIDTH)
        title.grid(row=8, column=0, sticky="w", padx=(14, 4), pady=(6, 2))
        self.agent_title = view.label(title, "代理人", 0, True)
        self.agent_title.pack(side="left")
        # ✕: the applicant acts alone after all (the agent's fields are cleared).
        self.agent_close = view.button(title, "✕", self.toggle_agent, -3, "secondary", width=22, height=22)
        agent_head = ctk.CTkFrame(self, fg_color="transparent")
        agent_head.grid(row=8, column=1, sticky="ew", padx=(0, 14), pady=(6, 2))
        self.relation = ctk.CTkSegmentedButton(
            agent_head,
            values=[RELATIONS[r] for r in RELATIONS_FOR[PERSON]],
            font=self.theme.font(-2),
            command=lambda _l: self.on_change(),
        )
        self.relation.set(RELATIONS[ENTRUSTED])
        keyboard_segments(self.relation, lambda _l: self.on_change())  # Tab to it, then 1..n or Left/Right
        self.agent_card_button = view.button(
            agent_head, "读证（Shift+F3）", self.read_agent_card, -2, "secondary", height=28, width=100
        )
        self.agent_card_button.pack(side="right", padx=(6, 0))
        self.agent_toggle = view.button(agent_head, "手工填写", self.toggle_agent, -2, "secondary", height=28, width=64)
        self.agent_toggle.pack(side="right", padx=(0, 6))
        self.reuse_agent = view.button(
            agent_head, "沿用上次", self.use_last_agent, -2, "secondary", height=28, width=64
        )
        self.agent_rows: list[tuple[ctk.CTkLabel, ctk.CTkEntry]] = []
        for row, text in ((9, "身份证号"), (11, "姓名"), (12, "电话")):
            label, entry = self._row(row, text)
            self.agent_rows.append((label, entry))
        self.agent_id, self.agent_name, self.agent_phone = (e for _l, e in self.agent_rows)
        self.agent_status = view.label(self, "", -2, anchor="w", justify="left", wraplength=410)
        self.agent_status.grid(row=10, column=0, columnspan=2, sticky="w", padx=14)
        self.agent_fields = (self.agent_id, self.agent_name, self.agent_phone)
        # A name with a character no installed font has would print with a box: said before any paper.
        self.print_warning = view.label(
            self, "", -2, wraplength=410, justify="left", anchor="w", text_color=ERROR_COLOR
        )
        self.print_warning.grid(row=13, column=0, columnspan=2, sticky="w", padx=14, pady=(4, 4))
        self.print_warning.grid_remove()
        self._print_checked: tuple[str, str] = ("", "")
        for entry in (self.name, self.agent_name):
            entry.bind("<KeyRelease>", lambda _e: self.check_printable(), add="+")
            entry.bind("<FocusOut>", lambda _e: self.check_printable(), add="+")

        self.id_number.bind("<KeyRelease>", lambda _e: self.validate_id())
        self.agent_id.bind("<KeyRelease>", lambda _e: self.validate_agent_id())
        # Enter moves to the next field still empty (a card or memory filled the others).
        self.chain = (self.id_number, self.name, self.legal_rep, self.phone, self.address)
        for i, widget in enumerate(self.chain):
            widget.bind("<Return>", lambda _e, i=i: self._advance(self.chain, i, self._after_applicant))
        for i, widget in enumerate(self.agent_fields):
            widget.bind("<Return>", lambda _e, i=i: self._advance(self.agent_fields, i, self.on_done))
        self._layout()

    # layout
    def _row(self, row: int, text: str) -> tuple[ctk.CTkLabel, ctk.CTkEntry]:
        label = self.view.label(self, text, -1, width=LABEL_WIDTH, anchor="w")
        label.grid(row=row, column=0, sticky="w", padx=(14, 4), pady=2)
        entry = self.view.entry(self, width=160, height=28)  # sticky: it widens to the column
        entry.grid(row=row, column=1, sticky="ew", padx=(0, 14), pady=2)
        return label, entry

    def _kind_of(self, label: str) -> str:
        return next(k for k, v in KINDS.items() if v == label)

    def _layout(self) -> None:
        """Show the fields this kind of applicant has; an organisation always shows its 经办人."""
        org = self.kind == ORGANISATION
        self.id_label.configure(text="信用代码" if org else "身份证号")
        self.name_label.configure(text="单位名称" if org else "姓名")
        self.address_label.configure(text="单位地址" if org else "住址")
        for widget in (self.legal_rep_label, self.legal_rep):
            widget.grid() if org else widget.grid_remove()
        self.card_button.configure(text="读经办人证（F3）" if org else "读身份证（F3）")
        self.agent_title.configure(text="经办人" if org else "代理人")
        relations = RELATIONS_FOR[self.kind]
        current = self.relation.get()
        self.relation.configure(values=[RELATIONS[r] for r in relations])
        if current not in (RELATIONS[r] for r in relations):
            self.relation.set(RELATIONS[relations[0]])
        shown = org or self.agent_open
        if shown:
            self.agent_toggle.pack_forget()
        elif not self.agent_toggle.winfo_manager():
            self.agent_toggle.pack(side="right", padx=(0, 6), before=self.agent_card_button)
        self.agent_close.pack_forget()
        if self.agent_open and not org:
            self.agent_close.pack(side="left", padx=(4, 0))
        self.reuse_agent.pack_forget()
        if self.last_agent is not None and not shown:
            self.reuse_agent.pack(side="right", padx=(0, 6), before=self.agent_toggle)
        for label, entry in self.agent_rows:
            for widget in (label, entry):
                widget.grid() if shown else widget.grid_remove()
        self.agent_status.grid() if shown else self.agent_status.grid_remove()
        self.relation.pack_forget()
        if shown:
            self.relation.pack(side="left")

    def set_kind(self, kind: str) -> None:
        """F2 / the switch: 个人 or 单位; what was typed stays and is checked again."""
        if kind == self.kind:
            return
        self.kind = kind
        if kind == PERSON and self.agent_id.get().strip():
            self.agent_open = True  # the 经办人 typed so far stays, as the person's agent
        self.kind_switch.set(KINDS[kind])
        self.relation.set(RELATIONS[RELATIONS_FOR[kind][0]])  # 单位经办人 / 委托代理 unless changed
        self._looked_up = ""
        self._close_conflict()
        self.returning_info.configure(text="")
        self._layout()
        self.validate_id()
        self.on_change()
        self.id_number.focus_set()

    def toggle_kind(self) -> None:
        self.set_kind(PERSON if self.kind == ORGANISATION else ORGANISATION)

    def toggle_agent(self) -> None:
        """Open the agent's fields to type them, or close them: the applicant acts alone."""
        self.agent_open = not self.agent_open
        if not self.agent_open:
            for entry in self.agent_fields:
                entry.delete(0, "end")
            self.agent_status.configure(text="")
            self.agent_source, self._agent_looked_up = "manual", ""
        self._layout()
        self.on_change()
        if self.agent_open:
            self.agent_id.focus_set()

    def _open_agent(self) -> None:
        if not self.agent_open:
            self.agent_open = True
            self._layout()

    @property
    def has_agent(self) -> bool:
        return self.kind == ORGANISATION or self.agent_open

    def _advance(self, chain: Sequence[ctk.CTkEntry], index: int, then: Callable[[], None]) -> None:
        """Focus the next shown, empty field after chain[index]; past the last one, `then`."""
        for widget in chain[index + 1 :]:
            if widget.winfo_ismapped() and not widget.get().strip():
                widget.focus_set()
                return
        then()

    def _after_applicant(self) -> None:
        if self.has_agent and not self.agent_id.get().strip():
            self.agent_id.focus_set()
        else:
            self.on_done()

    def focus_in_agent(self) -> bool:
        focused = self.focus_get()
        return any(focused is not None and str(focused).startswith(str(e)) for e in self.agent_fields)

    # validation and memory
    def validate_id(self) -> bool:
        raw = self.id_number.get()
        if self.kind == PERSON:
            scanned = uscc_from_scan(raw) if len(raw.strip()) >= 18 else ""
            if scanned and not self.services.intake.check_id(raw).ok:
                # A USCC typed or scanned in the person field: the applicant is an organisation.
                self.kind = ORGANISATION
                self.kind_switch.set(KINDS[ORGANISATION])
                self.relation.set(RELATIONS[STAFF])
                self._layout()
                self.on_change()
        if self.kind == ORGANISATION:
            return self._validate_uscc(raw)
        check = self.services.intake.check_id(raw)
        extra = f"（{check.birth_date:%Y-%m-%d}，{check.sex}）" if check.ok else ""
        _show_check(self.id_status, raw, check.ok, check.message + extra)
        if not check.ok and self.name_conflict is not None:
            self._looked_up = ""
            self._close_conflict()  # the number was a slip: no conflict with the record left
        if check.ok and check.number != self._looked_up:
            self._looked_up = check.number
            if is_minor(check.number, dt.date.today()):
                self._open_agent()
                self.relation.set(RELATIONS[STATUTORY])
                self.agent_status.configure(
                    text="申请人未满18周岁，应由监护人（法定代理人）代为办理", text_color=ERROR_COLOR
                )
                self.on_change()
            self.view.run_task(self.services.intake.returning_applicant, check.number, on_done=self._returning)
        return check.ok

    def _validate_uscc(self, raw: str) -> bool:
        # A scanned licence link keeps just the code; lower case or spaces show as recorded.
        check = check_uscc(uscc_from_scan(raw) or raw)
        if check.ok and check.value != raw:
            _set(self.id_number, check.value)
        _show_check(self.id_status, raw, check.ok, check.message)
        if check.ok and check.value != self._looked_up:
            self._looked_up = check.value
            self.view.run_task(self.services.intake.returning_organisation, check.value, on_done=self._returning)
        return check.ok

    def _returning(self, known: KnownApplicant | None) -> None:
        """Fill what an earlier visit knows, never overwriting what the clerk typed.

        A different name under the same number may be a typing slip in the number, a changed
        name or another person: the clerk chooses, and until then nothing is filled in."""
        if known is not None and known.id_number != self._looked_up:
            return  # an answer for a number typed before this one
        self._close_conflict()
        if known is None:
            return
        typed = self.name.get().strip()
        if typed and known.name and typed != known.name:
            self._ask_name(known, typed)
            return
        self._fill_known(known)

    def _ask_name(self, known: KnownApplicant, typed: str) -> None:
        self.name_conflict = known
        who = "单位名称" if known.kind == ORGANISATION else "姓名"
        self.conflict_text.configure(
            text=f"本机登记的{who}为“{known.name}”，与填写的“{typed}”不一致。请核对证件后选择："
        )
        self.keep_recorded.configure(text=f"1  使用登记的“{known.name}”，并填入其电话、住址")
        self.keep_typed.configure(text=f"2  保留填写的“{typed}”，不填入登记信息")
        self.returning_info.grid_remove()
        self.conflict_box.grid(row=7, column=0, columnspan=2, sticky="ew", padx=14, pady=(4, 4))
        self.keep_recorded.focus_set()

    def _bind_chooser_keys(self) -> None:
        """1 / 2 choose, Up / Down move between the two answers; none of them goes further."""

        def choose(recorded: bool) -> Callable[[object], str]:
            def handler(_event: object) -> str:
                self.choose_name(recorded)
                return "break"

            return handler

        def move(button: ctk.CTkButton) -> Callable[[object], str]:
            def handler(_event: object) -> str:
                button.focus_set()
                return "break"

            return handler

        for button in (self.keep_recorded, self.keep_typed):
            # On the button's own frame window, where keyboard_button puts the focus.
            for keysym, recorded in (("1", True), ("KP_1", True), ("2", False), ("KP_2", False)):
                tk.Misc.bind(button, f"<KeyPress-{keysym}>", choose(recorded), "+")
            tk.Misc.bind(button, "<Up>", move(self.keep_recorded), "+")
            tk.Misc.bind(button, "<Down>", move(self.keep_typed), "+")

    def choose_name(self, recorded: bool) -> None:
        """The clerk's answer to a name conflict: the record's name (and its details), or the typed one."""
        known = self.name_conflict
        if known is None:
            return
        typed = self.name.get().strip()
        self._close_conflict()
        if recorded:
            _set(self.name, known.name)
            self._fill_known(known)
        else:
            self.returning_info.configure(
                text=f"已保留填写的“{typed}”；登记的“{known.name}”的电话、住址未填入", text_color=ERROR_COLOR
            )
        self._advance(self.chain, self.chain.index(self.name), self._after_applicant)

    def _close_conflict(self) -> None:
        self.name_conflict = None
        self.conflict_box.grid_remove()
        self.returning_info.grid()
        self.returning_info.configure(text_color=OK_COLOR)

    def _fill_known(self, known: KnownApplicant) -> None:
        _fill_blanks(
            (
                (self.name, known.name),
                (self.phone, known.phone),
                (self.address, known.address),
                (self.legal_rep, known.legal_rep),
            )
        )
        who = "老单位" if known.kind == ORGANISATION else "老办事人"
        if known.cases:
            recent = "；".join(f"{p.received_at:%m-%d}{p.matter_name}" for p in known.previous[:2])
            text = f"{who}：共{known.cases}件，最近 {recent}"
        else:
            text = f"{who}：本机已有登记信息，暂无其办件记录"
        self.last_agent = known.agent
        if known.agent is not None:
            text += (
                f"\n上次{'经办人' if known.kind == ORGANISATION else '代理人'}：{known.agent.name}"
                f"（{known.agent.relation_label}）"
            )
            if known.kind == ORGANISATION and not self.agent_id.get().strip():
                self._fill_agent(known.agent)
                text += "，已填入"
        self.returning_info.configure(text=text)
        self._layout()

    def use_last_agent(self) -> None:
        if self.last_agent is not None:
            self._open_agent()
            self._fill_agent(self.last_agent)
            self._layout()

    def _fill_agent(self, agent: Agent) -> None:
        for widget, value in (
            (self.agent_id, agent.id_number),
            (self.agent_name, agent.name),
            (self.agent_phone, agent.phone),
        ):
            _set(widget, value)
        if agent.relation in RELATIONS_FOR[self.kind]:
            self.relation.set(RELATIONS[agent.relation])
        self._agent_looked_up = agent.id_number
        self.validate_agent_id()
        self.on_change()

    def validate_agent_id(self) -> bool:
        raw = self.agent_id.get()
        check = self.services.intake.check_id(raw)
        _show_check(self.agent_status, raw, check.ok, check.message)
        if check.ok and check.number != self._agent_looked_up:
            self._agent_looked_up = check.number
            self.view.run_task(self.services.intake.returning_applicant, check.number, on_done=self._agent_known)
        return check.ok

    def _agent_known(self, known: KnownApplicant | None) -> None:
        """The agent seen before (for themselves or for someone else): name and phone come back."""
        if known is None or known.id_number != self._agent_looked_up:
            return
        _fill_blanks(((self.agent_name, known.name), (self.agent_phone, known.phone)))

    # card reading
    def read_card(self) -> None:
        """F3: the applicant's card; an organisation's, or with the focus on the agent, the agent's."""
        if self.kind == ORGANISATION or self.focus_in_agent():
            self.read_agent_card()
            return
        self.card_button.configure(state="disabled", text="正在读卡…")
        self.view.run_task(self.services.hardware.read_card, on_done=self._card_read, on_error=self._card_failed)

    def _card_read(self, card: IdCard) -> None:
        self._layout()
        self.card_button.configure(state="normal")
        self.source = "card"
        for widget, value in ((self.id_number, card.id_number), (self.name, card.name), (self.address, card.address)):
            _set(widget, value)
        self.validate_id()
        self.id_status.configure(
            text=self.id_status.cget("text") + f" · 已读卡，{card.nation}族，有效期至{card.valid_to}"
        )
        self.view.message.configure(text="")
        self.phone.focus_set()
        self.check_printable()
        if self.on_card is not None:
            self.on_card(card)

    def check_printable(self) -> None:
        """Warn at once when the applicant's or the agent's name has a character this machine cannot print."""
        names = (self.name.get().strip(), self.agent_name.get().strip())
        printable = self.services.printable
        if printable is None or names == self._print_checked:
            return
        self._print_checked = names
        self.view.run_task(
            lambda: (printable.check(names[0]), printable.check(names[1])), on_done=self._show_print_warning
        )

    def _show_print_warning(self, checks: tuple[NameCheck, NameCheck]) -> None:
        applicant, agent = checks
        who = "单位名称" if self.kind == ORGANISATION else "申请人姓名"
        lines = [c.message(what) for c, what in ((applicant, who), (agent, "代理人姓名")) if c.missing]
        self.print_warning.configure(text="\n".join(lines))
        self.print_warning.grid() if lines else self.print_warning.grid_remove()

    def _card_failed(self, exc: BaseException) -> None:
        self._layout()
        self.card_button.configure(state="normal")
        self.view.message.configure(text=getattr(exc, "message", "读卡失败，请手工输入"), text_color=ERROR_COLOR)
        self.id_number.focus_set()

    def read_agent_card(self) -> None:
        """Shift+F3: the card of the person acting for the applicant."""
        self._open_agent()
        self.agent_card_button.configure(state="disabled", text="正在读卡…")
        self.view.run_task(
            self.services.hardware.read_card, on_done=self._agent_card_read, on_error=self._agent_card_failed
        )

    def _agent_card_read(self, card: IdCard) -> None:
        self.agent_card_button.configure(state="normal", text="读证（Shift+F3）")
        self.agent_source = "card"
        for widget, value in ((self.agent_id, card.id_number), (self.agent_name, card.name)):
            _set(widget, value)
        self.validate_agent_id()
        self.agent_status.configure(text=self.agent_status.cget("text") + f" · 已读卡，有效期至{card.valid_to}")
        self.check_printable()
        self.view.message.configure(text="")
        self.on_change()
        self.agent_phone.focus_set()

    def _agent_card_failed(self, exc: BaseException) -> None:
        self.agent_card_button.configure(state="normal", text="读证（Shift+F3）")
        self.view.message.configure(text=getattr(exc, "message", "读卡失败，请手工输入"), text_color=ERROR_COLOR)
        self.agent_id.focus_set()

    # the screen is reused between intakes: reset, and a draft put back
    def reset(self) -> None:
        """An empty column for the next applicant: nothing of the previous one stays."""
        self.kind, self.source, self.agent_source = PERSON, "manual", "manual"
        self.agent_open, self._looked_up, self._agent_looked_up, self.last_agent = False, "", "", None
        self.kind_switch.set(KINDS[PERSON])
        self.relation.set(RELATIONS[RELATIONS_FOR[PERSON][0]])
        for entry in (*self.chain, *self.agent_fields):
            entry.delete(0, "end")
        self._close_conflict()
        for label in (self.id_status, self.agent_status, self.returning_info, self.print_warning):
            label.configure(text="")
        self.print_warning.grid_remove()
        self._print_checked = ("", "")
        self.card_button.configure(state="normal")
        self.agent_card_button.configure(state="normal", text="读证（Shift+F3）")
        self._layout()

    def restore(self, snap: IntakeSnapshot) -> None:
        """The applicant as a draft recorded it (call reset() first)."""
        self.kind = snap.kind if snap.kind in KINDS else PERSON
        self.kind_switch.set(KINDS[self.kind])
        self.source, self.agent_source = snap.source, snap.agent_source
        self.agent_open = snap.agent_open
        for entry, value in (
            (self.id_number, snap.id_number),
            (self.name, snap.name),
            (self.legal_rep, snap.legal_rep),
            (self.phone, snap.phone),
            (self.address, snap.address),
            (self.agent_id, snap.agent_id),
            (self.agent_name, snap.agent_name),
            (self.agent_phone, snap.agent_phone),
        ):
            if value:
                _set(entry, value)
        self._layout()  # offers the relations this kind of applicant has
        if snap.agent_relation in RELATIONS_FOR[self.kind]:
            self.relation.set(RELATIONS[snap.agent_relation])
        if self.agent_id.get().strip():
            self._agent_looked_up = self.agent_id.get().strip().upper()
            self.validate_agent_id()
        self.check_printable()

    # the applicant as the draft records it
    def agent(self) -> Agent | None:
        if not self.has_agent:
            return None
        relation = next(
            (code for code, label in RELATIONS.items() if label == self.relation.get()),
            STAFF if self.kind == ORGANISATION else ENTRUSTED,
        )
        return Agent(
            self.agent_name.get().strip(),
            self.agent_id.get().strip().upper(),
            relation,
            phone=self.agent_phone.get().strip(),
            source=self.agent_source,
        )

    def applicant(self) -> Applicant:
        org = self.kind == ORGANISATION
        return Applicant(
            name=self.name.get().strip(),
            id_type=ID_USCC if org else ID_RESIDENT,
            id_number=self.id_number.get().strip().upper(),
            phone=self.phone.get().strip(),
            address=self.address.get().strip(),
            source="manual" if org else self.source,
            kind=self.kind,
            legal_rep=self.legal_rep.get().strip() if org else "",
            agent=self.agent(),
        )

    def problem(self) -> str:
        """Why the applicant cannot be recorded yet (and the focus moves to the field to fix)."""
        if self.name_conflict is not None:
            self.keep_recorded.focus_set()
            return "该身份证号码本机登记的姓名与填写的不一致，请先选择使用哪个姓名"
        problem = check_applicant(self.applicant(), dt.date.today())
        if problem:
            target = (
                self.agent_id
                if problem.startswith(("代理人", "单位申请须登记"))
                else self.legal_rep
                if "法定代表人" in problem
                else self.name
                if problem.startswith("请填写")
                else self.id_number
            )
            target.focus_set()
        return problem


def _set(entry: ctk.CTkEntry, value: str) -> None:
    entry.delete(0, "end")
    entry.insert(0, value)


def _fill_blanks(pairs: Iterable[tuple[ctk.CTkEntry, str]]) -> None:
    """What memory knows goes only where the clerk has typed nothing."""
    for entry, value in pairs:
        if value and not entry.get().strip():
            entry.insert(0, value)


def _show_check(label: ctk.CTkLabel, raw: str, ok: bool, message: str) -> None:
    if not raw.strip():
        label.configure(text="")
    else:
        label.configure(text=message, text_color=OK_COLOR if ok else ERROR_COLOR)
