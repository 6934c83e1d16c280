"""Pausing and stretching a case's clock in the console: 特别程序 (suspend, resume), the §42
extension the department head approves (with its 延长审批期限告知书), and the head's leave to
approve a 容缺 case before its materials arrive.

Every form posts back here with its CSRF token; each one is checked against the signed-in
person (`visible_case` first, so a case of another org unit is a 404 and of another
department a 403), then done by the back office's own functions (decisions, tolerance), which
check the decider again inside their transaction. A refusal shows the form again with what
was typed and a Chinese message; success and refusal both go to the staff audit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.responses import Response

from client.domain.case_numbers import format_case_no
from client.domain.states import LABELS, CaseState
from reports.errors import ReportError
from reports.extension_notice import ExtensionNotice, render_extension_notice
from reports.parties import Acting
from reports.preview import pdf_page_png

from .. import decisions, tolerance
from ..admin import AdminError
from ..case_facts import payload_of
from ..db import AWAITING_DECISION, Case, Department
from ..deadlines import CST, china_date, working_days_between
from ..departments import STAFF_ROLES
from ..publishing import current_calendar
from .case_forms import CaseForm, Desk, Posted, SignedIn, load_case
from .errors import ConsoleError
from .pages import render_for
from .settings import PREFIX

router = APIRouter(prefix=PREFIX, include_in_schema=False)

# staff_audit.action of each form (the outcome says whether it was done)
SUSPEND, RESUME = "case_suspend", "case_resume"
EXTENSION_REQUEST, EXTENSION_DECIDE = "extension_request", "extension_decide"
TOLERANCE_OVERRIDE = "tolerance_override"
EXTENSION_NOTICE = "extension_notice"

DONE_NOTES = {
    "suspended": "已启动特别程序，办理期限暂停计时。窗口下次同步后显示“特别程序中”。",
    "resumed": "特别程序已结束，办理期限已顺延。窗口下次同步后显示新的办理期限。",
    "requested": "延期申请已提交，等待科室负责人审批。",
    "approved": "已批准延长审批期限，办理期限顺延10个工作日，已生成延长审批期限告知书。",
    "refused": "已不批准该延期申请，申请人员可在待办箱中看到处理结果。",
    "lifted": "已准予该容缺办件先行审批，审批人员现在可以作出审批决定。",
}
STAFF_ONLY = "只有该办件承办科室的审批人员或科室负责人可以办理此项操作。"
HEADS_ONLY = "延期申请由科室负责人审批，您的角色不能查看此页。"
MAX_DATE_TEXT = 10
# Each form's template and the page a success goes back to (the GET pages use the first three).
PAGES = {
    SUSPEND: ("pause_suspend.html", "pause"),
    RESUME: ("pause_suspend.html", "pause"),
    EXTENSION_REQUEST: ("pause_extend.html", "extend"),
    EXTENSION_DECIDE: ("pause_extend.html", "extend"),
    TOLERANCE_OVERRIDE: ("pause_tolerance.html", "tolerance"),
}
# Refusal codes of a state that does not allow the step (409).
CONFLICTS = frozenset({"illegal_transition", "already_extended", "already_requested", "no_request", "already_lifted"})
NOTICE_ROLES = (*STAFF_ROLES, "supervisor")  # the 告知书 is also the hall supervisor's to see


@dataclass(frozen=True)
class Suspension:
    reason: str
    expected_end: str
    since: str


@dataclass(frozen=True)
class PauseView:
    """The case as its pause, extension and 容缺 forms show it: facts, never a citizen's ID."""

    case_no: str
    case_no_display: str
    matter_name: str
    applicant: str  # name only: these forms decide about time, not about the person
    department: str
    status: str
    status_label: str
    due: str
    working_days_left: int | None  # None: paused or no due date
    suspension: Suspension | None
    past_suspensions: tuple[str, ...]  # "2026-11-02 至 2026-11-20，暂停 12 个工作日：专家评审"
    extension: decisions.Extension | None
    tolerated: tuple[str, ...]  # 容缺 materials still outstanding
    supplement_by: str
    tolerance_overdue: bool
    override: tolerance.Override | None
    can_suspend: bool
    can_resume: bool
    can_request_extension: bool


def _view(session: Session, case: Case) -> PauseView:
    payload = payload_of(case)
    dept = session.get(Department, case.department_id) if case.department_id is not None else None
    status = CaseState(case.status)
    suspended = status == CaseState.SUSPENDED
    left = None
    if case.due is not None and not suspended:
        left = working_days_between(china_date(dt.datetime.now(dt.UTC)), case.due, current_calendar(session))
    current = payload.get(decisions.SUSPENSION_KEY) if suspended else None
    extension = decisions.current_extension(case)
    return PauseView(
        case_no=case.case_no,
        case_no_display=format_case_no(case.case_no),
        matter_name=case.matter_name,
        applicant=case.applicant_name,
        department=dept.name if dept is not None else "尚未分派",
        status=case.status,
        status_label=LABELS[status],
        due=case.due.isoformat() if case.due else "",
        working_days_left=left,
        suspension=Suspension(
            str(current.get("reason") or case.reason or ""),
            str(current.get("expected_end") or ""),
            _china(current.get("started_at")),
        )
        if isinstance(current, dict)
        else (Suspension(case.reason or "", "", _china(case.suspended_at)) if suspended else None),
        past_suspensions=tuple(_past(s) for s in payload.get(decisions.SUSPENSIONS_KEY) or () if isinstance(s, dict)),
        extension=extension,
        tolerated=tolerance.outstanding(case),
        supplement_by=str(payload.get("supplement_by") or ""),
        tolerance_overdue=tolerance.tolerance_overdue(case),
        override=tolerance.override_of(case),
        can_suspend=status in (CaseState.SUBMITTED, CaseState.IN_REVIEW),
        can_resume=suspended,
        can_request_extension=case.status in AWAITING_DECISION
        and case.due is not None
        and (extension is None or extension.state == decisions.REFUSED),
    )


def _china(value: object) -> str:
    if not value:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def _past(record: dict[str, Any]) -> str:
    start, end = _china(record.get("started_at"))[:10], _china(record.get("ended_at"))[:10]
    days = record.get("paused_working_days") or 0
    return f"{start} 至 {end}，暂停 {days} 个工作日：{record.get('reason') or ''}"


# ---- the forms' scaffolding ---------------------------------------------------------------------


def _form(desk: Desk, case_no: str, action: str) -> CaseForm[PauseView]:
    """The form of `action` on the case, for its department's staff (PAGES: which template)."""
    return CaseForm(
        desk,
        case_no,
        action,
        PAGES[action][0],
        build=_view,
        role_message=STAFF_ONLY,
        conflicts=CONFLICTS,
        context=lambda: {"today": china_date(dt.datetime.now(dt.UTC)).isoformat()},
    )


def _show(desk: Desk, case_no: str, action: str, done: str) -> Response:
    page = _form(desk, case_no, action)
    return page.page(page.load(), done=DONE_NOTES.get(done, ""))


def _act(desk: Desk, case_no: str, action: str, run: Callable[[], object], done: str) -> Response:
    """Check who and which case, run the back office's function, and go back to the form's page
    with `done`'s note; a refusal shows the form again with what was typed."""
    page = _form(desk, case_no, action)
    view = page.load()
    return page.submit(view, run, done, f"{PREFIX}/cases/{view.case_no}/{PAGES[action][1]}?done={done}")


def _date(text: str) -> dt.date:
    value = (text or "").strip()[: MAX_DATE_TEXT + 1]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise AdminError("请填写预计结束日期（年-月-日）", "bad_date") from None


# ---- 特别程序: suspend and resume --------------------------------------------------------------


@router.get("/cases/{case_no}/pause")
def pause_page(desk: SignedIn, case_no: str, done: str = "") -> Response:
    return _show(desk, case_no, SUSPEND, done)


@router.post("/cases/{case_no}/suspend")
def suspend(desk: Posted, case_no: str) -> Response:
    def run() -> None:
        end = _date(desk.form.get("expected_end", ""))
        decisions.suspend(
            desk.ctx.engine, case_no, desk.form.get("reason", ""), by=desk.staff.username, expected_end=end
        )

    return _act(desk, case_no, SUSPEND, run, "suspended")


@router.post("/cases/{case_no}/resume")
def resume(desk: Posted, case_no: str) -> Response:
    def run() -> None:
        decisions.resume(
            desk.ctx.engine, case_no, by=desk.staff.username, reason=desk.form.get("reason", ""), only_suspended=True
        )

    return _act(desk, case_no, RESUME, run, "resumed")


# ---- 延长审批期限: the approver asks, the head decides ------------------------------------------


@router.get("/cases/{case_no}/extend")
def extend_page(desk: SignedIn, case_no: str, done: str = "") -> Response:
    return _show(desk, case_no, EXTENSION_REQUEST, done)


@router.post("/cases/{case_no}/extend")
def request_extension(desk: Posted, case_no: str) -> Response:
    def run() -> None:
        decisions.request_extension(desk.ctx.engine, case_no, desk.form.get("reason", ""), by=desk.staff.username)

    return _act(desk, case_no, EXTENSION_REQUEST, run, "requested")


@router.post("/cases/{case_no}/extension")
def decide_extension(desk: Posted, case_no: str) -> Response:
    """The head's answer, from the list or the case's extension page: decision=approve|refuse."""
    choice = desk.form.get("decision", "")

    def run() -> None:
        if choice not in ("approve", "refuse"):
            raise AdminError("请选择批准或不批准", "bad_choice")
        decisions.decide_extension(
            desk.ctx.engine,
            case_no,
            approve=choice == "approve",
            by=desk.staff.username,
            note=desk.form.get("note", ""),
        )

    return _act(desk, case_no, EXTENSION_DECIDE, run, "approved" if choice == "approve" else "refused")


@router.get("/extensions")
def extensions(desk: SignedIn, done: str = "") -> Response:
    """The department head's list: requests of their departments waiting for an answer."""
    if desk.staff.role != "department_head":
        desk.audit(EXTENSION_DECIDE, "-", "extensions list; role_refused", refused=True)
        raise ConsoleError(403, HEADS_ONLY)
    with desk.ctx.sessions() as session:
        pending = decisions.pending_extensions(session, desk.staff.username)
    return render_for(
        desk.request,
        desk.settings,
        desk.staff,
        "extensions.html",
        {"pending": pending, "done": DONE_NOTES.get(done, ""), "format_case_no": format_case_no},
    )


def _notice(desk: Desk, case_no: str) -> tuple[PauseView, bytes]:
    """The 延长审批期限告知书 of the case's approved extension, rendered from the stored facts."""

    def build(session: Session, case: Case) -> tuple[PauseView, decisions.NoticeFacts | None]:
        return _view(session, case), decisions.notice_facts(session, case)

    view, facts = load_case(desk, case_no, EXTENSION_NOTICE, build, roles=NOTICE_ROLES, role_message=STAFF_ONLY)
    if facts is None:
        raise ConsoleError(404, "该办件没有已批准的延长审批期限，无告知书。")
    ext = facts.extension
    assert ext.due_before is not None and ext.due_after is not None and ext.decided_at is not None  # approved
    relation = {"entrusted": "委托代理", "statutory": "法定代理", "staff": "单位经办人", "proxy": "帮办代办"}
    notice = ExtensionNotice(
        office_name=facts.office_name,
        doc_no=ext.doc_no,
        applicant_name=facts.applicant_name,
        applicant_id_number=facts.applicant_id_number,
        matter_name=facts.matter_name,
        received_on=facts.received_on,
        reason=ext.reason,
        due_before=ext.due_before,
        due_after=ext.due_after,
        issued_on=china_date(ext.decided_at),
        days=ext.days,
        case_no=view.case_no,
        query_url=facts.query_url,
        acting=Acting(
            facts.applicant_id_type,
            facts.agent_name,
            facts.agent_id_number,
            relation.get(facts.agent_relation, facts.agent_relation),
        ),
    )
    try:
        return view, render_extension_notice(notice)
    except ReportError as exc:
        raise ConsoleError(500, exc.message) from None


@router.get("/cases/{case_no}/extension-notice")
def extension_notice_page(desk: SignedIn, case_no: str) -> Response:
    view, _pdf = _notice(desk, case_no)
    desk.audit(EXTENSION_NOTICE, view.case_no, "viewed")
    return render_for(desk.request, desk.settings, desk.staff, "pause_notice.html", {"case": view})


@router.get("/cases/{case_no}/extension-notice.pdf")
def extension_notice_pdf(desk: SignedIn, case_no: str) -> Response:
    view, pdf = _notice(desk, case_no)
    headers = {"Cache-Control": "private, no-store", "Content-Disposition": f'inline; filename="{view.case_no}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/cases/{case_no}/extension-notice.png")
def extension_notice_png(desk: SignedIn, case_no: str) -> Response:
    """The notice's first page as a picture, so the page shows it without a PDF plug-in."""
    _shown, pdf = _notice(desk, case_no)
    try:
        png = pdf_page_png(pdf, 0, dpi=110)
    except ReportError:
        raise ConsoleError(500, "告知书预览生成失败，请下载PDF查看。") from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


# ---- 容缺: the head lets the case be approved before its materials arrive ---------------------


@router.get("/cases/{case_no}/tolerance")
def tolerance_page(desk: SignedIn, case_no: str, done: str = "") -> Response:
    return _show(desk, case_no, TOLERANCE_OVERRIDE, done)


@router.post("/cases/{case_no}/tolerance")
def lift_tolerance(desk: Posted, case_no: str) -> Response:
    def run() -> None:
        tolerance.lift_block(desk.ctx.engine, case_no, desk.form.get("reason", ""), by=desk.staff.username)

    return _act(desk, case_no, TOLERANCE_OVERRIDE, run, "lifted")
