"""容缺: a case the window accepted with materials still to come (容缺受理).

The window lists such a material with the status "tolerated" and the date it is due
(`supplement_by`); the supplement the applicant brings later replaces the list. Until every
tolerated material has arrived the case cannot be approved: the approver would decide on
papers nobody has seen. The case's department head may lift that with a reason (a material
the decision does not depend on), which is kept on the case and in the staff audit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.case_numbers import parse_case_no
from client.domain.states import CaseState

from .admin import AdminError, UnknownCase
from .case_facts import payload_of, state_label
from .cases import move_case, status_change
from .db import AWAITING_DECISION, Case, User, engine_for, utcnow
from .deadlines import china_date
from .departments import ROLE_LABELS, check_decider

OVERRIDE_KEY = "tolerance_override"  # in cases.payload: who lifted the block, why, when


@dataclass(frozen=True)
class Override:
    case_no: str
    materials: tuple[str, ...]  # the tolerated materials still outstanding when it was lifted
    reason: str
    by: str
    by_name: str
    at: dt.datetime


def outstanding(case: Case) -> tuple[str, ...]:
    """The names of the tolerated materials that have not arrived yet."""
    return tuple(
        str(m.get("name") or m.get("code") or "")
        for m in payload_of(case).get("materials") or ()
        if isinstance(m, dict) and m.get("status") == "tolerated"
    )


def supplement_by(case: Case) -> dt.date | None:
    """The date the window gave the applicant to bring them; None when it gave none (or garbage)."""
    value = payload_of(case).get("supplement_by")
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def tolerance_overdue(case: Case, today: dt.date | None = None) -> bool:
    """The inbox's flag: materials still outstanding after the 容缺 deadline (China date)."""
    due = supplement_by(case)
    if due is None or not outstanding(case):
        return False
    return (today or china_date(utcnow())) > due


def override_of(case: Case) -> Override | None:
    found = payload_of(case).get(OVERRIDE_KEY)
    if not isinstance(found, dict):
        return None
    return Override(
        case.case_no,
        tuple(str(m) for m in found.get("materials") or ()),
        str(found.get("reason") or ""),
        str(found.get("by") or ""),
        str(found.get("by_name") or ""),
        dt.datetime.fromisoformat(str(found["at"])),
    )


def check_approvable(case: Case) -> None:
    """Refuse approving while tolerated materials are outstanding and no head lifted the block.

    Called by admin.decide inside its transaction, for approvals only: a denial needs no
    missing paper, and the supplement flow brings the materials in.
    """
    missing = outstanding(case)
    if not missing or override_of(case) is not None:
        return
    raise AdminError(
        f"该办件为容缺受理，容缺材料（{'、'.join(missing)}）尚未补齐，暂不能审批通过。"
        "请等待申请人补交，或由科室负责人填写理由后准予先行审批。",
        "tolerance_outstanding",
    )


def lift_block(db: str | Engine, case_no: str, reason: str, *, by: str) -> Override:
    """The department head lets the case be approved before its tolerated materials arrive."""
    reason = (reason or "").strip()
    if not reason:
        raise AdminError("准予容缺办件先行审批必须填写理由", "reason_required")
    if len(reason) > 500:
        raise AdminError("理由不能超过500个字", "reason_too_long")
    number = parse_case_no(case_no)
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
        if case is None:
            raise UnknownCase(number)
        _head_of(session, by)
        decider = check_decider(session, by, case)
        if case.status not in AWAITING_DECISION:
            raise AdminError(f"办件当前状态为“{state_label(case.status)}”，无需准予先行审批", "illegal_transition")
        missing = outstanding(case)
        if not missing:
            raise AdminError("该办件没有尚未补齐的容缺材料，可以直接审批", "nothing_outstanding")
        if override_of(case) is not None:
            raise AdminError("该办件已准予先行审批，无需重复操作", "already_lifted")
        now = utcnow()
        record: dict[str, Any] = {
            "materials": list(missing),
            "reason": reason,
            "by": decider.username,
            "by_name": decider.display_name,
            "at": now.isoformat(),
        }
        case.payload = {**payload_of(case), OVERRIDE_KEY: record}  # a new dict: JSON columns track assignment
        case.updated_at = now
        if case.status == CaseState.SUBMITTED.value:  # in review now: the window cannot re-send its intake
            move_case(case, CaseState.IN_REVIEW.value)
            status_change(session, case)
        return Override(case.case_no, missing, reason, decider.username, decider.display_name, now)


def _head_of(session: Session, username: str) -> None:
    """Only a head lifts the block; who is not a user at all is check_decider's to refuse."""
    user = session.execute(select(User).where(User.username == (username or "").strip())).scalar_one_or_none()
    if user is not None and user.role != "department_head":
        raise AdminError(
            f"用户 {user.username} 的角色是{ROLE_LABELS.get(user.role, user.role)}；"
            "只有承办科室负责人可以准予容缺办件先行审批",
            "role_refused",
        )
