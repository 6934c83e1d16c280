"""Reading cases for the home list and the detail view, as frozen snapshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no, parse_case_no
from client.domain.deadlines import WorkCalendar, add_limit
from client.domain.identity import RELATIONS, mask_id_number
from client.domain.states import CLOSED, LABELS, TRANSITIONS, CaseState
from client.store.db import Store
from client.store.models import CachedUser, Case, CaseEvent, OutboxEntry, TransferSlip

from .errors import ServiceError
from .extension import GrantedExtension, granted_extension
from .legal_dates import legal_due_of
from .supplement_request import REQUESTED_EVENT, SupplementRequest, supplement_request

EVENT_LABELS = {
    "case.accepted": "窗口受理",
    "case.notified": "出具一次性告知书",
    "case.refused": "不予受理",
    "case.supplemented": "补正材料",
    "case.mailed": "邮寄送达",
    "case.withdrawn": "撤件",
    "case.delivered": "窗口出件",
    "case.rated": "申请人评价",
    "outreach.visited": "直通车上门办理",
    "server.supplement_requested": "后台要求补正",
    "server.suspended": "特别程序（暂停计时）",
    "server.extended": "延长审批期限（经负责人批准）",
    "server.mailed": "后台确认邮寄",
    "server.submitted": "后台已接收",
    "server.in_review": "后台审批中",
    "server.approved": "审批通过",
    "server.denied": "审批不通过",
    "server.result_ready": "结果待领取",
    "server.delivered": "后台确认出件",
    "server.concluded": "后台确认办结",
    "originals.dispatched": "原件随流转单寄出",
    "originals.received": "原件送达，收件窗口扫码签收",
    "server.custody": "后台确认原件交接",
}


def event_label(event_type: str) -> str:
    """The timeline's words for an event; a back-office status without its own label reads as
    that status (后台：待补正), never as the raw event name."""
    if event_type in EVENT_LABELS:
        return EVENT_LABELS[event_type]
    prefix, _, status = event_type.partition(".")
    if prefix == "server" and status in {s.value for s in CaseState}:
        return f"后台：{LABELS[CaseState(status)]}"
    return "其他记录"


CUSTODY_LABELS = {"station": "村服务站", "in_transit": "在途", "hall": "县政务服务中心"}


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    case_no: str
    case_no_display: str
    applicant_name: str
    applicant_id_masked: str
    matter_name: str
    status: str
    status_label: str
    received_at: dt.datetime
    promised_by: dt.date
    sync_label: str  # 待报送 / 已报送 / 报送被退回
    # "" / "near" (黄牌: due within 2 working days) / "overdue" (红牌) / "paused" (特别程序, no card)
    warning: str = ""
    server_due: dt.date | None = None  # the back office's deadline, when pulled (then also `promised_by`)


@dataclass(frozen=True)
class TimelineEntry:
    time: dt.datetime
    label: str
    who: str
    note: str


@dataclass(frozen=True)
class MaterialLine:
    name: str
    form: str
    copies: int
    status: str
    pages: int


@dataclass(frozen=True)
class CaseDetail:
    summary: CaseSummary
    applicant_id_number: str
    applicant_phone: str
    clerk: str
    notice_no: str
    result_name: str
    result_no: str
    reason: str
    materials: tuple[MaterialLine, ...]
    timeline: tuple[TimelineEntry, ...]
    can_deliver: bool
    can_mail: bool = False
    can_supplement: bool = False
    can_withdraw: bool = False
    tracking_no: str = ""
    # Who applied as what and who acted for them (empty: a person acting alone).
    applicant_kind: str = "person"
    agent_name: str = ""
    agent_relation: str = ""  # 委托代理 / 法定代理 / 单位经办人 / 帮办代办
    agent_id_masked: str = ""
    ticket_no: str = ""  # the queue ticket the applicant was called with (叫号)
    custody: str = ""  # 帮办代办: who holds the originals (sync.protocol.HOLDERS), "" for other cases
    custody_label: str = ""  # 原件持有：村服务站 / 在途 / 县政务服务中心
    slip_no: str = ""
    forward_to: str = ""
    can_dispatch: bool = False  # the originals are still at this station
    forwarded_in: bool = False  # a hall's record of originals it received for another station's case
    on_the_spot: bool = False  # 即办件: concluded and handed over at the intake, nothing was promised
    # The device's clock minus the back office's at the intake (seconds; None: never compared).
    clock_offset_s: int | None = None
    clock_accepted_by: str = ""  # who took it in anyway with the clock an hour or more off (display name)
    bundle: str = ""  # 一件事: "幼儿园设立一件事 Y-…" when the case is one of a bundle's linked cases
    # 后台要求补正: the approver's list while the case waits on it (answered_at set once 补正 is recorded)
    supplement_request: SupplementRequest | None = None
    # 延长审批期限 approved by the head (行政许可法第四十二条): its 告知书 can be printed here
    extension: GrantedExtension | None = None
    # 法定办结期限 (§42 for a licence): the back office's once pulled (an extension moves it), else the intake's
    legal_due: dt.date | None = None


def _note(ev: CaseEvent) -> str:
    """What a timeline row adds to its label: the result, the reason, or who received the result."""
    if ev.type == REQUESTED_EVENT and ev.payload.get("supplement"):  # what the approver asked for, in short
        return "、".join(str(line) for line in ev.payload["supplement"])
    if ev.type == "case.delivered" and ev.payload.get("recipient_name"):
        return f"领取人：{ev.payload['recipient_name']}" + ("（当场交付）" if ev.payload.get("on_the_spot") else "")
    return str(ev.payload.get("result_name", "") or ev.payload.get("reason", "") or "")


def _display_names(s: Session, usernames: set[str]) -> dict[str, str]:
    """Logins as the people they name (clerks who signed in on this machine); a timeline
    shows 张三, not clerk01."""
    rows = s.execute(select(CachedUser.username, CachedUser.display_name).where(CachedUser.username.in_(usernames)))
    return {username: name for username, name in rows if name}


def _sync_label(states: list[str]) -> str:
    if "rejected" in states:
        return "报送被退回"
    if "pending" in states:
        return "待报送"
    return "已报送"


NEAR_DUE_WORKING_DAYS = 2
TRANSITIONS_TO_WITHDRAWN = frozenset(s for s, targets in TRANSITIONS.items() if CaseState.WITHDRAWN in targets)


def deadline_warning(status: str, promised_by: dt.date, today: dt.date, calendar: WorkCalendar) -> str:
    """黄牌/红牌 for cases still open: overdue after the promised date, near within 2 working days.

    A case under a special procedure (特别程序) has its clock paused: never a card, however its
    date stands, but "paused"; the back office moves the date when the procedure ends.
    """
    if CaseState(status) == CaseState.SUSPENDED:
        return "paused"
    if CaseState(status) in CLOSED or CaseState(status) in (CaseState.CONCLUDED, CaseState.MAILED):
        return ""
    if today > promised_by:
        return "overdue"
    if add_limit(today, NEAR_DUE_WORKING_DAYS, "WD", calendar).due >= promised_by:
        return "near"
    return ""


class _CustodyFields(TypedDict, total=False):
    """CaseDetail's 帮办代办 fields, present only for a case with a transfer slip."""

    custody: str
    custody_label: str
    slip_no: str
    forward_to: str
    can_dispatch: bool


def _custody_fields(slip: TransferSlip | None) -> _CustodyFields:
    if slip is None:
        return {}
    return {
        "custody": slip.holder,
        "custody_label": CUSTODY_LABELS.get(slip.holder, slip.holder),
        "slip_no": slip.slip_no,
        "forward_to": slip.forward_to,
        "can_dispatch": slip.holder == "station",
    }


class CaseQueries:
    def __init__(
        self,
        store: Store,
        calendar: WorkCalendar | Callable[[], WorkCalendar] | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ):
        self.store = store
        fixed = calendar or WorkCalendar()
        self.calendar = fixed if callable(fixed) else (lambda: fixed)
        self.today = today

    def _summary(self, s: Session, case: Case) -> CaseSummary:
        due = case.server_due or case.promised_by  # the back office's deadline once it came down
        states = list(
            s.scalars(
                select(OutboxEntry.state)
                .join(CaseEvent, CaseEvent.event_id == OutboxEntry.event_id)
                .where(CaseEvent.case_id == case.id)
            )
        )
        return CaseSummary(
            case.id,
            case.case_no,
            format_case_no(case.case_no),
            case.applicant_name,
            mask_id_number(case.applicant_id_number),
            case.matter_name,
            case.status,
            LABELS[CaseState(case.status)],
            case.received_at,
            due,
            _sync_label(states),
            # a hall's record of forwarded originals has no deadline of its own
            deadline_warning(case.status, due, self.today(), self.calendar()) if case.matter_code else "",
            case.server_due,
        )

    def recent(self, limit: int = 100) -> tuple[CaseSummary, ...]:
        with self.store.sessions() as s:
            cases = s.scalars(select(Case).order_by(Case.received_at.desc()).limit(limit)).all()
            return tuple(self._summary(s, c) for c in cases)

    def find(self, text: str, limit: int = 50) -> tuple[CaseSummary, ...]:
        """By case number (typed or scanned), ID number or applicant name."""
        key = parse_case_no(text)
        if not key:
            return self.recent(limit)
        with self.store.sessions() as s:
            cases = s.scalars(
                select(Case)
                .where(
                    or_(
                        Case.case_no == key, Case.applicant_id_number == key, Case.applicant_name.contains(text.strip())
                    )
                )
                .order_by(Case.received_at.desc())
                .limit(limit)
            ).all()
            return tuple(self._summary(s, c) for c in cases)

    def detail(self, case_id: str) -> CaseDetail:
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            names = _display_names(s, {ev.clerk for ev in case.events})
            timeline = tuple(
                TimelineEntry(
                    ev.device_time,
                    event_label(ev.type),
                    ev.payload.get("decided_by_name") or names.get(ev.clerk, ev.clerk),
                    _note(ev),
                )
                for ev in case.events
            )
            materials = tuple(
                MaterialLine(m.name, m.form, m.copies, m.status, len(m.pages or ())) for m in case.materials
            )
            status = CaseState(case.status)
            ready = status in (CaseState.APPROVED, CaseState.DENIED, CaseState.RESULT_READY)
            lacking = any(m.status in ("missing", "defective", "tolerated") for m in case.materials)
            mailed = next((ev.payload.get("tracking_no", "") for ev in case.events if ev.type == "case.mailed"), "")
            slip = s.scalar(select(TransferSlip).where(TransferSlip.case_id == case.id))
            if slip is not None and not case.matter_code:  # received here: the station owns the case
                return CaseDetail(
                    self._summary(s, case),
                    "",
                    "",
                    case.clerk,
                    "",
                    "",
                    "",
                    "",
                    materials,
                    timeline,
                    can_deliver=False,
                    forwarded_in=True,
                    **_custody_fields(slip),
                )
            first = case.events[0].payload if case.events else {}
            agent = first.get("agent") or {}
            asked = supplement_request(s, case) if status == CaseState.SUPPLEMENT_REQUESTED else None
            return CaseDetail(
                self._summary(s, case),
                case.applicant_id_number,
                case.applicant_phone,
                case.clerk,
                case.notice_no,
                case.result_name,
                case.result_no,
                case.reason,
                materials,
                timeline,
                can_deliver=ready or status == CaseState.CONCLUDED or status == CaseState.MAILED,
                can_mail=ready,
                can_supplement=lacking
                and status
                in (CaseState.PENDING_SUPPLEMENT, CaseState.ACCEPTED_TOLERANT, CaseState.SUBMITTED, CaseState.IN_REVIEW)
                or status == CaseState.SUPPLEMENT_REQUESTED
                and (asked is None or not asked.answered),  # once answered, the back office has it
                can_withdraw=CLOSED.isdisjoint({status}) and status in TRANSITIONS_TO_WITHDRAWN,
                tracking_no=mailed,
                applicant_kind=(first.get("applicant") or {}).get("kind", "person"),
                agent_name=agent.get("name", ""),
                agent_relation=RELATIONS.get(agent.get("relation", ""), agent.get("relation", "")),
                agent_id_masked=mask_id_number(agent.get("id_number", "")),
                ticket_no=first.get("ticket_no", ""),
                on_the_spot=first.get("outcome") == "conclude",
                bundle=f"{first.get('bundle_name', '')} {format_case_no(first['bundle_no'])}"
                if first.get("bundle_no")
                else "",
                clock_offset_s=case.clock_offset_s,
                clock_accepted_by=names.get(accepted, accepted) if (accepted := first.get("clock_accepted_by")) else "",
                supplement_request=asked,
                extension=granted_extension(s, case.id),
                legal_due=legal_due_of(s, case.id),
                **_custody_fields(slip),
            )

    def by_number(self, case_no: str) -> CaseDetail | None:
        with self.store.sessions() as s:
            case_id = s.scalar(select(Case.id).where(Case.case_no == parse_case_no(case_no)))
        return self.detail(case_id) if case_id else None
