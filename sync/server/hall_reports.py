"""The hall's (or county's) daily window report and monthly 满意指数 report, from the back
office's own tables: every window's cases and ratings, not one window's local store.

An org unit's report covers it and every unit below it (`scope.subunits`). Days and months
are China dates; the database keeps UTC, so each period is turned into a UTC interval once.
The figures fill the same data classes (`reports.statistics`) the window's own report uses,
so the PDF and the .xlsx print them with the same arithmetic.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.deadlines import working_days_between
from client.domain.ratings import CHANNELS, INDICATORS, OVERALL, is_bad, reason_label
from client.domain.ratings import label as level_label
from client.domain.states import LABELS, CaseState
from reports.statistics import (
    BadRating,
    ClerkTally,
    DailyWindowStats,
    DeadlineCase,
    DepartmentScore,
    IndicatorRatings,
    MatterOutcome,
    MonthlySatisfaction,
    WindowTally,
)
from sync import protocol

from .db import Case, Department, Device, Event, OrgUnit, Rating, User, WorkOrder, engine_for, session_factory
from .deadlines import CST, NEAR_DUE_WORKING_DAYS, OPEN_STATES, china_date
from .publishing import current_calendar
from .scope import subunits
from .work_orders import STATES

UNROUTED = "未分办"
# The intake's outcome (CaseAcceptedPayload.outcome) → the daily report's column.
_INTAKE_OUTCOME = {
    "accept": "accepted",
    "pledge": "accepted",
    "conclude": "accepted",
    "accept_tolerant": "tolerant",
    "notify_missing": "corrections",
    "refuse": "refused",
}
# What happened later overrides the intake's outcome on the day's report.
_STATUS_OUTCOME = {
    CaseState.WITHDRAWN.value: "withdrawn",
    CaseState.REFUSED.value: "refused",
    CaseState.PENDING_SUPPLEMENT.value: "corrections",
}
OUTCOME_KEYS = ("accepted", "tolerant", "corrections", "refused", "withdrawn")
# Work order states whose problem is settled (整改率's numerator); 回访 is a recorded call-back time.
RECTIFIED = frozenset({"rectified", "explained", "closed"})

CORRECTIONS_NOTE = "一次性告知按受理时出具告知书及当前处于“待补正”状态的办件计。"
NO_WINDOW_RATINGS = "本厅当月尚无好差评数据。"


class UnknownOrgUnit(LookupError):
    """The org unit asked for does not exist; `message` is shown to staff."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.message = f"没有编码为 {code} 的机构"


@dataclass(frozen=True)
class Scope:
    """An org unit and the units below it: the report's reach."""

    code: str
    name: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    # A department head's report: only the cases (and so the ratings) of these departments.
    departments: tuple[int, ...] | None = None
    department_names: tuple[str, ...] = ()

    def cases(self) -> list[ColumnElement[bool]]:
        """The conditions on `Case` that keep a query inside the scope."""
        found: list[ColumnElement[bool]] = [Case.org_code.in_(self.codes)]
        if self.departments is not None:
            found.append(Case.department_id.in_(self.departments))
        return found

    def notes(self) -> tuple[str, ...]:
        if self.departments is None:
            return ()
        return (f"本报表只含{'、'.join(self.department_names) or '（无科室）'}的办件和评价。",)


def scope_of(session: Session, org_code: str, departments: tuple[int, ...] | None = None) -> Scope:
    """The org unit and every unit below it; with `departments`, only those departments' cases."""
    org = session.get(OrgUnit, org_code)
    if org is None:
        raise UnknownOrgUnit(org_code)
    codes = (org_code, *subunits(session, org_code))
    names = {r.code: r.name for r in session.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(codes)))}
    dept_names: tuple[str, ...] = ()
    if departments is not None:
        rows = session.execute(select(Department.name).where(Department.id.in_(departments)).order_by(Department.code))
        dept_names = tuple(rows.scalars())
    return Scope(org_code, org.name, codes, tuple(names[c] for c in codes), departments, dept_names)


def utc_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """China days first..last (inclusive) as a half-open UTC interval (the tables keep UTC)."""
    start = dt.datetime.combine(first, dt.time(), CST).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), CST).astimezone(dt.UTC)
    return start, end


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=month_calendar.monthrange(first.year, first.month)[1])


def _outcome(case: Case) -> str:
    later = _STATUS_OUTCOME.get(case.status)
    if later:
        return later
    return _INTAKE_OUTCOME.get(str((case.payload or {}).get("outcome", "accept")), "accepted")


def _clerk_of(case: Case) -> str:
    return str((case.payload or {}).get("clerk") or "")


def _names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(u for u in usernames if u))
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {r.username: r.display_name for r in rows}


def _window_names(session: Session, device_ids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted(set(d for d in device_ids if d))
    if not wanted:
        return {}
    rows = session.execute(select(Device.id, Device.name, Device.device_code).where(Device.id.in_(wanted)))
    return {r.id: f"{r.name}（{r.device_code}）" for r in rows}


def _department_names(session: Session, codes: tuple[str, ...]) -> dict[int, str]:
    rows = session.execute(select(Department.id, Department.name).where(Department.org_code.in_(codes)))
    return {r.id: r.name for r in rows}


def daily(
    session: Session, org_code: str, day: dt.date, departments: tuple[int, ...] | None = None
) -> DailyWindowStats:
    """综合窗口日报 of a hall or county: the cases every window in scope took in on `day`
    (China date), by matter, clerk and window; results handed out; ratings given."""
    scope = scope_of(session, org_code, departments)
    start, end = utc_bounds(day, day)
    cases = (
        session.execute(
            select(Case)
            .where(*scope.cases(), Case.received_at >= start, Case.received_at < end)
            .order_by(Case.received_at, Case.case_no)
        )
        .scalars()
        .all()
    )
    # Who handed the result out is on the window's case.delivered event, not on the case row.
    delivered = session.execute(
        select(Event.device_id, Case.received_at, Case.delivered_at, Event.payload)
        .join(Case, Case.id == Event.case_id)
        .where(
            *scope.cases(),
            Case.delivered_at >= start,
            Case.delivered_at < end,
            Event.type == protocol.CASE_DELIVERED,
            Event.status == "acked",
        )
    ).all()
    ratings = session.execute(
        select(Rating.device_id, Rating.level)
        .join(Case, Case.id == Rating.case_id)
        .where(*scope.cases(), Rating.rated_at >= start, Rating.rated_at < end)
    ).all()
    by_matter: dict[str, Counter] = defaultdict(Counter)
    by_clerk: dict[str, Counter] = defaultdict(Counter)
    by_window: dict[str, Counter] = defaultdict(Counter)
    for case in cases:
        outcome = _outcome(case)
        by_matter[case.matter_name][outcome] += 1
        for tally in (by_clerk[_clerk_of(case)], by_window[case.device_id or ""]):
            tally[outcome] += 1
            tally["cases"] += 1
    for device_id, _, _, payload in delivered:
        by_window[device_id or ""]["delivered"] += 1
        by_clerk[str((payload or {}).get("clerk") or "")]["delivered"] += 1
    for device_id, level in ratings:
        by_window[device_id or ""]["ratings"] += 1
        by_window[device_id or ""]["bad"] += int(is_bad(level))
    names = _names(session, by_clerk)
    windows = _window_names(session, by_window)
    matters = tuple(
        MatterOutcome(name, **{k: c[k] for k in OUTCOME_KEYS})
        for name, c in sorted(by_matter.items(), key=lambda kv: (-sum(kv[1][k] for k in OUTCOME_KEYS), kv[0]))
    )
    clerks = tuple(
        ClerkTally(
            names.get(login, login or "未记录"),
            c["cases"],
            c["accepted"] + c["tolerant"],
            c["corrections"],
            c["refused"],
            c["delivered"],
        )
        for login, c in sorted(by_clerk.items(), key=lambda kv: (-kv[1]["cases"], kv[0]))
    )
    window_rows = tuple(
        WindowTally(
            windows.get(device, "未登记设备"),
            c["cases"],
            c["accepted"] + c["tolerant"],
            c["corrections"],
            c["refused"],
            c["delivered"],
            c["ratings"],
            c["bad"],
        )
        for device, c in sorted(by_window.items(), key=lambda kv: (windows.get(kv[0], "~"), kv[0]))
    )
    spans = [(out - received).total_seconds() / 86400 for _, received, out, _ in delivered if out and received]
    return DailyWindowStats(
        scope.name,
        day,
        matters,
        clerks,
        delivered=len(delivered),
        avg_handling_days=sum(spans) / len(spans) if spans else None,
        notes=(CORRECTIONS_NOTE, *scope.notes()),
        windows=window_rows,
        scope=scope.names,
    )


def monthly(
    session: Session,
    org_code: str,
    month: dt.date,
    today: dt.date | None = None,
    departments: tuple[int, ...] | None = None,
) -> MonthlySatisfaction:
    """月度好差评满意度报告 of a hall or county: every rating given in the month (China dates)
    in scope, the department ranking from them, the 差评 with their work orders' state, and
    the cases at or past their deadline as of `today` (suspended cases are not running)."""
    scope = scope_of(session, org_code, departments)
    first, last = month_bounds(month)
    as_of = min(today or china_date(dt.datetime.now(dt.UTC)), last)
    start, end = utc_bounds(first, last)
    dept_names = _department_names(session, scope.codes)

    month_cases = session.execute(
        select(Case.department_id).where(*scope.cases(), Case.received_at >= start, Case.received_at < end)
    ).scalars()
    dept_cases: Counter = Counter(month_cases)
    case_count = sum(dept_cases.values())

    rows = session.execute(
        select(Rating, Case.case_no, Case.matter_name, Case.department_id, WorkOrder)
        .join(Case, Case.id == Rating.case_id)
        .outerjoin(WorkOrder, WorkOrder.rating_id == Rating.id)
        .where(*scope.cases(), Rating.rated_at >= start, Rating.rated_at < end)
        .order_by(Rating.rated_at, Rating.id)
    ).all()
    counts = {name: [0, 0, 0, 0, 0] for name in INDICATORS}
    dept_levels: dict[int | None, list[int]] = defaultdict(list)
    people = _names(session, [r.Rating.clerk for r in rows] + [o.handled_by or "" for *_, o in rows if o])
    windows = _window_names(session, [r.Rating.device_id for r in rows])
    bad: list[BadRating] = []
    orders = called_back = rectified = 0
    for rating, case_no, matter, department_id, order in rows:
        counts[OVERALL][5 - rating.level] += 1
        for name, level in (rating.indicators or {}).items():
            if name in counts and name != OVERALL and 1 <= int(level) <= 5:
                counts[name][5 - int(level)] += 1
        dept_levels[department_id].append(rating.level)
        if order is not None:
            orders += 1
            called_back += order.called_back_at is not None
            rectified += order.status in RECTIFIED
        if is_bad(rating.level):
            department = dept_names.get(department_id, UNROUTED) if department_id else UNROUTED
            bad.append(
                BadRating(
                    case_no,
                    matter,
                    people.get(rating.clerk, rating.clerk or "—"),
                    level_label(rating.level),
                    china_date(rating.rated_at),
                    comment=rating.comment or "",
                    status=STATES.get(order.status, order.status) if order else "未建工单",
                    responsible=department,
                    rectify_by=(order.ledger_due or order.due) if order else None,
                    window=windows.get(rating.device_id or "", rating.window or "—"),
                    department=department,
                    reason=reason_label(rating.reason) if rating.reason else "",
                    channel=CHANNELS.get(rating.channel, rating.channel),
                    second_round=rating.round > 1,
                )
            )
    overdue, near, dept_overdue = _deadlines(session, scope, as_of, dept_names)
    scores = tuple(
        _department_score(
            dept_names.get(d, UNROUTED) if d else UNROUTED, dept_cases[d], dept_levels[d], dept_overdue[d]
        )
        for d in sorted(set(dept_cases) | set(dept_levels) | set(dept_overdue), key=lambda d: (d is None, d or 0))
    )
    indicators = tuple(IndicatorRatings(name, _five(counts[name])) for name in INDICATORS)
    notes = list(scope.notes())
    if not rows:
        notes.append(NO_WINDOW_RATINGS)
    return MonthlySatisfaction(
        scope.name,
        first,
        as_of,
        indicators,
        tuple(bad),
        overdue,
        near,
        scores,
        cases=case_count,
        notes=tuple(notes),
        scope=scope.names,
        work_orders=orders,
        called_back_orders=called_back,
        rectified_orders=rectified,
    )


def _five(counts: list[int]) -> tuple[int, int, int, int, int]:
    a, b, c, d, e = counts
    return a, b, c, d, e


def _department_score(name: str, cases: int, levels: list[int], overdue: int) -> DepartmentScore:
    counts = [levels.count(level) for level in (5, 4, 3, 2, 1)]
    index = IndicatorRatings(name, _five(counts)).index
    return DepartmentScore(name, cases, len(levels), index, counts[3] + counts[4], overdue)


def _deadlines(
    session: Session, scope: Scope, as_of: dt.date, dept_names: dict[int, str]
) -> tuple[tuple[DeadlineCase, ...], tuple[DeadlineCase, ...], Counter]:
    """Running cases (clock not paused) past their due date, and those due within
    NEAR_DUE_WORKING_DAYS working days; overdue counted per department."""
    work_calendar = current_calendar(session)
    running = session.execute(
        select(Case)
        .where(*scope.cases(), Case.status.in_(OPEN_STATES), Case.due.is_not(None))
        .order_by(Case.due, Case.case_no)
    ).scalars()
    overdue: list[DeadlineCase] = []
    near: list[DeadlineCase] = []
    per_department: Counter = Counter()
    cases = list(running)
    names = _names(session, [_clerk_of(c) for c in cases])
    for case in cases:
        assert case.due is not None
        clerk = names.get(_clerk_of(case), _clerk_of(case))
        label = LABELS.get(CaseState(case.status), case.status)
        if case.due < as_of:
            overdue.append(
                DeadlineCase(case.case_no, case.matter_name, clerk, case.due, label, (as_of - case.due).days)
            )
            per_department[case.department_id] += 1
        else:
            left = working_days_between(as_of, case.due, work_calendar)
            if left <= NEAR_DUE_WORKING_DAYS:
                near.append(DeadlineCase(case.case_no, case.matter_name, clerk, case.due, label, left))
    return tuple(overdue), tuple(near), per_department


def daily_report(
    db: str | Engine, org_code: str, day: dt.date, departments: tuple[int, ...] | None = None
) -> DailyWindowStats:
    """`daily` in a session of its own (the CLI's and the console's entry)."""
    with engine_for(db) as engine, session_factory(engine)() as session:
        return daily(session, org_code, day, departments)


def monthly_report(
    db: str | Engine,
    org_code: str,
    month: dt.date,
    today: dt.date | None = None,
    departments: tuple[int, ...] | None = None,
) -> MonthlySatisfaction:
    """`monthly` in a session of its own (the CLI's and the console's entry)."""
    with engine_for(db) as engine, session_factory(engine)() as session:
        return monthly(session, org_code, month, today, departments)


ReportKind = Literal["daily", "monthly"]
FileFormat = Literal["pdf", "xlsx"]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ReportFile:
    """A rendered report as staff download it."""

    filename: str
    media_type: str
    body: bytes


def render_report(stats: DailyWindowStats | MonthlySatisfaction, fmt: FileFormat) -> ReportFile:
    """The PDF or .xlsx of a daily or monthly report, named by org unit and period."""
    from reports.statistics_pdf import render_daily_report, render_monthly_report
    from reports.statistics_xlsx import daily_xlsx, monthly_xlsx

    if isinstance(stats, DailyWindowStats):
        name = f"窗口日报-{stats.office_name}-{stats.day.isoformat()}.{fmt}"
        body = render_daily_report(stats) if fmt == "pdf" else daily_xlsx(stats)
    else:
        name = f"满意度月报-{stats.office_name}-{stats.month:%Y-%m}.{fmt}"
        body = render_monthly_report(stats) if fmt == "pdf" else monthly_xlsx(stats)
    return ReportFile(name, MEDIA_TYPES[fmt], body)
