"""Which org units' cases a device sees: its own unit's, and for a hall configured so
(`onewindow-server org-set CODE --sees-subunits`) those of every unit below it.

Every read of cases and of the case feed goes through `visible_orgs`; writes stay with
the device's own unit (a case belongs to the unit that took it in).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import OrgUnit


def subunits(session: Session, org_code: str) -> tuple[str, ...]:
    """Every unit below `org_code` (towns, and their villages), nearest first."""
    found: list[str] = []
    frontier = [org_code]
    while frontier:
        children = [
            code
            for code in session.execute(
                select(OrgUnit.code).where(OrgUnit.parent_code.in_(frontier)).order_by(OrgUnit.code)
            ).scalars()
            if code != org_code and code not in found
        ]
        found += children
        frontier = children
    return tuple(found)


def visible_orgs(session: Session, org_code: str) -> tuple[str, ...]:
    """The org units whose cases a device of `org_code` may read, its own first."""
    org = session.get(OrgUnit, org_code)
    if org is None or not org.sees_subunits:
        return (org_code,)
    return (org_code, *subunits(session, org_code))
