"""Outreach runs of the service bus (政务服务入户直通车) in the back office.

A supervisor plans a run (area, date, crew) and books appointments on it; the bus
laptop loads it before leaving and, back in range, pushes one `outreach.visited` or
`outreach.missed` event per appointment. This module holds the planning functions
(for the CLI), what a device may read, and how those two events are applied.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from client.domain.case_numbers import parse_case_no
from client.domain.identity import check_id_number
from client.domain.states import AWAITING_HANDOVER_VALUES as AWAITING_MAIL
from client.domain.states import LABELS, CaseState
from sync import protocol

from .admin import AdminError
from .auth import DeviceIdentity
from .db import Case, OrgUnit, OutreachAppointment, OutreachRun, User, engine_for
from .deps import Ctx, Dev
from .errors import ApiError, Rejection, error_paths
from .publishing import current_catalog
from .scope import subunits

if TYPE_CHECKING:
    from .events import _Batch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunTally:
    planned: int
    concluded: int
    collected: int
    missed: int
    other: int  # visits that ended in a one-time notice or a refusal

    @property
    def open(self) -> int:
        return self.planned - self.concluded - self.collected - self.missed - self.other


@dataclass(frozen=True)
class MailRow:
    case_no: str
    applicant_name: str
    matter_name: str
    status_label: str
    address: str
    phone: str
    run_date: dt.date
    area_name: str


def _run_data(run: OutreachRun, appointments: list[OutreachAppointment]) -> protocol.OutreachRunData:
    return protocol.OutreachRunData(
        id=run.id,
        org_code=run.org_code,
        area_code=run.area_code,
        area_name=run.area_name,
        run_date=run.run_date,
        crew=list(run.crew or []),
        note=run.note or "",
        appointments=[
            protocol.AppointmentData(
                id=a.id,
                position=a.position,
                name=a.name,
                id_number=a.id_number,
                address=a.address,
                phone=a.phone,
                matter_code=a.matter_code,
                matter_name=a.matter_name,
                booked_via=a.booked_via,
                note=a.note,
                outcome=a.outcome,
                case_id=a.case_id,
                case_no=a.case_no,
                reason_code=a.reason_code,
                reason=a.reason,
                visited_at=a.visited_at,
            )
            for a in appointments
        ],
    )


def _appointments(session: Session, run_id: str) -> list[OutreachAppointment]:
    return list(
        session.execute(
            select(OutreachAppointment)
            .where(OutreachAppointment.run_id == run_id)
            .order_by(OutreachAppointment.position)
        ).scalars()
    )


def tally(run: protocol.OutreachRunData) -> RunTally:
    outcomes = [a.outcome for a in run.appointments]
    return RunTally(
        len(outcomes),
        outcomes.count("concluded"),
        outcomes.count("collected"),
        outcomes.count("missed"),
        sum(o in ("notified", "refused") for o in outcomes),
    )


# ---- planning (supervisor, CLI) ------------------------------------------------------------


def plan_run(
    db: str | Engine,
    org_code: str,
    run_date: dt.date,
    area: str,
    crew: list[str],
    *,
    area_name: str = "",
    note: str = "",
    by: str = "",
) -> protocol.OutreachRunData:
    """A new run for `org_code` on `run_date`; `area` is an org unit code or a 12-digit region code."""
    crew = [c.strip() for c in crew if c.strip()]
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        org = session.get(OrgUnit, org_code)
        if org is None:
            raise AdminError(f"机构 {org_code} 不存在")
        area_org = session.get(OrgUnit, area)
        if area_org is not None:
            area_name = area_name or area_org.name
        elif not (len(area) == 12 and area.isdigit()):
            raise AdminError(f"服务区域“{area}”既不是已有机构代码，也不是12位区划代码")
        if not area_name.strip():
            raise AdminError("请用 --area-name 填写服务区域名称")
        if not crew:
            raise AdminError("请至少指定一名随车工作人员（--crew 用户名）")
        for username in crew:
            if session.execute(select(User.id).where(User.username == username)).first() is None:
                raise AdminError(f"用户 {username} 不存在")
        run = OutreachRun(
            org_code=org_code,
            area_code=area,
            area_name=area_name.strip(),
            run_date=run_date,
            crew=crew,
            note=note.strip(),
            planned_by=by,
        )
        session.add(run)
        session.flush()
        log.info("outreach run %s planned for %s on %s (%s)", run.id, org_code, run_date, area)
        return _run_data(run, [])


def _find_run(session: Session, run_ref: str) -> OutreachRun:
    """By full id or by a unique prefix of at least 6 characters (what the CLI prints)."""
    run = session.get(OutreachRun, run_ref)
    if run is not None:
        return run
    if len(run_ref) >= 6:
        found = list(session.execute(select(OutreachRun).where(OutreachRun.id.startswith(run_ref))).scalars())
        if len(found) == 1:
            return found[0]
    raise AdminError(f"没有找到直通车行程 {run_ref}")


def add_appointment(
    db: str | Engine,
    run_ref: str,
    *,
    name: str,
    address: str,
    matter_code: str,
    phone: str = "",
    id_number: str = "",
    booked_via: str = "电话",
    note: str = "",
) -> protocol.AppointmentData:
    """Book one home visit on a run (the citizen called, or the village agent booked it)."""
    if not name.strip():
        raise AdminError("请填写预约人姓名")
    if len(address.strip()) < 4:
        raise AdminError("请填写完整的上门地址")
    if booked_via not in protocol.BOOKED_VIA:
        raise AdminError(f"预约方式应为 {' / '.join(protocol.BOOKED_VIA)} 之一")
    if id_number.strip():
        check = check_id_number(id_number)
        if not check.ok:
            raise AdminError(f"身份证号码有误：{check.message}")
        id_number = check.number
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        run = _find_run(session, run_ref)
        try:
            matter = current_catalog(session).get(matter_code)
        except KeyError:
            raise AdminError(f"事项编码 {matter_code} 不在事项清单中") from None
        position = len(_appointments(session, run.id)) + 1
        row = OutreachAppointment(
            run_id=run.id,
            position=position,
            name=name.strip(),
            id_number=id_number,
            address=address.strip(),
            phone=phone.strip(),
            matter_code=matter.code,
            matter_name=matter.name,
            booked_via=booked_via,
            note=note.strip(),
            outcome="",
            reason_code="",
            reason="",
            signature="",
        )
        session.add(row)
        session.flush()
        return _run_data(run, [row]).appointments[0]


def show_run(db: str | Engine, run_ref: str) -> protocol.OutreachRunData:
    with engine_for(db) as engine, Session(engine) as session:
        run = _find_run(session, run_ref)
        return _run_data(run, _appointments(session, run.id))


def list_runs(
    db: str | Engine, run_date: dt.date | None = None, org_code: str | None = None
) -> tuple[protocol.OutreachRunData, ...]:
    with engine_for(db) as engine, Session(engine) as session:
        query = select(OutreachRun).order_by(OutreachRun.run_date, OutreachRun.created_at)
        if run_date is not None:
            query = query.where(OutreachRun.run_date == run_date)
        if org_code is not None:
            query = query.where(OutreachRun.org_code == org_code)
        return tuple(_run_data(r, _appointments(session, r.id)) for r in session.execute(query).scalars())


def awaiting_mail(db: str | Engine, org_code: str | None = None) -> tuple[MailRow, ...]:
    """Outreach cases whose result is ready but not yet sent: the bus mails them, postage paid."""
    with engine_for(db) as engine, Session(engine) as session:
        query = (
            select(OutreachAppointment, OutreachRun, Case)
            .join(OutreachRun, OutreachRun.id == OutreachAppointment.run_id)
            .join(Case, Case.id == OutreachAppointment.case_id)
            .where(Case.status.in_(AWAITING_MAIL))
            .order_by(OutreachRun.run_date, Case.case_no)
        )
        if org_code is not None:
            query = query.where(OutreachRun.org_code == org_code)
        return tuple(
            MailRow(
                case.case_no,
                case.applicant_name,
                case.matter_name,
                LABELS[CaseState(case.status)],
                appt.address,
                appt.phone,
                run.run_date,
                run.area_name,
            )
            for appt, run, case in session.execute(query).all()
        )


# ---- what a device reads -------------------------------------------------------------------


def _visible_orgs(session: Session, org_code: str) -> set[str]:
    """A device may load the runs of its own unit and of every unit below it (a laptop
    enrolled for the county hall takes out the bus unit's runs); the cases it takes in
    belong to its own unit as always."""
    return {org_code, *subunits(session, org_code)}


def runs_for_device(
    sessions: sessionmaker[Session], device: DeviceIdentity, run_date: dt.date
) -> protocol.OutreachRunList:
    with sessions() as session:
        orgs = _visible_orgs(session, device.org_code)
        runs = session.execute(
            select(OutreachRun)
            .where(OutreachRun.run_date == run_date, OutreachRun.org_code.in_(orgs))
            .order_by(OutreachRun.created_at)
        ).scalars()
        return protocol.OutreachRunList(runs=[_run_data(r, _appointments(session, r.id)) for r in runs])


def run_for_device(sessions: sessionmaker[Session], device: DeviceIdentity, run_id: str) -> protocol.OutreachRunData:
    if not _ID.match(run_id):
        raise ApiError(404, "unknown_run", "没有找到该直通车行程")
    with sessions() as session:
        run = session.get(OutreachRun, run_id)
        if run is None or run.org_code not in _visible_orgs(session, device.org_code):
            raise ApiError(404, "unknown_run", "没有找到该直通车行程")
        return _run_data(run, _appointments(session, run.id))


router = APIRouter(prefix="/outreach", tags=["outreach"])


@router.get("/runs", response_model=protocol.OutreachRunList)
def outreach_runs(ctx: Ctx, dev: Dev, date: dt.date) -> protocol.OutreachRunList:
    """The service-bus runs of the device's org unit (and the units below it) on a date."""
    return runs_for_device(ctx.sessions, dev, date)


@router.get("/runs/{run_id}", response_model=protocol.OutreachRunData, responses={404: {"model": protocol.ErrorBody}})
def outreach_run(run_id: str, ctx: Ctx, dev: Dev) -> protocol.OutreachRunData:
    """One run with the result recorded so far for each appointment."""
    return run_for_device(ctx.sessions, dev, run_id)


# ---- events from the bus -------------------------------------------------------------------
# Applied inside a push batch (sync.server.events._Batch): cases are read and changed
# through the batch (a case accepted earlier in the same batch is not in the database
# yet); the appointment row is changed directly, with an undo for a rejected event.

_ID = re.compile(r"^[0-9a-fA-F-]{1,36}$")
_APPOINTMENT_RESULT = ("outcome", "case_id", "case_no", "reason_code", "reason", "signature", "visited_at", "device_id")


def _appointment(batch: _Batch, run_id: str, appointment_id: str) -> OutreachAppointment:
    if not (_ID.match(run_id) and _ID.match(appointment_id)):  # never query with what no row can hold
        raise Rejection("unknown_appointment", "后台没有找到该预约，可能已被主管删除")
    session = batch.session
    appt = session.get(OutreachAppointment, appointment_id)
    if appt is None or appt.run_id != run_id:
        raise Rejection("unknown_appointment", "后台没有找到该预约，可能已被主管删除")
    run = session.get_one(OutreachRun, run_id)  # the appointment's run: a foreign key
    if run.org_code not in _visible_orgs(session, batch.device.org_code):
        raise Rejection("unknown_appointment", "该预约不属于本机构的直通车行程")
    before = {key: getattr(appt, key) for key in _APPOINTMENT_RESULT}

    def undo() -> None:
        for key, value in before.items():
            setattr(appt, key, value)

    batch.on_undo(undo)
    return appt


def apply_visited(batch: _Batch, event: protocol.Event) -> None:
    """A visit produced a case (pushed just before, in device order): link them."""
    try:
        payload = protocol.OutreachVisitedPayload.model_validate(event.payload)
    except ValidationError as exc:
        log.info("bad outreach.visited payload: %s", error_paths(exc.errors()))
        raise Rejection("invalid_payload", "上门办理记录不完整或格式不正确") from None
    signature = payload.signature.lower()
    if signature and (len(signature) != 64 or any(c not in "0123456789abcdef" for c in signature)):
        raise Rejection("invalid_payload", "签名页的校验值格式不正确")
    appt = _appointment(batch, payload.run_id, payload.appointment_id)
    case = batch.case(event.case_id)
    if case is None or case.org_code != batch.device.org_code or case.case_no != parse_case_no(payload.case_no):
        raise Rejection("unknown_case", "后台没有找到上门受理的办件，请先报送受理信息")
    if appt.outcome and appt.outcome != "missed" and appt.case_id != case.id:
        raise Rejection("appointment_done", f"该预约已登记办理结果（{appt.case_no}），不能重复登记")
    appt.outcome, appt.case_id, appt.case_no = payload.outcome, case.id, case.case_no
    appt.reason_code, appt.reason = "", ""
    appt.visited_at, appt.device_id, appt.signature = payload.visited_at, batch.device.id, signature
    case.payload = {
        **(case.payload or {}),
        "outreach": {"run_id": payload.run_id, "appointment_id": appt.id, "signature": signature},
    }
    if signature:  # the signature page is one more blob the case needs before it is complete
        batch.expect_blobs(case, [*(case.blobs_expected or []), signature])
        complete = not batch.missing_blobs(case)
        if complete != bool(case.complete):
            case.complete = complete
            batch.status_change(case)


def apply_missed(batch: _Batch, event: protocol.Event) -> None:
    try:
        payload = protocol.OutreachMissedPayload.model_validate(event.payload)
    except ValidationError as exc:
        log.info("bad outreach.missed payload: %s", error_paths(exc.errors()))
        raise Rejection("invalid_payload", "未上门原因记录不完整或格式不正确") from None
    if payload.reason_code == "other" and not payload.reason.strip():
        raise Rejection("invalid_payload", "原因为“其他”时必须说明")
    appt = _appointment(batch, payload.run_id, payload.appointment_id)
    if appt.outcome and appt.outcome != "missed":
        raise Rejection("appointment_done", f"该预约已上门办理（{appt.case_no}），不能再登记为未办理")
    appt.outcome, appt.reason_code, appt.reason = "missed", payload.reason_code, payload.reason.strip()
    appt.visited_at, appt.device_id = payload.visited_at, batch.device.id
