"""差评整改 in the console: the work orders list (GET /console/work-orders), one work order's page
with its forms (GET /console/work-orders/{id}, POST …/call-back, …/rectify, …/explain,
…/ledger, …/close, …/reopen) and the org unit's rule (GET/POST /console/rectification-rule).

Who sees what: a department head the work orders of the departments they work in
(`staff_departments`), a supervisor those of their org unit and the units below it; anyone else
is refused, and a work order outside one's scope answers as if it did not exist. The department
head records the call-back and the answer (整改 / 解释 / 列入台账); the supervisor closes or
sends back. Each step is `sync.server.work_orders`' conditional update, so a stale page cannot
move a work order twice. A refused post shows the page again with what was typed; the audit
keeps the work order's id and the outcome, never the text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from client.domain.case_numbers import format_case_no
from client.domain.ratings import CHANNELS, LEVELS, reason_label
from client.domain.states import LABELS, CaseState
from sync import protocol

from .. import work_orders
from ..db import (
    Case,
    Department,
    OrgUnit,
    Rating,
    RectificationRule,
    StaffDepartment,
    User,
    WorkOrder,
    WorkOrderStep,
    utcnow,
)
from ..deadlines import china_date
from ..deps import Ctx
from ..scope import subunits
from . import audit
from .case_view import china_time
from .deps import CsrfChecked, CurrentStaff, FormFields, Settings
from .errors import ConsoleError
from .inbox_query import mask_name
from .pages import client_address, render_for
from .settings import PREFIX
from .staff import Staff

router = APIRouter(prefix=PREFIX, include_in_schema=False)

WORK_ORDER = "work_order"  # staff_audit.action: a step taken or refused, a page refused
RULE = "rectification_rule"
DEPARTMENT_ROLE, SUPERVISOR, ADMIN = "department_head", "supervisor", "admin"
MAX_SHOWN = 300  # rows of the list; more means the hall has a backlog to clear by filter
CALL_BACK_SKEW = dt.timedelta(minutes=5)  # a call-back "now" typed on a slightly fast PC clock

STAGES = {"intake": "受理", "delivery": "出件", "case": "一事一评"}
SHOWS = {"active": "在办", "overdue": "已超期", "closed": "已办结", "all": "全部"}

ROLE_REFUSED = "整改工单由科室负责人和窗口主管办理，您的角色不能使用此页。"
RULE_REFUSED = "整改期限由窗口主管或系统管理员设置，您的角色不能使用此页。"
NOT_FOUND = "没有找到该整改工单，或它不属于您负责的科室或机构。"
NOT_YOURS_DEPT = "回访、整改和解释由该办件承办科室的负责人办理。"
NOT_SUPERVISOR = "办结和退回由窗口主管办理。"
NO_TIME = "请填写回访时间。"
BAD_TIME = "回访时间格式不正确，请按“年-月-日 时:分”填写。"
FUTURE_TIME = "回访时间不能晚于现在。"
EARLY_TIME = "回访时间不能早于申请人作出评价的时间。"
NO_NOTE = {
    "call-back": "请填写回访情况：与申请人沟通了什么、申请人的意见。",
    "rectify": "请写明整改了什么。",
    "explain": "请写明为何无需整改，以及向申请人解释的内容。",
    "ledger": "请写明为何不能立即整改，以及计划如何整改。",
    "reopen": "退回重办必须填写理由。",
}
LONG_NOTE = f"填写的内容不能超过{work_orders.MAX_NOTE}个字，请精简后重新提交。"
DONE = {
    "call-back": "已记录回访。请继续填写整改情况，或说明无需整改的理由，不能立即整改的可列入台账。",
    "rectify": "已记录整改情况，等待窗口主管审核办结。",
    "explain": "已记录解释说明，等待窗口主管审核办结。",
    "ledger": "已列入台账，请在台账期限内整改完毕。",
    "close": "工单已办结。",
    "reopen": "已退回承办科室重新办理，新的整改期限已从今天起算。",
    "rule": "整改期限已保存。仅对今后新生成的整改工单生效，已生成的工单期限不变。",
}


@dataclass(frozen=True)
class ListRow:
    id: int
    case_no: str
    case_no_display: str
    matter_name: str
    department: str
    level_label: str
    reason_label: str
    clerk: str
    rated_on: str
    deadline: str
    state_label: str
    overdue: bool
    reopened: int


@dataclass(frozen=True)
class RatingShown:
    at: str
    level: int
    level_label: str
    channel_label: str
    stage_label: str
    round: int
    reason_label: str
    comment: str
    clerk: str
    window: str
    this: bool  # the rating that opened this work order
    again: bool  # given after it: the applicant's later (二次) rating


@dataclass(frozen=True)
class StepShown:
    at: str
    action: str
    actor: str
    note: str


@dataclass(frozen=True)
class CaseSummary:
    case_no: str
    case_no_display: str
    matter_name: str
    applicant: str  # masked
    status_label: str
    org_name: str
    department: str
    received: str


@dataclass(frozen=True)
class OrderView:
    id: int
    org_code: str
    status: str
    state_label: str
    due: str
    ledger_due: str
    overdue: bool
    reopened: int
    rated_at: dt.datetime  # UTC, of the rating that opened it
    call_back: str  # "" before the call-back: when and by whom
    call_back_note: str
    rectification: str
    explanation: str
    closed: str
    case: CaseSummary
    ratings: tuple[RatingShown, ...]
    steps: tuple[StepShown, ...]
    department_may: bool  # the signed-in person may record the department's steps
    supervisor_may: bool  # … may close or send back

    @property
    def again(self) -> tuple[RatingShown, ...]:
        return tuple(r for r in self.ratings if r.again)

    def has_form(self, step: str) -> bool:
        """Whether the page shows the form of `step` (else a refused post's text is shown apart)."""
        if step == "call-back":
            return self.department_may and self.status == "open"
        if step in ("rectify", "explain", "ledger"):
            return self.department_may and self.status in ("called_back", "ledger")
        return self.supervisor_may and self.status in work_orders.DONE


# ---- the list ------------------------------------------------------------------------------


@router.get("/work-orders")
def work_orders_page(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, show: str = "active"
) -> Response:
    _only(ctx, request, staff, (DEPARTMENT_ROLE, SUPERVISOR), WORK_ORDER, ROLE_REFUSED)
    show = show if show in SHOWS else "active"
    with ctx.sessions() as session:
        today = china_date(utcnow())
        rows, total = _rows(session, staff, show, today)
        scope_text = (
            f"{staff.org_name}及下级机构"
            if staff.role == SUPERVISOR
            else "本人负责科室：" + _my_departments(session, staff)
        )
        rule = work_orders.rule_for(session, staff.org_code)
    context = {"rows": rows, "total": total, "show": show, "shows": SHOWS, "scope_text": scope_text, "rule": rule}
    return render_for(request, settings, staff, "work_orders.html", context)


def _scope(session: Session, staff: Staff) -> ColumnElement[bool]:
    if staff.role == SUPERVISOR:
        return WorkOrder.org_code.in_((staff.org_code, *subunits(session, staff.org_code)))
    mine = select(StaffDepartment.department_id).where(StaffDepartment.username == staff.username)
    return WorkOrder.department_id.in_(mine)


def _my_departments(session: Session, staff: Staff) -> str:
    names = session.execute(
        select(Department.name)
        .join(StaffDepartment, StaffDepartment.department_id == Department.id)
        .where(StaffDepartment.username == staff.username)
        .order_by(Department.code)
    ).scalars()
    return "、".join(names) or "（尚未分配科室，请联系系统管理员）"


def _rows(session: Session, staff: Staff, show: str, today: dt.date) -> tuple[tuple[ListRow, ...], int]:
    query = (
        select(WorkOrder, Rating, Case.case_no, Case.matter_name, Department.name)
        .join(Rating, Rating.id == WorkOrder.rating_id)
        .join(Case, Case.id == WorkOrder.case_id)
        .outerjoin(Department, Department.id == WorkOrder.department_id)
        .where(_scope(session, staff))
    )
    if show == "active":
        query = query.where(WorkOrder.status != "closed")
    elif show == "closed":
        query = query.where(WorkOrder.status == "closed")
    elif show == "overdue":
        query = query.where(work_orders.overdue_clause(today))
    found = session.execute(query.order_by(WorkOrder.due, WorkOrder.id).limit(MAX_SHOWN + 1)).all()
    people = _people(session, {r.clerk for _, r, *_ in found})
    rows = tuple(
        ListRow(
            o.id,
            case_no,
            format_case_no(case_no),
            matter,
            department or "（未分派）",
            LEVELS.get(r.level, str(r.level)),
            reason_label(r.reason) if r.reason else "",
            people.get(r.clerk, r.clerk),
            work_orders.rated_on(r.rated_at).isoformat(),
            _iso(work_orders.deadline_of(o.status, o.due, o.ledger_due)),
            work_orders.STATES.get(o.status, o.status),
            work_orders.is_overdue(o.status, o.due, o.ledger_due, today),
            o.reopened,
        )
        for o, r, case_no, matter, department in found[:MAX_SHOWN]
    )
    return rows, len(found)


# ---- one work order ------------------------------------------------------------------------


@router.get("/work-orders/{order_id}")
def work_order_page(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, order_id: str, done: str = ""
) -> Response:
    view = _load(ctx, request, staff, order_id)
    return _page(request, settings, staff, view, done=DONE.get(done, ""))


@router.post("/work-orders/{order_id}/{step}")
def work_order_post(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    _csrf: CsrfChecked,
    form: FormFields,
    order_id: str,
    step: str,
) -> Response:
    if step not in (*NO_NOTE, "close"):
        raise ConsoleError(404, "您要打开的页面不存在。请从工作台重新进入。")
    view = _load(ctx, request, staff, order_id)
    note = form.get("note", "").strip()
    typed = {"step": step, "note": form.get("note", "")[: work_orders.MAX_NOTE * 2], "at": form.get("at", "")[:40]}

    def refuse(message: str, code: str, status: int = 400) -> Response:
        _audit(ctx, request, staff, WORK_ORDER, f"work order {view.id}; {step}; {code}", refused=True)
        fresh = _load(ctx, request, staff, order_id)
        return _page(request, settings, staff, fresh, error=message, typed=typed, status=status)

    supervising = step in ("close", "reopen")
    if supervising and not view.supervisor_may:
        return refuse(NOT_SUPERVISOR, "role_refused", 403)
    if not supervising and not view.department_may:
        return refuse(NOT_YOURS_DEPT, "role_refused", 403)
    if step in NO_NOTE and not note:
        return refuse(NO_NOTE[step], "note_required")
    if len(note) > work_orders.MAX_NOTE:
        return refuse(LONG_NOTE, "note_too_long")
    at: dt.datetime | None = None
    if step == "call-back":
        at_or_error = _call_back_time(form.get("at", ""), view.rated_at)
        if isinstance(at_or_error, str):
            return refuse(at_or_error, "bad_time")
        at = at_or_error
    today = china_date(utcnow())
    try:
        with ctx.sessions.begin() as session:
            if step == "call-back" and at is not None:
                work_orders.call_back(session, view.id, staff.username, at, note)
            elif step == "rectify":
                work_orders.rectify(session, view.id, staff.username, note)
            elif step == "explain":
                work_orders.explain(session, view.id, staff.username, note)
            elif step == "ledger":
                work_orders.to_ledger(session, view.id, view.org_code, staff.username, note, today)
            elif step == "close":
                work_orders.close(session, view.id, staff.username, note)
            else:
                work_orders.reopen(session, view.id, view.org_code, staff.username, note, today)
    except work_orders.WorkOrderRefused as exc:
        return refuse(exc.message, exc.code, 409)
    _audit(ctx, request, staff, WORK_ORDER, f"work order {view.id}; {step}")
    return RedirectResponse(f"{PREFIX}/work-orders/{view.id}?done={step}", status_code=303)


def _call_back_time(text: str, rated_at: dt.datetime) -> dt.datetime | str:
    """The typed China time as UTC, or the Chinese reason it is refused."""
    text = text.strip()
    if not text:
        return NO_TIME
    try:
        local = dt.datetime.fromisoformat(text.replace(" ", "T")[:19])
    except ValueError:
        return BAD_TIME
    if local.tzinfo is not None:
        return BAD_TIME
    moment = local.replace(tzinfo=protocol.CST).astimezone(dt.UTC)
    if moment > utcnow() + CALL_BACK_SKEW:
        return FUTURE_TIME
    if moment < _aware(rated_at).replace(second=0, microsecond=0):
        return EARLY_TIME
    return moment


def _page(
    request: Request,
    settings: Settings,
    staff: Staff,
    view: OrderView,
    *,
    error: str = "",
    typed: dict[str, str] | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    now = utcnow().astimezone(protocol.CST).strftime("%Y-%m-%dT%H:%M")
    context: dict[str, Any] = {
        "order": view,
        "error": error,
        "typed": typed or {},
        "done": done,
        "max_note": work_orders.MAX_NOTE,
        "now": now,
    }
    return render_for(request, settings, staff, "work_order.html", context, status)


def _load(ctx: Ctx, request: Request, staff: Staff, order_id: str) -> OrderView:
    _only(ctx, request, staff, (DEPARTMENT_ROLE, SUPERVISOR), WORK_ORDER, ROLE_REFUSED)
    number = int(order_id) if order_id.isdigit() and len(order_id) < 10 else 0
    with ctx.sessions() as session:
        order = session.execute(
            select(WorkOrder).where(WorkOrder.id == number, _scope(session, staff))
        ).scalar_one_or_none()
        view = _view(session, staff, order, china_date(utcnow())) if order is not None else None
    if view is None:  # audited once the read is over: SQLite holds its lock for the whole session
        _audit(ctx, request, staff, WORK_ORDER, f"work order {order_id[:12]}; not_found", refused=True)
        raise ConsoleError(404, NOT_FOUND)
    return view


def _view(session: Session, staff: Staff, order: WorkOrder, today: dt.date) -> OrderView:
    case = session.get(Case, order.case_id)
    assert case is not None  # a foreign key
    ratings = list(
        session.execute(select(Rating).where(Rating.case_id == case.id).order_by(Rating.rated_at, Rating.id)).scalars()
    )
    steps = list(
        session.execute(
            select(WorkOrderStep).where(WorkOrderStep.work_order_id == order.id).order_by(WorkOrderStep.id)
        ).scalars()
    )
    people = _people(
        session,
        {r.clerk for r in ratings} | {s.actor for s in steps} | {order.called_back_by or "", order.closed_by or ""},
    )
    opened_by = next((r for r in ratings if r.id == order.rating_id), None)
    rated_at = opened_by.rated_at if opened_by is not None else order.created_at
    department = session.get(Department, order.department_id) if order.department_id is not None else None
    org = session.get(OrgUnit, case.org_code)
    try:
        status_label = LABELS[CaseState(case.status)]
    except ValueError:
        status_label = case.status
    applicant = (case.payload or {}).get("applicant") or {}
    in_department = (
        staff.role == DEPARTMENT_ROLE
        and order.department_id is not None
        and session.get(StaffDepartment, (staff.username, order.department_id)) is not None
    )
    return OrderView(
        id=order.id,
        org_code=order.org_code,
        status=order.status,
        state_label=work_orders.STATES.get(order.status, order.status),
        due=order.due.isoformat(),
        ledger_due=_iso(order.ledger_due),
        overdue=work_orders.is_overdue(order.status, order.due, order.ledger_due, today),
        reopened=order.reopened,
        rated_at=rated_at,
        call_back=(
            f"{china_time(order.called_back_at)} · {people.get(order.called_back_by or '', order.called_back_by)}"
            if order.called_back_at
            else ""
        ),
        call_back_note=order.call_back_note,
        rectification=order.rectification,
        explanation=order.explanation,
        closed=(
            f"{china_time(order.closed_at)} · {people.get(order.closed_by or '', order.closed_by)}"
            if order.closed_at
            else ""
        ),
        case=CaseSummary(
            case.case_no,
            format_case_no(case.case_no),
            case.matter_name,
            mask_name(str(applicant.get("name", ""))),
            status_label,
            org.name if org else case.org_code,
            department.name if department else "（未分派）",
            china_time(case.received_at),
        ),
        ratings=tuple(
            RatingShown(
                china_time(r.rated_at),
                r.level,
                LEVELS.get(r.level, str(r.level)),
                CHANNELS.get(r.channel, r.channel),
                STAGES.get(r.stage, r.stage),
                r.round,
                reason_label(r.reason) if r.reason else "",
                r.comment,
                people.get(r.clerk, r.clerk),
                r.window,
                r.id == order.rating_id,
                r.rated_at > rated_at and r.id != order.rating_id,
            )
            for r in ratings
        ),
        steps=tuple(
            StepShown(
                china_time(s.at),
                work_orders.ACTIONS.get(s.action, s.action),
                "系统" if s.actor == work_orders.SYSTEM_ACTOR else people.get(s.actor, s.actor),
                s.note,
            )
            for s in steps
        ),
        department_may=in_department,
        supervisor_may=staff.role == SUPERVISOR,
    )


# ---- the org unit's rule -------------------------------------------------------------------


@router.get("/rectification-rule")
def rule_page(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, done: str = "") -> Response:
    _only(ctx, request, staff, (SUPERVISOR, ADMIN), RULE, RULE_REFUSED)
    return _rule_page(ctx, request, settings, staff, done=DONE["rule"] if done else "")


@router.post("/rectification-rule")
def rule_post(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, _csrf: CsrfChecked, form: FormFields
) -> Response:
    _only(ctx, request, staff, (SUPERVISOR, ADMIN), RULE, RULE_REFUSED)
    typed = {"days": form.get("days", "").strip()[:6], "ledger_days": form.get("ledger_days", "").strip()[:6]}
    if not (typed["days"].isdigit() and typed["ledger_days"].isdigit()):
        _audit(ctx, request, staff, RULE, "not_a_number", refused=True)
        message = "整改期限和台账期限请填写整数（工作日数）。"
        return _rule_page(ctx, request, settings, staff, error=message, typed=typed, status=400)
    try:
        with ctx.sessions.begin() as session:
            rule = work_orders.set_rule(
                session, staff.org_code, int(typed["days"]), int(typed["ledger_days"]), staff.username
            )
    except work_orders.WorkOrderRefused as exc:
        _audit(ctx, request, staff, RULE, exc.code, refused=True)
        return _rule_page(ctx, request, settings, staff, error=exc.message, typed=typed, status=400)
    _audit(ctx, request, staff, RULE, f"{rule.working_days}/{rule.ledger_working_days}")
    return RedirectResponse(f"{PREFIX}/rectification-rule?done=1", status_code=303)


def _rule_page(
    ctx: Ctx,
    request: Request,
    settings: Settings,
    staff: Staff,
    *,
    error: str = "",
    typed: dict[str, str] | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    with ctx.sessions() as session:
        row = session.get(RectificationRule, staff.org_code)
        rule = work_orders.rule_for(session, staff.org_code)
        updated = (
            f"{china_time(row.updated_at)} · {_people(session, {row.updated_by}).get(row.updated_by, row.updated_by)}"
            if row
            else ""
        )
    context = {
        "rule": rule,
        "default": work_orders.DEFAULT_RULE,
        "custom": row is not None,
        "updated": updated,
        "error": error,
        "typed": typed or {},
        "done": done,
        "min_days": work_orders.MIN_DAYS,
        "max_days": work_orders.MAX_DAYS,
    }
    return render_for(request, settings, staff, "rectification_rule.html", context, status)


# ---- shared --------------------------------------------------------------------------------


def _only(ctx: Ctx, request: Request, staff: Staff, roles: tuple[str, ...], action: str, message: str) -> None:
    if staff.role not in roles:
        _audit(ctx, request, staff, action, f"{request.method} {request.url.path[:120]}; role_refused", refused=True)
        raise ConsoleError(403, message)


def _audit(ctx: Ctx, request: Request, staff: Staff, action: str, detail: str, *, refused: bool = False) -> None:
    """Ids and outcome codes only: the notes may name the applicant, the audit never does."""
    audit.record_alone(
        ctx.sessions,
        username=staff.username,
        action=action,
        outcome=audit.REFUSED if refused else audit.OK,
        client=client_address(request),
        org_code=staff.org_code,
        detail=detail[:200],
    )


def _people(session: Session, usernames: set[str]) -> dict[str, str]:
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    return dict(session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all())


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""
