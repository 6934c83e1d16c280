"""好差评 on the back office: one row per rating, whatever the channel, tied to the case,
its clerk, window and department, and the 差评 work order opened with it.

A window's pad rating arrives as a `case.rated` event (its event id is the row's id, so a
replay counts once); an online rating is written by the public rating page.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import insert
from sqlalchemy.orm import Session

from sync import protocol

from .auth import DeviceIdentity
from .db import Case, Rating, utcnow
from .work_orders import open_for_ratings


def from_window(event_id: str, device: DeviceIdentity, case: Case, payload: protocol.CaseRatedPayload) -> dict:
    """The ratings row for a rating given on a window's pad."""
    rated = payload.rated_at.astimezone(dt.UTC).replace(tzinfo=None)
    return dict(
        id=event_id,
        case_id=case.id,
        org_code=case.org_code,
        department_id=case.department_id,
        device_id=device.id,
        window=device.name[:200],
        clerk=payload.clerk[:64],
        channel=payload.source,
        stage=payload.stage,
        level=payload.level,
        indicators=dict(payload.indicators),
        reason=payload.reason,
        comment="",
        round=1,
        rated_at=rated,
        created_at=utcnow(),
    )


def online(case: Case, level: int, reason: str, comment: str, round_: int, now: dt.datetime | None = None) -> dict:
    """The ratings row for a rating given on the public page (一事一评, 扫码评价): the clerk and
    window are those who served the case."""
    served = (case.payload or {}).get("clerk") or ""
    return dict(
        id=f"web-{uuid.uuid4()}",
        case_id=case.id,
        org_code=case.org_code,
        department_id=case.department_id,
        device_id=case.device_id,
        window="",
        clerk=str(served)[:64],
        channel="web",
        stage="case",
        level=level,
        indicators={},
        reason=reason,
        comment=comment,
        round=round_,
        rated_at=now or utcnow(),
        created_at=utcnow(),
    )


def store(session: Session, rows: list[dict]) -> int:
    """Insert the ratings and open a work order for each 差评; returns the work orders opened."""
    if not rows:
        return 0
    session.execute(insert(Rating), rows)
    return open_for_ratings(session, rows)
