"""统计报表 in the console (GET /console/reports): the hall's daily window report and monthly
满意指数 report for an org unit the person may see, as PDF or .xlsx, with the first page shown.

The hall supervisor may pick their own org unit or any unit below it; a department head the
same org units, but the figures cover only the departments they work in (their cases and the
ratings of those cases). Every parameter comes from the address bar and is checked here;
the figures come from `hall_reports`, the files from the reports package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from reports.errors import ReportError
from reports.preview import pdf_page_png
from reports.statistics import DailyWindowStats, MonthlySatisfaction

from ..db import Department, OrgUnit, StaffDepartment
from ..deadlines import china_date
from ..deps import Ctx
from ..hall_reports import FileFormat, ReportFile, daily, monthly, render_report
from ..scope import subunits
from .deps import CurrentStaff, Settings
from .errors import ConsoleError
from .pages import render_for
from .settings import PREFIX
from .staff import Staff

router = APIRouter(prefix=PREFIX, include_in_schema=False)

REPORT_ROLES = ("supervisor", "department_head")
KINDS = {"daily": "综合窗口日报", "monthly": "好差评满意度月报"}
FORMATS: tuple[FileFormat, ...] = ("pdf", "xlsx")
NOT_YOURS = "统计报表供窗口主管和科室负责人使用，您的账号角色不能查看。"
OTHER_ORG = "您只能查看本机构及下级机构的统计报表。"
BAD_PERIOD = "日期格式不正确：日报请选择日期（年-月-日），月报请选择月份（年-月）。"
FILE_HEADERS = {"Cache-Control": "private, no-store"}


@dataclass(frozen=True)
class ReportAsk:
    """What the page's form asked for, checked."""

    kind: Literal["daily", "monthly"]
    org: str
    day: dt.date  # the day (daily) or the first of the month (monthly)

    @property
    def period(self) -> str:
        return self.day.isoformat() if self.kind == "daily" else f"{self.day:%Y-%m}"

    def query(self, **more: str) -> str:
        return urlencode({"kind": self.kind, "org": self.org, "period": self.period, **more})


def _allowed(staff: Staff) -> None:
    if staff.role not in REPORT_ROLES:
        raise ConsoleError(403, NOT_YOURS)


def _org_choices(session: Session, staff: Staff) -> tuple[tuple[str, str], ...]:
    """(code, name) of the person's org unit and every unit below it, theirs first."""
    codes = (staff.org_code, *subunits(session, staff.org_code))
    names = {r.code: r.name for r in session.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(codes)))}
    return tuple((code, names[code]) for code in codes)


def _departments_of(session: Session, staff: Staff) -> tuple[int, ...] | None:
    """A department head's departments (their figures are limited to them); None: every one."""
    if staff.role != "department_head":
        return None
    rows = session.execute(
        select(Department.id)
        .join(StaffDepartment, StaffDepartment.department_id == Department.id)
        .where(StaffDepartment.username == staff.username)
        .order_by(Department.id)
    )
    return tuple(rows.scalars())


def _parse(kind: str, org: str, period: str, today: dt.date) -> ReportAsk:
    if kind not in KINDS:
        raise ConsoleError(400, "报表种类不正确。")
    text = period.strip()[:10]
    try:
        if kind == "daily":
            day = dt.date.fromisoformat(text) if text else today
        else:
            day = dt.datetime.strptime(text, "%Y-%m").date() if text else today.replace(day=1)
    except ValueError:
        raise ConsoleError(400, BAD_PERIOD) from None
    return ReportAsk("daily" if kind == "daily" else "monthly", org.strip()[:32], day)


def _figures(ctx: Ctx, staff: Staff, ask: ReportAsk) -> DailyWindowStats | MonthlySatisfaction:
    with ctx.sessions() as session:
        if ask.org not in {code for code, _ in _org_choices(session, staff)}:
            raise ConsoleError(403, OTHER_ORG)
        departments = _departments_of(session, staff)
        if ask.kind == "daily":
            return daily(session, ask.org, ask.day, departments)
        return monthly(session, ask.org, ask.day, None, departments)


def _today() -> dt.date:
    return china_date(dt.datetime.now(dt.UTC))


@router.get("/reports")
def reports_page(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    kind: str = "",
    org: str = "",
    period: str = "",
) -> Response:
    _allowed(staff)
    today = _today()
    with ctx.sessions() as session:
        orgs = _org_choices(session, staff)
        departments = _departments_of(session, staff)
        names: tuple[str, ...] = ()
        if departments is not None:
            found = session.execute(
                select(Department.name).where(Department.id.in_(departments)).order_by(Department.code)
            )
            names = tuple(found.scalars())
    ask = _parse(kind, org or staff.org_code, period, today) if kind else None
    stats = _figures(ctx, staff, ask) if ask else None
    return render_for(
        request,
        settings,
        staff,
        "reports.html",
        {
            "orgs": orgs,
            "kinds": KINDS,
            "ask": ask,
            "stats": stats,
            "today": today,
            "department_names": names,
            "limited": departments is not None,
        },
    )


def _file(ctx: Ctx, staff: Staff, kind: str, org: str, period: str, fmt: FileFormat) -> tuple[ReportAsk, ReportFile]:
    _allowed(staff)
    ask = _parse(kind, org, period, _today())
    return ask, render_report(_figures(ctx, staff, ask), fmt)


@router.get("/reports/file")
def report_file(
    ctx: Ctx, staff: CurrentStaff, kind: str = "", org: str = "", period: str = "", format: str = "pdf"
) -> Response:
    if format not in FORMATS:
        raise ConsoleError(400, "文件格式应为 PDF 或 xlsx。")
    ask, done = _file(ctx, staff, kind, org, period, "xlsx" if format == "xlsx" else "pdf")
    ascii_name = f"report-{ask.kind}-{ask.org}-{ask.period}.{format}"
    headers = {
        **FILE_HEADERS,
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(done.filename)}",
    }
    return Response(done.body, media_type=done.media_type, headers=headers)


@router.get("/reports/preview.png")
def report_preview(ctx: Ctx, staff: CurrentStaff, kind: str = "", org: str = "", period: str = "") -> Response:
    _, done = _file(ctx, staff, kind, org, period, "pdf")
    try:
        png = pdf_page_png(done.body, 0, dpi=80)
    except ReportError as exc:
        raise ConsoleError(500, exc.message) from None
    return Response(png, media_type="image/png", headers={**FILE_HEADERS, "Content-Disposition": "inline"})
