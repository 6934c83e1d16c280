"""The 限时办结 board's rows: every case of the units in view whose clock runs (deadlines.OPEN_STATES)
or is paused (特别程序), with the working days left on the server's calendar and its card.

A suspended case shows 暂停计时 and never a card, however its date stands; an extended case
(§42, approved by the head) is marked 已延期. The approver who holds a case is whoever decides in
its department (`staff_departments`, role approver), as the inbox knows it: cases are not
assigned to one person. One read of the cases, one of the departments' approvers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.deadlines import WorkCalendar
from client.domain.states import LABELS, CaseState

from ..db import Case, Department, OrgUnit, StaffDepartment, User
from ..deadlines import NEAR_DUE_WORKING_DAYS, OPEN_STATES, china_date, working_days_between
from ..decisions import APPROVED, EXTENSION_KEY
from ..publishing import current_calendar
from .dashboard_query import MAX_CODE, UNROUTED, DashboardRefused, HallScope, in_scope

MAX_ROWS = 1000  # a county hall has far fewer open cases; a city's top unit is cut, and says so

Card = Literal["", "red", "yellow", "paused"]
Show = Literal["", "red", "yellow", "paused", "extended"]
SHOWS: tuple[Show, ...] = get_args(Show)
_SHOW_NAMED: dict[str, Show] = {name: name for name in SHOWS}  # narrows a typed text to the choice
SHOW_LABELS: dict[Show, str] = {
    "": "全部在办",
    "red": "红牌（已超期）",
    "yellow": "黄牌（临近到期）",
    "paused": "暂停计时（特别程序）",
    "extended": "已延期",
}


@dataclass(frozen=True)
class Approver:
    username: str
    name: str


@dataclass(frozen=True)
class BoardRow:
    case_no: str
    case_no_display: str
    matter_name: str
    org_name: str
    department_id: int | None
    department: str
    approvers: tuple[str, ...]  # names
    accepted: dt.date
    due: dt.date | None
    working_days_left: int | None  # negative: overdue by that many; None: paused or no due date
    card: Card
    status: str  # label
    extended: bool


@dataclass(frozen=True)
class DepartmentGroup:
    name: str
    rows: tuple[BoardRow, ...]
    red: int
    yellow: int


@dataclass(frozen=True)
class Board:
    today: dt.date
    groups: tuple[DepartmentGroup, ...]
    total: int
    red: int
    yellow: int
    paused: int
    extended: int
    cut: bool  # more than MAX_ROWS cases: the nearest due are shown
    departments: tuple[tuple[int, str], ...]  # (id, name) to filter by
    approvers: tuple[Approver, ...]  # to filter by


@dataclass(frozen=True)
class BoardFilter:
    department: int | None = None
    approver: str = ""
    show: Show = ""


def parse_filter(department: str, approver: str, show: str) -> BoardFilter:
    """What the address bar asks; anything else is refused in Chinese."""
    department, approver = department.strip(), approver.strip()
    chosen = _SHOW_NAMED.get(show)
    if chosen is None or len(approver) > 64 or len(department) > MAX_CODE:
        raise DashboardRefused(400, "筛选条件无效，请在页面上重新选择。", "unknown choice")
    if department and not (department.isascii() and department.isdigit()):
        raise DashboardRefused(400, "筛选条件无效，请在页面上重新选择。", "bad department")
    if any(ord(char) < 32 or ord(char) == 127 for char in approver):
        raise DashboardRefused(400, "筛选条件无效，请在页面上重新选择。", "control characters")
    return BoardFilter(int(department) if department else None, approver, chosen)


def board(session: Session, scope: HallScope, filt: BoardFilter, today: dt.date | None = None) -> Board:
    today = today or china_date(dt.datetime.now(dt.UTC))
    calendar = current_calendar(session)
    extension_state = Case.payload[(EXTENSION_KEY, "state")].as_string().label("extension_state")
    query = (
        select(
            Case.case_no,
            Case.matter_name,
            Case.received_at,
            Case.due,
            Case.status,
            Case.department_id,
            OrgUnit.name.label("org_name"),
            extension_state,
        )
        .join(OrgUnit, OrgUnit.code == Case.org_code)
        .where(
            *in_scope(scope, Case.org_code, Case.department_id),
            Case.status.in_((*OPEN_STATES, CaseState.SUSPENDED.value)),
        )
    )
    rows = list(session.execute(query.order_by(Case.due, Case.case_no)))
    dept_ids = {row.department_id for row in rows if row.department_id is not None}
    if scope.department_ids is not None:
        dept_ids |= set(scope.department_ids)
    names = _department_names(session, dept_ids)
    approvers_of = _approvers(session, dept_ids)
    found = [_row(row, today, calendar, names, approvers_of) for row in rows]
    if filt.department is not None:
        found = [r for r in found if r.department_id == filt.department]
    if filt.approver:
        holds = {d for d, people in approvers_of.items() if any(p.username == filt.approver for p in people)}
        found = [r for r in found if r.department_id in holds]
    every = found
    if filt.show:
        found = [r for r in found if _shown(r, filt.show)]
    cut = len(found) > MAX_ROWS
    found = found[:MAX_ROWS]
    groups: dict[str, list[BoardRow]] = {}
    for r in found:
        groups.setdefault(r.department, []).append(r)
    approver_options = sorted(
        {p for people in approvers_of.values() for p in people}, key=lambda p: (p.name, p.username)
    )
    return Board(
        today=today,
        groups=tuple(
            DepartmentGroup(
                name,
                tuple(members),
                sum(r.card == "red" for r in members),
                sum(r.card == "yellow" for r in members),
            )
            for name, members in sorted(groups.items())
        ),
        total=len(every),
        red=sum(r.card == "red" for r in every),
        yellow=sum(r.card == "yellow" for r in every),
        paused=sum(r.card == "paused" for r in every),
        extended=sum(r.extended for r in every),
        cut=cut,
        departments=tuple(sorted(((i, n) for i, n in names.items()), key=lambda item: item[1])),
        approvers=tuple(approver_options),
    )


def _shown(row: BoardRow, show: Show) -> bool:
    return row.extended if show == "extended" else row.card == show


def _department_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())


def _approvers(session: Session, ids: set[int]) -> dict[int, tuple[Approver, ...]]:
    """Who decides in each department: its active approvers (heads decide too, but hold no
    case until an approver asks them)."""
    if not ids:
        return {}
    rows = session.execute(
        select(StaffDepartment.department_id, User.username, User.display_name)
        .join(User, User.username == StaffDepartment.username)
        .where(StaffDepartment.department_id.in_(ids), User.role == "approver", User.active.is_(True))
        .order_by(User.display_name, User.username)
    )
    found: dict[int, list[Approver]] = {}
    for row in rows:
        found.setdefault(row.department_id, []).append(Approver(row.username, row.display_name or row.username))
    return {dept: tuple(people) for dept, people in found.items()}


def _row(
    row: Any,
    today: dt.date,
    calendar: WorkCalendar,
    names: dict[int, str],
    approvers_of: dict[int, tuple[Approver, ...]],
) -> BoardRow:
    paused = row.status == CaseState.SUSPENDED.value
    left = None if paused or row.due is None else working_days_between(today, row.due, calendar)
    card: Card = "paused" if paused else ""
    if left is not None and row.due is not None:
        card = "red" if row.due < today else "yellow" if left <= NEAR_DUE_WORKING_DAYS else ""
    return BoardRow(
        case_no=row.case_no,
        case_no_display=format_case_no(row.case_no),
        matter_name=row.matter_name,
        org_name=row.org_name,
        department_id=row.department_id,
        department=names.get(row.department_id, UNROUTED) if row.department_id is not None else UNROUTED,
        approvers=tuple(p.name for p in approvers_of.get(row.department_id, ())),
        accepted=china_date(row.received_at),
        due=row.due,
        working_days_left=left,
        card=card,
        status=LABELS[CaseState(row.status)],
        extended=row.extension_state == APPROVED,
    )
