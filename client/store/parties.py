"""What the window remembers of applicants between visits (the `known_parties` table).

Kept in the store so that every way a case reaches it fills the memory the same way: an
intake at this window, and a case restored from the back office after a rescue.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from client.domain.identity import PERSON, Agent, Applicant

from .models import KnownParty


def remember(session: Session, applicant: Applicant, case_id: str, now: dt.datetime) -> None:
    """Record what this case taught us; blanks never erase what an earlier visit recorded."""
    row = session.get(KnownParty, (applicant.id_type, applicant.id_number))
    if row is None:
        row = KnownParty(
            id_type=applicant.id_type,
            id_number=applicant.id_number,
            kind=applicant.kind,
            name=applicant.name,
            phone="",
            address="",
            legal_rep="",
            agent=None,
            last_case_id="",
            updated_at=now,
        )
        session.add(row)
    row.kind, row.name, row.last_case_id, row.updated_at = applicant.kind, applicant.name, case_id, now
    for attr in ("phone", "address", "legal_rep"):
        value = getattr(applicant, attr).strip()
        if value:
            setattr(row, attr, value)
    agent = applicant.agent
    # The last agent is what the next visit most likely brings again; acting alone clears it.
    row.agent = (
        None
        if agent is None
        else {
            "name": agent.name,
            "id_type": agent.id_type,
            "id_number": agent.id_number,
            "relation": agent.relation,
            "phone": agent.phone,
        }
    )
    if agent is not None:
        _remember_agent(session, agent, now)


def _remember_agent(session: Session, agent: Agent, now: dt.datetime) -> None:
    """The agent is a person too: next time they come for themselves, their name is known."""
    row = session.get(KnownParty, (agent.id_type, agent.id_number))
    if row is None:
        session.add(
            KnownParty(
                id_type=agent.id_type,
                id_number=agent.id_number,
                kind=PERSON,
                name=agent.name,
                phone=agent.phone.strip(),
                address="",
                legal_rep="",
                agent=None,
                last_case_id="",
                updated_at=now,
            )
        )
        return
    row.name = agent.name
    if agent.phone.strip():
        row.phone = agent.phone.strip()
