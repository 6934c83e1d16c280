"""Back-office decisions after intake, beyond approve and deny: ask for a supplement,
suspend and resume (特别程序), extend the deadline (行政许可法第四十二条, with the
department head's approval), and announce the result ready for pickup.

Each one moves the case through the shared state machine, stamps who and when on the
server clock and lands in the change feed of the case's org unit. Who it names must be
allowed to decide the case (departments.check_decider), whatever the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.case_numbers import parse_case_no
from client.domain.states import LABELS, CaseState, IllegalTransition

from .admin import AdminError, IllegalDecision, UnknownCase
from .cases import move_case, status_change
from .db import AWAITING_DECISION, Case, Department, StaffDepartment, engine_for, utcnow
from .deadlines import EXTENSION_WORKING_DAYS, china_date, extend_by_law, extend_for_suspension, extension_days
from .departments import check_decider
from .office import current_templates
from .publishing import current_calendar, current_catalog


@dataclass(frozen=True)
class CaseUpdate:
    case_no: str
    status: str
    reason: str | None
    supplement: tuple[str, ...]
    due: dt.date | None
    change_seq: int


# What a decision does to the case besides moving it: (session, case, status before, now).
_Apply = Callable[[Session, Case, str, dt.datetime], None]


def _update(db: str | Engine, case_no: str, target: CaseState, by: str, apply: _Apply, extra: dict) -> CaseUpdate:
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        case = session.execute(select(Case).where(Case.case_no == parse_case_no(case_no))).scalar_one_or_none()
        if case is None:
            raise UnknownCase(parse_case_no(case_no))
        by = check_decider(session, by, case).username
        previous = case.status
        try:
            move_case(case, target.value)
        except IllegalTransition as exc:
            raise IllegalDecision(exc.message, "illegal_transition") from None
        now = utcnow()
        apply(session, case, previous, now)
        case.decided_by, case.decided_at = by, now
        change = status_change(session, case, {"decided_by": by, "decided_at": now.isoformat(), **extra})
        session.flush()
        return CaseUpdate(case.case_no, case.status, case.reason, tuple(case.supplement or ()), case.due, change.seq)


def request_supplement(
    db: str | Engine, case_no: str, materials: list[str], *, by: str, reason: str | None = None
) -> CaseUpdate:
    """Ask the applicant, through the window, for the listed materials (一次性告知)."""
    items = [m.strip() for m in materials if m and m.strip()]
    if not items:
        raise AdminError("请列出需要补正的材料")

    def apply(_s: Session, case: Case, _previous: str, _now: dt.datetime) -> None:
        case.supplement, case.reason = items, (reason or "").strip() or None

    return _update(
        db,
        case_no,
        CaseState.SUPPLEMENT_REQUESTED,
        by,
        apply,
        {"supplement": items, "reason": (reason or "").strip() or None},
    )


MAX_REASON = 500  # characters of a reason typed in the console or on the command line


def _reason(text: str | None, missing: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise AdminError(missing, "reason_required")
    if len(reason) > MAX_REASON:
        raise AdminError(f"理由不能超过{MAX_REASON}个字", "reason_too_long")
    return reason


def suspend(db: str | Engine, case_no: str, reason: str, *, by: str, expected_end: dt.date | None = None) -> CaseUpdate:
    """Enter a special procedure (hearing, expert review...): the deadline clock stops.

    `expected_end` is when the procedure should be over (what the applicant is told); the
    clock restarts on `resume`, whenever that is. The window learns `suspended` with the status,
    and shows no 黄牌/红牌 while it lasts.
    """
    reason = _reason(reason, "启动特别程序必须填写理由（如听证、招标、检验、专家评审）")
    extra: dict[str, Any] = {"reason": reason, "suspended": True, "expected_end": None}

    def apply(_s: Session, case: Case, _previous: str, now: dt.datetime) -> None:
        if expected_end is not None and expected_end < china_date(now):
            raise AdminError("预计结束日期不能早于今天", "bad_date")
        case.reason, case.suspended_at = reason, now
        record = {"reason": reason, "expected_end": expected_end.isoformat() if expected_end else None}
        record |= {"started_at": now.isoformat(), "started_by": by, "due_before": _iso(case.due)}
        case.payload = {**_payload(case), SUSPENSION_KEY: record}
        extra.update(expected_end=record["expected_end"], suspended_since=now.isoformat())

    return _update(db, case_no, CaseState.SUSPENDED, by, apply, extra)


def resume(
    db: str | Engine, case_no: str, *, by: str, reason: str | None = None, only_suspended: bool = False
) -> CaseUpdate:
    """End the special procedure: the due date moves by the working days it lasted.

    The command line also uses it to take a case back into review from 补正 (nothing paused,
    nothing moves); `only_suspended` refuses that, for a form that offers ending a procedure.
    """
    reason = (reason or "").strip() or None
    extra: dict[str, Any] = {"reason": reason}

    def apply(session: Session, case: Case, previous: str, now: dt.datetime) -> None:
        if previous != CaseState.SUSPENDED.value:
            if only_suspended:
                raise IllegalDecision(
                    f"办件当前状态为“{_label(previous)}”，不在特别程序中，无需结束", "illegal_transition"
                )
            case.reason = reason
            return
        before = case.due
        paused = extend_for_suspension(case, now, current_calendar(session))
        payload = _payload(case)
        ended = dict(payload.get(SUSPENSION_KEY) or {})
        ended |= {"ended_at": now.isoformat(), "ended_by": by, "paused_working_days": paused}
        ended |= {"due_after": _iso(case.due)}
        history = [*(payload.get(SUSPENSIONS_KEY) or ()), ended]
        case.payload = {**{k: v for k, v in payload.items() if k != SUSPENSION_KEY}, SUSPENSIONS_KEY: history}
        case.suspended_at, case.reason = None, reason
        extra.update(suspended=False, paused_working_days=paused, due_before=_iso(before), due_moved=case.due != before)

    return _update(db, case_no, CaseState.IN_REVIEW, by, apply, extra)


# ---- 延长审批期限 (行政许可法第四十二条) --------------------------------------------------------
# The request and the head's answer are kept on the case (cases.payload["extension"]); a
# refused request moves to "extension_history", and the approver may ask again. One approved
# extension per case, as the law allows one.

SUSPENSION_KEY = "suspension"  # the special procedure under way
SUSPENSIONS_KEY = "suspensions"  # the ones that ended, oldest first
EXTENSION_KEY = "extension"
EXTENSION_HISTORY_KEY = "extension_history"
REQUESTED, APPROVED, REFUSED = "requested", "approved", "refused"


@dataclass(frozen=True)
class Extension:
    """An extension of one case as the console shows it and the notice prints it."""

    case_no: str
    state: str  # requested / approved / refused
    reason: str
    requested_by: str
    requested_by_name: str
    requested_at: dt.datetime
    decided_by: str = ""
    decided_by_name: str = ""
    decided_at: dt.datetime | None = None
    note: str = ""  # why the head refused (or what they added)
    due_before: dt.date | None = None
    due_after: dt.date | None = None
    doc_no: str = ""  # the 延长审批期限告知书's number, once approved
    days: int = EXTENSION_WORKING_DAYS


@dataclass(frozen=True)
class PendingExtension:
    """A request waiting for a head: what `GET /console/extensions` lists."""

    extension: Extension
    matter_name: str
    department: str
    due: dt.date | None
    status: str


def request_extension(db: str | Engine, case_no: str, reason: str, *, by: str) -> Extension:
    """An approver of the case's department asks the head for the 10 more working days."""
    reason = _reason(reason, "申请延长审批期限必须填写理由（为何不能在法定期限内作出决定）")
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        case = _case(session, case_no)
        decider = check_decider(session, by, case)
        if case.status not in AWAITING_DECISION:
            raise IllegalDecision(f"办件当前状态为“{_label(case.status)}”，不能申请延长审批期限", "illegal_transition")
        if case.due is None:
            raise AdminError("该办件没有办理期限，无需延长", "no_deadline")
        current = _payload(case).get(EXTENSION_KEY)
        if isinstance(current, dict) and current.get("state") == APPROVED:
            raise AdminError("该办件已延长过一次审批期限，依法不能再次延长", "already_extended")
        if isinstance(current, dict) and current.get("state") == REQUESTED:
            raise AdminError("该办件已有延期申请等待科室负责人审批", "already_requested")
        now = utcnow()
        payload = _payload(case)
        history = list(payload.get(EXTENSION_HISTORY_KEY) or ())
        if isinstance(current, dict):
            history.append(current)
        # "state" first: the heads' list finds requests by this text (see pending_extensions).
        record = {"state": REQUESTED, "reason": reason, "requested_by": decider.username}
        record |= {"requested_by_name": decider.display_name, "requested_at": now.isoformat()}
        case.payload = {**payload, EXTENSION_KEY: record, EXTENSION_HISTORY_KEY: history}
        case.updated_at = now
        _into_review(session, case)
        session.flush()
        return _extension(case.case_no, record)


def decide_extension(db: str | Engine, case_no: str, *, approve: bool, by: str, note: str | None = None) -> Extension:
    """The case's department head approves (the due date moves 10 working days, the notice's
    facts go to the window) or refuses (with a reason) an approver's request. Nobody decides
    their own request."""
    note = (note or "").strip()
    if not approve:
        note = _reason(note, "不批准延期申请时必须填写理由")
    elif len(note) > MAX_REASON:
        raise AdminError(f"意见不能超过{MAX_REASON}个字", "reason_too_long")
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        case = _case(session, case_no)
        head = check_decider(session, by, case, "extend")
        current = _payload(case).get(EXTENSION_KEY)
        if not isinstance(current, dict) or current.get("state") != REQUESTED:
            done = isinstance(current, dict) and current.get("state") in (APPROVED, REFUSED)
            raise AdminError(
                "该延期申请已由他人处理，请刷新后查看" if done else "该办件没有待审批的延期申请", "no_request"
            )
        if current.get("requested_by") == head.username:
            raise AdminError("不能审批本人提出的延期申请，请由科室其他负责人审批", "own_request")
        if case.status not in AWAITING_DECISION:
            raise IllegalDecision(f"办件当前状态为“{_label(case.status)}”，不能再延长审批期限", "illegal_transition")
        now = utcnow()
        record = {**current, "state": APPROVED if approve else REFUSED, "decided_by": head.username}
        record |= {"decided_by_name": head.display_name, "decided_at": now.isoformat(), "note": note}
        if approve:
            before = case.due
            days = extension_days(current_catalog(session), case.matter_code)  # 10; 15 when handled jointly
            after = extend_by_law(case, current_calendar(session), days)
            # Named and numbered as the office's other decisions are (the templates in force),
            # and kept: a later template change does not rewrite a notice already served.
            office = current_templates(session).office
            doc_no = f"{office.short_name}延字〔{china_date(now).year}〕{case.case_no[-8:]}号"
            record |= {"due_before": _iso(before), "due_after": after.isoformat(), "doc_no": doc_no}
            record |= {"office_name": office.name}
            record |= {"days": days}
        case.payload = {**_payload(case), EXTENSION_KEY: record}
        if approve:
            # The window hears of it with the case's status (unchanged) and the new due date;
            # the notice's facts come with it, so the window can print the 告知书 at the counter.
            status_change(
                session,
                case,
                {
                    "extended": True,
                    "due_moved": True,
                    "extension": {
                        "reason": record["reason"],
                        "days": days,
                        "due_before": record["due_before"],
                        "due_after": record["due_after"],
                        "doc_no": record["doc_no"],
                        "approved_by_name": head.display_name,
                        "approved_at": now.isoformat(),
                        "office_name": record["office_name"],  # the window's copy names the same organ
                    },
                },
            )
        else:
            case.updated_at = now
        session.flush()
        return _extension(case.case_no, record)


def extension_of(db: str | Engine, case_no: str) -> Extension | None:
    with engine_for(db) as engine, Session(engine) as session:
        case = _case(session, case_no)
        current = _payload(case).get(EXTENSION_KEY)
        return _extension(case.case_no, current) if isinstance(current, dict) else None


def current_extension(case: Case) -> Extension | None:
    """The case's extension record (requested, approved or refused), None when never asked."""
    current = _payload(case).get(EXTENSION_KEY)
    return _extension(case.case_no, current) if isinstance(current, dict) else None


def pending_extensions(session: Session, username: str) -> tuple[PendingExtension, ...]:
    """The requests a department head may decide: their departments' cases, oldest request first.

    The JSON text is matched to narrow the rows (neither backend searches JSON portably; the
    record is written with "state" first), then every row is checked properly.
    """
    departments = {
        d.id: d.name
        for d in session.execute(
            select(Department)
            .join(StaffDepartment, StaffDepartment.department_id == Department.id)
            .where(StaffDepartment.username == username)
        ).scalars()
    }
    if not departments:
        return ()
    rows = session.execute(
        select(Case).where(
            Case.department_id.in_(departments),
            Case.status.in_(AWAITING_DECISION),
            cast(Case.payload, String).like(f'%"{EXTENSION_KEY}": {{"state": "{REQUESTED}"%'),
        )
    ).scalars()
    found = []
    for case in rows:
        extension = current_extension(case)
        if extension is None or extension.state != REQUESTED:
            continue
        label = _label(case.status)
        department = departments.get(case.department_id or 0, "")
        found.append(PendingExtension(extension, case.matter_name, department, case.due, label))
    return tuple(sorted(found, key=lambda p: (p.extension.requested_at, p.extension.case_no)))


@dataclass(frozen=True)
class NoticeFacts:
    """What the 延长审批期限告知书 prints, read from the case (reports stays free of the database)."""

    office_name: str
    query_url: str
    applicant_name: str
    applicant_id_number: str
    applicant_id_type: str
    agent_name: str
    agent_id_number: str
    agent_relation: str
    matter_name: str
    received_on: dt.date
    extension: Extension


def notice_facts(session: Session, case: Case) -> NoticeFacts | None:
    """The facts of the case's approved extension; None when none was approved."""
    extension = current_extension(case)
    if extension is None or extension.state != APPROVED:
        return None
    templates = current_templates(session)
    record = _payload(case).get(EXTENSION_KEY) or {}
    return NoticeFacts(
        str(record.get("office_name") or templates.office.name),
        "",  # the back office keeps only the public token's digest: its copy carries no link
        case.applicant_name,
        case.applicant_id_number,
        case.applicant_id_type,
        case.agent_name or "",
        case.agent_id_number or "",
        case.agent_relation or "",
        case.matter_name,
        china_date(case.received_at),
        extension,
    )


def _extension(case_no: str, record: dict[str, Any]) -> Extension:
    return Extension(
        case_no,
        str(record.get("state") or ""),
        str(record.get("reason") or ""),
        str(record.get("requested_by") or ""),
        str(record.get("requested_by_name") or ""),
        dt.datetime.fromisoformat(str(record["requested_at"])),
        str(record.get("decided_by") or ""),
        str(record.get("decided_by_name") or ""),
        dt.datetime.fromisoformat(str(record["decided_at"])) if record.get("decided_at") else None,
        str(record.get("note") or ""),
        _date(record.get("due_before")),
        _date(record.get("due_after")),
        str(record.get("doc_no") or ""),
        int(record.get("days") or EXTENSION_WORKING_DAYS),
    )


def _into_review(session: Session, case: Case) -> None:
    """A case the back office has started working on leaves 已报送 for 审批中: the window can no
    longer re-send its intake (which would start the deadline and the record kept here afresh)."""
    if case.status == CaseState.SUBMITTED.value:
        move_case(case, CaseState.IN_REVIEW.value)
        status_change(session, case)


def _case(session: Session, case_no: str) -> Case:
    number = parse_case_no(case_no)
    case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
    if case is None:
        raise UnknownCase(number)
    return case


def _payload(case: Case) -> dict[str, Any]:
    return case.payload if isinstance(case.payload, dict) else {}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _label(status: str) -> str:
    try:
        return LABELS[CaseState(status)]
    except ValueError:
        return status


def result_ready(db: str | Engine, case_no: str, *, by: str) -> CaseUpdate:
    """The licence or decision is printed and waits at the window for pickup."""

    def apply(_s: Session, case: Case, previous: str, _now: dt.datetime) -> None:
        if previous not in (CaseState.APPROVED.value, CaseState.DENIED.value):
            raise IllegalDecision("只有已审批的办件才能通知领取结果", "illegal_transition")

    return _update(db, case_no, CaseState.RESULT_READY, by, apply, {})
