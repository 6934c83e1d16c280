"""What the hall's big screen shows, read from the queue's `tickets` rows of today.

Only ticket numbers, window numbers and counts: nothing about the people holding the
tickets. `signature` is the cheap question a feed asks a few times a second (one
aggregate over today's tickets of one hall, on the `ix_tickets_queue` index); `board`
is read only when the signature changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.tickets import CATEGORIES, PRIORITY_PREFIX

from ..db import OrgUnit, Ticket, utcnow
from ..queue import service_day

RECENT_CALLS = 8  # the "last calls" column
FRESH_SECONDS = 90  # a call older than this is shown but not announced to a display that reconnects
PRIORITY_LABEL = "爱心优先"


@dataclass(frozen=True)
class Call:
    """One call (or recall) of a ticket to a window, as the screen shows and speaks it."""

    key: str  # changes with every call and recall of the ticket: what a display announces once
    ticket_no: str
    window: str
    recalls: int
    text: str  # what is spoken: 请A017号到3号窗口办理
    clips: tuple[str, ...]  # the same, as the names of recorded clips (docs/hall-display.md)
    fresh: bool


@dataclass(frozen=True)
class Waiting:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class WindowNow:
    window: str
    ticket_no: str | None  # None: the window called today and serves nobody now


@dataclass(frozen=True)
class Board:
    hall: str
    windows: tuple[WindowNow, ...]
    recent: tuple[Call, ...]  # newest first
    waiting: tuple[Waiting, ...]

    def as_json(self) -> dict:
        return {
            "hall": self.hall,
            "windows": [{"window": w.window, "ticket_no": w.ticket_no} for w in self.windows],
            "recent": [call_json(c) for c in self.recent],
            "waiting": [{"code": w.code, "label": w.label, "count": w.count} for w in self.waiting],
        }


def call_json(call: Call) -> dict:
    return {
        "key": call.key,
        "ticket_no": call.ticket_no,
        "window": call.window,
        "recalls": call.recalls,
        "text": call.text,
        "clips": list(call.clips),
        "fresh": call.fresh,
    }


def announcement(ticket_no: str, window: str) -> str:
    return f"请{ticket_no}号到{window}号窗口办理"


def clip_names(ticket_no: str, window: str) -> tuple[str, ...]:
    """The announcement as recorded clips: 请 · each letter and digit · 号到 · … · 号窗口办理."""

    def spelled(text: str) -> list[str]:
        return [c.upper() for c in text if c.isascii() and c.isalnum()]

    return ("qing", *spelled(ticket_no), "hao-dao", *spelled(window), "hao-chuangkou-banli")


def signature(sessions: sessionmaker[Session], org_code: str) -> tuple:
    """Changes whenever the screen would: a ticket issued, called, recalled, finished or moved."""
    with sessions() as session:
        row = session.execute(
            select(
                func.count(),
                func.sum(case((Ticket.status == "waiting", 1), else_=0)),
                func.max(Ticket.last_called_at),
                func.max(Ticket.done_at),
                func.sum(Ticket.recalls),
            ).where(Ticket.org_code == org_code, Ticket.service_day == service_day())
        ).one()
        return (service_day(), *row)


def _window_order(window: str) -> tuple[int, int, str]:
    return (0, int(window), "") if window.isdigit() else (1, 0, window)


def board(sessions: sessionmaker[Session], org_code: str, now: dt.datetime | None = None) -> Board:
    now = now or utcnow()
    day = service_day(now)
    today = (Ticket.org_code == org_code, Ticket.service_day == day)
    with sessions() as session:
        hall = session.execute(select(OrgUnit.name).where(OrgUnit.code == org_code)).scalar() or ""
        called = (*today, Ticket.last_called_at.is_not(None), Ticket.window.is_not(None))
        recent_rows = session.execute(
            select(Ticket.id, Ticket.ticket_no, Ticket.window, Ticket.recalls, Ticket.last_called_at)
            .where(*called)
            .order_by(Ticket.last_called_at.desc(), Ticket.id.desc())
            .limit(RECENT_CALLS)
        ).all()
        seen_windows = {w for w in session.execute(select(Ticket.window).where(*called).distinct()).scalars() if w}
        serving = session.execute(
            select(Ticket.window, Ticket.ticket_no)
            .where(*today, Ticket.status == "called")
            .order_by(Ticket.last_called_at)  # a window's newest call last: it wins below
        ).all()
        waiting = dict(
            session.execute(
                select(Ticket.category, func.count())
                .where(*today, Ticket.status == "waiting", Ticket.priority.is_(False))
                .group_by(Ticket.category)
            ).all()
        )
        priority = session.execute(
            select(func.count()).where(*today, Ticket.status == "waiting", Ticket.priority.is_(True))
        ).scalar_one()
    current: dict[str, str | None] = dict.fromkeys(seen_windows)
    current.update({row.window: row.ticket_no for row in serving})
    recent = tuple(
        Call(
            key=f"{row.id}-{row.last_called_at.isoformat()}",
            ticket_no=row.ticket_no,
            window=row.window,
            recalls=row.recalls,
            text=announcement(row.ticket_no, row.window),
            clips=clip_names(row.ticket_no, row.window),
            fresh=(now - row.last_called_at).total_seconds() <= FRESH_SECONDS,
        )
        for row in recent_rows
    )
    counts = [Waiting(code, label, waiting.get(code, 0)) for code, label in CATEGORIES.items()]
    counts.append(Waiting(PRIORITY_PREFIX, PRIORITY_LABEL, priority))
    windows = tuple(WindowNow(w, current[w]) for w in sorted(current, key=_window_order))
    return Board(hall, windows, recent, tuple(counts))
