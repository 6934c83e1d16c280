"""The 工作台 (GET /console/): who is signed in, their role, org unit and departments."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..departments import staff_departments
from ..deps import Ctx
from .deps import CurrentStaff, Settings
from .pages import render_for
from .settings import PREFIX

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/")
def home(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff) -> Response:
    departments = tuple(d.name for d in staff_departments(ctx.engine, staff.username) if d.active)
    return render_for(
        request,
        settings,
        staff,
        "home.html",
        {
            "departments": departments,
            "idle_minutes": settings.idle_minutes,
            "absolute_hours": int(settings.absolute_timeout.total_seconds() // 3600),
        },
    )
