"""差评整改 work orders: every 不满意/非常不满意 opens one for the case's department.

The deadline is counted in working days from the day of the rating, by the org unit's own
rule (provincial rules differ: commonly 5 to 15 working days), or by DEFAULT_RULE. Ratings
from every channel (the pad's events, the online page) open them through `open_for_ratings`;
the steps after that (回访, 整改 / 解释 / 列入台账, the supervisor's 办结 or 退回) are the
functions below, each a conditional UPDATE on the state it starts from, so two people acting
at once cannot both move the same work order. The dashboard and the reports read
`overdue_orders` and `rectification_figures` (definitions in docs/rectification.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.deadlines import add_limit
from client.domain.ratings import is_bad
from sync import protocol

from .admin import AdminError
from .db import Case, OrgUnit, Rating, RectificationRule, WorkOrder, WorkOrderStep, engine_for, rows_matched, utcnow
from .deadlines import china_date
from .publishing import current_calendar

STATES = {
    "open": "待回访",
    "called_back": "整改中",
    "ledger": "列入台账",
    "rectified": "已整改",
    "explained": "已解释",
    "closed": "已办结",
}
OPENED = "opened"  # the first WorkOrderStep's action
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Rule:
    working_days: int
    ledger_working_days: int


DEFAULT_RULE = Rule(working_days=10, ledger_working_days=30)


def rule_for(session: Session, org_code: str) -> Rule:
    row = session.get(RectificationRule, org_code)
    return Rule(row.working_days, row.ledger_working_days) if row else DEFAULT_RULE


def open_for_ratings(session: Session, ratings: Iterable[dict]) -> int:
    """Open a work order for each 差评 among `ratings` (rows of the ratings table just
    inserted); returns how many were opened."""
    bad = [r for r in ratings if is_bad(int(r["level"]))]
    if not bad:
        return 0
    calendar = current_calendar(session)
    rules: dict[str, Rule] = {}
    now = utcnow()
    for rating in bad:
        org = rating["org_code"]
        rule = rules.setdefault(org, rule_for(session, org))
        rated_on = china_date(rating["rated_at"])
        due = add_limit(rated_on, rule.working_days, "WD", calendar).due
        order_id = session.execute(
            insert(WorkOrder)
            .values(
                rating_id=rating["id"],
                case_id=rating["case_id"],
                org_code=org,
                department_id=rating.get("department_id"),
                status="open",
                due=due,
                created_at=now,
                updated_at=now,
            )
            .returning(WorkOrder.id)
        ).scalar_one()
        session.add(WorkOrderStep(work_order_id=order_id, action=OPENED, actor=SYSTEM_ACTOR, at=now))
    return len(bad)


def open_orders_of_case(session: Session, case_id: str) -> list[WorkOrder]:
    return list(session.execute(select(WorkOrder).where(WorkOrder.case_id == case_id)).scalars())


def rated_on(moment: dt.datetime) -> dt.date:
    """The China date of a stored (UTC) rating time."""
    return china_date(moment)


# ---- the org unit's rule -----------------------------------------------------------------

MIN_DAYS, MAX_DAYS = 1, 60  # working days a rule may give (provincial rules: 5 to 15 commonly)
MAX_NOTE = 500  # characters of a call-back note, a fix, an explanation or a reason

ACTIONS = {
    OPENED: "差评生成工单",
    "called_back": "回访申请人",
    "rectified": "整改完成",
    "explained": "解释说明",
    "ledger": "列入台账",
    "closed": "办结",
    "reopened": "退回重办",
}
HANDLED = ("rectified", "explained")  # the department's answer, awaiting the supervisor
DONE = (*HANDLED, "closed")  # counted as 整改 (整改率)
RUNNING = ("open", "called_back")  # counted against `due`


class WorkOrderRefused(AdminError):
    """A step refused: `message` is Chinese for the clerk, `code` for the audit."""


def check_rule(working_days: int, ledger_working_days: int) -> Rule:
    """The rule if both limits are within bounds and the ledger's is not the shorter one."""
    for value, what in ((working_days, "整改期限"), (ledger_working_days, "台账期限")):
        if not MIN_DAYS <= value <= MAX_DAYS:
            raise WorkOrderRefused(f"{what}应在{MIN_DAYS}到{MAX_DAYS}个工作日之间", "rule_out_of_bounds")
    if ledger_working_days < working_days:
        raise WorkOrderRefused("台账期限不能短于整改期限", "ledger_shorter")
    return Rule(working_days, ledger_working_days)


def set_rule(session: Session, org_code: str, working_days: int, ledger_working_days: int, by: str) -> Rule:
    """Set the org unit's rule; work orders already open keep the deadline they were given."""
    rule = check_rule(working_days, ledger_working_days)
    if session.get(OrgUnit, org_code) is None:
        raise WorkOrderRefused(f"机构 {org_code[:40]} 不存在", "unknown_org")
    row = session.get(RectificationRule, org_code)
    if row is None:
        row = RectificationRule(org_code=org_code)
        session.add(row)
    row.working_days, row.ledger_working_days = rule.working_days, rule.ledger_working_days
    row.updated_by, row.updated_at = by[:64], utcnow()
    return rule


def set_rule_in(db: str | Engine, org_code: str, working_days: int, ledger_working_days: int, by: str) -> Rule:
    """`set_rule` in a transaction of its own (the CLI's way)."""
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        return set_rule(session, org_code, working_days, ledger_working_days, by)


# ---- the steps -----------------------------------------------------------------------------


def _move(
    session: Session, order_id: int, from_states: tuple[str, ...], action: str, actor: str, note: str, **values: object
) -> None:
    """Move the work order if it is still in one of `from_states`, and keep the step."""
    now = utcnow()
    moved = rows_matched(
        session,
        update(WorkOrder)
        .where(WorkOrder.id == order_id, WorkOrder.status.in_(from_states))
        .values(updated_at=now, **values),
    )
    if not moved:
        raise WorkOrderRefused("工单状态已经变化，请刷新页面后查看最新状态再办理", "state_changed")
    session.add(WorkOrderStep(work_order_id=order_id, action=action, actor=actor[:64], note=note[:MAX_NOTE], at=now))


def call_back(session: Session, order_id: int, actor: str, at: dt.datetime, note: str) -> None:
    """回访: the department called the applicant (at `at`, UTC) and wrote down what was said."""
    _move(
        session,
        order_id,
        ("open",),
        "called_back",
        actor,
        note,
        status="called_back",
        called_back_at=at,
        called_back_by=actor[:64],
        call_back_note=note[:MAX_NOTE],
    )


def rectify(session: Session, order_id: int, actor: str, note: str) -> None:
    """整改: what was fixed (after the call-back, or for a 台账 problem)."""
    _handle(session, order_id, "rectified", actor, note, rectification=note[:MAX_NOTE])


def explain(session: Session, order_id: int, actor: str, note: str) -> None:
    """解释: why nothing needed fixing (the applicant was told so at the call-back)."""
    _handle(session, order_id, "explained", actor, note, explanation=note[:MAX_NOTE])


def _handle(session: Session, order_id: int, status: str, actor: str, note: str, **values: object) -> None:
    now = utcnow()
    _move(
        session,
        order_id,
        ("called_back", "ledger"),
        status,
        actor,
        note,
        status=status,
        handled_by=actor[:64],
        handled_at=now,
        **values,
    )


def to_ledger(session: Session, order_id: int, org_code: str, actor: str, note: str, today: dt.date) -> dt.date:
    """列入台账: a problem that cannot be fixed at once gets the rule's ledger limit from today."""
    rule = rule_for(session, org_code)
    ledger_due = add_limit(today, rule.ledger_working_days, "WD", current_calendar(session)).due
    _move(session, order_id, ("called_back",), "ledger", actor, note, status="ledger", ledger_due=ledger_due)
    return ledger_due


def close(session: Session, order_id: int, actor: str, note: str) -> None:
    """办结 by the supervisor, once the department rectified or explained."""
    _move(session, order_id, HANDLED, "closed", actor, note, status="closed", closed_by=actor[:64], closed_at=utcnow())


def reopen(session: Session, order_id: int, org_code: str, actor: str, reason: str, today: dt.date) -> dt.date:
    """退回重办: back to 待回访 for the department, with a new deadline counted from today; the
    earlier call-back and answer stay in the steps, the row starts afresh."""
    rule = rule_for(session, org_code)
    due = add_limit(today, rule.working_days, "WD", current_calendar(session)).due
    _move(
        session,
        order_id,
        DONE,
        "reopened",
        actor,
        reason,
        status="open",
        due=due,
        ledger_due=None,
        called_back_at=None,
        called_back_by=None,
        call_back_note="",
        rectification="",
        explanation="",
        handled_by=None,
        handled_at=None,
        closed_by=None,
        closed_at=None,
        reopened=WorkOrder.reopened + 1,
    )
    return due


# ---- overdue and the figures -------------------------------------------------------------


def deadline_of(status: str, due: dt.date, ledger_due: dt.date | None) -> dt.date | None:
    """The date the work order must be answered by in its state (None once answered)."""
    if status == "ledger":
        return ledger_due or due
    return due if status in RUNNING else None


def is_overdue(status: str, due: dt.date, ledger_due: dt.date | None, today: dt.date) -> bool:
    """Past its deadline (the due day itself is still in time) and not yet answered."""
    deadline = deadline_of(status, due, ledger_due)
    return deadline is not None and today > deadline


def overdue_clause(today: dt.date) -> ColumnElement[bool]:
    """`is_overdue` in SQL."""
    return or_(
        and_(WorkOrder.status.in_(RUNNING), WorkOrder.due < today),
        and_(WorkOrder.status == "ledger", func.coalesce(WorkOrder.ledger_due, WorkOrder.due) < today),
    )


@dataclass(frozen=True)
class OverdueOrder:
    id: int
    case_id: str
    case_no: str
    org_code: str
    department_id: int | None
    status: str
    deadline: dt.date  # due, or ledger_due for a 台账 problem


def overdue_orders(session: Session, org_codes: Iterable[str], today: dt.date) -> list[OverdueOrder]:
    """The overdue work orders of the org units, the longest overdue first (the dashboard's red)."""
    rows = session.execute(
        select(WorkOrder, Case.case_no)
        .join(Case, Case.id == WorkOrder.case_id)
        .where(WorkOrder.org_code.in_(tuple(org_codes)), overdue_clause(today))
        .order_by(WorkOrder.id)
    ).all()
    found = [
        OverdueOrder(
            o.id,
            o.case_id,
            case_no,
            o.org_code,
            o.department_id,
            o.status,
            deadline_of(o.status, o.due, o.ledger_due) or o.due,
        )
        for o, case_no in rows
    ]
    return sorted(found, key=lambda o: (o.deadline, o.id))


@dataclass(frozen=True)
class RectificationFigures:
    """The 差评 rated in a period and where their work orders stand (see docs/rectification.md)."""

    opened: int  # work orders opened for the 差评 rated in the period
    called_back: int  # of those, called back (回访) and not sent back since
    rectified: int  # answered by a fix
    explained: int  # answered by an explanation
    closed: int  # closed by the supervisor (after a fix or explanation)
    ledger: int  # in the 台账
    overdue: int  # past their deadline on `today`

    @property
    def handled(self) -> int:
        return self.rectified + self.explained + self.closed

    @property
    def rectification_rate(self) -> float | None:
        """整改率 = (rectified + explained + closed) / opened; None when nothing was opened."""
        return self.handled / self.opened if self.opened else None

    @property
    def callback_rate(self) -> float | None:
        """回访率 = called back / opened; None when nothing was opened."""
        return self.called_back / self.opened if self.opened else None


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """China days start..end (inclusive) as UTC times [from, to), as ratings are stored."""
    begin = dt.datetime.combine(start, dt.time(), protocol.CST).astimezone(dt.UTC).replace(tzinfo=None)
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), protocol.CST).astimezone(dt.UTC)
    return begin, stop.replace(tzinfo=None)


def orders_rated_in(org_codes: Iterable[str], start: dt.date, end: dt.date) -> Select[WorkOrder]:
    """The work orders of the 差评 rated in the org units in China days start..end."""
    begin, stop = period_bounds(start, end)
    return (
        select(WorkOrder)
        .join(Rating, Rating.id == WorkOrder.rating_id)
        .where(WorkOrder.org_code.in_(tuple(org_codes)), Rating.rated_at >= begin, Rating.rated_at < stop)
    )


def rectification_figures(
    session: Session, org_codes: Iterable[str], start: dt.date, end: dt.date, today: dt.date | None = None
) -> RectificationFigures:
    """The figures of the 差评 rated in start..end; overdue as of `today` (China today by default)."""
    today = today or china_date(utcnow())
    orders: list[WorkOrder] = list(session.execute(orders_rated_in(org_codes, start, end)).scalars())
    by_status = {s: sum(1 for o in orders if o.status == s) for s in STATES}
    return RectificationFigures(
        opened=len(orders),
        called_back=sum(1 for o in orders if o.called_back_at is not None),
        rectified=by_status["rectified"],
        explained=by_status["explained"],
        closed=by_status["closed"],
        ledger=by_status["ledger"],
        overdue=sum(1 for o in orders if is_overdue(o.status, o.due, o.ledger_due, today)),
    )


def rate_text(rate: float | None) -> str:
    """A rate as the reports print it: 100.0% / 66.7%, or — when nothing was opened."""
    return "—" if rate is None else f"{rate * 100:.1f}%"
