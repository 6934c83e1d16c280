"""差评整改 work orders: every 不满意/非常不满意 opens one for the case's department.

The deadline is counted in working days from the day of the rating, by the org unit's own
rule (provincial rules differ: commonly 5 to 15 working days), or by DEFAULT_RULE. The
console's rectification pages move a work order through STATES; this module only opens them,
so ratings from every channel (the pad's events, the online page) start the same loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from client.domain.deadlines import add_limit
from client.domain.ratings import is_bad

from .db import RectificationRule, WorkOrder, WorkOrderStep, utcnow
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
