"""The legal date (法定办结期限) a case is held to, as the window knows it.

The intake records it in the case's first event (`legal_by`: §42 for a licence, counted on
this window's calendar); the back office's own, moved by the head's extension or a suspension,
comes down with every status change (`legal_due`) and wins once it has.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.store.models import CaseEvent, ServerChange
from sync import protocol


def legal_due_of(s: Session, case_id: str) -> dt.date | None:
    """The back office's newest legal date for the case, else the intake's; None when neither."""
    changes = s.scalars(
        select(ServerChange.data)
        .where(ServerChange.case_id == case_id, ServerChange.kind == protocol.CHANGE_CASE_STATUS)
        .order_by(ServerChange.seq.desc())
    )
    for data in changes:
        found = _day(data.get("legal_due") if isinstance(data, dict) else None)
        if found is not None:
            return found
    first = s.scalars(select(CaseEvent.payload).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq).limit(1))
    payload = first.first()
    return _day(payload.get("legal_by") if isinstance(payload, dict) else None)


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
