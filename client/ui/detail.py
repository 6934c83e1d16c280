"""One case: status, materials, the event timeline, and handing over the result.

出件 (F8) and 邮寄 (F10) are actions in the bottom bar whenever the case allows them, and
their forms come right under the case's facts, before the materials and the timeline.
After a hand-over the applicant is asked to rate it on the pad.
"""

from __future__ import annotations

import datetime as dt
import tkinter as tk
from collections.abc import Callable
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.clocks import CLOCK_WARN, describe_offset
from client.domain.identity import IdCard
from client.services.cases import CaseDetail
from client.services.delivery import DeliveryResult, MailingDefaults, MailResult
from client.services.transfer import Custody

from .base import View, scroll_column, wrap_to_width
from .focus import scroll_keys
from .rating import RatingPrompt
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow

MATERIAL_STATUS = {"received": "已收", "missing": "缺", "tolerated": "容缺", "pledged": "承诺", "waived": "免提交"}


def clock_facts(d: CaseDetail) -> list[tuple[str, str]]:
    """本机时钟 and 后台时钟 under the intake time, when they disagreed by more than the status
    bar's warning: the case number, the dates and the notice were made on the device's clock."""
    if d.clock_offset_s is None or abs(d.clock_offset_s) < CLOCK_WARN.total_seconds():
        return []
    offset = dt.timedelta(seconds=d.clock_offset_s)
    device = d.summary.received_at
    facts = [
        ("本机时钟", f"{device:%Y-%m-%d %H:%M}（比后台{describe_offset(offset)}，办件编号和日期按此生成）"),
        ("后台时钟", f"{device - offset:%Y-%m-%d %H:%M}（按最近一次同步推算）"),
    ]
    if d.clock_accepted_by:
        facts.append(("时钟确认", f"受理前已提示本机时钟有误，{d.clock_accepted_by} 选择仍要受理"))
    return facts


class CaseDetailView(View):
    title = "办件详情"

    def __init__(self, app: MainWindow, case_id: str = ""):
        """Built once per login and reused (`open` shows a case); with `case_id`, that case at once."""
        super().__init__(app)
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        self.content = scroll_column(self, fg_color="transparent")
        self.content.pack(fill="both", expand=True, padx=16, pady=(12, 0))
        bottom = ctk.CTkFrame(self, fg_color="transparent")
        bottom.pack(fill="x", padx=16, pady=12)
        self.back_button = self.button(bottom, "返回（Esc）", self.app.show_home, kind="secondary", height=40)
        self.back_button.pack(side="right")
        self.reprint_button = self.button(bottom, "重新打印（F7）", self.reprint, height=40, kind="secondary")
        self.reprint_button.pack(side="right", padx=10)
        # The hand-over actions, shown when the case allows them (see _render).
        self.mail_action = self.button(bottom, "邮寄送达（F10）", self.focus_mail, height=40, kind="secondary")
        self.deliver_action = self.button(bottom, "出件（F8）", self.focus_delivery, height=40)
        self.message = self.label(bottom, "", wraplength=560, justify="left")
        self.message.pack(side="left")
        self.bottom = bottom
        self.rating = RatingPrompt(self, self, case_id, stage="delivery")  # asked after 出件, above the bar
        self.keys = self._base_keys()
        self.recipient_id: ctk.CTkEntry | None = None
        self.tracking: ctk.CTkEntry | None = None
        self.typed = False  # the clerk typed into a form of this render
        self.extension_notice_button: ctk.CTkButton | None = None  # with a §42 extension only
        if case_id:
            self.load()

    def _base_keys(self) -> dict[str, Callable[[], None]]:
        # PageUp/PageDown read a long timeline; Tab into a form below the fold scrolls it into view (focus.py).
        return {"Escape": self.leave, "F7": self.reprint, "F8": self.focus_delivery, **scroll_keys(self.content)}

    def open(self, case_id: str) -> None:
        """Show `case_id` on this view, built once per login: all of the case shown before goes
        first, so no frame ever shows one case's facts, forms or messages under another's name."""
        self.rating.reset(case_id)  # the pad goes dark for the case before
        self.epoch += 1  # answers still on their way for the case before are dropped
        self.case_id = case_id
        self.detail = None
        self.recipient_id = None
        self.tracking = None
        self.extension_notice_button = None
        self.typed = False
        for child in self.content.winfo_children():
            child.destroy()
        self.message.configure(text="")
        for action in (self.deliver_action, self.mail_action):
            action.pack_forget()
        if not self.reprint_button.winfo_manager():  # hidden for a forwarded-in case
            self.reprint_button.pack(side="right", padx=10, after=self.back_button)
        self.keys = self._base_keys()
        self.load()

    def leave(self) -> None:
        self.rating.leave()
        self.app.show_home()

    def on_show(self) -> None:
        self.back_button.focus_set()  # off the home list behind; Tab reaches every action from here

    def on_hide(self) -> None:
        self.rating.leave()

    def on_synced(self) -> None:
        """Show the back office's news unless the clerk has typed into a form here (a changed
        name or address counts too: the re-render would put the prefilled one back)."""
        typing = [w for w in (self.recipient_id, self.tracking) if w is not None and w.get().strip()]
        if not typing and not self.typed:
            self.load()

    def load(self) -> None:
        self.run_task(self.services.cases.detail, self.case_id, on_done=self._render, on_error=self.app.show_error)

    def _render(self, d: CaseDetail) -> None:
        self.detail = d
        self.recipient_id = None
        self.tracking = None
        self.typed = False
        for key in ("F3", "F6", "Shift-F6", "Shift-F7", "F9", "F10"):
            self.keys.pop(key, None)
        self.extension_notice_button = None
        for child in self.content.winfo_children():
            child.destroy()
        self.content._parent_canvas.yview_moveto(0.0)  # a fresh render starts at the case's name
        s = d.summary
        self.label(self.content, f"{s.matter_name}", 4, True).pack(anchor="w")
        self.status_label = self.label(
            self.content, f"状态：{s.status_label}    报送：{s.sync_label}", 2, True, text_color=OK_COLOR
        )
        self.status_label.pack(anchor="w", pady=(2, 8))
        who = "申请单位" if d.applicant_kind == "organisation" else "申请人"
        facts = [
            ("办件编号", s.case_no_display),
            (who, f"{s.applicant_name}（{s.applicant_id_masked}）"),
            *((("代理人", f"{d.agent_name}（{d.agent_relation}，{d.agent_id_masked}）"),) if d.agent_name else ()),
            ("受理时间", f"{s.received_at:%Y-%m-%d %H:%M}"),
            *clock_facts(d),  # the device's and the back office's clocks, when they disagreed
            ("承诺办结", f"{s.promised_by:%Y-%m-%d}")
            if not d.on_the_spot
            else ("办结", f"{s.received_at:%Y-%m-%d} 当场办结，结果已当场交付"),
            *((("法定办结", f"{d.legal_due:%Y-%m-%d}"),) if d.legal_due and not d.on_the_spot else ()),
            ("受理人", d.clerk),
            ("文书编号", d.notice_no),  # the decision's main notice: 受理, 办结, 补正 or 不予受理
        ]
        if d.ticket_no:
            facts.append(("叫号", d.ticket_no))
        if d.bundle:
            facts.append(("一件事", d.bundle))
        if d.forwarded_in:  # 帮办代办 received here: the station took the case in and reports it
            facts = [
                ("办件编号", s.case_no_display),
                ("收件时间", f"{s.received_at:%Y-%m-%d %H:%M}"),
                ("签收人", d.clerk),
                ("说明", "代办件由发件服务站受理并报送后台，请按流转单核对随单原件"),
            ]
            self.reprint_button.pack_forget()
            self.keys.pop("F7", None)
        if d.result_name:
            facts.append(("审批结果", f"{d.result_name}  {d.result_no}"))
        if d.reason:
            facts.append(("说明", d.reason))
        for key, value in facts:
            self.label(self.content, f"{key}：{value}", 0).pack(anchor="w")
        if d.custody_label:
            self._custody_box(d)
        if d.supplement_request is not None:
            self._request_box(d)
        if d.extension is not None:
            self._extension_box(d)
        # The hand-over comes first: it is what the applicant at the window is waiting for.
        for action, shown in ((self.deliver_action, d.can_deliver), (self.mail_action, d.can_mail)):
            if shown:
                action.pack(side="right", padx=(0, 10), before=self.reprint_button)
            else:
                action.pack_forget()
        if d.can_deliver:
            self._delivery_box(d)
        if d.can_mail:
            self._mail_box(d)
        self.label(self.content, "申请材料", 1, True).pack(anchor="w", pady=(10, 2))
        for m in d.materials:
            self.label(
                self.content, f"· {m.name}（{MATERIAL_STATUS.get(m.status, m.status)}，扫描 {m.pages} 页）", -1
            ).pack(anchor="w")
        self.label(self.content, "办理过程", 1, True).pack(anchor="w", pady=(10, 2))
        for t in d.timeline:
            note = f"  {t.note}" if t.note else ""
            self.label(self.content, f"{t.time:%Y-%m-%d %H:%M}  {t.label}  {t.who}{note}", -1).pack(anchor="w")
        if d.tracking_no:
            self.label(self.content, f"邮件单号：{d.tracking_no}", 0).pack(anchor="w")
        if d.can_supplement:
            self.button(
                self.content, "补正材料（F6）", lambda: self.app.show_supplement(self.case_id), 1, height=38
            ).pack(anchor="w", pady=(12, 0))
            self.keys["F6"] = lambda: self.app.show_supplement(self.case_id)
        if d.can_withdraw:
            self._withdraw_box()

    def _request_box(self, d: CaseDetail) -> None:
        """后台要求补正: the approver's list, what the applicant is told when they come or phone."""
        asked = d.supplement_request
        assert asked is not None  # shown only with a request
        box = ctk.CTkFrame(self.content)
        box.pack(fill="x", pady=(8, 4))
        head = ctk.CTkFrame(box, fg_color="transparent")
        head.pack(fill="x", padx=12, pady=(8, 2))
        state = f"已于{asked.answered_at:%Y-%m-%d %H:%M}补正，待后台审查" if asked.answered_at else "待申请人补正"
        self.request_title = self.label(
            head, f"后台要求补正（{state}）", 1, True, text_color=OK_COLOR if asked.answered else WARN_COLOR
        )
        self.request_title.pack(side="left")
        if not asked.answered:  # once the papers are in, the notice has done its work
            self.request_notice_button = self.button(
                head, "打印补正材料通知书（Shift+F6）", self.print_request_notice, height=34, kind="secondary"
            )
            self.request_notice_button.pack(side="right")
            self.keys["Shift-F6"] = self.print_request_notice
        self.label(
            box, f"提出人：{asked.requested_by}　提出时间：{asked.requested_at:%Y-%m-%d %H:%M}", -1, text_color="gray40"
        ).pack(anchor="w", padx=12)
        for n, item in enumerate(asked.items, 1):  # the request's 说明 is among the case's facts above
            line = self.label(box, f"{n}. {item.name}：{item.problem}", 0, wraplength=900, justify="left")
            line.pack(anchor="w", padx=24, pady=(0, 8 if n == len(asked.items) else 0))
            wrap_to_width(line, box, 48)  # a long problem wraps on a small screen

    def print_request_notice(self) -> None:
        """The 补正材料通知书 for the applicant at the counter, or to read out on the phone."""
        if self.services.supplement is None:
            return
        self.run_task(
            self.services.supplement.request_notice,
            self.case_id,
            on_done=lambda n: self.message.configure(
                text=f"已生成补正材料通知书（{n.doc_no}，共{n.items}项），请打印交申请人",
                text_color=OK_COLOR,
            ),
            on_error=self._error,
        )

    def _extension_box(self, d: CaseDetail) -> None:
        """延长审批期限 (行政许可法第四十二条): the new due date, why, and the 告知书 the applicant is owed."""
        ext = d.extension
        assert ext is not None  # shown only with an extension
        box = ctk.CTkFrame(self.content)
        box.pack(fill="x", pady=(8, 4))
        head = ctk.CTkFrame(box, fg_color="transparent")
        head.pack(fill="x", padx=12, pady=(8, 2))
        self.extension_title = self.label(
            head, f"已延长审批期限{ext.days}个工作日（{ext.due_before:%Y-%m-%d} → {ext.due_after:%Y-%m-%d}）", 1, True
        )
        self.extension_title.pack(side="left")
        self.extension_notice_button = self.button(
            head, "打印延长审批期限告知书（Shift+F7）", self.print_extension_notice, height=34, kind="secondary"
        )
        self.extension_notice_button.pack(side="right")
        self.keys["Shift-F7"] = self.print_extension_notice
        self.label(box, f"批准人：{ext.approved_by_name}　告知书文号：{ext.doc_no}", -1, text_color="gray40").pack(
            anchor="w", padx=12
        )
        reason = self.label(box, f"延长理由：{ext.reason}", 0, wraplength=900, justify="left")
        reason.pack(anchor="w", padx=12, pady=(0, 8))
        wrap_to_width(reason, box, 24)

    def print_extension_notice(self) -> None:
        """The 延长审批期限告知书 for the applicant at the counter (or to post), as the console has it."""
        ext = self.detail.extension if self.detail is not None else None
        if ext is None:  # Shift+F7 is bound only while an extension is shown
            return
        self.run_task(
            self.services.paperwork.extension_notice,
            self.case_id,
            on_done=lambda _path: self.message.configure(
                text=f"已生成延长审批期限告知书（{ext.doc_no}），请打印交申请人签收", text_color=OK_COLOR
            ),
            on_error=self._error,
        )

    def _custody_box(self, d: CaseDetail) -> None:
        """帮办代办: who holds the paper originals now, and sending them on with the slip."""
        box = ctk.CTkFrame(self.content)
        box.pack(fill="x", pady=(8, 4))
        color = OK_COLOR if d.custody == "hall" else WARN_COLOR
        self.custody_line = self.label(box, f"原件持有：{d.custody_label}", 1, True, text_color=color)
        self.custody_line.pack(side="left", padx=12, pady=8)
        self.label(box, f"流转单 {d.slip_no} · 送达 {d.forward_to}", -1).pack(side="left", padx=8)
        if d.can_dispatch:
            self.dispatch_button = self.button(box, "原件寄出（F9）", self.dispatch, height=34)
            self.dispatch_button.pack(side="right", padx=12)
            self.keys["F9"] = self.dispatch
        if self.services.transfer is not None and d.custody in ("station", "in_transit"):
            self.button(box, "重打流转单", self.reprint_slip, kind="secondary", height=34).pack(side="right")

    def dispatch(self) -> None:
        if self.busy or self.services.transfer is None:
            return

        def dispatched(c: Custody) -> None:
            self.message.configure(text=f"已登记原件寄出（流转单 {c.slip_no}）", text_color=OK_COLOR)
            self.app.sync_now()
            self.load()

        self.run_task(
            self.services.transfer.dispatch,
            self.case_id,
            self.app.current_clerk,
            on_done=dispatched,
            on_error=self._error,
        )

    def reprint_slip(self) -> None:
        if self.services.transfer is None:  # the button is only there with a transfer service
            return
        self.run_task(
            self.services.transfer.print_slip,
            self.case_id,
            on_done=lambda r: self.message.configure(
                text=r.error or f"已重新打印流转单 {r.slip_no}", text_color=ERROR_COLOR if r.error else OK_COLOR
            ),
            on_error=self._error,
        )

    def _delivery_box(self, d: CaseDetail) -> None:
        box = ctk.CTkFrame(self.content)
        box.pack(fill="x", pady=(12, 8))
        self.label(box, "出件（F8）：核验领取人身份后交付结果", 1, True).grid(
            row=0, column=0, columnspan=4, sticky="w", padx=12, pady=(10, 6)
        )
        self.label(box, "领取人姓名").grid(row=1, column=0, padx=(12, 6), pady=6)
        self.recipient_name = self.entry(box, width=160)
        # An organisation's result goes to a person: its 经办人 on record, unless another comes.
        self.recipient_name.insert(0, d.agent_name if d.applicant_kind == "organisation" else d.summary.applicant_name)
        self.recipient_name.grid(row=1, column=1, pady=6)
        self.label(box, "身份证号码").grid(row=1, column=2, padx=(16, 6))
        self.recipient_id = self.entry(box, width=240)
        self.recipient_id.grid(row=1, column=3, pady=6)
        self.button(box, "读卡核验（F3）", self.read_recipient_card, width=120).grid(row=1, column=4, padx=10)
        self.deliver_button = self.button(box, "确认出件", self.deliver, 1, height=38)
        self.deliver_button.grid(row=2, column=3, sticky="w", pady=(4, 12))
        self.recipient_id.bind("<Return>", lambda _e: self.deliver())
        self._watch(self.recipient_name, self.recipient_id)
        self.keys["F3"] = self.read_recipient_card

    def _mail_box(self, d: CaseDetail) -> None:
        box = ctk.CTkFrame(self.content)
        box.pack(fill="x", pady=(0, 12))
        self.label(box, "邮寄送达（F10）：免费寄递结果，登记邮件单号", 1, True).grid(
            row=0, column=0, columnspan=4, sticky="w", padx=12, pady=(10, 6)
        )
        self.label(box, "邮件单号").grid(row=1, column=0, padx=(12, 6), pady=6)
        self.tracking = self.entry(box, width=200, placeholder_text="如 EL123456789CN")
        self.tracking.grid(row=1, column=1, pady=6, sticky="w")
        self.label(box, "收件人").grid(row=1, column=2, padx=(16, 6))
        self.mail_name = self.entry(box, width=140)
        self.mail_name.insert(0, d.summary.applicant_name)
        self.mail_name.grid(row=1, column=3, pady=6, sticky="w")
        self.label(box, "邮寄地址").grid(row=2, column=0, padx=(12, 6), pady=6)
        self.address = self.entry(box, width=520)
        self.address.grid(row=2, column=1, columnspan=3, pady=6, sticky="w")
        self.address_source = self.label(box, "", -2, text_color="gray40")
        self.address_source.grid(row=3, column=1, columnspan=3, sticky="w")
        self.mail_button = self.button(box, "确认邮寄", self.mail, 1, height=38)
        self.mail_button.grid(row=4, column=1, sticky="w", pady=(4, 12))
        self.tracking.bind("<Return>", lambda _e: self.mail())
        self._watch(self.tracking, self.mail_name, self.address)
        self.keys["F10"] = self.focus_mail
        # The applicant's known address (or the one the service bus visited), for the clerk to
        # confirm. Not a run_task: a lookup for a convenience must not make the view busy for F8/F10.
        epoch = self.epoch  # the address of this case only, never filled into the next case's form
        self.app.runner.run(
            self.services.delivery.mail_address,
            self.case_id,
            on_done=lambda known: self._mailing_defaults(known) if self.epoch == epoch else None,
        )

    def _watch(self, *entries: ctk.CTkEntry) -> None:
        def typed(event: tk.Event[tk.Misc]) -> None:
            if event.char.isprintable() and event.char or event.keysym in ("BackSpace", "Delete"):
                self.typed = True  # a function key (F8, F10) moving the focus here is not typing

        for entry in entries:
            entry.bind("<KeyPress>", typed, add="+")

    def _mailing_defaults(self, known: MailingDefaults) -> None:
        if not self.winfo_exists() or self.tracking is None:
            return
        if known.address and not self.address.get().strip():
            self.address.insert(0, known.address)
            self.address_source.configure(text=f"已填入{known.source}，请与申请人核对")
        if known.recipient_name and not self.mail_name.get().strip():
            self.mail_name.insert(0, known.recipient_name)

    def mail(self) -> None:
        if self.busy or self.tracking is None:  # the mail form (and its button) come with the tracking entry
            return
        self.mail_button.configure(state="disabled")
        self.run_task(
            self.services.delivery.mail,
            self.case_id,
            self.tracking.get(),
            self.address.get(),
            self.mail_name.get(),
            self.app.current_clerk,
            on_done=self._mailed,
            on_error=self._mail_failed,
        )

    def _mailed(self, result: MailResult) -> None:
        text = f"已登记邮寄，单号 {result.tracking_no}（{result.postage_label}）"
        color = OK_COLOR
        if result.decision_pdf is not None:  # the written decision is served with the result
            text = (
                f"已登记邮寄。请将{result.decision_title}打印后装入邮件一并寄出"
                f"（单号 {result.tracking_no}，{result.postage_label}）"
            )
        elif result.decision_error:
            text, color = f"{text}。{result.decision_error}", ERROR_COLOR
        self.message.configure(text=text, text_color=color)
        self.app.sync_now()
        self.load()

    def _mail_failed(self, exc: BaseException) -> None:
        self.mail_button.configure(state="normal")
        self._error(exc)

    def _withdraw_box(self) -> None:
        box = ctk.CTkFrame(self.content)
        box.pack(fill="x", pady=(0, 12))
        self.label(box, "撤件：申请人申请撤回", 1, True).pack(side="left", padx=12, pady=10)
        self.withdraw_reason = self.entry(box, width=360, placeholder_text="撤件原因（必填）")
        self.withdraw_reason.pack(side="left", padx=6)
        self.withdraw_button = self.button(box, "确认撤件", self.withdraw, kind="danger")
        self.withdraw_button.pack(side="left", padx=6)

    def withdraw(self) -> None:
        if self.busy:
            return

        def withdrawn(_no: str) -> None:
            self.message.configure(text="已撤件", text_color=OK_COLOR)
            self.app.sync_now()
            self.load()

        self.run_task(
            self.services.delivery.withdraw,
            self.case_id,
            self.withdraw_reason.get(),
            self.app.current_clerk,
            on_done=withdrawn,
            on_error=self._error,
        )

    def focus_delivery(self) -> None:
        if self.recipient_id is not None:
            self._reveal(self.recipient_id)

    def focus_mail(self) -> None:
        if self.tracking is not None:
            self._reveal(self.tracking)

    def _reveal(self, entry: ctk.CTkEntry) -> None:
        """Scroll the action form into view (it sits under the case's facts) and focus it."""
        self.update_idletasks()
        canvas = self.content._parent_canvas
        inner = self.content
        top = entry.winfo_rooty() - inner.winfo_rooty()
        height = max(1, inner.winfo_height())
        canvas.yview_moveto(max(0.0, (top - 80) / height))
        entry.focus_set()

    def read_recipient_card(self) -> None:
        self.run_task(self.services.hardware.read_card, on_done=self._recipient_card, on_error=self._error)

    def _recipient_card(self, card: IdCard) -> None:
        if self.recipient_id is None:  # F3 is bound only while the delivery form is shown
            return
        for widget, value in ((self.recipient_name, card.name), (self.recipient_id, card.id_number)):
            widget.delete(0, "end")
            widget.insert(0, value)
        self.message.configure(text="已读取领取人身份证", text_color=OK_COLOR)

    def deliver(self) -> None:
        if self.busy or self.recipient_id is None:  # the delivery form (and its button) come with the entry
            return
        self.deliver_button.configure(state="disabled")
        self.run_task(
            self.services.delivery.deliver,
            self.case_id,
            self.recipient_name.get(),
            self.recipient_id.get(),
            self.app.current_clerk,
            on_done=self._delivered,
            on_error=self._failed,
        )

    def _delivered(self, result: DeliveryResult) -> None:
        text = f"已出件，出件回执：{result.receipt_pdf.name if result.receipt_pdf else '未生成'}"
        if result.decision_pdf is not None:  # the back office's written decision goes to the applicant too
            text = f"已出件，请将审批决定书一并交申请人：{result.decision_pdf.name}"
        self.message.configure(text=text, text_color=OK_COLOR)
        self.app.sync_now()
        self.load()
        # The applicant was served again: the pad asks them to rate the hand-over.
        self.rating.pack(fill="x", padx=16, pady=(8, 0), before=self.bottom)
        self.rating.bind_keys(self.keys)
        self.rating.ask()

    def _failed(self, exc: BaseException) -> None:
        self.deliver_button.configure(state="normal")
        self._error(exc)

    def _error(self, exc: BaseException) -> None:
        self.message.configure(text=getattr(exc, "message", "操作失败，请重试"), text_color=ERROR_COLOR)

    def reprint(self) -> None:
        # A member of a 一件事 reprints the bundle's one receipt and notice (bundles.reprint falls back).
        bundles = self.services.bundles
        self.run_task(
            bundles.reprint if bundles is not None else self.services.paperwork.reprint,
            self.case_id,
            on_done=lambda r: self.message.configure(
                text=r.error or "已重新打印收件凭证并生成受理通知书", text_color=ERROR_COLOR if r.error else OK_COLOR
            ),
            on_error=self._error,
        )
