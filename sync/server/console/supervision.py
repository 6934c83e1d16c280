"""电子监察 in the console: the escalations of the signed-in department head or supervisor
(GET /console/supervision), their acknowledgement with a reason (POST
/console/supervision/{id}/acknowledge), and the count of unacknowledged ones that the header of
every console page shows them (`header_count`, one indexed count query per page).

A refused acknowledgement shows the list again with what was typed and a Chinese message;
success and refusal both go to the staff audit with the escalation's id, never the reason.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from .. import escalations
from ..deps import Ctx
from ..escalations import EscalationRefused, Show
from . import audit
from .case_view import china_time
from .deps import CsrfChecked, CurrentStaff, FormFields, Settings
from .errors import ConsoleError
from .pages import client_address, render_for
from .settings import PREFIX
from .staff import Staff

router = APIRouter(prefix=PREFIX, include_in_schema=False)

ACKNOWLEDGE = "escalation_ack"  # staff_audit.action
VIEW = "view_supervision"
SHOWS: dict[Show, str] = {"open": "待签收", "all": "全部（含已签收）"}
DONE_NOTE = "已签收该监察预警，签收原因已记录。"


def header_count(request: Request, staff: Staff | None) -> int:
    """The header's unacknowledged count, for department heads and supervisors only (0 else)."""
    if staff is None or staff.role not in escalations.SUPERVISION_ROLES:
        return 0
    with request.app.state.ctx.sessions() as session:
        return escalations.unacknowledged_count(session, staff.username, staff.role, staff.org_code)


@router.get("/supervision")
def supervision(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, show: str = "open", done: str = ""
) -> Response:
    chosen: Show = "all" if show == "all" else "open"
    return _page(request, ctx, settings, staff, chosen, note=DONE_NOTE if done == "1" else "")


@router.post("/supervision/{escalation_id}/acknowledge")
def acknowledge(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    form: FormFields,
    _csrf: CsrfChecked,
    escalation_id: int,
) -> Response:
    reason = form.get("reason", "")
    try:
        with ctx.sessions.begin() as session:
            escalations.acknowledge(session, staff.username, staff.role, staff.org_code, escalation_id, reason)
    except EscalationRefused as exc:
        _audit(request, ctx, staff, audit.REFUSED, exc.detail)
        if exc.status in (403, 404):
            raise ConsoleError(exc.status, exc.message) from None
        return _page(
            request,
            ctx,
            settings,
            staff,
            "open",
            error=exc.message,
            failed=escalation_id,
            typed=reason,
            status=exc.status,
        )
    _audit(request, ctx, staff, audit.OK, f"escalation {escalation_id}")
    return RedirectResponse(f"{PREFIX}/supervision?done=1", status_code=303)


def _page(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: Staff,
    show: Show,
    *,
    note: str = "",
    error: str = "",
    failed: int | None = None,
    typed: str = "",
    status: int = 200,
) -> Response:
    try:
        with ctx.sessions() as session:
            rows = escalations.listing(session, staff.username, staff.role, staff.org_code, show)
    except EscalationRefused as exc:
        _audit(request, ctx, staff, audit.REFUSED, exc.detail, VIEW)
        raise ConsoleError(exc.status, exc.message) from None
    return render_for(
        request,
        settings,
        staff,
        "supervision.html",
        {
            "rows": rows,
            "show": show,
            "shows": SHOWS,
            "note": note,
            "error": error,
            "failed": failed,
            "typed": typed,
            "china_time": china_time,
            "max_reason": escalations.MAX_REASON,
        },
        status,
    )


def _audit(request: Request, ctx: Ctx, staff: Staff, outcome: str, detail: str, action: str = ACKNOWLEDGE) -> None:
    audit.record_alone(
        ctx.sessions,
        username=staff.username,
        action=action,
        outcome=outcome,
        client=client_address(request),
        org_code=staff.org_code,
        detail=detail,
    )
