"""The hall dashboard's figures (大厅监控), read from the back office's tables: every window's
cases and ratings, whatever machine took them.

Scope: a supervisor sees an org unit they pick among their own and the units below it, with
every unit below the one picked; a department head the same units, narrowed to the cases of
the departments they belong to. The figures are today's and this month's (China's dates):
cases received (受理登记), accepted (受理, 容缺, 告知承诺, 即办), one-time notices (一次性告知),
refused (不予受理), decided and delivered, ratings and 差评 — by window, clerk, department and
matter. Two reads for the figures (cases, ratings) and one for the overdue 差评 work orders;
the grouping is done here, so both backends count alike.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.ratings import is_bad
from client.domain.states import CaseState

from ..db import Case, Department, Device, OrgUnit, Rating, StaffDepartment, User, WorkOrder
from ..deadlines import CST, china_date
from ..scope import subunits
from ..work_orders import DONE, STATES
from .errors import ViewRefused
from .staff import Staff

DASHBOARD_ROLES = ("department_head", "supervisor")
ACCEPTED_OUTCOMES = ("accept", "accept_tolerant", "pledge", "conclude")  # sync.server.events._INITIAL_STATE
NOTICE_OUTCOME = "notify_missing"
# A case the back office decided: `decided_at` is stamped by every back-office step (补正, 特别程序
# too), so only a case past its decision counts, at the time of its last step.
DECIDED_STATES = tuple(
    s.value
    for s in (CaseState.APPROVED, CaseState.DENIED, CaseState.RESULT_READY, CaseState.DELIVERED, CaseState.MAILED)
)
REFUSED_OUTCOME = "refuse"
NO_WINDOW = "（未记录窗口）"
NO_CLERK = "（未记录经办人）"
UNROUTED = "未分办"
MAX_CODE = 32  # org_units.code


class DashboardRefused(ViewRefused):
    """Not this person's page or org unit: `message` is shown as it is."""


@dataclass(frozen=True)
class OrgOption:
    code: str
    name: str


@dataclass(frozen=True)
class HallScope:
    """What the person looks at: the unit picked and those below it, and for a department
    head their departments (None: every department)."""

    org: OrgOption
    orgs: tuple[OrgOption, ...]  # what they may pick
    org_codes: tuple[str, ...]  # the unit picked and every unit below it
    department_ids: tuple[int, ...] | None
    department_names: tuple[str, ...]  # a department head's departments, for the page


@dataclass(frozen=True)
class Figures:
    name: str
    received: int = 0
    accepted: int = 0
    notices: int = 0
    refused: int = 0
    decided: int = 0
    delivered: int = 0
    ratings: int = 0
    bad: int = 0


@dataclass(frozen=True)
class Period:
    key: str  # today / month
    label: str
    start: dt.date
    total: Figures
    by_window: tuple[Figures, ...]
    by_clerk: tuple[Figures, ...]
    by_department: tuple[Figures, ...]
    by_matter: tuple[Figures, ...]


@dataclass(frozen=True)
class BreakdownRow:
    name: str
    today: Figures
    month: Figures


@dataclass(frozen=True)
class Breakdown:
    key: str  # window / clerk / department / matter
    title: str
    heading: str  # the first column's heading
    rows: tuple[BreakdownRow, ...]  # everything seen this month, busiest first


@dataclass(frozen=True)
class OverdueOrder:
    id: int
    case_no: str
    case_no_display: str
    matter_name: str
    department: str
    due: dt.date  # the date that has passed: the ledger's for a problem put in the 台账
    status: str  # label


@dataclass(frozen=True)
class Dashboard:
    scope: HallScope
    today: dt.date
    as_of: dt.datetime  # China time the figures were read
    periods: tuple[Period, ...]  # today, this month
    breakdowns: tuple[Breakdown, ...]
    open_orders: int
    overdue_orders: tuple[OverdueOrder, ...]


def hall_scope(session: Session, staff: Staff, org_code: str = "") -> HallScope:
    """The person's view on the org unit asked for ("" their own); refused for anyone else."""
    if staff.role not in DASHBOARD_ROLES:
        raise DashboardRefused(403, "大厅监控供科室负责人和窗口主管使用，您的账号角色不能查看。", f"role {staff.role}")
    org_code = org_code.strip() or staff.org_code
    if len(org_code) > MAX_CODE or any(ord(char) < 32 for char in org_code):
        raise DashboardRefused(400, "页面地址中的机构参数无效，请从大厅监控重新进入。", "bad org parameter")
    codes = (staff.org_code, *subunits(session, staff.org_code))
    if org_code not in codes:
        raise DashboardRefused(
            403, "您无权查看该机构：只能查看本机构及其下级机构的数据。", f"org {org_code[:MAX_CODE]}"
        )
    names = dict(session.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(codes))).all())
    orgs = tuple(OrgOption(code, names.get(code, code)) for code in codes)
    department_ids: tuple[int, ...] | None = None
    department_names: tuple[str, ...] = ()
    if staff.role == "department_head":
        rows = session.execute(
            select(Department.id, Department.name)
            .join(StaffDepartment, StaffDepartment.department_id == Department.id)
            .where(StaffDepartment.username == staff.username, Department.active.is_(True))
            .order_by(Department.code)
        ).all()
        department_ids = tuple(row.id for row in rows)
        department_names = tuple(row.name for row in rows)
    below = (org_code, *subunits(session, org_code))
    return HallScope(OrgOption(org_code, names.get(org_code, org_code)), orgs, below, department_ids, department_names)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight in China, the start of a hall's day."""
    return dt.datetime.combine(day, dt.time(), tzinfo=CST)


def dashboard(session: Session, scope: HallScope, now: dt.datetime | None = None) -> Dashboard:
    now = now or dt.datetime.now(dt.UTC)
    today = china_date(now)
    starts = {"today": day_start(today), "month": day_start(today.replace(day=1))}
    counts: dict[str, _Counts] = {key: _Counts() for key in starts}
    _count_cases(session, scope, starts, counts)
    _count_ratings(session, scope, starts, counts)
    names = _names(session, counts.values())
    labels = {"today": "今日", "month": "本月"}
    periods = tuple(counts[key].period(key, labels[key], china_date(starts[key]), names) for key in starts)
    open_orders, overdue = _work_orders(session, scope, today)
    return Dashboard(scope, today, now.astimezone(CST), periods, _breakdowns(*periods), open_orders, overdue)


_BREAKDOWNS = (
    ("window", "按窗口", "窗口"),
    ("clerk", "按经办人", "经办人"),
    ("department", "按科室", "科室"),
    ("matter", "按事项", "事项"),
)


def _breakdowns(today: Period, month: Period) -> tuple[Breakdown, ...]:
    """Each dimension's rows with today's and the month's figures side by side."""
    found = []
    for key, title, heading in _BREAKDOWNS:
        of_today = {f.name: f for f in getattr(today, f"by_{key}")}
        rows = tuple(
            BreakdownRow(f.name, of_today.get(f.name, Figures(f.name)), f) for f in getattr(month, f"by_{key}")
        )
        found.append(Breakdown(key, title, heading, rows))
    return tuple(found)


# ---- counting --------------------------------------------------------------------------------

_FIELDS = ("received", "accepted", "notices", "refused", "decided", "delivered", "ratings", "bad")
_DIMENSIONS = ("window", "clerk", "department", "matter")


@dataclass
class _Counts:
    """One period's tallies, by dimension and key (window name, username, department id, matter)."""

    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by: dict[str, dict[object, dict[str, int]]] = field(
        default_factory=lambda: {dim: defaultdict(lambda: defaultdict(int)) for dim in _DIMENSIONS}
    )

    def add(self, keys: dict[str, object], what: str) -> None:
        self.total[what] += 1
        for dim, key in keys.items():
            self.by[dim][key][what] += 1

    def period(self, key: str, label: str, start: dt.date, names: dict[str, dict[object, str]]) -> Period:
        def figures(dim: str) -> tuple[Figures, ...]:
            found = [_figures(names[dim].get(k, str(k)), tally) for k, tally in self.by[dim].items()]
            return tuple(sorted(found, key=lambda f: (-f.received, -f.ratings, f.name)))

        return Period(
            key,
            label,
            start,
            _figures("合计", self.total),
            figures("window"),
            figures("clerk"),
            figures("department"),
            figures("matter"),
        )


def _figures(name: str, tally: dict[str, int]) -> Figures:
    return Figures(name, **{what: tally.get(what, 0) for what in _FIELDS})


def in_scope(scope: HallScope, org_column: Any, department_column: Any) -> list[ColumnElement[bool]]:
    """The rows of the units in view, and for a department head of their departments only."""
    found: list[ColumnElement[bool]] = [org_column.in_(scope.org_codes)]
    if scope.department_ids is not None:
        found.append(department_column.in_(scope.department_ids) if scope.department_ids else false())
    return found


def _count_cases(
    session: Session, scope: HallScope, starts: dict[str, dt.datetime], counts: dict[str, _Counts]
) -> None:
    earliest = min(starts.values())
    query = (
        select(
            Case.received_at,
            Case.decided_at,
            Case.delivered_at,
            Case.status,
            Case.payload["outcome"].as_string().label("outcome"),
            Case.payload["clerk"].as_string().label("clerk"),
            Case.department_id,
            Case.matter_name,
            Device.name.label("window"),
        )
        .outerjoin(Device, Device.id == Case.device_id)
        .where(
            *in_scope(scope, Case.org_code, Case.department_id),
            or_(Case.received_at >= earliest, Case.decided_at >= earliest, Case.delivered_at >= earliest),
        )
    )
    for row in session.execute(query):
        keys = {
            "window": row.window or NO_WINDOW,
            "clerk": row.clerk or "",
            "department": row.department_id,
            "matter": row.matter_name,
        }
        for period, start in starts.items():
            tally = counts[period]
            if row.received_at >= start:
                tally.add(keys, "received")
                if row.outcome in ACCEPTED_OUTCOMES:
                    tally.add(keys, "accepted")
                elif row.outcome == NOTICE_OUTCOME:
                    tally.add(keys, "notices")
                elif row.outcome == REFUSED_OUTCOME:
                    tally.add(keys, "refused")
            if row.status in DECIDED_STATES and row.decided_at is not None and row.decided_at >= start:
                tally.add(keys, "decided")
            if row.delivered_at is not None and row.delivered_at >= start:
                tally.add(keys, "delivered")


def _count_ratings(
    session: Session, scope: HallScope, starts: dict[str, dt.datetime], counts: dict[str, _Counts]
) -> None:
    """Every rating (pad and 扫码评价) by when it was given; a web rating counts for the window
    that served the case (its device)."""
    query = (
        select(
            Rating.rated_at,
            Rating.level,
            func.coalesce(Device.name, Rating.window).label("window"),
            Rating.clerk,
            Rating.department_id,
            Case.matter_name,
        )
        .join(Case, Case.id == Rating.case_id)
        .outerjoin(Device, Device.id == Rating.device_id)
        .where(*in_scope(scope, Rating.org_code, Rating.department_id), Rating.rated_at >= min(starts.values()))
    )
    for row in session.execute(query):
        keys = {
            "window": row.window or NO_WINDOW,
            "clerk": row.clerk or "",
            "department": row.department_id,
            "matter": row.matter_name,
        }
        for period, start in starts.items():
            if row.rated_at >= start:
                counts[period].add(keys, "ratings")
                if is_bad(row.level):
                    counts[period].add(keys, "bad")


def _names(session: Session, counts: Iterable[_Counts]) -> dict[str, dict[object, str]]:
    """Display names for the keys: clerks from `users` (their username when unknown),
    departments from `departments`; windows and matters are named already."""
    tallies = list(counts)
    usernames = {k for c in tallies for k in c.by["clerk"] if k}
    dept_ids = {k for c in tallies for k in c.by["department"] if k is not None}
    clerks: dict[object, str] = {"": NO_CLERK}
    if usernames:
        rows = session.execute(select(User.username, User.display_name).where(User.username.in_(usernames)))
        clerks.update({row.username: row.display_name or row.username for row in rows})
    clerks.update({name: str(name) for name in usernames if name not in clerks})
    departments: dict[object, str] = {None: UNROUTED}
    if dept_ids:
        rows = session.execute(select(Department.id, Department.name).where(Department.id.in_(dept_ids)))
        departments.update({row.id: row.name for row in rows})
    windows = {k: str(k) for c in tallies for k in c.by["window"]}
    matters = {k: str(k) for c in tallies for k in c.by["matter"]}
    return {"window": windows, "clerk": clerks, "department": departments, "matter": matters}


# ---- 差评 work orders ------------------------------------------------------------------------


def _work_orders(session: Session, scope: HallScope, today: dt.date) -> tuple[int, tuple[OverdueOrder, ...]]:
    """The work orders still open, and those past their date: a running one past `due`, one
    put in the 台账 past its `ledger_due` (read from `work_orders` directly)."""
    where = [*in_scope(scope, WorkOrder.org_code, WorkOrder.department_id), WorkOrder.status.not_in(DONE)]
    open_orders = int(session.execute(select(func.count(WorkOrder.id)).where(*where)).scalar_one())
    late = or_(
        and_(WorkOrder.status != "ledger", WorkOrder.due < today),
        and_(WorkOrder.status == "ledger", func.coalesce(WorkOrder.ledger_due, WorkOrder.due) < today),
    )
    query = (
        select(
            WorkOrder.id,
            WorkOrder.status,
            WorkOrder.due,
            WorkOrder.ledger_due,
            Case.case_no,
            Case.matter_name,
            Department.name.label("department"),
        )
        .join(Case, Case.id == WorkOrder.case_id)
        .outerjoin(Department, Department.id == WorkOrder.department_id)
        .where(*where, late)
        .order_by(WorkOrder.due, WorkOrder.id)
    )
    overdue = tuple(
        OverdueOrder(
            id=row.id,
            case_no=row.case_no,
            case_no_display=format_case_no(row.case_no),
            matter_name=row.matter_name,
            department=row.department or UNROUTED,
            due=(row.ledger_due or row.due) if row.status == "ledger" else row.due,
            status=STATES.get(row.status, row.status),
        )
        for row in session.execute(query)
    )
    return open_orders, overdue
