"""Append-only case events with a hash chain (全程留痕).

Each event's hash covers its content and the previous event's hash, so editing,
inserting or deleting any event breaks the chain from that point on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .models import CaseEvent, Counter, OutboxEntry

GENESIS = "0" * 64


def event_hash(
    prev_hash: str,
    event_id: str,
    case_id: str,
    type_: str,
    payload: dict,
    clerk: str,
    device_id: str,
    device_time: dt.datetime,
) -> str:
    body = json.dumps(
        [prev_hash, event_id, case_id, type_, payload, clerk, device_id, device_time.isoformat()],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def next_value(session: Session, name: str) -> int:
    """Increment a named counter inside the caller's transaction."""
    counter = session.get(Counter, name)
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
    counter.value += 1
    session.flush()
    return counter.value


def last_hash(session: Session) -> str:
    """The hash the next event chains to."""
    return session.scalars(select(CaseEvent.hash).order_by(CaseEvent.seq.desc()).limit(1)).first() or GENESIS


def chained(
    prev_hash: str,
    *,
    event_id: str,
    case_id: str,
    type_: str,
    payload: dict,
    clerk: str,
    device_id: str,
    device_time: dt.datetime,
) -> dict:
    """The columns of an event that follows `prev_hash` in the chain."""
    return dict(
        event_id=event_id,
        case_id=case_id,
        type=type_,
        payload=payload,
        clerk=clerk,
        device_id=device_id,
        device_time=device_time,
        prev_hash=prev_hash,
        hash=event_hash(prev_hash, event_id, case_id, type_, payload, clerk, device_id, device_time),
    )


def append_event(
    session: Session,
    *,
    case_id: str,
    type_: str,
    payload: dict,
    clerk: str,
    device_id: str,
    outbox: bool = True,
    now: dt.datetime | None = None,
    after: CaseEvent | None = None,
) -> CaseEvent:
    """Add an event (and its outbox entry) to the caller's transaction.

    `after` is the event this transaction appended last, when the caller appends many:
    the chain then continues from it without reading the journal again, and nothing is
    flushed here (the caller's flush or commit writes them together, in order).
    """
    event_id = str(uuid.uuid4())
    ev = CaseEvent(
        **chained(
            after.hash if after else last_hash(session),
            event_id=event_id,
            case_id=case_id,
            type_=type_,
            payload=payload,
            clerk=clerk,
            device_id=device_id,
            device_time=(now or dt.datetime.now()).replace(microsecond=0),
        )
    )
    session.add(ev)
    if outbox:
        session.add(OutboxEntry(event_id=event_id, device_seq=next_value(session, "device_seq")))
    if after is None:
        session.flush()
    return ev


class JournalAppender:
    """Many events the window records but does not send (server.* statuses pulled from the
    back office), chained in memory and written with one statement.

    Applying a page of 500 pulled changes one ORM object at a time spent more time in
    bookkeeping than the sync spent on the network. Nothing else may append to the
    journal in the same transaction between the first `add` and `write`.
    """

    def __init__(self, session: Session, device_id: str):
        self.session, self.device_id = session, device_id
        self.prev = last_hash(session)
        self.rows: list[dict] = []

    def add(self, *, case_id: str, type_: str, payload: dict, clerk: str, at: dt.datetime | None = None) -> None:
        """`at`: when it happened, as local wall time (a back-office decision's own time, so
        the timeline does not show when the window happened to pull it); now by default."""
        row = chained(
            self.prev,
            event_id=str(uuid.uuid4()),
            case_id=case_id,
            type_=type_,
            payload=payload,
            clerk=clerk,
            device_id=self.device_id,
            device_time=(at or dt.datetime.now()).replace(microsecond=0),
        )
        self.rows.append(row)
        self.prev = row["hash"]

    def write(self) -> None:
        if self.rows:
            self.session.execute(insert(CaseEvent), self.rows)
            self.rows = []
