"""The 限时办结 board (GET /console/deadlines): every open case of the org unit in view with its
working days left and its card, grouped by department and filterable by department, approver
and card; each row links to the case page. The rows are `board_query`'s, the scope is the
dashboard's (`dashboard_query.hall_scope`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..deps import Ctx
from . import audit
from .board_query import SHOW_LABELS, board, parse_filter
from .dashboard_query import DashboardRefused, hall_scope
from .deps import CurrentStaff, Settings
from .pages import client_address, render_for
from .settings import PREFIX

router = APIRouter(prefix=PREFIX, include_in_schema=False)

VIEW_BOARD = "view_deadline_board"  # the audit action of a refused request


@router.get("/deadlines")
def deadline_board(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    org: str = "",
    dept: str = "",
    approver: str = "",
    show: str = "",
) -> Response:
    try:
        filt = parse_filter(dept, approver, show)
        with ctx.sessions() as session:
            scope = hall_scope(session, staff, org)
            found = board(session, scope, filt)
    except DashboardRefused as exc:
        raise audit.refused_view(ctx.sessions, exc, staff, VIEW_BOARD, client_address(request)) from None
    return render_for(
        request,
        settings,
        staff,
        "deadline_board.html",
        {"scope": scope, "found": found, "filt": filt, "show_labels": SHOW_LABELS},
    )
