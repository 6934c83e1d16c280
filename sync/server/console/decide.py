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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.responses import Response

from client.domain.case_numbers import format_case_no
from client.domain.identity import RELATIONS
from client.domain.legal_framing import DecisionWords, kind_framing
from client.domain.states import CaseState
from reports.errors import ReportError
from reports.licence_decision import LicenceDecision, render_licence_decision
from reports.parties import Acting
from reports.preview import pdf_page_png
from reports.templates import NoticeTemplates

from .. import admin, decisions
from ..case_facts import payload_of, state_label
from ..cases import approver_name
from ..db import Case, Department
from ..deadlines import CST, china_date
from ..departments import STAFF_ROLES
from ..office import current_templates
from ..publishing import current_catalog
from .case_forms import CaseForm, Desk, Posted, SignedIn, load_case
from .errors import ConsoleError
from .settings import PREFIX

router = APIRouter(prefix=PREFIX, include_in_schema=False)

# staff_audit.action of each form and of the document (the outcome says whether it was done)
APPROVE, DENY, SUPPLEMENT, DOCUMENT = "case_approve", "case_deny", "case_supplement", "decision_document"

APPROVED, DENIED = "licence-approved", "licence-denied"  # the documents' kinds in their URLs
DOCUMENT_TITLES = {APPROVED: "准予行政许可决定书", DENIED: "不予行政许可决定书"}
LICENCE_WORDS = DecisionWords(DOCUMENT_TITLES[APPROVED], DOCUMENT_TITLES[DENIED], "准予行政许可", "不予行政许可")

DECIDABLE = (CaseState.SUBMITTED.value, CaseState.IN_REVIEW.value)  # approve: as the state machine allows
DENIABLE = (*DECIDABLE, CaseState.SUPPLEMENT_REQUESTED.value)
SUPPLEMENTABLE = DECIDABLE
DECIDED = ("approved", "denied", "result_ready", "delivered", "mailed")
CONFLICTS = frozenset({"illegal_transition", "already_decided"})  # refusal codes of a decided case: 409

Verdict = Literal["approve", "deny"]
VERDICTS: dict[Verdict, str] = {"approve": "approved", "deny": "denied"}  # the audit's detail of each

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
    def licensing(self) -> bool:
        """A licence (行政许可法 §38), or a matter the catalog no longer knows; else the kind's own words."""
        return not self.matter_kind or kind_framing(self.matter_kind).licensing

    @property
    def words(self) -> DecisionWords:
        """How the decision is named: 准予行政许可 / 准予给付 / 准予登记（确认）…"""
        found = None if self.licensing else kind_framing(self.matter_kind).decision
        return found or LICENCE_WORDS

    @property
    def document_titles(self) -> dict[str, str]:
        return {APPROVED: self.words.approved_title, DENIED: self.words.denied_title}

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


def _document_kind(case: Case) -> str:
    facts = payload_of(case).get("decision")
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
        for n, m in enumerate(payload_of(case).get("materials") or ())
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
        status_label=state_label(case.status),
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


def _already(view: DecideView) -> str:
    """Why the case can no longer take this decision: who decided it, and when."""
    if view.decided and view.decided_by_name:
        return (
            f"该办件已由{view.decided_by_name}于{view.decided_at}作出决定（当前状态：{view.status_label}），"
            "不能再次审批，本次提交未作任何改动。"
        )
    return f"办件当前状态为“{view.status_label}”，不能作出此项决定，本次提交未作任何改动。"


def _form(
    desk: Desk, case_no: str, action: str, template: str, roles: tuple[str, ...] | None = STAFF_ROLES
) -> CaseForm[DecideView]:
    """A decision form on the case: for its department's staff; a refusal for a state that no
    longer allows it (409) says who decided the case, and when."""
    return CaseForm(
        desk,
        case_no,
        action,
        template,
        build=_view,
        role_message=STAFF_ONLY,
        conflicts=CONFLICTS,
        roles=roles,
        reword=_already,
        context=lambda: {"titles": DOCUMENT_TITLES},
    )


def _text(form: dict[str, str], name: str) -> str:
    return form.get(name, "").strip()


def _show(form: CaseForm[DecideView], allowed: Callable[[DecideView], bool], done: str = "") -> Response:
    """The form, saying up front when the case can no longer take this decision."""
    view = form.load()
    return form.page(view, error="" if done or allowed(view) else _already(view), done=done)


def _decide(form: CaseForm[DecideView], view: DecideView, verdict: Verdict, **facts: Any) -> Response:
    """Record the decision through the back office, then show its 决定书."""

    def run() -> None:
        admin.decide(form.desk.ctx.engine, view.case_no, verdict, by=form.desk.staff.username, **facts)

    return form.submit(view, run, VERDICTS[verdict], f"{PREFIX}/cases/{view.case_no}/decision")


# ---- 准予 --------------------------------------------------------------------------------------


@router.get("/cases/{case_no}/approve")
def approve_page(desk: SignedIn, case_no: str) -> Response:
    return _show(_form(desk, case_no, APPROVE, "decide_approve.html"), lambda view: view.can_approve)


@router.post("/cases/{case_no}/approve")
def approve(desk: Posted, case_no: str) -> Response:
    page = _form(desk, case_no, APPROVE, "decide_approve.html")
    view = page.load()
    name, number = _text(desk.form, "result_name"), _text(desk.form, "result_no")
    if not name:
        return page.refuse(view, "请填写办理结果（证照）名称", "missing")
    if len(name) > 200 or len(number) > 100:
        return page.refuse(view, "结果名称或编号过长", "too_long")
    e_licence = desk.form.get("e_licence") == "1"
    return _decide(page, view, "approve", result_name=name, result_no=number or None, e_licence=e_licence)


# ---- 不予 --------------------------------------------------------------------------------------


@router.get("/cases/{case_no}/deny")
def deny_page(desk: SignedIn, case_no: str) -> Response:
    return _show(_form(desk, case_no, DENY, "decide_deny.html"), lambda view: view.can_deny)


@router.post("/cases/{case_no}/deny")
def deny(desk: Posted, case_no: str) -> Response:
    page = _form(desk, case_no, DENY, "decide_deny.html")
    view = page.load()
    form = desk.form
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
        return page.refuse(view, message, "missing")
    if any(len(v) > MAX_TEXT for v in (reason, basis, review_body, court)):
        return page.refuse(view, f"每项内容不能超过{MAX_TEXT}个字", "too_long")
    return _decide(page, view, "deny", reason=reason, legal_basis=basis, review_body=review_body, court=court)


# ---- 补正 --------------------------------------------------------------------------------------


@router.get("/cases/{case_no}/supplement")
def supplement_page(desk: SignedIn, case_no: str, done: str = "") -> Response:
    note = "已通知窗口：申请人来时，窗口将打印补正材料通知书。" if done == "requested" else ""
    return _show(_form(desk, case_no, SUPPLEMENT, "decide_supplement.html"), lambda view: view.can_supplement, note)


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
def supplement(desk: Posted, case_no: str) -> Response:
    page = _form(desk, case_no, SUPPLEMENT, "decide_supplement.html")
    view = page.load()
    items, problem = supplement_items(view, desk.form)
    if problem:
        return page.refuse(view, problem, "missing")

    def run() -> None:
        reason = _text(desk.form, "reason")
        decisions.request_supplement(desk.ctx.engine, view.case_no, items, by=desk.staff.username, reason=reason)

    return page.submit(view, run, f"{len(items)} materials", f"{PREFIX}/cases/{view.case_no}/supplement?done=requested")


# ---- the decision's paper ----------------------------------------------------------------------


def licence_decision(session: Session, case: Case) -> tuple[LicenceDecision, NoticeTemplates] | None:
    """The 决定书 of a decided case, from the facts stored with the decision (None: undecided),
    and the templates in force that word the rest."""
    facts = payload_of(case).get("decision")
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
        # The back office keeps only the public token's digest, so its copy carries no link;
        # the window prints the applicant's own (client.services.paperwork).
        query_url="",
        acting=Acting(
            case.applicant_id_type, case.agent_name or "", case.agent_id_number or "", RELATIONS.get(relation, relation)
        ),
        matter_kind=_matter_kind(session, case),  # a benefit's decision is not a licence's
    ), templates


def _matter_kind(session: Session, case: Case) -> str:
    """The case's matter kind in the published catalog ("": unknown there, worded as a licence)."""
    try:
        return current_catalog(session).get(case.matter_code).kind
    except KeyError:
        return ""


def _document(desk: Desk, case_no: str, kind: str) -> tuple[DecideView, bytes]:
    """The decision document of a case the person may see (its approvers, the hall's supervisor)."""

    def build(session: Session, case: Case) -> tuple[DecideView, tuple[LicenceDecision, NoticeTemplates] | None]:
        return _view(session, case), licence_decision(session, case)

    view, built = load_case(desk, case_no, DOCUMENT, build, roles=None)
    if built is None or kind != view.document:
        raise ConsoleError(404, f"该办件没有{DOCUMENT_TITLES.get(kind, '此项文书')}。")
    decision, templates = built
    try:
        return view, render_licence_decision(decision, templates=templates)
    except ReportError as exc:
        raise ConsoleError(500, exc.message) from None


@router.get("/cases/{case_no}/decision")
def decision_page(desk: SignedIn, case_no: str) -> Response:
    """Right after the decision: the document on screen, with its PDF for printing."""
    page = _form(desk, case_no, DOCUMENT, "decide_document.html", roles=None)
    view = page.load()
    if not view.document:
        raise ConsoleError(404, "该办件尚未作出准予或不予许可的决定，没有决定书。")
    desk.audit(DOCUMENT, view.case_no, "viewed")
    return page.page(view)


@router.get("/cases/{case_no}/documents/{kind}.pdf")
def document_pdf(desk: SignedIn, case_no: str, kind: str) -> Response:
    view, pdf = _document(desk, case_no, kind)
    headers = {
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'inline; filename="{view.case_no}-{kind}.pdf"',
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/cases/{case_no}/documents/{kind}.png")
def document_png(desk: SignedIn, case_no: str, kind: str) -> Response:
    """The document's first page as a picture, so the page shows it without a PDF plug-in."""
    _view_, pdf = _document(desk, case_no, kind)
    try:
        png = pdf_page_png(pdf, 0, dpi=110)
    except ReportError:
        raise ConsoleError(500, "决定书预览生成失败，请下载PDF查看。") from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})
