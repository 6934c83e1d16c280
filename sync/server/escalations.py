"""电子监察: a case that turns yellow (临近到期) or red (已超期) is escalated to the heads of its
department and the supervisors of its org unit (and of the units above it), who acknowledge
it with a reason; both the escalation and the acknowledgement are kept.

The deadline scan (`deadlines.scan_deadlines`) raises an escalation when it publishes a
warning, so at most once per case, level and due date: a due date moved by a suspension or an
extension starts its cards, and its escalations, afresh. Nothing here is deleted: a case
decided or resumed leaves the open list, its escalations stay as history.

Who sees an escalation is decided in SQL, so the header's count is one query: a department
head the escalations of the departments they belong to, a supervisor those of their org unit
and every unit below it (a recursive query over `org_units`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.states import LABELS, CaseState

from .db import Case, Department, Escalation, OrgUnit, StaffDepartment, User, utcnow

LEVEL_LABELS = {"near_due": "黄牌", "overdue": "红牌"}
SUPERVISION_ROLES = ("department_head", "supervisor")
MAX_REASON = 500  # characters of an acknowledgement's reason
LIST_LIMIT = 200  # rows of the supervision list per view

Show = Literal["open", "all"]


class EscalationRefused(Exception):
    """An acknowledgement refused: `message` is shown to the person as it is."""

    def __init__(self, status: int, message: str, detail: str = ""):
        super().__init__(detail or message)
        self.status = status
        self.message = message
        self.detail = detail  # for the audit: ids and codes only


@dataclass(frozen=True)
class EscalationRow:
    id: int
    case_no: str
    case_no_display: str
    matter_name: str
    org_name: str
    department: str
    level: str  # near_due / overdue
    level_label: str  # 黄牌 / 红牌
    due: dt.date
    working_days_left: int
    raised_at: dt.datetime  # UTC
    case_status: str  # the case's state now, as a label
    still_open: bool  # the card still holds: the case awaits a decision on the same due date
    since: str  # why it no longer holds: decided or withdrawn, or its due date moved
    acknowledged_by: str  # display name, "" while unacknowledged
    acknowledged_at: dt.datetime | None
    reason: str


def record(session: Session, case: Case, level: str, due: dt.date, working_days_left: int) -> bool:
    """Raise the escalation of `case` at `level` for `due` in the caller's transaction;
    False when it was raised before (a re-run scan adds nothing)."""
    exists = session.execute(
        select(Escalation.id).where(Escalation.case_id == case.id, Escalation.level == level, Escalation.due == due)
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():  # a scan running at the same time raised it first: keep that one
            session.add(
                Escalation(
                    case_id=case.id,
                    case_no=case.case_no,
                    org_code=case.org_code,
                    department_id=case.department_id,
                    level=level,
                    due=due,
                    working_days_left=working_days_left,
                    raised_at=utcnow(),
                )
            )
    except IntegrityError:
        return False
    return True


def visible_to(username: str, role: str, org_code: str) -> ColumnElement[bool]:
    """The escalations a person sees, as a condition (no query of its own)."""
    if role == "department_head":
        theirs = select(StaffDepartment.department_id).where(StaffDepartment.username == username)
        return Escalation.department_id.in_(theirs.scalar_subquery())
    if role == "supervisor":
        units = select(OrgUnit.code).where(OrgUnit.code == org_code).cte("units_below", recursive=True)
        units = units.union(select(OrgUnit.code).where(OrgUnit.parent_code == units.c.code))
        return Escalation.org_code.in_(select(units.c.code))
    return false()


def unacknowledged_count(session: Session, username: str, role: str, org_code: str) -> int:
    """The header's number: one count over the indexed (unit or department, acknowledged_at)."""
    if role not in SUPERVISION_ROLES:
        return 0
    query = select(func.count(Escalation.id)).where(
        Escalation.acknowledged_at.is_(None), visible_to(username, role, org_code)
    )
    return int(session.execute(query).scalar_one())


def listing(session: Session, username: str, role: str, org_code: str, show: Show) -> tuple[EscalationRow, ...]:
    """The person's escalations: unacknowledged first (newest first), then, with `all`, the
    acknowledged ones as history."""
    if role not in SUPERVISION_ROLES:
        raise EscalationRefused(403, "电子监察供科室负责人和窗口主管使用，您的账号角色不能查看。", f"role {role}")
    acknowledger = User.__table__.alias("acknowledger")
    query = (
        select(
            Escalation,
            Case.matter_name,
            Case.status,
            Case.due,
            OrgUnit.name.label("org_name"),
            Department.name.label("department_name"),
            acknowledger.c.display_name,
        )
        .join(Case, Case.id == Escalation.case_id)
        .join(OrgUnit, OrgUnit.code == Escalation.org_code)
        .outerjoin(Department, Department.id == Escalation.department_id)
        .outerjoin(acknowledger, acknowledger.c.username == Escalation.acknowledged_by)
        .where(visible_to(username, role, org_code))
    )
    if show == "open":
        query = query.where(Escalation.acknowledged_at.is_(None))
    query = query.order_by(
        Escalation.acknowledged_at.is_not(None), Escalation.raised_at.desc(), Escalation.id.desc()
    ).limit(LIST_LIMIT)
    return tuple(_row(*found) for found in session.execute(query).all())


_OPEN_CASE = (
    CaseState.SUBMITTED.value,
    CaseState.IN_REVIEW.value,
    CaseState.SUPPLEMENT_REQUESTED.value,
    CaseState.SUSPENDED.value,
)


def _row(
    found: Escalation,
    matter: str,
    status: str,
    due: dt.date | None,
    org_name: str,
    department: str | None,
    ack_name: str | None,
) -> EscalationRow:
    since = ""
    if status not in _OPEN_CASE:
        since = "已不在办"
    elif due != found.due:  # resumed after 特别程序, or extended: a new date earns its own cards
        since = f"期限已变更为 {due.isoformat()}" if due else "期限已变更"
    return EscalationRow(
        id=found.id,
        case_no=found.case_no,
        case_no_display=format_case_no(found.case_no),
        matter_name=matter,
        org_name=org_name,
        department=department or "未分办",
        level=found.level,
        level_label=LEVEL_LABELS.get(found.level, found.level),
        due=found.due,
        working_days_left=found.working_days_left,
        raised_at=found.raised_at,
        case_status=LABELS[CaseState(status)],
        still_open=not since,
        since=since,
        acknowledged_by=(ack_name or found.acknowledged_by or "") if found.acknowledged_at else "",
        acknowledged_at=found.acknowledged_at,
        reason=found.reason,
    )


def acknowledge(session: Session, username: str, role: str, org_code: str, escalation_id: int, reason: str) -> None:
    """Acknowledge an escalation the person sees, with the reason they give (required); once."""
    reason = " ".join(reason.split())
    if role not in SUPERVISION_ROLES:
        raise EscalationRefused(403, "只有科室负责人和窗口主管可以签收监察预警。", f"role {role}")
    found = session.execute(
        select(Escalation).where(Escalation.id == escalation_id, visible_to(username, role, org_code))
    ).scalar_one_or_none()
    if found is None:
        raise EscalationRefused(
            404, "没有找到该监察预警，或它不属于您负责的科室或机构。", f"escalation {escalation_id}"
        )
    if found.acknowledged_at is not None:
        raise EscalationRefused(
            409, "该监察预警已经签收，签收记录不能修改。", f"escalation {escalation_id} acknowledged"
        )
    if not reason:
        raise EscalationRefused(400, "签收监察预警必须填写原因或处理说明。", "no reason")
    if len(reason) > MAX_REASON:
        raise EscalationRefused(400, f"原因或处理说明过长：最多 {MAX_REASON} 个字。", "reason too long")
    if any(ord(char) < 32 or ord(char) == 127 for char in reason):
        raise EscalationRefused(400, "原因或处理说明中含有无法识别的字符，请重新输入。", "control characters")
    found.acknowledged_by, found.acknowledged_at, found.reason = username, utcnow(), reason
