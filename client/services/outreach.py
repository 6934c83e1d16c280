"""The service bus's day (政务服务入户直通车): load the run, visit, record, carry back.

The run is loaded while the laptop is still in range; everything after that works on
the local store alone. A visit is an ordinary intake whose case and `outreach.visited`
event are written in one transaction; a visit that did not happen is an
`outreach.missed` event naming the appointment. Both reach the back office with the
next sync like any other event.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeGuard

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.decisions import ACCEPT, ACCEPT_TOLERANT, CONCLUDE, NOTIFY_MISSING, PLEDGE
from client.domain.identity import Applicant, check_id_number
from client.domain.states import AWAITING_HANDOVER_VALUES as AWAITING_MAIL
from client.domain.states import LABELS, CaseState
from client.store.db import Store
from client.store.journal import append_event
from client.store.models import BlobEntry, Case, OutreachAppointment, OutreachRun
from client.store.settings import DeviceIdentity
from sync import protocol
from sync.api import BackOfficeApi, ServerError, ServerUnreachable

from .auth import Clerk
from .errors import ServiceError
from .intake import AcceptResult, IntakeDraft, IntakeService

log = logging.getLogger(__name__)

OUTCOME_LABELS = {
    "": "待上门",
    "concluded": "当场办结",
    "collected": "已收件带回",
    "missed": "未办理",
    "notified": "一次性告知",
    "refused": "不予受理",
}
VisitOutcome = Literal["concluded", "collected", "notified", "refused"]  # protocol.VISIT_OUTCOMES
MissedReason = Literal["not_home", "done_elsewhere", "rescheduled", "other"]  # protocol.MISSED_REASONS' keys
VISIT_OUTCOME: dict[str, VisitOutcome] = {
    CONCLUDE: "concluded",
    ACCEPT: "collected",
    ACCEPT_TOLERANT: "collected",
    PLEDGE: "collected",
    NOTIFY_MISSING: "notified",
}
MISSED_REASONS = protocol.MISSED_REASONS


def _missed_reason(code: str) -> TypeGuard[MissedReason]:
    return code in MISSED_REASONS


@dataclass(frozen=True)
class AppointmentView:
    id: str
    run_id: str
    position: int
    name: str
    id_number: str
    address: str
    phone: str
    matter_code: str
    matter_name: str
    booked_via: str
    note: str
    outcome: str
    outcome_label: str
    case_id: str | None
    case_no_display: str
    reason_label: str  # why a visit did not happen

    @property
    def done(self) -> bool:
        return bool(self.outcome) and self.outcome != "missed"


@dataclass(frozen=True)
class RunView:
    id: str
    run_date: dt.date
    area_name: str
    crew: tuple[str, ...]
    note: str
    planned: int
    concluded: int
    collected: int
    missed: int
    other: int

    @property
    def open(self) -> int:
        return self.planned - self.concluded - self.collected - self.missed - self.other

    @property
    def label(self) -> str:
        return (
            f"{self.run_date:%Y-%m-%d} {self.area_name}：预约{self.planned}件，当场办结{self.concluded}，"
            f"收件带回{self.collected}，未办理{self.missed}，待上门{self.open}"
        )


@dataclass(frozen=True)
class PreparedIntake:
    """An appointment opened as an intake: what the window fills in before the card is read."""

    appointment: AppointmentView
    applicant: Applicant
    matter_code: str
    handling: str  # immediate / promised: whether a signature will be asked for


@dataclass(frozen=True)
class Signature:
    """What the applicant drew on the signature pad (mouse, pen or finger), in pad pixels."""

    strokes: tuple[tuple[tuple[float, float], ...], ...]
    width: int
    height: int

    @property
    def enough(self) -> bool:
        """A tap or a dot is not a signature."""
        return sum(len(s) for s in self.strokes) >= 5


@dataclass(frozen=True)
class VisitResult:
    accepted: AcceptResult
    outcome: str
    outcome_label: str


@dataclass(frozen=True)
class MailCandidate:
    case_id: str
    case_no_display: str
    applicant_name: str
    matter_name: str
    status_label: str
    address: str
    phone: str
    run_date: dt.date
    area_name: str


@dataclass(frozen=True)
class OutreachOverview:
    runs: tuple[RunView, ...]
    awaiting_mail: tuple[MailCandidate, ...]


class OutreachService:
    def __init__(
        self,
        store: Store,
        api: Callable[[], BackOfficeApi],
        intake: IntakeService,
        identity: Callable[[], DeviceIdentity],
        on_new_event: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ):
        self.store, self.api, self.intake, self.identity = store, api, intake, identity
        self.on_new_event, self.clock = on_new_event, clock

    # ---- before leaving -------------------------------------------------------------------

    def load(self, run_date: dt.date) -> tuple[RunView, ...]:
        """Download the day's runs; a second load adds new bookings and keeps what was recorded."""
        try:
            runs = self.api().outreach_runs(run_date).runs
        except ServerUnreachable as exc:
            raise ServiceError("无法连接后台，行程未下载；已下载的行程仍可离线使用", str(exc)) from exc
        except ServerError as exc:
            raise ServiceError(exc.message, str(exc)) from exc
        if not runs:
            raise ServiceError(f"后台没有{run_date:%Y年%m月%d日}的直通车行程，请联系主管安排")
        now = self.clock().replace(microsecond=0)
        try:
            with self.store.sessions.begin() as s:
                for run in runs:
                    self._keep_run(s, run, now)
        except SQLAlchemyError as exc:
            log.error("storing outreach run failed: %s", exc)
            raise ServiceError("本机数据库写入失败，行程未保存，请检查磁盘空间后重试", str(exc)) from exc
        log.info("loaded %d outreach run(s) for %s", len(runs), run_date)
        return self.runs(run_date)

    @staticmethod
    def _keep_run(s: Session, run: protocol.OutreachRunData, now: dt.datetime) -> None:
        row = s.get(OutreachRun, run.id)
        if row is None:
            row = OutreachRun(id=run.id)
            s.add(row)
        row.org_code, row.area_code, row.area_name = run.org_code, run.area_code, run.area_name
        row.run_date, row.crew, row.note, row.loaded_at = run.run_date, list(run.crew), run.note, now
        for a in run.appointments:
            appt = s.get(OutreachAppointment, a.id)
            if appt is None:
                appt = OutreachAppointment(
                    id=a.id, run_id=run.id, outcome="", case_no="", reason_code="", reason="", signature=""
                )
                s.add(appt)
            appt.position, appt.name, appt.id_number, appt.address = a.position, a.name, a.id_number, a.address
            appt.phone, appt.matter_code, appt.matter_name = a.phone, a.matter_code, a.matter_name
            appt.booked_via, appt.note = a.booked_via, a.note
            if not appt.outcome and a.outcome:  # recorded by another laptop: take the back office's word
                appt.outcome, appt.case_id, appt.case_no = a.outcome, a.case_id, a.case_no or ""
                appt.reason_code, appt.reason = a.reason_code, a.reason
                appt.visited_at = protocol.to_local(a.visited_at) if a.visited_at else None

    # ---- on the bus (offline) -------------------------------------------------------------

    def runs(self, run_date: dt.date | None = None) -> tuple[RunView, ...]:
        with self.store.sessions() as s:
            query = select(OutreachRun).order_by(OutreachRun.run_date, OutreachRun.loaded_at)
            if run_date is not None:
                query = query.where(OutreachRun.run_date == run_date)
            return tuple(self._run_view(s, r) for r in s.scalars(query).all())

    def run(self, run_id: str) -> RunView:
        with self.store.sessions() as s:
            row = s.get(OutreachRun, run_id)
            if row is None:
                raise ServiceError("本机没有该直通车行程，请先下载行程")
            return self._run_view(s, row)

    def latest_run(self, today: dt.date | None = None) -> RunView | None:
        """Today's run if loaded, else the nearest loaded one (the bus may load the day before)."""
        runs = self.runs()
        if not runs:
            return None
        today = today or self.clock().date()
        return min(runs, key=lambda r: (abs((r.run_date - today).days), r.run_date < today))

    def _run_view(self, s: Session, row: OutreachRun) -> RunView:
        outcomes = [
            a.outcome for a in s.scalars(select(OutreachAppointment).where(OutreachAppointment.run_id == row.id))
        ]
        return RunView(
            row.id,
            row.run_date,
            row.area_name,
            tuple(row.crew or ()),
            row.note,
            len(outcomes),
            outcomes.count("concluded"),
            outcomes.count("collected"),
            outcomes.count("missed"),
            sum(o in ("notified", "refused") for o in outcomes),
        )

    def appointments(self, run_id: str) -> tuple[AppointmentView, ...]:
        with self.store.sessions() as s:
            rows = s.scalars(
                select(OutreachAppointment)
                .where(OutreachAppointment.run_id == run_id)
                .order_by(OutreachAppointment.position)
            ).all()
            return tuple(_view(a) for a in rows)

    def appointment(self, appointment_id: str) -> AppointmentView:
        with self.store.sessions() as s:
            row = s.get(OutreachAppointment, appointment_id)
            if row is None:
                raise ServiceError("本机没有该预约，请重新下载行程")
            return _view(row)

    def prepare(self, appointment_id: str) -> PreparedIntake:
        """The appointment as an intake: applicant and matter filled in, card still to be read."""
        appt = self.appointment(appointment_id)
        if appt.done:
            raise ServiceError(f"该预约已办理（{appt.outcome_label} {appt.case_no_display}）")
        try:
            matter = self.intake.matter(appt.matter_code)
        except KeyError:
            raise ServiceError(f"本机事项清单中没有“{appt.matter_name}”，请同步后重试") from None
        applicant = Applicant(appt.name, "身份证", appt.id_number, phone=appt.phone, source="appointment")
        return PreparedIntake(appt, applicant, matter.code, matter.handling)

    @staticmethod
    def check_card(appt: AppointmentView, id_number: str, name: str) -> str:
        """The card read at the door against the booking: "" when they agree, else a warning."""
        check = check_id_number(id_number)
        if appt.id_number and check.ok and check.number != appt.id_number:
            return f"身份证号码与预约登记的不一致（预约：{appt.id_number}），请核实是否本人"
        if appt.name and name.strip() and name.strip() != appt.name:
            return f"姓名与预约登记的“{appt.name}”不一致，请核实是否本人或代办"
        return ""

    def visit_outcome(self, draft: IntakeDraft) -> str:
        """What recording the draft now would make of the visit (concluded / collected / ...)."""
        return VISIT_OUTCOME.get(self.intake.preview(draft).decision.outcome, "refused")

    def record_visit(
        self,
        appointment_id: str,
        draft: IntakeDraft,
        clerk: Clerk,
        signed: Signature | None = None,
        within: Callable[[Session, str, str, str, dt.datetime], None] | None = None,
    ) -> VisitResult:
        """Take the case in at the door and mark the appointment, in one transaction.

        A promised matter carried back needs the applicant's signature (strokes from the
        signature pad), kept as a sealed PNG page and attached to the case. So does an
        immediate matter concluded at the door: its result is handed over there, and the
        signature is the applicant's receipt for it (recorded as 出件 with the case).
        `within` joins the same transaction (the visit's draft leaves the store there).
        """
        appt = self.appointment(appointment_id)
        if appt.done:
            raise ServiceError(f"该预约已办理（{appt.outcome_label} {appt.case_no_display}）")
        outcome = self.visit_outcome(draft)
        if outcome == "collected" and signed is None:
            raise ServiceError("承诺件收件须由申请人在签名板上签字确认")
        if outcome == "concluded" and signed is None:
            raise ServiceError("当场办结的结果须由申请人在签名板上签字确认领取")
        signature = None
        if signed is not None:
            png = signature_png(signed)
            try:
                signature = self.intake.pages.put(png, f"签名-{appt.name}.png")
            except OSError as exc:
                raise ServiceError("保存签名失败，磁盘可能已满，请联系管理员", str(exc)) from exc

        def mark(s: Session, case_id: str, case_no: str, decided: str, now: dt.datetime) -> None:
            row = s.get(OutreachAppointment, appointment_id)
            if row is None:
                raise ServiceError("本机没有该预约，请重新下载行程")
            if row.outcome and row.outcome != "missed":
                raise ServiceError(f"该预约已办理（{OUTCOME_LABELS.get(row.outcome, row.outcome)}）")
            done = VISIT_OUTCOME.get(decided, "refused")
            sha = ""
            if signature is not None and done in ("collected", "concluded"):
                sha = signature.sha256
                if s.get(BlobEntry, sha) is None:
                    s.add(BlobEntry(sha256=sha, size=signature.size))
            row.outcome, row.case_id, row.case_no, row.visited_at = done, case_id, case_no, now
            row.reason_code, row.reason, row.signature = "", "", sha
            payload = protocol.OutreachVisitedPayload(
                run_id=row.run_id,
                appointment_id=row.id,
                case_no=case_no,
                outcome=done,
                visited_at=now,
                clerk=clerk.username,
                signature=sha,
            ).model_dump(mode="json")
            append_event(
                s,
                case_id=case_id,
                type_=protocol.OUTREACH_VISITED,
                payload=payload,
                clerk=clerk.username,
                device_id=self.identity().device_id,
                now=now,
            )
            if within is not None:
                within(s, case_id, case_no, decided, now)

        accepted = self.intake.submit(draft, clerk, within=mark, signature=signature.sha256 if signature else "")
        done = self.appointment(appointment_id)
        log.info("outreach visit %s: %s as %s", appointment_id, accepted.case_no, done.outcome)
        return VisitResult(accepted, done.outcome, done.outcome_label)

    def record_missed(self, appointment_id: str, reason_code: str, reason: str, clerk: Clerk) -> AppointmentView:
        """A visit that did not happen (不在家、已另行办理、改约、其他), with the reason."""
        if not _missed_reason(reason_code):
            raise ServiceError("请选择未办理原因：" + "、".join(MISSED_REASONS.values()))
        if reason_code == "other" and not reason.strip():
            raise ServiceError("原因为“其他”时请写明具体情况")
        now = self.clock().replace(microsecond=0)
        try:
            with self.store.sessions.begin() as s:
                row = s.get(OutreachAppointment, appointment_id)
                if row is None:
                    raise ServiceError("本机没有该预约，请重新下载行程")
                if row.outcome and row.outcome != "missed":
                    raise ServiceError(f"该预约已办理（{OUTCOME_LABELS[row.outcome]}），不能再登记未办理")
                row.outcome, row.reason_code, row.reason, row.visited_at = "missed", reason_code, reason.strip(), now
                payload = protocol.OutreachMissedPayload(
                    run_id=row.run_id,
                    appointment_id=row.id,
                    reason_code=reason_code,
                    reason=reason.strip(),
                    visited_at=now,
                    clerk=clerk.username,
                ).model_dump(mode="json")
                append_event(
                    s,
                    case_id=row.id,
                    type_=protocol.OUTREACH_MISSED,
                    payload=payload,
                    clerk=clerk.username,
                    device_id=self.identity().device_id,
                    now=now,
                )
        except SQLAlchemyError as exc:
            log.error("recording missed visit failed: %s", exc)
            raise ServiceError("本机数据库写入失败，请检查磁盘空间后重试", str(exc)) from exc
        self.on_new_event()
        return self.appointment(appointment_id)

    # ---- back at the office ---------------------------------------------------------------

    def overview(self, recent: int = 5) -> OutreachOverview:
        """For the supervisor: the latest runs with their results, and what waits to be mailed."""
        runs = sorted(self.runs(), key=lambda r: r.run_date, reverse=True)[:recent]
        return OutreachOverview(tuple(runs), self.awaiting_mail())

    def mail_address(self, case_id: str) -> str:
        """Where a case taken in on the bus is mailed back to: the visited address ("" otherwise)."""
        with self.store.sessions() as s:
            return s.scalar(select(OutreachAppointment.address).where(OutreachAppointment.case_id == case_id)) or ""

    def awaiting_mail(self) -> tuple[MailCandidate, ...]:
        """Outreach cases whose result is ready and not yet sent: mailed at the office's cost."""
        with self.store.sessions() as s:
            rows = s.execute(
                select(OutreachAppointment, OutreachRun, Case)
                .join(OutreachRun, OutreachRun.id == OutreachAppointment.run_id)
                .join(Case, Case.id == OutreachAppointment.case_id)
                .where(Case.status.in_(AWAITING_MAIL))
                .order_by(OutreachRun.run_date, Case.case_no)
            ).all()
            return tuple(
                MailCandidate(
                    c.id,
                    format_case_no(c.case_no),
                    c.applicant_name,
                    c.matter_name,
                    LABELS[CaseState(c.status)],
                    a.address,
                    a.phone,
                    r.run_date,
                    r.area_name,
                )
                for a, r, c in rows
            )


def _view(a: OutreachAppointment) -> AppointmentView:
    reason = ""
    if a.outcome == "missed":
        reason = MISSED_REASONS.get(a.reason_code, a.reason_code) + (f"：{a.reason}" if a.reason else "")
    return AppointmentView(
        a.id,
        a.run_id,
        a.position,
        a.name,
        a.id_number,
        a.address,
        a.phone,
        a.matter_code,
        a.matter_name,
        a.booked_via,
        a.note,
        a.outcome,
        OUTCOME_LABELS.get(a.outcome, a.outcome),
        a.case_id,
        format_case_no(a.case_no) if a.case_no else "",
        reason,
    )


def signature_png(signed: Signature) -> bytes:
    """The strokes drawn on the signature pad as a black-on-white PNG, with the pad's size.

    Raises ServiceError for an empty pad: a dot or a tap is not a signature.
    """
    import io

    from PIL import Image, ImageDraw

    if not signed.enough:
        raise ServiceError("请申请人在签名框内签名")
    image = Image.new("L", (max(1, int(signed.width)), max(1, int(signed.height))), 255)
    draw = ImageDraw.Draw(image)
    for stroke in signed.strokes:
        if len(stroke) == 1:
            x, y = stroke[0]
            draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=0)
        elif stroke:
            draw.line([(float(x), float(y)) for x, y in stroke], fill=0, width=3, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
