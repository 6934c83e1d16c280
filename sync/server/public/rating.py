"""The applicant's online rating (扫码评价, 一事一评) and when they may rate again (二次评价).

One online rating per case. After a 差评, once the department has rectified or explained
(a work order of the case `rectified` or `explained` after the applicant's last online
rating), the applicant may rate once more; that rating's round is the rated one's plus one.
A rating is stored with `sync.server.ratings`, so a 差评 opens its work order like any other.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.domain.ratings import BAD_REASONS, LEVELS, is_bad

from .. import ratings
from ..db import Case, Rating, WorkOrder, utcnow
from .progress import chinese_date, day_of

WEB = "web"
MAX_COMMENT = 200  # characters
_ANSWERED = ("rectified", "explained")


@dataclass(frozen=True)
class Given:
    """A rating as recorded, for the page."""

    level: str
    reason: str
    comment: str
    round: int
    day: str


@dataclass(frozen=True)
class Standing:
    """Whether the applicant may rate now, at which round, and the last online rating."""

    may_rate: bool
    round: int
    last: Given | None


@dataclass(frozen=True)
class Refusal:
    message: str


def _given(row: Rating) -> Given:
    return Given(
        level=LEVELS.get(row.level, str(row.level)),
        reason=BAD_REASONS.get(row.reason, row.reason) if row.reason else "",
        comment=row.comment,
        round=row.round,
        day=chinese_date(day_of(row.rated_at)),
    )


def standing(session: Session, case: Case) -> Standing:
    last = session.execute(
        select(Rating)
        .where(Rating.case_id == case.id, Rating.channel == WEB)
        .order_by(Rating.rated_at.desc(), Rating.round.desc())
        .limit(1)
    ).scalar_one_or_none()
    answered = select(func.max(Rating.round)).join(WorkOrder, WorkOrder.rating_id == Rating.id)
    answered = answered.where(WorkOrder.case_id == case.id, WorkOrder.status.in_(_ANSWERED))
    if last is None:
        rated_round = session.execute(answered).scalar()  # a pad 差评 answered: this is the second look
        return Standing(True, (rated_round or 0) + 1, None)
    since = func.coalesce(WorkOrder.handled_at, WorkOrder.updated_at) > last.rated_at
    rated_round = session.execute(answered.where(since)).scalar()
    if rated_round is None:
        return Standing(False, last.round, _given(last))
    return Standing(True, max(rated_round, last.round) + 1, _given(last))


def clean_comment(text: str) -> str:
    """The comment as stored: no control characters, trimmed, at most MAX_COMMENT characters."""
    kept = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(kept.split())[:MAX_COMMENT]


def read_form(fields: dict[str, str]) -> tuple[int, str, str] | Refusal:
    """(level, reason code, comment) from the posted form, or why it cannot be taken."""
    raw = fields.get("level", "").strip()
    if not raw.isdigit() or int(raw) not in LEVELS:
        return Refusal("请选择满意程度（非常满意至非常不满意）后再提交。")
    level = int(raw)
    reason = fields.get("reason", "").strip()
    if is_bad(level):
        if reason not in BAD_REASONS:
            return Refusal("选择“不满意”或“非常不满意”时，请选择一项主要原因，以便整改。")
    else:
        reason = ""
    comment = fields.get("comment", "")
    if len(comment) > MAX_COMMENT * 4:
        return Refusal(f"意见建议请不超过{MAX_COMMENT}个字。")
    comment = clean_comment(comment)
    if reason == "other" and not comment:
        return Refusal("选择“其他”原因时，请在意见建议中简要说明。")
    return level, reason, comment


def rate(
    session: Session, case: Case, level: int, reason: str, comment: str, now: dt.datetime | None = None
) -> Given | None:
    """Store the applicant's rating (and the work order of a 差评); None when they may not rate
    now (rated already and nothing was rectified since). Call within a transaction."""
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())  # two posts at once: one by one
    now = now or utcnow()
    found = standing(session, case)
    if not found.may_rate:
        return None
    row = ratings.online(case, level, reason, comment, found.round, now)
    ratings.store(session, [row])
    return Given(
        level=LEVELS[level],
        reason=BAD_REASONS.get(reason, "") if reason else "",
        comment=comment,
        round=found.round,
        day=chinese_date(day_of(now)),
    )
