"""Applicant memory: a person or organisation seen once is found again on the next visit.

Every recorded case (accepted, one-time notice or refused) updates what the store knows
about its applicant — name, contact, address, legal representative, the agent who acted —
in the same transaction as the case, and the agent is remembered as a person too.
Looking someone up returns that plus their previous cases, so nothing is typed twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.identity import ID_RESIDENT, ID_USCC, ORGANISATION, PERSON, Agent
from client.store.models import Case, KnownParty

PREVIOUS_SHOWN = 5


@dataclass(frozen=True)
class PreviousCase:
    case_id: str
    case_no: str
    matter_name: str
    received_at: dt.datetime
    status: str


@dataclass(frozen=True)
class KnownApplicant:
    """What the counter knows about an applicant; `cases` is 0 for someone seen only as an agent."""

    id_number: str
    name: str
    phone: str
    last_seen: dt.datetime
    last_matter: str
    cases: int
    kind: str = PERSON
    id_type: str = ID_RESIDENT
    address: str = ""
    legal_rep: str = ""
    agent: Agent | None = None  # who acted for them last time
    previous: tuple[PreviousCase, ...] = ()  # newest first, at most PREVIOUS_SHOWN


def find(session: Session, id_number: str, id_type: str | None = None) -> KnownApplicant | None:
    """The person (ID number) or organisation (USCC) as earlier visits left them, or None."""
    query = select(KnownParty).where(KnownParty.id_number == id_number)
    if id_type:
        query = query.where(KnownParty.id_type == id_type)
    party = session.scalars(query.order_by(KnownParty.updated_at.desc())).first()
    cases_query = (
        select(
            Case.id,
            Case.case_no,
            Case.matter_name,
            Case.received_at,
            Case.status,
            Case.applicant_name,
            Case.applicant_phone,
            Case.applicant_id_type,
        )
        .where(Case.applicant_id_number == id_number)
        .order_by(Case.received_at.desc())
    )
    if id_type:  # a person's number never finds an organisation's cases, nor the reverse
        is_uscc = Case.applicant_id_type == ID_USCC
        cases_query = cases_query.where(is_uscc if id_type == ID_USCC else ~is_uscc)
    cases = session.execute(cases_query).all()
    if party is None and not cases:
        return None
    previous = tuple(
        PreviousCase(r.id, r.case_no, r.matter_name, r.received_at, r.status) for r in cases[:PREVIOUS_SHOWN]
    )
    phone = (party.phone if party else "") or next((r.applicant_phone for r in cases if r.applicant_phone), "")
    if party is None:  # cases recorded before the memory existed and not seeded
        last = cases[0]
        kind = ORGANISATION if last.applicant_id_type == ID_USCC else PERSON
        return KnownApplicant(
            id_number,
            last.applicant_name,
            phone,
            last.received_at,
            last.matter_name,
            len(cases),
            kind,
            last.applicant_id_type,
            previous=previous,
        )
    agent = None
    if party.agent:
        a = party.agent
        agent = Agent(
            a.get("name", ""),
            a.get("id_number", ""),
            a.get("relation", ""),
            a.get("id_type", ID_RESIDENT),
            a.get("phone", ""),
        )
    last_seen = cases[0].received_at if cases else party.updated_at
    last_matter = cases[0].matter_name if cases else ""
    return KnownApplicant(
        id_number,
        party.name,
        phone,
        last_seen,
        last_matter,
        len(cases),
        party.kind,
        party.id_type,
        party.address,
        party.legal_rep,
        agent,
        previous,
    )
