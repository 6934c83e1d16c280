"""Deciding a case in the console: approve, deny, request a supplement, and the decision's paper.

Each form is for a case the signed-in approver may decide (`visible_case`: another org unit's
case is a 404, another department's a 403), and each post carries its CSRF token. The person
who decides is always the signed-in one, never a form field; the back office's own functions
(`admin.decide`, `decisions.request_supplement`) do the work and check the decider again inside
their transaction. A refusal shows the form again with what was typed and a Chinese message,
changes nothing, and is audited like every success.

After an approval or denial the console shows the 准予 / 不予行政许可决定书, rendered by
`reports.licence_decision` from the facts stored with the decision: the same sheet the window
prints at 出件.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from client.domain.case_numbers import format_case_no
from client.domain.identity import RELATIONS
from client.domain.states import LABELS, CaseState
from reports.errors import ReportError
from reports.licence_decision import LicenceDecision, render_licence_decision
from reports.parties import Acting
from reports.preview import pdf_page_png
from reports.templates import NoticeTemplates

from .. import admin, decisions
from ..cases import approver_name
from ..db import Case, Department
from ..deadlines import CST, china_date
from ..departments import STAFF_ROLES
from ..deps import Ctx
from ..office import current_templates
from ..publishing import current_catalog
from . import audit
from .case_view import Refused, case_number, visible_case
from .deps import CsrfChecked, CurrentStaff, FormFields, Settings
from .errors import ConsoleError
from .pages import client_address, render_for
from .settings import PREFIX, ConsoleSettings
from .staff import Staff

router = APIRouter(prefix=PREFIX, include_in_schema=False)

# staff_audit.action of each form and of the document (the outcome says whether it was done)
APPROVE, DENY, SUPPLEMENT, DOCUMENT = "case_approve", "case_deny", "case_supplement", "decision_document"

APPROVED, DENIED = "licence-approved", "licence-denied"  # the documents' kinds in their URLs
DOCUMENT_TITLES = {APPROVED: "准予行政许可决定书", DENIED: "不予行政许可决定书"}

DECIDABLE = (CaseState.SUBMITTED.value, CaseState.IN_REVIEW.value)  # approve: as the state machine allows
DENIABLE = (*DECIDABLE, CaseState.SUPPLEMENT_REQUESTED.value)
SUPPLEMENTABLE = DECIDABLE
DECIDED = ("approved", "denied", "result_ready", "delivered", "mailed")

STAFF_ONLY = "只有该办件承办科室的审批人员或科室负责人可以作出审批决定。"
MAX_TEXT = 500
MAX_MATERIALS = 20

# The legal bases offered for a denial, by the matter's kind (事项类型); the matter's own
# 设定依据 from the catalog comes first, and the approver may always type another.
LEGAL_BASES: dict[str, tuple[str, ...]] = {
    "行政许可": (
        "《中华人民共和国行政许可法》第三十八条第二款（申请不符合法定条件、标准）",
        "《中华人民共和国行政许可法》第七十八条（隐瞒有关情况或者提供虚假材料）",
    ),
    "行政确认": ("申请不符合该事项设定依据规定的确认条件",),
    "行政给付": ("申请人不符合该事项设定依据规定的给付条件",),
}
OTHER_BASES = ("申请不符合该事项设定依据规定的办理条件",)


@dataclass(frozen=True)
class Material:
    index: int
    name: str
    state: str


@dataclass(frozen=True)
class DecideView:
    """The case as the decision forms show it: what an approver needs to decide, no ID numbers."""

    case_no: str
    case_no_display: str
    matter_name: str
    matter_kind: str
    applicant: str
    department: str
    status: str
    status_label: str
    received_on: str
    due: str
    result_name: str  # the catalog's, prefilled
    result_no: str  # generated, prefilled
    legal_bases: tuple[str, ...]
    review_body: str
    court: str
    materials: tuple[Material, ...]
    decided_by_name: str  # who decided it, when it is decided
    decided_at: str
    document: str  # the decision document's kind, once decided (approved or denied)

    @property
    def decided(self) -> bool:
        return self.status in DECIDED

    @property
    def can_approve(self) -> bool:
        return self.status in DECIDABLE

    @property
    def can_deny(self) -> bool:
        return self.status in DENIABLE

    @property
    def can_supplement(self) -> bool:
        return self.status in SUPPLEMENTABLE


def _china(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def _label(status: str) -> str:
    try:
        return LABELS[CaseState(status)]
    except ValueError:
        return status


def _payload(case: Case) -> dict[str, Any]:
    return case.payload if isinstance(case.payload, dict) else {}


def _document_kind(case: Case) -> str:
    facts = _payload(case).get("decision")
    if not isinstance(facts, dict) or case.status not in DECIDED:
        return ""
    return DENIED if case.appeal_rights or facts.get("review_body") else APPROVED


def _view(session: Session, case: Case) -> DecideView:
    catalog = current_catalog(session)
    try:
        matter = catalog.get(case.matter_code)
        kind, result, basis = matter.kind, matter.result_name, matter.basis
    except KeyError:
        kind, result, basis = "", "", ""
    office = current_templates(session).office
    dept = session.get(Department, case.department_id) if case.department_id is not None else None
    materials = tuple(
        Material(n, str(m.get("name") or ""), str(m.get("status") or ""))
        for n, m in enumerate(_payload(case).get("materials") or ())
        if isinstance(m, dict) and m.get("name")
    )
    now = dt.datetime.now(dt.UTC)
    return DecideView(
        case_no=case.case_no,
        case_no_display=format_case_no(case.case_no),
        matter_name=case.matter_name,
        matter_kind=kind,
        applicant=case.applicant_name,
        department=dept.name if dept is not None else "尚未分派",
        status=case.status,
        status_label=_label(case.status),
        received_on=china_date(case.received_at).isoformat(),
        due=case.due.isoformat() if case.due else "",
        result_name=case.result_name or result,
        result_no=case.result_no or f"{case.case_no[:6]}-{now:%Y}-{case.case_no[-8:]}",
        legal_bases=tuple(b for b in (basis, *LEGAL_BASES.get(kind, OTHER_BASES)) if b),
        review_body=office.review_body,
        court=office.court,
        materials=materials,
        decided_by_name=approver_name(session, case.decided_by) if case.decided_by else "",
        decided_at=_china(case.decided_at),
        document=_document_kind(case),
    )


def _audit(
    ctx: Ctx, request: Request, staff: Staff, action: str, case_no: str, detail: str = "", refused: bool = False
) -> None:
    """Usernames, case numbers and refusal codes only: no citizen's data in the audit."""
    audit.record_alone(
        ctx.sessions,
        username=staff.username,
        action=action,
        outcome=audit.REFUSED if refused else audit.OK,
        client=client_address(request),
        org_code=staff.org_code,
        detail=f"case {case_no[:40]}" + (f"; {detail}" if detail else ""),
    )


def _load(ctx: Ctx, request: Request, staff: Staff, case_no: str, action: str) -> DecideView:
    """The case's view if `staff` may decide it; otherwise the refusal, audited."""
    try:
        number = case_number(case_no)
        with ctx.sessions() as session:
            case = visible_case(session, staff, number)
            if staff.role not in STAFF_ROLES:
                raise Refused(403, STAFF_ONLY, "role_refused")
            return _view(session, case)
    except Refused as refused:
        _audit(ctx, request, staff, action, case_no, refused.code, refused=True)
        raise ConsoleError(refused.status, refused.message) from None


def _already(view: DecideView) -> str:
    """Why the case can no longer take this decision: who decided it, and when."""
    if view.decided and view.decided_by_name:
        return (
            f"该办件已由{view.decided_by_name}于{view.decided_at}作出决定（当前状态：{view.status_label}），"
            "不能再次审批，本次提交未作任何改动。"
        )
    return f"办件当前状态为“{view.status_label}”，不能作出此项决定，本次提交未作任何改动。"


def _page(
    request: Request,
    settings: Settings,
    staff: Staff,
    name: str,
    view: DecideView,
    *,
    error: str = "",
    typed: dict[str, str] | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    return render_for(
        request,
        settings,
        staff,
        name,
        {"case": view, "error": error, "typed": typed or {}, "done": done, "titles": DOCUMENT_TITLES},
        status,
    )


@dataclass(frozen=True)
class _Refusal:
    """How one form post is refused: audited, then the form again with what was typed (409 for a
    state that no longer allows it, 403 for a person who may not, 400 for missing or bad input)."""

    ctx: Ctx
    request: Request
    settings: ConsoleSettings
    staff: Staff
    view: DecideView
    action: str
    template: str
    form: dict[str, str]

    def __call__(self, message: str, code: str) -> Response:
        _audit(self.ctx, self.request, self.staff, self.action, self.view.case_no, code, refused=True)
        fresh = _load(self.ctx, self.request, self.staff, self.view.case_no, self.action)
        status = 400
        if code in ("illegal_transition", "already_decided"):
            status, message = 409, _already(fresh)
        elif code in ("role_refused", "other_department", "other_org", "unrouted"):
            status = 403
        return _page(
            self.request, self.settings, self.staff, self.template, fresh, error=message, typed=self.form, status=status
        )


def _text(form: dict[str, str], name: str) -> str:
    return form.get(name, "").strip()


# ---- 准予 --------------------------------------------------------------------------------------


@router.get("/cases/{case_no}/approve")
def approve_page(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, case_no: str) -> Response:
    view = _load(ctx, request, staff, case_no, APPROVE)
    return _page(
        request, settings, staff, "decide_approve.html", view, error="" if view.can_approve else _already(view)
    )


@router.post("/cases/{case_no}/approve")
def approve(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    _csrf: CsrfChecked,
    form: FormFields,
    case_no: str,
) -> Response:
    view = _load(ctx, request, staff, case_no, APPROVE)
    refuse = _Refusal(ctx, request, settings, staff, view, APPROVE, "decide_approve.html", form)
    name, number = _text(form, "result_name"), _text(form, "result_no")
    if not name:
        return refuse(message="请填写办理结果（证照）名称", code="missing")
    if len(name) > 200 or len(number) > 100:
        return refuse(message="结果名称或编号过长", code="too_long")
    try:
        admin.decide(
            ctx.engine,
            view.case_no,
            "approve",
            by=staff.username,
            result_name=name,
            result_no=number or None,
            e_licence=form.get("e_licence") == "1",
        )
    except admin.AdminError as exc:
        return refuse(message=exc.message, code=exc.code)
    _audit(ctx, request, staff, APPROVE, view.case_no, "approved")
    return RedirectResponse(f"{PREFIX}/cases/{view.case_no}/decision", status_code=303)


# ---- 不予 --------------------------------------------------------------------------------------


@router.get("/cases/{case_no}/deny")
def deny_page(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, case_no: str) -> Response:
    view = _load(ctx, request, staff, case_no, DENY)
    return _page(request, settings, staff, "decide_deny.html", view, error="" if view.can_deny else _already(view))


@router.post("/cases/{case_no}/deny")
def deny(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    _csrf: CsrfChecked,
    form: FormFields,
    case_no: str,
) -> Response:
    view = _load(ctx, request, staff, case_no, DENY)
    refuse = _Refusal(ctx, request, settings, staff, view, DENY, "decide_deny.html", form)
    reason = _text(form, "reason")
    basis = _text(form, "legal_basis_text") or _text(form, "legal_basis")
    review_body, court = _text(form, "review_body"), _text(form, "court")
    missing = [
        label
        for label, value in (
            ("不予许可的理由", reason),
            ("法律依据", basis),
            ("行政复议机关", review_body),
            ("人民法院", court),
        )
        if not value
    ]
    if missing:
        message = f"请填写{'、'.join(missing)}：不予行政许可决定须说明理由和依据，并告知复议、诉讼的机关。"
        return refuse(message=message, code="missing")
    if any(len(v) > MAX_TEXT for v in (reason, basis, review_body, court)):
        message = f"每项内容不能超过{MAX_TEXT}个字"
        return refuse(message=message, code="too_long")
    try:
        admin.decide(
            ctx.engine,
            view.case_no,
            "deny",
            by=staff.username,
            reason=reason,
            legal_basis=basis,
            review_body=review_body,
            court=court,
        )
    except admin.AdminError as exc:
        return refuse(message=exc.message, code=exc.code)
    _audit(ctx, request, staff, DENY, view.case_no, "denied")
    return RedirectResponse(f"{PREFIX}/cases/{view.case_no}/decision", status_code=303)


# ---- 补正 --------------------------------------------------------------------------------------


@router.get("/cases/{case_no}/supplement")
def supplement_page(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, case_no: str, done: str = ""
) -> Response:
    view = _load(ctx, request, staff, case_no, SUPPLEMENT)
    note = "已通知窗口：申请人来时，窗口将打印补正材料通知书。" if done == "requested" else ""
    error = "" if note or view.can_supplement else _already(view)
    return _page(request, settings, staff, "decide_supplement.html", view, error=error, done=note)


def supplement_items(view: DecideView, form: dict[str, str]) -> tuple[list[str], str]:
    """The materials asked for, each "name：what is wrong"; or why the list is refused."""
    items: list[str] = []
    for material in view.materials:
        if form.get(f"m{material.index}") != "1":
            continue
        problem = _text(form, f"p{material.index}")
        if not problem:
            return [], f"请写明“{material.name}”需要补正的问题"
        items.append(f"{material.name}：{problem}")
    for line in _text(form, "other").splitlines():
        if line.strip():
            items.append(line.strip())
    if not items:
        return [], "请勾选需要补正的材料，并写明每份材料的问题"
    if len(items) > MAX_MATERIALS or any(len(item) > MAX_TEXT for item in items):
        return [], f"补正材料最多{MAX_MATERIALS}项，每项不超过{MAX_TEXT}个字"
    return items, ""


@router.post("/cases/{case_no}/supplement")
def supplement(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    _csrf: CsrfChecked,
    form: FormFields,
    case_no: str,
) -> Response:
    view = _load(ctx, request, staff, case_no, SUPPLEMENT)
    refuse = _Refusal(ctx, request, settings, staff, view, SUPPLEMENT, "decide_supplement.html", form)
    items, problem = supplement_items(view, form)
    if problem:
        return refuse(message=problem, code="missing")
    try:
        decisions.request_supplement(ctx.engine, view.case_no, items, by=staff.username, reason=_text(form, "reason"))
    except admin.AdminError as exc:
        return refuse(message=exc.message, code=exc.code)
    _audit(ctx, request, staff, SUPPLEMENT, view.case_no, f"{len(items)} materials")
    return RedirectResponse(f"{PREFIX}/cases/{view.case_no}/supplement?done=requested", status_code=303)


# ---- the decision's paper ----------------------------------------------------------------------


def licence_decision(session: Session, case: Case) -> tuple[LicenceDecision, NoticeTemplates] | None:
    """The 决定书 of a decided case, from the facts stored with the decision (None: undecided),
    and the templates in force that word the rest."""
    facts = _payload(case).get("decision")
    kind = _document_kind(case)
    if not isinstance(facts, dict) or not kind or case.decided_at is None:
        return None
    templates = current_templates(session)
    relation = case.agent_relation or ""
    return LicenceDecision(
        office_name=str(facts.get("office_name") or templates.office.name),
        doc_no=str(facts.get("doc_no") or ""),
        applicant_name=case.applicant_name,
        applicant_id_number=case.applicant_id_number,
        matter_name=case.matter_name,
        case_no=case.case_no,
        received_on=china_date(case.received_at),
        decided_on=china_date(case.decided_at),
        approved=kind == APPROVED,
        legal_basis=str(facts.get("legal_basis") or ""),
        reasons=tuple(line.strip() for line in (case.reason or "").splitlines() if line.strip()),
        result_name=case.result_name or "",
        result_no=case.result_no or "",
        e_licence=bool(case.e_licence),
        review_body=str(facts.get("review_body") or ""),
        court=str(facts.get("court") or ""),
        approver=str(facts.get("decided_by_name") or ""),
        query_url=templates.query_url(case.case_no),
        acting=Acting(
            case.applicant_id_type, case.agent_name or "", case.agent_id_number or "", RELATIONS.get(relation, relation)
        ),
    ), templates


def _document(ctx: Ctx, request: Request, staff: Staff, case_no: str, kind: str) -> tuple[DecideView, bytes]:
    """The decision document of a case the person may see (its approvers, the hall's supervisor)."""
    try:
        number = case_number(case_no)
        with ctx.sessions() as session:
            case = visible_case(session, staff, number)
            view = _view(session, case)
            built = licence_decision(session, case)
    except Refused as refused:
        _audit(ctx, request, staff, DOCUMENT, case_no, refused.code, refused=True)
        raise ConsoleError(refused.status, refused.message) from None
    if built is None or kind != view.document:
        raise ConsoleError(404, f"该办件没有{DOCUMENT_TITLES.get(kind, '此项文书')}。")
    decision, templates = built
    try:
        return view, render_licence_decision(decision, templates=templates)
    except ReportError as exc:
        raise ConsoleError(500, exc.message) from None


@router.get("/cases/{case_no}/decision")
def decision_page(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, case_no: str) -> Response:
    """Right after the decision: the document on screen, with its PDF for printing."""
    try:
        number = case_number(case_no)
        with ctx.sessions() as session:
            view = _view(session, visible_case(session, staff, number))
    except Refused as refused:
        _audit(ctx, request, staff, DOCUMENT, case_no, refused.code, refused=True)
        raise ConsoleError(refused.status, refused.message) from None
    if not view.document:
        raise ConsoleError(404, "该办件尚未作出准予或不予许可的决定，没有决定书。")
    _audit(ctx, request, staff, DOCUMENT, view.case_no, "viewed")
    return _page(request, settings, staff, "decide_document.html", view)


@router.get("/cases/{case_no}/documents/{kind}.pdf")
def document_pdf(request: Request, ctx: Ctx, staff: CurrentStaff, case_no: str, kind: str) -> Response:
    view, pdf = _document(ctx, request, staff, case_no, kind)
    headers = {
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'inline; filename="{view.case_no}-{kind}.pdf"',
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/cases/{case_no}/documents/{kind}.png")
def document_png(request: Request, ctx: Ctx, staff: CurrentStaff, case_no: str, kind: str) -> Response:
    """The document's first page as a picture, so the page shows it without a PDF plug-in."""
    _view_, pdf = _document(ctx, request, staff, case_no, kind)
    try:
        png = pdf_page_png(pdf, 0, dpi=110)
    except ReportError:
        raise ConsoleError(500, "决定书预览生成失败，请下载PDF查看。") from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})
