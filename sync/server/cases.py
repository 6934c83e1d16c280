"""Case rules shared by pushes, uploads and decisions: completeness and status changes.

Every status or completeness change goes through here so that it always lands in
the change feed the windows pull.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.states import check_transition
from sync import protocol

from .audit_chain import chain_decision
from .db import Blob, BlobOwner, Case, CaseBlob, Change, User, append_change, utcnow


def missing_blobs(session: Session, case: Case) -> tuple[str, ...]:
    """The expected blobs the server does not yet hold complete and verified for the case's
    org unit (one that only names another org unit's scan learns nothing: sync.server.blobs)."""
    expected = list(dict.fromkeys(case.blobs_expected or ()))
    if not expected:
        return ()
    owned = (BlobOwner.sha256 == Blob.sha256) & (BlobOwner.org_code == case.org_code)
    held = set(
        session.execute(
            select(Blob.sha256).join(BlobOwner, owned).where(Blob.sha256.in_(expected), Blob.complete.is_(True))
        ).scalars()
    )
    return tuple(sha for sha in expected if sha not in held)


def set_expected_blobs(session: Session, case: Case, shas: list[str]) -> None:
    case.blobs_expected = list(dict.fromkeys(shas))
    existing = set(session.execute(select(CaseBlob.sha256).where(CaseBlob.case_id == case.id)).scalars())
    for sha in case.blobs_expected:
        if sha not in existing:
            session.add(CaseBlob(case_id=case.id, sha256=sha))
    for sha in existing - set(case.blobs_expected):
        session.delete(session.get(CaseBlob, (case.id, sha)))


def status_change(session: Session, case: Case, extra: dict[str, Any] | None = None) -> Change:
    """Publish the case's current status (and completeness) to its org unit's feed."""
    case.updated_at = utcnow()
    data = {
        "status": case.status,
        "complete": bool(case.complete),
        "due": case.due.isoformat() if case.due else None,
        "legal_due": case.legal_due.isoformat() if case.legal_due else None,  # 法定办结期限
        **(extra or {}),
    }
    if data.get("decided_by") and "decided_by_name" not in data:
        data["decided_by_name"] = approver_name(session, str(data["decided_by"]))
    change = append_change(
        session, protocol.CHANGE_CASE_STATUS, case.org_code, case_id=case.id, case_no=case.case_no, data=data
    )
    if extra:  # an office decision (approve, deny, supplement, suspend, resume, extension…)
        chain_decision(session, change)
    return change


def approver_name(session: Session, username: str) -> str:
    """What the window's timeline shows for a decision: the person's name, never a login.

    A decision made on the server's command line by a system account (root) names nobody
    the applicant or the clerk would know, so it shows as 后台.
    """
    name = session.execute(select(User.display_name).where(User.username == username)).scalar_one_or_none()
    return name or "后台"


def refresh_completeness(session: Session, case: Case) -> bool:
    """Recompute `complete`; publish a change when it flips. Returns whether it flipped."""
    complete = not missing_blobs(session, case)
    if complete == bool(case.complete):
        return False
    case.complete = complete
    status_change(session, case)
    return True


def cases_waiting_for(session: Session, sha256: str) -> list[Case]:
    ids = select(CaseBlob.case_id).where(CaseBlob.sha256 == sha256)
    return list(session.execute(select(Case).where(Case.id.in_(ids)).order_by(Case.created_at)).scalars())


def move_case(case: Case, target: str) -> None:
    """Change status through the lifecycle; raises IllegalTransition when not allowed."""
    case.status = check_transition(case.status, target).value
