"""Back-office decisions after intake, beyond approve and deny: ask for a supplement,
suspend and resume (特别程序), and announce the result ready for pickup.

Each one moves the case through the shared state machine, stamps who and when on the
server clock and lands in the change feed of the case's org unit. Who it names must be
allowed to decide the case (departments.check_decider), whatever the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.case_numbers import parse_case_no
from client.domain.states import CaseState, IllegalTransition

from .admin import AdminError, IllegalDecision, UnknownCase
from .cases import move_case, status_change
from .db import Case, engine_for, utcnow
from .deadlines import extend_for_suspension
from .departments import check_decider
from .publishing import current_calendar


@dataclass(frozen=True)
class CaseUpdate:
    case_no: str
    status: str
    reason: str | None
    supplement: tuple[str, ...]
    due: dt.date | None
    change_seq: int


# What a decision does to the case besides moving it: (session, case, status before, now).
_Apply = Callable[[Session, Case, str, dt.datetime], None]


def _update(db: str | Engine, case_no: str, target: CaseState, by: str, apply: _Apply, extra: dict) -> CaseUpdate:
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        case = session.execute(select(Case).where(Case.case_no == parse_case_no(case_no))).scalar_one_or_none()
        if case is None:
            raise UnknownCase(parse_case_no(case_no))
        by = check_decider(session, by, case).username
        previous = case.status
        try:
            move_case(case, target.value)
        except IllegalTransition as exc:
            raise IllegalDecision(exc.message, "illegal_transition") from None
        now = utcnow()
        apply(session, case, previous, now)
        case.decided_by, case.decided_at = by, now
        change = status_change(session, case, {"decided_by": by, "decided_at": now.isoformat(), **extra})
        session.flush()
        return CaseUpdate(case.case_no, case.status, case.reason, tuple(case.supplement or ()), case.due, change.seq)


def request_supplement(
    db: str | Engine, case_no: str, materials: list[str], *, by: str, reason: str | None = None
) -> CaseUpdate:
    """Ask the applicant, through the window, for the listed materials (一次性告知)."""
    items = [m.strip() for m in materials if m and m.strip()]
    if not items:
        raise AdminError("请列出需要补正的材料")

    def apply(_s: Session, case: Case, _previous: str, _now: dt.datetime) -> None:
        case.supplement, case.reason = items, (reason or "").strip() or None

    return _update(
        db,
        case_no,
        CaseState.SUPPLEMENT_REQUESTED,
        by,
        apply,
        {"supplement": items, "reason": (reason or "").strip() or None},
    )


def suspend(db: str | Engine, case_no: str, reason: str, *, by: str) -> CaseUpdate:
    """Enter a special procedure (hearing, expert review...): the deadline clock stops."""
    reason = (reason or "").strip()
    if not reason:
        raise AdminError("启动特别程序必须填写理由（如听证、招标、检验、专家评审）")

    def apply(_s: Session, case: Case, _previous: str, now: dt.datetime) -> None:
        case.reason, case.suspended_at = reason, now

    return _update(db, case_no, CaseState.SUSPENDED, by, apply, {"reason": reason})


def resume(db: str | Engine, case_no: str, *, by: str, reason: str | None = None) -> CaseUpdate:
    """End the special procedure: the due date moves by the working days it lasted."""

    def apply(session: Session, case: Case, _previous: str, now: dt.datetime) -> None:
        extend_for_suspension(case, now, current_calendar(session))
        case.suspended_at, case.reason = None, (reason or "").strip() or None

    return _update(db, case_no, CaseState.IN_REVIEW, by, apply, {"reason": (reason or "").strip() or None})


def result_ready(db: str | Engine, case_no: str, *, by: str) -> CaseUpdate:
    """The licence or decision is printed and waits at the window for pickup."""

    def apply(_s: Session, case: Case, previous: str, _now: dt.datetime) -> None:
        if previous not in (CaseState.APPROVED.value, CaseState.DENIED.value):
            raise IllegalDecision("只有已审批的办件才能通知领取结果", "illegal_transition")

    return _update(db, case_no, CaseState.RESULT_READY, by, apply, {})
