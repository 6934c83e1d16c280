"""叫号与预约统计 in the supervisor's console (GET /console/hall-stats): one hall's day —
waits and service times by category and hour, 过号, and appointment use. Who may look at
which org unit is the dashboard's rule (`dashboard_query.hall_scope`)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from starlette.responses import Response

from client.domain.tickets import CATEGORIES
from sync import protocol

from ..console.dashboard_query import DashboardRefused, hall_scope
from ..console.deps import CurrentStaff, Settings
from ..console.errors import ConsoleError
from ..console.pages import render_for
from ..console.settings import PREFIX
from ..db import utcnow
from ..deps import Ctx
from .statistics import hall_day

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _day(text: str) -> dt.date:
    if not text:
        return utcnow().astimezone(protocol.CST).date()  # the hall's day (queue.service_day)
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ConsoleError(400, "日期格式应为 YYYY-MM-DD") from None


@router.get("/hall-stats")
def hall_stats_page(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, org: str = "", day: str = ""
) -> Response:
    wanted = _day(day)
    try:
        with ctx.sessions() as session:
            scope = hall_scope(session, staff, org)
    except DashboardRefused as exc:
        raise ConsoleError(exc.status, exc.message) from None
    figures = hall_day(ctx.sessions, scope.org.code, wanted)
    return render_for(
        request, settings, staff, "hall_stats.html", {"scope": scope, "st": figures, "labels": CATEGORIES}
    )
