"""The service bus (政务服务入户直通车): the day's appointments, and each one as a prepared intake.

F5 downloads the run (before leaving, while in range); after that everything works
offline. Enter opens the selected appointment as an intake with the applicant and the
matter filled in; F7 records a visit that did not happen, with the reason (chosen by
number key, then a note; Esc closes that panel). A visit left unfinished is a draft like any
intake (the crew works all day away from the hall): its row says so, and Enter continues it
on that visit.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.identity import IdCard
from client.services.drafts import DraftSummary, IntakeSnapshot
from client.services.intake import IntakeDraft
from client.services.outreach import MISSED_REASONS, AppointmentView, PreparedIntake, RunView, Signature

from .base import View, required, wrap_to_width
from .focus import keyboard_segments
from .intake import IntakeView
from .signature import SignaturePad
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow

COLUMNS = (
    ("no", "序号", 46),
    ("name", "姓名", 80),
    ("address", "地址", 240),
    ("phone", "电话", 118),
    ("matter", "事项", 260),
    ("booked", "预约", 86),
    ("status", "状态", 440),
)
STATUS_TAGS = {"concluded": "done", "collected": "done", "missed": "missed", "notified": "missed", "refused": "missed"}


class OutreachView(View):
    title = "直通车上门服务"

    def __init__(self, app: MainWindow, run_date: dt.date | None = None):
        super().__init__(app)
        self.outreach = required(self.services.outreach, "outreach")
        self.run: RunView | None = None
        self.appointments: tuple[AppointmentView, ...] = ()
        self.visit_drafts: dict[str, DraftSummary] = {}  # appointment → the crew's draft of that visit
        self.rows: dict[str, str] = {}
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=16, pady=(12, 4))
        self.label(bar, "日期").pack(side="left")
        self.date = self.entry(bar, width=130)
        self.date.insert(0, f"{run_date or dt.date.today():%Y-%m-%d}")
        self.date.pack(side="left", padx=(6, 10))
        self.load_button = self.button(bar, "下载行程（F5）", self.load, 1, height=40)
        self.load_button.pack(side="left")
        self.button(bar, "返回（Esc）", self.app.show_home, kind="secondary", height=40).pack(side="right")
        self.summary = self.label(self, "", 1, True)
        self.summary.pack(anchor="w", padx=18, pady=(6, 2))
        self.crew = self.label(self, "", -1)
        self.crew.pack(anchor="w", padx=18)
        self.table = self.table_view(COLUMNS, pady=(6, 6), stretch=("address", "matter", "status"))
        self.table.tag_configure("done", background="#d4edda")
        self.table.tag_configure("missed", background="#eeeeee", foreground="#666666")
        self.table.bind("<Double-1>", lambda _e: self.open_selected())
        self.table.bind("<Return>", lambda _e: self.open_selected())
        self._missed_panel()
        hint = "回车：上门受理（读身份证核验本人；有草稿时继续草稿）　F7：登记未办理　F5：下载行程　Esc：返回"
        self.message = self.label(self, hint, -1, wraplength=1200, justify="left")
        wrap_to_width(self.message, self, 40)
        self.message.pack(anchor="w", padx=18, pady=(0, 10))
        self.keys = {"F5": self.load, "F7": self.ask_missed, "Escape": self.app.show_home}

    def _missed_panel(self) -> None:
        self.missed = ctk.CTkFrame(self)
        self.missed_title = self.label(self.missed, "", 1, True)
        self.missed_title.pack(side="left", padx=(12, 10), pady=8)
        self.reasons = {label: code for code, label in MISSED_REASONS.items()}
        self.reason = ctk.CTkSegmentedButton(self.missed, values=list(self.reasons), font=self.theme.font(-1))
        self.reason.set(MISSED_REASONS["not_home"])
        # From the keyboard: the panel opens on the reasons, 1–4 (or Left/Right) choose, Enter or
        # Tab goes on to the note, Enter there records; Esc closes the panel, not the screen.
        keyboard_segments(
            self.reason,
            lambda _label: None,
            {"<Return>": lambda: self.reason_text.focus_set(), "<Escape>": self.hide_missed},
        )
        self.reason.pack(side="left")
        self.reason_text = self.entry(self.missed, width=300, placeholder_text="说明（原因为“其他”时必填）")
        self.reason_text.pack(side="left", padx=10)
        self.reason_text.bind("<Return>", lambda _e: self.save_missed())
        self.reason_text.bind("<Escape>", self._escape_missed)
        self.button(self.missed, "登记（Enter）", self.save_missed, height=36).pack(side="left")
        self.button(self.missed, "取消（Esc）", self.hide_missed, kind="secondary", height=36).pack(
            side="left", padx=10
        )

    def on_show(self) -> None:
        self.load_button.focus_set()  # off the home screen behind; the list takes it once filled
        self.run_task(self.outreach.latest_run, self._date(), on_done=self._show_run, on_error=self._failed)

    def on_synced(self) -> None:
        if self.run is not None:
            self.run_task(self.outreach.run, self.run.id, on_done=self._show_run, on_error=self._failed)

    def _date(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.date.get().strip())
        except ValueError:
            return None

    def load(self) -> None:
        """F5: download the day's run from the back office (needs the network, once)."""
        day = self._date()
        if day is None:
            self._say("日期格式应为 YYYY-MM-DD", ERROR_COLOR)
            return
        self.load_button.configure(state="disabled", text="正在下载…")
        self.run_task(self.outreach.load, day, on_done=self._loaded, on_error=self._load_failed)

    def _loaded(self, runs: tuple[RunView, ...]) -> None:
        self.load_button.configure(state="normal", text="下载行程（F5）")
        self._say(f"已下载{len(runs)}个行程，可离线使用", OK_COLOR)
        self._show_run(runs[0])

    def _load_failed(self, exc: BaseException) -> None:
        self.load_button.configure(state="normal", text="下载行程（F5）")
        self._failed(exc)

    def _show_run(self, run: RunView | None) -> None:
        self.run = run
        if run is None:
            self.summary.configure(text="本机还没有直通车行程：出发前请连接网络，按 F5 下载当天行程")
            return
        self.summary.configure(text=run.label)
        self.crew.configure(text=f"随车人员：{'、'.join(run.crew)}" + (f"　备注：{run.note}" if run.note else ""))
        self.run_task(self._listed, run.id, on_done=self._fill_listed, on_error=self._failed)

    def _listed(self, run_id: str) -> tuple[tuple[AppointmentView, ...], dict[str, DraftSummary]]:
        """The run's appointments and the crew member's drafts of them (on the worker)."""
        drafts, clerk = self.services.drafts, self.app.clerk
        kept = drafts.visit_drafts(clerk) if drafts is not None and clerk is not None else {}
        return self.outreach.appointments(run_id), kept

    def _fill_listed(self, listed: tuple[tuple[AppointmentView, ...], dict[str, DraftSummary]]) -> None:
        appointments, self.visit_drafts = listed
        self._fill(appointments)

    def _fill(self, appointments: tuple[AppointmentView, ...]) -> None:
        keep = self.table.selection()
        self.appointments = appointments
        self.table.delete(*self.table.get_children())
        self.rows = {}
        first_open = None
        for a in appointments:
            status = (
                a.outcome_label
                + (f" {a.case_no_display}" if a.case_no_display else "")
                + (f"（{a.reason_label}）" if a.reason_label else "")
            )
            draft = self.visit_drafts.get(a.id)
            if draft is not None and not a.done:
                status += f" · 有草稿（{draft.updated_at:%H:%M}保存，回车继续）"
            iid = self.table.insert(
                "",
                "end",
                iid=a.id,
                values=(a.position, a.name, a.address, a.phone, a.matter_name, a.booked_via, status),
                tags=(STATUS_TAGS[a.outcome],) if a.outcome in STATUS_TAGS else (),
            )
            self.rows[iid] = a.id
            if first_open is None and not a.outcome:
                first_open = iid
        target = keep[0] if keep and keep[0] in self.rows else first_open
        if target:
            self.table.selection_set(target)
            self.table.focus(target)
            self.table.see(target)
        self.table.focus_set()

    def selected(self) -> AppointmentView | None:
        sel = self.table.selection()
        return next((a for a in self.appointments if sel and a.id == sel[0]), None)

    def open_selected(self) -> None:
        appt = self.selected()
        if appt is None:
            return
        if appt.done:
            self._say(f"该预约已办理：{appt.outcome_label} {appt.case_no_display}", WARN_COLOR)
            return
        draft = self.visit_drafts.get(appt.id)
        self.app.open_visit(appt.id, draft.id if draft is not None else "", on_error=self._failed)

    def ask_missed(self) -> None:
        """F7: the applicant was not met; say why."""
        appt = self.selected()
        if appt is None:
            return
        if appt.done:
            self._say(f"该预约已办理：{appt.outcome_label}，不能登记未办理", WARN_COLOR)
            return
        self.missed_title.configure(text=f"{appt.position}. {appt.name} 未办理原因（按1–{len(self.reasons)}）：")
        self.missed.pack(fill="x", padx=16, pady=(0, 6), before=self.message)
        self.reason.focus_set()

    def _escape_missed(self, _event: object) -> str:
        """Esc in the note closes the panel; the screen's own Esc (back home) must not run too."""
        self.hide_missed()
        return "break"

    def hide_missed(self) -> None:
        self.missed.pack_forget()
        self.table.focus_set()

    def save_missed(self) -> None:
        appt = self.selected()
        if appt is None:
            return
        code = self.reasons[self.reason.get()]
        self.run_task(
            self.outreach.record_missed,
            appt.id,
            code,
            self.reason_text.get(),
            self.app.current_clerk,
            on_done=self._missed_saved,
            on_error=self._failed,
        )

    def _missed_saved(self, appt: AppointmentView) -> None:
        self.reason_text.delete(0, "end")
        self.hide_missed()
        self._say(f"已登记：{appt.name} 未办理（{appt.reason_label}），返程联网后报送", OK_COLOR)
        self.on_synced()

    def _say(self, text: str, color: str) -> None:
        self.message.configure(text=text, text_color=color)

    def _failed(self, exc: BaseException) -> None:
        self._say(getattr(exc, "message", "操作失败，请重试"), ERROR_COLOR)


class OutreachIntakeView(IntakeView):
    """An appointment opened as an intake: applicant and matter filled in, the card read to verify.

    F9 records the visit after the applicant signs on the pad: an immediate matter is
    concluded and its result handed over (出件, signed for); a promised one is carried back.
    What the crew does beyond the booking is a draft naming the appointment: saved as they go,
    asked on Esc and close, and continued from the run's list (or home) on that visit.
    """

    title = "直通车上门受理"
    leave_to, resume_at = "返回行程", "直通车行程中该预约上（或首页“未完成的受理”中）"

    def __init__(self, app: MainWindow, prepared: PreparedIntake):
        super().__init__(app)
        self.outreach = required(self.services.outreach, "outreach")
        self.prepared = prepared
        appt = prepared.appointment
        panel = self.applicant
        for widget, value in (
            (self.id_number, appt.id_number),
            (self.name, appt.name),
            (self.phone, appt.phone),
            (panel.address, appt.address),
        ):
            if value:
                widget.insert(0, value)
        self.banner = f"直通车预约（{appt.booked_via}）：{appt.address}。请读取身份证（F3）核验本人"
        self.message.configure(text=self.banner, text_color=WARN_COLOR)
        self.select_matter(prepared.matter_code)
        self.keys["Escape"] = self.leave  # asks first, like any intake; leads back to the run
        panel.on_card = self._verify  # the panel fills the fields in; then the card is checked against the booking
        self.booking = self.snapshot()  # the appointment as downloaded: nothing of the crew's yet
        self._start_autosave()

    def on_show(self) -> None:
        self.card_button.focus_set()
        if self.id_number.get():
            self.validate_id()

    def back(self) -> None:
        self.app.show_outreach()

    def snapshot(self) -> IntakeSnapshot:
        return replace(super().snapshot(), visit=self.prepared.appointment.id)

    def untouched(self, snap: IntakeSnapshot) -> bool:
        """Only the booking on screen: it is downloaded again with the run, no draft is kept."""
        return snap.empty or snap == self.booking

    def leave(self, then: Callable[[], None] | None = None, quitting: bool = False) -> None:
        super().leave(then or self.app.show_outreach, quitting)

    def resume(self, snap: IntakeSnapshot, draft_id: str) -> None:
        """The crew's draft of this visit back on the screen (after Esc, a restart or a crash)."""
        self.restore(snap, draft_id)
        self.message.configure(text=f"已恢复草稿。{self.banner}", text_color=WARN_COLOR)

    def _verify(self, card: IdCard) -> None:
        warning = self.outreach.check_card(self.prepared.appointment, card.id_number, card.name)
        if warning:
            self._show_error_text(warning)
        else:
            self.message.configure(text="已核验：持证人与预约人一致", text_color=OK_COLOR)

    def do_accept(self) -> None:
        draft = self.checked_draft()
        if draft is None:
            return
        self.run_task(
            self.outreach.visit_outcome,
            draft,
            on_done=lambda outcome: self._record(draft, outcome),
            on_error=self._show_error,
        )

    def _record(self, draft: IntakeDraft, outcome: str) -> None:
        prompts = {
            "collected": ("请确认所交材料已由工作人员收取并带回办理，在下方签名", "确认签名并收件（Enter）"),
            # 即办件 at the door: the result is handed over here; the signature is the 出件 record.
            "concluded": ("事项已当场办结，请确认已收到办理结果，在下方签名", "确认签名并领取结果（Enter）"),
        }
        if outcome not in prompts:
            self._submit(draft, None)
            return
        prompt, confirm = prompts[outcome]
        self.pad = SignaturePad(
            self, f"{draft.applicant.name}：{prompt}", lambda signed: self._submit(draft, signed), confirm
        )

    def _submit(self, draft: IntakeDraft, signed: Signature | None) -> None:
        self.accept_button.configure(state="disabled", text="正在办理…")
        self._draft_done = True  # no autosave now: the draft goes with the visit's transaction
        self.run_task(
            functools.partial(self.outreach.record_visit, within=self._draft_closer()),
            self.prepared.appointment.id,
            draft,
            self.app.current_clerk,
            signed,
            on_done=lambda visit: self.app.show_result(visit.accepted, back=self.app.show_outreach),
            on_error=self._accept_failed,
        )
