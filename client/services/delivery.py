"""Handing the result over at the window (出件): identity check, event, receipt."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.identity import check_id_number
from client.domain.states import CaseState, IllegalTransition, check_transition
from client.store.db import Store
from client.store.journal import append_event
from client.store.models import Case, CaseEvent, KnownParty, OutreachAppointment
from client.store.settings import DeviceIdentity
from sync import protocol

from .auth import Clerk
from .errors import ServiceError, clerk_message
from .paperwork import Paperwork

log = logging.getLogger(__name__)

Postage = Literal["office", "applicant"]  # office: 邮寄费用由政府承担


@dataclass(frozen=True)
class DeliveryResult:
    case_no: str
    delivered_at: dt.datetime
    receipt_pdf: Path | None
    # The back office's 准予 / 不予行政许可决定书, printed for the applicant at the hand-over.
    decision_pdf: Path | None = None


def record_handover(
    s: Session,
    case: Case,
    recipient_name: str,
    recipient_id: str,
    username: str,
    device_id: str,
    now: dt.datetime,
    *,
    signature: str = "",
    on_the_spot: bool = False,
) -> None:
    """出件 on record, in the caller's transaction: the case moves to delivered and the event
    names who received the result (and the page holding their signature, when they signed on
    a pad). The intake of a 即办件 calls this too, since its result leaves with the applicant."""
    _transition(case, CaseState.DELIVERED, now)
    payload = protocol.CaseDeliveredPayload(
        case_no=case.case_no,
        delivered_at=now,
        recipient_name=recipient_name,
        recipient_id_number=recipient_id,
        clerk=username,
        signature=signature,
        on_the_spot=on_the_spot,
    ).model_dump(mode="json")
    append_event(
        s,
        case_id=case.id,
        type_=protocol.CASE_DELIVERED,
        payload=payload,
        clerk=username,
        device_id=device_id,
        now=now,
    )


class DeliveryService:
    def __init__(
        self,
        store: Store,
        identity: Callable[[], DeviceIdentity],
        paperwork: Paperwork,
        on_new_event: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ):
        self.store, self.identity, self.paperwork = store, identity, paperwork
        self.on_new_event, self.clock = on_new_event, clock

    def deliver(self, case_id: str, recipient_name: str, recipient_id: str, clerk: Clerk) -> DeliveryResult:
        check = check_id_number(recipient_id)
        if not check.ok:
            raise ServiceError("领取人" + check.message)
        now = self.clock().replace(microsecond=0)
        with self.store.sessions.begin() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            if check.number != case.applicant_id_number and not recipient_name.strip():
                raise ServiceError("领取人不是申请人本人，请填写领取人姓名并核验授权委托书")
            record_handover(
                s,
                case,
                recipient_name.strip() or case.applicant_name,
                check.number,
                clerk.username,
                self.identity().device_id,
                now,
            )
        self.on_new_event()
        with self.store.sessions() as s:
            case = s.get_one(Case, case_id)  # delivered just now
        try:
            pdf = self.paperwork.delivery_receipt(
                case, recipient_name.strip() or case.applicant_name, check.number, now
            )
        except Exception:
            log.exception("delivery receipt for %s failed", case.case_no)
            pdf = None
        try:  # a denial is served with its appeal rights: the decision document goes with the result
            decision = self.paperwork.decision_document(case_id)
        except Exception:
            log.exception("decision document for %s failed", case.case_no)
            decision = None
        return DeliveryResult(case.case_no, now, pdf, decision)

    def mail_address(self, case_id: str) -> MailingDefaults:
        """Where the result goes by post unless the applicant says otherwise: the address the
        service bus visited, else the one given at intake, else the one the counter knows."""
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            visited = s.scalar(select(OutreachAppointment.address).where(OutreachAppointment.case_id == case_id))
            first = s.scalars(
                select(CaseEvent.payload).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq).limit(1)
            ).first()
            given = ((first or {}).get("applicant") or {}).get("address", "")
            known = s.scalar(
                select(KnownParty.address).where(
                    KnownParty.id_number == case.applicant_id_number, KnownParty.id_type == case.applicant_id_type
                )
            )
            address = (visited or "").strip() or str(given).strip() or (known or "").strip()
            source = "直通车上门地址" if (visited or "").strip() else "申请人登记地址" if address else ""
            return MailingDefaults(case.applicant_name, address, case.applicant_phone, source)

    def mail(
        self,
        case_id: str,
        tracking_no: str,
        address: str,
        recipient_name: str,
        clerk: Clerk,
        phone: str = "",
        carrier: str = "中国邮政EMS",
        postage: Postage | None = None,
    ) -> MailResult:
        """邮寄送达: the result goes out by post; the tracking number is the proof.

        `postage` "office" (邮寄费用由政府承担) or "applicant"; by default the office pays for
        cases taken in on the service bus and the applicant for the others.
        """
        tracking_no, address = tracking_no.strip().upper(), address.strip()
        if not re.fullmatch(r"[0-9A-Z]{8,20}", tracking_no):
            raise ServiceError("请填写正确的邮件单号（8至20位字母或数字）")
        if len(address) < 6:
            raise ServiceError("请填写完整的邮寄地址")
        now = self.clock().replace(microsecond=0)
        with self.store.sessions.begin() as s:
            case = self._move(s, case_id, CaseState.MAILED, now)
            if postage is None:
                outreach = s.scalar(select(OutreachAppointment.id).where(OutreachAppointment.case_id == case_id))
                postage = "office" if outreach else "applicant"
            payload = protocol.CaseMailedPayload(
                case_no=case.case_no,
                mailed_at=now,
                tracking_no=tracking_no,
                carrier=carrier,
                address=address,
                recipient_name=recipient_name.strip() or case.applicant_name,
                phone=phone.strip(),
                clerk=clerk.username,
                postage=postage,
            ).model_dump(mode="json")
            append_event(
                s,
                case_id=case_id,
                type_=protocol.CASE_MAILED,
                payload=payload,
                clerk=clerk.username,
                device_id=self.identity().device_id,
                now=now,
            )
            case_no = case.case_no
        self.on_new_event()
        decision, problem = None, ""
        try:  # a decision is served with the result: the 决定书 goes into the envelope too
            decision = self.paperwork.decision_document(case_id)
        except Exception as exc:
            log.exception("decision document for mailed case %s failed", case_no)
            problem = clerk_message(exc, "审批决定书生成失败，请暂缓封装邮件，检查磁盘和字体后联系管理员")
        return MailResult(case_no, now, tracking_no, postage, decision, problem)

    def withdraw(self, case_id: str, reason: str, clerk: Clerk) -> str:
        """撤件 at the applicant's request; the reason goes on record. Returns the case number."""
        if not reason.strip():
            raise ServiceError("请填写撤件原因")
        now = self.clock().replace(microsecond=0)
        with self.store.sessions.begin() as s:
            case = self._move(s, case_id, CaseState.WITHDRAWN, now)
            case.reason = reason.strip()
            payload = protocol.CaseWithdrawnPayload(
                case_no=case.case_no, withdrawn_at=now, reason=reason.strip(), clerk=clerk.username
            ).model_dump(mode="json")
            append_event(
                s,
                case_id=case_id,
                type_=protocol.CASE_WITHDRAWN,
                payload=payload,
                clerk=clerk.username,
                device_id=self.identity().device_id,
                now=now,
            )
            case_no = case.case_no
        self.on_new_event()
        return case_no

    @staticmethod
    def _move(s: Session, case_id: str, target: CaseState, now: dt.datetime) -> Case:
        case = s.get(Case, case_id)
        if case is None:
            raise ServiceError("未找到该办件")
        _transition(case, target, now)
        return case


def _transition(case: Case, target: CaseState, now: dt.datetime) -> None:
    """Move the case on, or tell the clerk why it cannot go there from where it is."""
    try:
        case.status = check_transition(case.status, target).value
    except IllegalTransition as exc:
        raise ServiceError(exc.message, str(exc)) from exc
    case.updated_at = now


@dataclass(frozen=True)
class MailingDefaults:
    """The mailing form as it opens: the applicant's name, address and phone as known."""

    recipient_name: str
    address: str
    phone: str
    source: str  # 直通车上门地址 / 申请人登记地址, "" when no address is known


@dataclass(frozen=True)
class MailResult:
    case_no: str
    mailed_at: dt.datetime
    tracking_no: str
    postage: Postage = "applicant"
    # The back office's 准予 / 不予行政许可决定书, printed to go into the envelope with the result.
    decision_pdf: Path | None = None
    decision_error: str = ""  # the decision document could not be made: the envelope must wait

    @property
    def decision_title(self) -> str:
        """不予行政许可决定书 / 准予行政许可决定书, as the document's file is named; "" without one."""
        return self.decision_pdf.stem.removeprefix(f"{self.case_no}-") if self.decision_pdf else ""

    @property
    def postage_label(self) -> str:
        return "邮寄费用由政府承担" if self.postage == "office" else "邮寄费用由申请人承担"
