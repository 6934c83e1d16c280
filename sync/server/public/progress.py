"""What the public page shows of a case: its progress, with personal data masked.

Only the matter, a partly masked case number, the masked applicant name, the dates, the
status and its steps, and the office's phone. No ID numbers, no phone numbers, no address,
no clerk or approver names, no materials, no reasons written by staff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from client.domain.case_numbers import parse_case_no
from client.domain.states import CaseState

from ..db import Case
from ..deadlines import china_date
from ..office import current_templates

S = CaseState
# What the applicant reads for each state (the console's labels name the back office's work).
STATUS = {
    S.DRAFT: "办理中",
    S.ACCEPTED: "已受理，正在审批",
    S.ACCEPTED_TOLERANT: "已容缺受理，正在审批",
    S.SUBMITTED: "已受理，正在审批",
    S.IN_REVIEW: "正在审批",
    S.PENDING_SUPPLEMENT: "待补齐材料（已一次性告知）",
    S.SUPPLEMENT_REQUESTED: "待补正材料",
    S.SUSPENDED: "特别程序中（暂停计时）",
    S.REFUSED: "不予受理",
    S.WITHDRAWN: "已撤回",
    S.APPROVED: "已作出决定，结果准备中",
    S.DENIED: "已作出决定，结果准备中",
    S.RESULT_READY: "办理结果可领取",
    S.MAILED: "办理结果已邮寄",
    S.DELIVERED: "已办结，结果已领取",
    S.CONCLUDED: "已当场办结",
}
_NOTIFIED = {S.PENDING_SUPPLEMENT}
_DECIDED = {S.APPROVED, S.DENIED, S.RESULT_READY, S.MAILED, S.DELIVERED, S.CONCLUDED}
_HANDED = {S.MAILED, S.DELIVERED}


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    current: bool
    day: str = ""  # 2026年12月3日, when known


@dataclass(frozen=True)
class Progress:
    matter: str
    case_no: str  # masked
    applicant: str  # masked
    received: str
    status: str
    steps: tuple[Step, ...]
    promised: str  # the date the office promised (moved by suspensions), "" when none
    phone: str
    closed: bool  # refused or withdrawn: nothing more will happen


def mask_name(name: str, organisation: bool = False) -> str:
    """张*三, 王*, 欧阳**; an organisation keeps its first two and last two characters."""
    name = name.strip()
    n = len(name)
    if n <= 1:
        return "*" if n else ""
    if organisation:
        return name[:2] + "*" * max(1, n - 4) + (name[-2:] if n > 4 else "")
    if n == 2:
        return name[0] + "*"
    if n == 3:
        return name[0] + "*" + name[2]
    return name[:2] + "*" * (n - 2)


def mask_case_no(case_no: str) -> str:
    """The region code and the last four characters, the rest a fixed mask (its length hidden
    too): enough to tell one's own cases apart, not to read the number off the screen."""
    plain = parse_case_no(case_no)
    if len(plain) <= 10:
        return plain[:2] + "******"
    return plain[:6] + "******" + plain[-4:]


def chinese_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day is not None else ""


def day_of(moment: dt.datetime | None) -> dt.date | None:
    return china_date(moment) if moment is not None else None


def progress_of(session: Session, case: Case) -> Progress:
    state = CaseState(case.status) if case.status in CaseState._value2member_map_ else S.SUBMITTED
    received = chinese_date(day_of(case.received_at))
    if state is S.REFUSED:
        middle = Step("不予受理（已出具告知书）", True, True, received)
    elif state in _NOTIFIED:
        middle = Step("一次性告知补齐材料", True, True, received)
    else:
        middle = Step("受理", True, state in (S.SUBMITTED, S.ACCEPTED, S.ACCEPTED_TOLERANT), received)
    decided = state in _DECIDED
    reviewing = state in (S.IN_REVIEW, S.SUPPLEMENT_REQUESTED, S.SUSPENDED)
    steps = [Step("收件", True, False, received), middle]
    closed = state in (S.REFUSED, S.WITHDRAWN)
    if not closed:
        steps.append(
            Step(
                "审批决定", decided, reviewing or state in (S.APPROVED, S.DENIED), chinese_date(day_of(case.decided_at))
            )
        )
        handed_label = {S.MAILED: "结果已邮寄", S.DELIVERED: "结果已领取"}.get(state, "领取结果或邮寄送达")
        steps.append(
            Step(
                handed_label,
                state in _HANDED,
                state in (S.RESULT_READY, S.MAILED, S.DELIVERED, S.CONCLUDED),
                chinese_date(day_of(case.delivered_at)),
            )
        )
    promised = case.due or case.promised_by
    return Progress(
        matter=case.matter_name,
        case_no=mask_case_no(case.case_no),
        applicant=mask_name(case.applicant_name, case.applicant_kind == "organisation"),
        received=received,
        status=STATUS.get(state, "办理中"),
        steps=tuple(steps),
        promised="" if closed or state in _HANDED else chinese_date(promised),
        phone=current_templates(session).office.phone,
        closed=closed,
    )
