"""The case lifecycle as an explicit state machine.

States follow real approval systems (window intake, back-office decision,
delivery). An illegal transition raises `IllegalTransition`, which the UI shows.
"""

from __future__ import annotations

from enum import Enum


class CaseState(str, Enum):
    DRAFT = "draft"
    ACCEPTED = "accepted"
    ACCEPTED_TOLERANT = "accepted_tolerant"
    PENDING_SUPPLEMENT = "pending_supplement"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUSPENDED = "suspended"
    APPROVED = "approved"
    DENIED = "denied"
    RESULT_READY = "result_ready"
    DELIVERED = "delivered"
    MAILED = "mailed"
    CONCLUDED = "concluded"


LABELS = {
    CaseState.DRAFT: "草稿",
    CaseState.ACCEPTED: "已受理",
    CaseState.ACCEPTED_TOLERANT: "容缺受理",
    CaseState.PENDING_SUPPLEMENT: "待补正",
    CaseState.REFUSED: "不予受理",
    CaseState.WITHDRAWN: "已撤件",
    CaseState.SUBMITTED: "已报送后台",
    CaseState.IN_REVIEW: "审批中",
    CaseState.SUPPLEMENT_REQUESTED: "后台要求补正",
    CaseState.SUSPENDED: "特别程序中",
    CaseState.APPROVED: "审批通过",
    CaseState.DENIED: "审批不通过",
    CaseState.RESULT_READY: "待出件",
    CaseState.DELIVERED: "已出件",
    CaseState.MAILED: "已邮寄",
    CaseState.CONCLUDED: "已办结",
}

S = CaseState
TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.DRAFT: frozenset({S.ACCEPTED, S.ACCEPTED_TOLERANT, S.PENDING_SUPPLEMENT, S.REFUSED, S.WITHDRAWN, S.CONCLUDED}),
    S.PENDING_SUPPLEMENT: frozenset({S.ACCEPTED, S.ACCEPTED_TOLERANT, S.REFUSED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.ACCEPTED_TOLERANT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.APPROVED, S.DENIED, S.SUPPLEMENT_REQUESTED, S.SUSPENDED, S.WITHDRAWN}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.DENIED, S.SUPPLEMENT_REQUESTED, S.SUSPENDED, S.WITHDRAWN}),
    S.SUPPLEMENT_REQUESTED: frozenset({S.IN_REVIEW, S.SUBMITTED, S.WITHDRAWN, S.DENIED}),
    S.SUSPENDED: frozenset({S.IN_REVIEW}),
    S.APPROVED: frozenset({S.RESULT_READY, S.DELIVERED, S.MAILED}),
    S.DENIED: frozenset({S.RESULT_READY, S.DELIVERED, S.MAILED}),
    S.RESULT_READY: frozenset({S.DELIVERED, S.MAILED}),
    S.DELIVERED: frozenset(),
    S.MAILED: frozenset({S.DELIVERED}),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CONCLUDED: frozenset({S.DELIVERED}),
}

CLOSED = frozenset({S.DELIVERED, S.REFUSED, S.WITHDRAWN})
# A decision the applicant has not received yet: handed over at the window or mailed.
AWAITING_HANDOVER = (S.APPROVED, S.DENIED, S.RESULT_READY)
AWAITING_HANDOVER_VALUES = tuple(s.value for s in AWAITING_HANDOVER)  # for SQL `IN` on status columns


class IllegalTransition(Exception):
    """A state change the lifecycle does not allow; `message` is for the clerk."""

    def __init__(self, current: CaseState, target: CaseState):
        self.current, self.target = current, target
        self.message = f"办件当前状态为“{LABELS[current]}”，不能变为“{LABELS[target]}”"
        super().__init__(f"illegal transition {current.value} -> {target.value}")


def check_transition(current: CaseState | str, target: CaseState | str) -> CaseState:
    current, target = CaseState(current), CaseState(target)
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    return target
