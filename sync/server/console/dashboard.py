"""The hall dashboard (大厅监控, GET /console/dashboard) and its figures alone
(GET /console/dashboard/figures), which the page's script fetches every `every` seconds
(default 30) and puts in place: the figures refresh without a page reload, with no library
(static/dashboard.js, a plain `fetch` of an HTML fragment; the CSP allows only this site's
scripts).

Who may look, and at which org unit, is `dashboard_query.hall_scope`'s; a refusal is a Chinese
page, and an org unit asked for by address that is not the person's is in the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..deps import Ctx
from . import audit
from .dashboard_query import Dashboard, DashboardRefused, dashboard, hall_scope
from .deps import CurrentStaff, Settings
from .pages import client_address, render_for
from .settings import PREFIX
from .staff import Staff

router = APIRouter(prefix=PREFIX, include_in_schema=False)

VIEW_DASHBOARD = "view_dashboard"  # the audit action of a refused request
REFRESH_SECONDS, MIN_REFRESH, MAX_REFRESH = 30, 5, 600


@router.get("/dashboard")
def dashboard_page(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, org: str = "", every: str = ""
) -> Response:
    found = _read(request, ctx, staff, org)
    return render_for(request, settings, staff, "dashboard.html", {"board": found, "refresh_seconds": _refresh(every)})


@router.get("/dashboard/figures")
def dashboard_figures(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, org: str = "") -> Response:
    """The figures alone, for the page's script: the same scope checks as the page."""
    found = _read(request, ctx, staff, org)
    return render_for(request, settings, staff, "dashboard_figures.html", {"board": found})


def _read(request: Request, ctx: Ctx, staff: Staff, org: str) -> Dashboard:
    try:
        with ctx.sessions() as session:
            return dashboard(session, hall_scope(session, staff, org))
    except DashboardRefused as exc:
        raise audit.refused_view(ctx.sessions, exc, staff, VIEW_DASHBOARD, client_address(request)) from None


def _refresh(every: str) -> int:
    """Seconds between refreshes: 30, or what the address asks within 5 s to 10 min."""
    if every.isascii() and every.isdigit() and len(every) <= 4:
        return min(max(int(every), MIN_REFRESH), MAX_REFRESH)
    return REFRESH_SECONDS
