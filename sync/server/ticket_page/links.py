"""The ticket's status token: made here when a kiosk asks, kept as a digest, looked up by the page.

The back office makes the token (16 random bytes, URL-safe base64: 128 bits) so a kiosk cannot
choose a weak one; the kiosk prints it in the QR and the database keeps only its SHA-256. One
token per ticket: asking again (a kiosk retrying after a lost answer) replaces the old one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.tickets import CATEGORIES, REASON_LABELS, STATUS_LABELS
from sync import protocol

from ..db import Ticket, TicketLink, utcnow
from ..deps import Ctx, Dev
from ..queue import QueueError, service_day

PREFIX = "/q"
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{22,64}")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def make_link(sessions: sessionmaker[Session], org_code: str, ticket_id: int) -> protocol.TicketLink:
    """A fresh token for a ticket of this hall's day; a 404 for any other ticket."""
    token = secrets.token_urlsafe(16)
    with sessions() as session, session.begin():
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.org_code != org_code or ticket.service_day != service_day():
            raise QueueError(404, "unknown_ticket", "没有这张号票")
        session.execute(delete(TicketLink).where(TicketLink.ticket_id == ticket_id))
        session.add(TicketLink(ticket_id=ticket_id, token_sha=digest(token), made_at=utcnow()))
    return protocol.TicketLink(path=f"{PREFIX}/{token}")


@dataclass(frozen=True)
class TicketState:
    """What the status page shows: no personal data, only the ticket and the queue."""

    ticket_no: str
    category_label: str
    priority_label: str
    status: str
    status_label: str
    window: str | None
    ahead: int  # tickets of the hall still waiting before this one (waiting tickets only)
    issued_at: dt.datetime
    expired: bool  # a ticket of an earlier day: the queue has started again


def ticket_state(sessions: sessionmaker[Session], token: str, now: dt.datetime | None = None) -> TicketState | None:
    """The ticket behind a token, or None; every string costs one digest and one indexed query."""
    if _WELL_FORMED.fullmatch(token) is None:
        return None
    with sessions() as session:
        ticket = session.execute(
            select(Ticket)
            .join(TicketLink, TicketLink.ticket_id == Ticket.id)
            .where(TicketLink.token_sha == digest(token))
        ).scalar_one_or_none()
        if ticket is None:
            return None
        ahead = 0
        if ticket.status == "waiting":
            ahead = session.execute(
                select(func.count())
                .select_from(Ticket)
                .where(
                    Ticket.org_code == ticket.org_code,
                    Ticket.service_day == ticket.service_day,
                    Ticket.status == "waiting",
                    Ticket.id < ticket.id,
                )
            ).scalar_one()
        return TicketState(
            ticket.ticket_no,
            CATEGORIES.get(ticket.category, ticket.category),
            REASON_LABELS.get(ticket.priority_reason, ""),
            ticket.status,
            STATUS_LABELS.get(ticket.status, ticket.status),
            ticket.window,
            ahead,
            ticket.issued_at,
            ticket.service_day != service_day(now),
        )


router = APIRouter(prefix="/queue", tags=["queue"])


@router.post("/links", response_model=protocol.TicketLink, responses={404: {"model": protocol.ErrorBody}})
def link(body: protocol.TicketLinkRequest, ctx: Ctx, dev: Dev) -> protocol.TicketLink:
    """What a kiosk calls after taking a ticket, for the QR it prints."""
    return make_link(ctx.sessions, dev.org_code, body.ticket_id)
