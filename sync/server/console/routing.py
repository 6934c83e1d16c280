"""分办 for administrators: the unrouted cases of their org unit and below (GET /console/routing),
and the form that re-routes a case to another department with a reason
(GET/POST /console/cases/{case_no}/reroute).

An administrator decides no case, so `case_view.visible_case` (which is about deciders) does
not fit; their scope is every case of their org unit and the units below it, and a case
outside it answers as if it did not exist. The re-route itself is `departments.reroute`,
which checks role, scope, state and department again in its own transaction. A refused post
shows the form again with what was typed; success and refusal alike go to the staff audit.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from client.domain.case_numbers import format_case_no
from client.domain.catalog import Catalog
from client.domain.states import LABELS, CaseState

from .. import departments
from ..admin import AdminError
from ..db import AWAITING_DECISION, Case, CaseRoute, Department, OrgUnit, User
from ..deps import Ctx
from . import audit
from .case_forms import audit_case
from .case_view import NOT_FOUND, Refused, case_number, china_time
from .deps import CsrfChecked, CurrentStaff, FormFields, Settings
from .errors import ConsoleError
from .pages import client_address, render_for
from .settings import PREFIX
from .staff import Staff

router = APIRouter(prefix=PREFIX, include_in_schema=False)

ROUTING_VIEW = "routing_view"  # staff_audit.action: the 分办 page or its search, refused
REROUTE = "case_reroute"  # the re-route form: shown and refused, or done
ADMIN = "admin"
MAX_REASON = 300  # characters: a reason is a sentence or two, and the audit keeps none of it
MAX_SHOWN = 200  # unrouted cases listed; more means the catalog and departments disagree wholesale

ADMINS_ONLY = "分办（改派承办科室）只能由系统管理员办理，您的角色不能使用此页。"
NO_REASON = "改派承办科室必须填写理由，请写明为何改派。"
LONG_REASON = f"改派理由不能超过{MAX_REASON}个字，请精简后重新提交。"
BAD_TARGET = "所选科室已停用，或不属于该办件所属机构及其上级机构，请重新选择。"
SAME_TARGET = "办件已由所选科室承办，无需改派。"
DONE = "已改派承办科室。新科室的审批人员现在可以在待办箱中看到该办件，原科室不再看到；窗口下次同步后显示新的承办科室。"
# departments.reroute's refusal codes: who may not (403), a state that no longer allows it (409).
_FORBIDDEN = frozenset({"role_refused", "other_org"})
_CONFLICT = frozenset({"case_settled"})


@dataclass(frozen=True)
class Target:
    """A department the case can go to: active, in its org unit or a unit above it."""

    value: str  # what the form posts: "org_code/code"
    name: str
    org_name: str
    current: bool


@dataclass(frozen=True)
class RouteStep:
    at: str  # China time, minutes
    by: str  # a person's name, never a login
    previous: str  # "" when it was unrouted before
    department: str
    reason: str


@dataclass(frozen=True)
class RerouteView:
    case_no: str
    case_no_display: str
    matter_name: str
    org_name: str
    status_label: str
    department: str  # "" while unrouted
    expected: str  # the catalog's 承办科室 for the matter
    awaiting: bool  # awaiting a decision: the only cases a re-route still helps
    targets: tuple[Target, ...]
    history: tuple[RouteStep, ...]


@dataclass(frozen=True)
class UnroutedRow:
    case_no: str
    case_no_display: str
    matter_name: str
    org_name: str
    expected: str
    status_label: str
    since: str


# ---- the 分办 page -------------------------------------------------------------------------


@router.get("/routing")
def routing_page(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, q: str = "") -> Response:
    _admin_only(ctx, request, staff, ROUTING_VIEW)
    wanted = q.strip()[:60]
    message = ""
    if wanted:
        try:
            number = case_number(wanted)
            with ctx.sessions() as session:
                found = _scoped_case(session, staff, number)
            return RedirectResponse(f"{PREFIX}/cases/{found.case_no}/reroute", status_code=303)
        except Refused as refused:
            audit_case(ctx, request, staff, ROUTING_VIEW, wanted, refused.code, refused=True)
            message = refused.message
    with ctx.sessions() as session:
        rows, total = _unrouted(ctx, session, staff)
    return render_for(
        request,
        settings,
        staff,
        "routing.html",
        {"rows": rows, "total": total, "q": wanted, "message": message},
        404 if message else 200,
    )


def _unrouted(ctx: Ctx, session: Session, staff: Staff) -> tuple[tuple[UnroutedRow, ...], int]:
    waiting = departments.unrouted_cases(ctx.engine, staff.org_code)
    catalog = ctx.current_catalog(session)
    orgs = _names(session, {c.org_code for c in waiting})
    rows = tuple(
        UnroutedRow(
            c.case_no,
            format_case_no(c.case_no),
            c.matter_name,
            orgs.get(c.org_code, c.org_code),
            _expected(catalog, c.matter_code, c.department_code),
            c.status_label,
            china_time(c.received_at),
        )
        for c in waiting[:MAX_SHOWN]
    )
    return rows, len(waiting)


def _expected(catalog: Catalog, matter_code: str, code: str) -> str:
    if not code:
        return "事项已不在现行事项清单中"
    try:
        return f"{catalog.get(matter_code).department}（{code}）"
    except KeyError:
        return code


# ---- the re-route form ---------------------------------------------------------------------


@router.get("/cases/{case_no}/reroute")
def reroute_form(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, case_no: str, done: str = ""
) -> Response:
    view = _load(ctx, request, staff, case_no)
    return _page(request, settings, staff, view, done=DONE if done else "")


@router.post("/cases/{case_no}/reroute")
def reroute_post(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    _csrf: CsrfChecked,
    form: FormFields,
    case_no: str,
) -> Response:
    view = _load(ctx, request, staff, case_no)
    chosen_value = form.get("target", "").strip()[:60]
    reason = form.get("reason", "").strip()
    typed = {"target": chosen_value, "reason": form.get("reason", "")[: MAX_REASON * 2]}

    def refuse(message: str, code: str) -> Response:
        audit_case(ctx, request, staff, REROUTE, view.case_no, code, refused=True)
        status = 403 if code in _FORBIDDEN else 409 if code in _CONFLICT else 400
        fresh = _load(ctx, request, staff, case_no)
        return _page(request, settings, staff, fresh, error=message, typed=typed, status=status)

    if not view.awaiting:
        return refuse(f"办件当前状态为“{view.status_label}”，不在审批中，不能再改派承办科室。", "case_settled")
    if not reason:
        return refuse(NO_REASON, "reason_required")
    if len(reason) > MAX_REASON:
        return refuse(LONG_REASON, "reason_too_long")
    target = next((t for t in view.targets if t.value == chosen_value), None)
    if target is None:
        return refuse(BAD_TARGET, "unknown_department")
    if target.current:
        return refuse(SAME_TARGET, "same_department")
    org_code, code = target.value.split("/", 1)
    try:
        departments.reroute(ctx.engine, view.case_no, code, reason=reason, by=staff.username, to_org=org_code)
    except AdminError as exc:  # the state changed since the form was read, or the department went
        return refuse(BAD_TARGET if exc.code == "unknown_department" else exc.message, exc.code)
    audit_case(ctx, request, staff, REROUTE, view.case_no, f"to {target.value}")
    return RedirectResponse(f"{PREFIX}/cases/{view.case_no}/reroute?done=1", status_code=303)


def _page(
    request: Request,
    settings: Settings,
    staff: Staff,
    view: RerouteView,
    *,
    error: str = "",
    typed: dict[str, str] | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    context = {"case": view, "error": error, "typed": typed or {}, "done": done, "max_reason": MAX_REASON}
    return render_for(request, settings, staff, "reroute.html", context, status)


# ---- who may, which case -------------------------------------------------------------------


def _admin_only(ctx: Ctx, request: Request, staff: Staff, action: str) -> None:
    if staff.role != ADMIN:
        audit.record_alone(
            ctx.sessions,
            username=staff.username,
            action=action,
            outcome=audit.REFUSED,
            client=client_address(request),
            org_code=staff.org_code,
            detail=f"{request.method} {request.url.path[:200]}; role_refused",
        )
        raise ConsoleError(403, ADMINS_ONLY)


def _load(ctx: Ctx, request: Request, staff: Staff, case_no: str) -> RerouteView:
    """The case's view for an administrator whose scope it is in; otherwise the refusal, audited."""
    _admin_only(ctx, request, staff, REROUTE)
    try:
        number = case_number(case_no)
        with ctx.sessions() as session:
            return _view(session, _scoped_case(session, staff, number), ctx.current_catalog(session))
    except Refused as refused:
        audit_case(ctx, request, staff, REROUTE, case_no, refused.code, refused=True)
        raise ConsoleError(refused.status, refused.message) from None


def _scoped_case(session: Session, staff: Staff, number: str) -> Case:
    """The case if it belongs to the administrator's org unit or a unit below it, else a 404."""
    case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
    if case is None or staff.org_code not in departments.org_chain(session, case.org_code):
        raise Refused(
            404, f"没有找到编号为 {format_case_no(number)} 的办件，或该办件不属于您所在的机构及其下级机构。", NOT_FOUND
        )
    return case


def _view(session: Session, case: Case, catalog: Catalog) -> RerouteView:
    chain = departments.org_chain(session, case.org_code)
    org_names = _names(session, set(chain))
    active = session.execute(
        select(Department).where(Department.org_code.in_(chain), Department.active.is_(True))
    ).scalars()
    nearest = {org: n for n, org in enumerate(chain)}
    targets = tuple(
        Target(f"{d.org_code}/{d.code}", d.name, org_names.get(d.org_code, d.org_code), d.id == case.department_id)
        for d in sorted(active, key=lambda d: (nearest[d.org_code], d.code))
    )
    current = session.get(Department, case.department_id) if case.department_id is not None else None
    try:
        status_label = LABELS[CaseState(case.status)]
    except ValueError:
        status_label = case.status
    code = departments.expected_code(catalog, case.matter_code)
    return RerouteView(
        case_no=case.case_no,
        case_no_display=format_case_no(case.case_no),
        matter_name=case.matter_name,
        org_name=org_names.get(case.org_code, case.org_code),
        status_label=status_label,
        department=f"{current.name}（{org_names.get(current.org_code, current.org_code)}）" if current else "",
        expected=_expected(catalog, case.matter_code, code),
        awaiting=case.status in AWAITING_DECISION,
        targets=targets,
        history=_history(session, case),
    )


def _history(session: Session, case: Case) -> tuple[RouteStep, ...]:
    routes = list(
        session.execute(select(CaseRoute).where(CaseRoute.case_id == case.id).order_by(CaseRoute.id)).scalars()
    )
    ids = {r.to_department_id for r in routes} | {r.from_department_id for r in routes if r.from_department_id}
    names = {i: n for i, n in session.execute(select(Department.id, Department.name).where(Department.id.in_(ids)))}
    people = {
        u: n
        for u, n in session.execute(
            select(User.username, User.display_name).where(User.username.in_({r.routed_by for r in routes}))
        )
    }
    return tuple(
        RouteStep(
            china_time(r.routed_at),
            people.get(r.routed_by, r.routed_by if r.routed_by == departments.AUTO_ROUTER else "后台"),
            names.get(r.from_department_id, "") if r.from_department_id is not None else "",
            names.get(r.to_department_id, ""),
            r.reason,
        )
        for r in reversed(routes)
    )


def _names(session: Session, org_codes: set[str]) -> dict[str, str]:
    return {
        code: name
        for code, name in session.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(org_codes)))
    }
