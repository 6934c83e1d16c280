"""Intakes in progress (the `drafts` table): one row per draft, its snapshot as JSON.

The table lives in the encrypted store like the cases, because a draft holds an applicant's
data; the pages it refers to are sealed in the page store already and are named here only
by their SHA-256, so no cleanup ever takes a page a draft still needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import Draft


@dataclass(frozen=True)
class DraftRow:
    id: str
    clerk: str
    created_at: dt.datetime
    updated_at: dt.datetime
    data: str


def _row(draft: Draft) -> DraftRow:
    return DraftRow(draft.id, draft.clerk, draft.created_at, draft.updated_at, draft.data)


def put_draft(session: Session, draft_id: str, clerk: str, data: str, pages: Iterable[str], now: dt.datetime) -> None:
    """Insert or overwrite the draft; a draft never changes hands to another clerk."""
    row = session.get(Draft, draft_id)
    if row is None:
        session.add(
            Draft(id=draft_id, clerk=clerk, created_at=now, updated_at=now, data=data, pages=sorted(set(pages)))
        )
        return
    if row.clerk != clerk:
        raise PermissionError("a draft belongs to the clerk who started it")
    row.data, row.pages, row.updated_at = data, sorted(set(pages)), now


def clerk_drafts(session: Session, clerk: str) -> list[DraftRow]:
    """The clerk's drafts, the most recently changed first."""
    rows = session.scalars(select(Draft).where(Draft.clerk == clerk).order_by(Draft.updated_at.desc(), Draft.id))
    return [_row(r) for r in rows]


def get_draft(session: Session, draft_id: str, clerk: str) -> DraftRow | None:
    row = session.get(Draft, draft_id)
    return _row(row) if row is not None and row.clerk == clerk else None


def drop_draft(session: Session, draft_id: str) -> None:
    session.execute(delete(Draft).where(Draft.id == draft_id))


def draft_pages(session: Session) -> set[str]:
    """Every page any clerk's draft refers to: what a page cleanup must keep."""
    return {sha for pages in session.scalars(select(Draft.pages)) for sha in pages}
