"""The §42 extension the back office granted a case, as it came down with the status.

The detail view shows it and `Paperwork.extension_notice` prints its 延长审批期限告知书 from it,
so both read one record: the journal's `server.extended` line, else the pulled feed (a status
held back for a local step is journaled later, only as its newest state).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.store.models import CaseEvent, ServerChange
from sync import protocol

EXTENDED_EVENT = "server.extended"
CST = dt.timezone(dt.timedelta(hours=8))  # the paper is dated in China


@dataclass(frozen=True)
class GrantedExtension:
    """The head-approved extension of one case: the notice's facts."""

    doc_no: str
    reason: str
    days: int
    due_before: dt.date
    due_after: dt.date
    approved_by_name: str
    approved_on: dt.date | None  # the day in China the head approved it: the notice's date
    office_name: str  # the deciding organ as the back office named it; "" from an older one


def granted_extension(s: Session, case_id: str) -> GrantedExtension | None:
    """The newest extension that came down for the case, None when none did."""
    events = s.scalars(
        select(CaseEvent.payload)
        .where(CaseEvent.case_id == case_id, CaseEvent.type == EXTENDED_EVENT)
        .order_by(CaseEvent.seq.desc())
    )
    for payload in events:
        found = _granted(payload.get("extension") if isinstance(payload, dict) else None)
        if found is not None:
            return found
    changes = s.scalars(
        select(ServerChange.data)
        .where(ServerChange.case_id == case_id, ServerChange.kind == protocol.CHANGE_CASE_STATUS)
        .order_by(ServerChange.seq.desc())
    )
    for data in changes:
        found = _granted(data.get("extension") if isinstance(data, dict) else None)
        if found is not None:
            return found
    return None


def _granted(record: object) -> GrantedExtension | None:
    if not isinstance(record, dict):
        return None
    before, after = _day(record.get("due_before")), _day(record.get("due_after"))
    if before is None or after is None or not record.get("doc_no"):
        return None
    return GrantedExtension(
        doc_no=str(record["doc_no"]),
        reason=str(record.get("reason") or ""),
        days=int(record.get("days") or 10),
        due_before=before,
        due_after=after,
        approved_by_name=str(record.get("approved_by_name") or "后台"),
        approved_on=_china_day(record.get("approved_at")),
        office_name=str(record.get("office_name") or ""),
    )


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _china_day(value: object) -> dt.date | None:
    try:
        moment = dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CST).date()
