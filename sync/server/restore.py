"""Restoring a window's store from the back office.

After a damaged store is rescued (or a laptop replaced) the window starts empty; this
hands it back the open cases it sees (its org unit's, and the units below it when the
hall is configured so), each with the window events the server acknowledged and the
status changes still in the feed, so its case list, case detail and delivery work again.
Paged by case number: `GET /cases/restore?after=<last case_no of the previous page>`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.states import CLOSED
from sync import protocol

from .auth import DeviceIdentity
from .db import Case, Change, ChangeCounter, Event
from .deps import Ctx, Dev
from .scope import visible_orgs

DEFAULT_PAGE = 100
MAX_PAGE = 500
_CLOSED = tuple(state.value for state in CLOSED)

router = APIRouter()


@router.get("/cases/restore", response_model=protocol.RestoreResponse)
def restore(
    ctx: Ctx,
    dev: Dev,
    after: Annotated[str, Query(max_length=40, pattern=r"^[0-9A-Za-z-]*$")] = "",
    limit: Annotated[int, Query(ge=1)] = DEFAULT_PAGE,
) -> protocol.RestoreResponse:
    return restore_page(ctx.sessions, dev, after, limit)


def restore_page(
    sessions: sessionmaker[Session], device: DeviceIdentity, after: str = "", limit: int = DEFAULT_PAGE
) -> protocol.RestoreResponse:
    """One page of open cases after case number `after`, in case-number order.

    The feed position is read before the cases: a change committed after it is left
    for the window's next pull, which then applies it over the snapshot, so none is
    marked as seen while the case row still shows the status before it.
    """
    limit = max(1, min(limit, MAX_PAGE))
    after = after.replace("-", "").upper()  # as printed (with hyphens) or as stored
    with sessions() as session:
        through = session.execute(select(ChangeCounter.value).where(ChangeCounter.id == 1)).scalar() or 0
        cases = list(
            session.execute(
                select(Case)
                .where(
                    Case.org_code.in_(visible_orgs(session, device.org_code)),
                    Case.status.notin_(_CLOSED),
                    Case.case_no > after,
                )
                .order_by(Case.case_no)
                .limit(limit + 1)
            ).scalars()
        )
        more = len(cases) > limit
        cases = cases[:limit]
        ids = [c.id for c in cases]
        events: dict[str, list[protocol.RestoredEvent]] = {i: [] for i in ids}
        for row in session.execute(
            select(Event).where(Event.case_id.in_(ids), Event.status == "acked").order_by(Event.id)
        ).scalars():
            events[row.case_id].append(
                protocol.RestoredEvent(
                    event_id=row.event_id,
                    type=row.type,
                    payload=row.payload,
                    device_id=row.device_id,
                    device_time=row.device_time,
                    server_time=row.server_time,
                )
            )
        changes: dict[str, list[protocol.Change]] = {i: [] for i in ids}
        for change in session.execute(
            select(Change)
            .where(
                Change.case_id.in_(ids),
                Change.kind == protocol.CHANGE_CASE_STATUS,
                Change.seq <= through,
                Change.device_id.is_(None),
            )
            .order_by(Change.seq)
        ).scalars():
            case_id = change.case_id
            assert case_id is not None  # selected by case id
            changes[case_id].append(
                protocol.Change(
                    seq=change.seq,
                    kind=change.kind,
                    case_id=case_id,
                    case_no=change.case_no,
                    data=change.data,
                    server_time=change.server_time,
                )
            )
        snapshots = [_snapshot(c, events[c.id], changes[c.id]) for c in cases]
    return protocol.RestoreResponse(cases=snapshots, more=more, after=cases[-1].case_no if cases else after)


def _snapshot(
    case: Case, events: list[protocol.RestoredEvent], changes: list[protocol.Change]
) -> protocol.CaseSnapshot:
    intake = dict(case.payload or {})
    try:  # as the window recorded it (kind, legal representative, phone, address)...
        applicant = protocol.ApplicantPayload.model_validate(intake.get("applicant") or {})
    except ValidationError:  # ...or what the server kept of it
        applicant = protocol.ApplicantPayload(name=case.applicant_name, id_number=case.applicant_id_number)
    applicant = applicant.model_copy(
        update={"name": case.applicant_name, "id_type": case.applicant_id_type, "id_number": case.applicant_id_number}
    )
    return protocol.CaseSnapshot(
        case_id=case.id,
        case_no=case.case_no,
        org_code=case.org_code,
        status=case.status,
        complete=bool(case.complete),
        matter_code=case.matter_code,
        matter_name=case.matter_name,
        applicant=applicant,
        received_at=case.received_at,
        promised_by=case.promised_by,
        due=case.due,
        result_name=case.result_name,
        result_no=case.result_no,
        reason=case.reason,
        intake=intake,
        events=events,
        changes=changes,
    )
