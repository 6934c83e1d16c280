"""Audit chains on the back office: the windows' chains anchored, and its own decisions chained.

A window's journal is a hash chain, but whoever holds the store key (the clerk's own
keyring) can rewrite it and recompute every hash. So each pushed event carries its
place in that chain (seq, previous hash, own hash) and the back office keeps them with
the event: the anchor a window's `onewindow audit verify` is checked against. An event
whose chain does not continue what is anchored for its device is recorded as a break
(`onewindow-server audit breaks`); the event itself is still applied, as its facts
stand on their own and a refused event would block the window's queue.

The back office's own decisions (approve, deny, supplement, suspend, resume, extension,
result ready, routing) are chained too: each published decision change gets one row
hashing the one before (`onewindow-server audit verify`). The row is added after the
change took its feed number, while the feed counter's row lock is held, so concurrent
decisions chain in commit order; `prev_hash` is unique, so a fork cannot commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync import protocol

from .db import Case, ChainBreak, Change, DecisionLink, Event, utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64
PREV_MISMATCH = "prev_mismatch"  # the event does not follow the anchored event before it
SEQ_REUSED = "seq_reused"  # another event was already anchored at this place in the chain
ANCHOR_CHANGED = "anchor_changed"  # the window's journal no longer holds what was anchored there
_INT32 = 2**31 - 1  # PostgreSQL's INTEGER
_HEX64 = re.compile(r"[0-9a-f]{64}")
# What the case row keeps of a decision, as the decision change published it.
_CASE_STAMPS = ("decided_by", "decided_at", "result_name", "result_no")


class AnchorBook:
    """The anchors one push batch links to, read with one query and checked in memory.

    Only the places the batch's events take and the places right before them are read;
    events sent out of order (a retried event after its successors) are checked against
    whatever is anchored next to them, never against "the newest".
    """

    def __init__(self, session: Session, device_id: str, events: Iterable[protocol.Event]):
        self.device_id = device_id
        events = list(events)
        seqs = {e.chain_seq for e in events if e.chain_seq is not None and _places(e)}
        attested = {e.anchor_seq for e in events if e.anchor_seq is not None and _attests(e)}
        wanted = sorted(seqs | {s - 1 for s in seqs} | attested)
        self._held: dict[int, tuple[str, str]] = {}  # seq -> (event_id, hash)
        if wanted:
            for seq, event_id, hash_ in session.execute(
                select(Event.chain_seq, Event.event_id, Event.chain_hash)
                .where(Event.device_id == device_id, Event.chain_seq.in_(wanted), Event.chain_hash.is_not(None))
                .order_by(Event.id)
            ):
                if seq is not None and hash_ is not None:
                    self._held.setdefault(seq, (event_id, hash_))  # a place anchored twice: the first holds
        self.breaks: list[dict] = []
        self._attested: set[tuple[int, str]] = set()

    def link(self, event: protocol.Event, now: dt.datetime) -> None:
        """Anchor `event` (stored with it by the caller); note a break when it does not fit."""
        self._attest(event, now)
        seq, sent = event.chain_seq, event.chain_hash
        if seq is None or not sent or not _places(event):
            return
        same = self._held.get(seq)
        if same is not None and same[0] != event.event_id and same[1] != sent:
            self._break(event, SEQ_REUSED, same[1], sent, now)
        before = self._held.get(seq - 1)
        if before is not None and (event.chain_prev or "") != before[1]:
            self._break(event, PREV_MISMATCH, before[1], event.chain_prev or "", now)
        if same is None:
            self._held[seq] = (event.event_id, sent)

    def _attest(self, event: protocol.Event, now: dt.datetime) -> None:
        """The window's journal at its last anchor, compared with the anchor (once per batch)."""
        seq, now_there = event.anchor_seq, event.anchor_hash
        if seq is None or not now_there or not _attests(event) or (seq, now_there) in self._attested:
            return
        self._attested.add((seq, now_there))
        held = self._held.get(seq)
        if held is not None and held[1] != now_there:
            self._break(event, ANCHOR_CHANGED, held[1], now_there, now, at=seq)

    def _break(
        self, event: protocol.Event, kind: str, anchored: str, sent: str, now: dt.datetime, at: int | None = None
    ) -> None:
        seq = event.chain_seq if at is None else at
        log.warning(
            "audit chain break %s: device %s, chain seq %s, event %s", kind, self.device_id, seq, event.event_id
        )
        self.breaks.append(
            dict(
                device_id=self.device_id,
                event_id=event.event_id,
                chain_seq=seq,
                kind=kind,
                anchored_hash=anchored,
                sent_hash=sent if _HEX64.fullmatch(sent) else "",  # a window's claim: stored only if it is a hash
                found_at=now,
            )
        )


def _places(event: protocol.Event) -> bool:
    """Whether the event names a place in its chain the database can look up, with its neighbour."""
    return event.chain_seq is not None and 0 < event.chain_seq <= _INT32 and bool(event.chain_hash)


def _attests(event: protocol.Event) -> bool:
    """Whether the event names an anchor the database can look up (an INTEGER, a hash)."""
    return (
        event.anchor_seq is not None
        and 0 < event.anchor_seq <= _INT32
        and bool(_HEX64.fullmatch(event.anchor_hash or ""))
    )


def chain_columns(event: protocol.Event) -> dict:
    """The anchor columns of an event's stored row."""
    return dict(chain_seq=event.chain_seq, chain_prev=event.chain_prev, chain_hash=event.chain_hash)


@dataclass(frozen=True)
class BreakRow:
    id: int
    device_id: str
    event_id: str
    chain_seq: int
    kind: str
    found_at: dt.datetime


def chain_breaks(session: Session, device_id: str | None = None) -> list[BreakRow]:
    query = select(ChainBreak).order_by(ChainBreak.id)
    if device_id:
        query = query.where(ChainBreak.device_id == device_id)
    return [BreakRow(b.id, b.device_id, b.event_id, b.chain_seq, b.kind, b.found_at) for b in session.scalars(query)]


def device_anchors(session: Session, device_id: str) -> list[dict]:
    """Every anchor the back office holds for a device, for `onewindow audit verify --anchors`."""
    rows = session.execute(
        select(Event.chain_seq, Event.event_id, Event.chain_hash, Event.device_time)
        .where(Event.device_id == device_id, Event.chain_seq.is_not(None), Event.chain_hash.is_not(None))
        .order_by(Event.chain_seq, Event.id)  # a place anchored twice: the first anchor first
    )
    return [
        {"seq": seq, "event_id": event_id, "hash": hash_, "device_time": device_time.isoformat()}
        for seq, event_id, hash_, device_time in rows
    ]


# -- the back office's own decisions -------------------------------------------


def _canonical(data: object) -> object:
    """The data as the JSON column gives it back, so the hash recomputes after a reload."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def decision_hash(
    prev_hash: str, kind: str, case_id: str | None, case_no: str | None, data: object, at: dt.datetime
) -> str:
    body = json.dumps(
        [prev_hash, kind, case_id or "", case_no or "", data, at.astimezone(dt.UTC).isoformat()],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def chain_decision(session: Session, change: Change) -> None:
    """One row hashing a decision the back office published, in the caller's transaction.

    Call after `append_change` reserved the change's number (the feed counter stays locked
    until commit, so the last link read here is the last one committed)."""
    prev = session.scalars(select(DecisionLink.hash).order_by(DecisionLink.seq.desc()).limit(1)).first() or GENESIS
    data = _canonical(change.data)
    at = (change.server_time or utcnow()).replace(microsecond=0)
    session.add(
        DecisionLink(
            change_seq=change.seq,
            kind=change.kind,
            case_id=change.case_id,
            case_no=change.case_no,
            data=data,
            at=at,
            prev_hash=prev,
            hash=decision_hash(prev, change.kind, change.case_id, change.case_no, data, at),
        )
    )


@dataclass(frozen=True)
class DecisionProblem:
    seq: int  # the chain row named (0 when the problem is in a case row)
    case_no: str
    message: str  # Chinese, for the administrator


@dataclass(frozen=True)
class DecisionReport:
    checked: int
    head: str
    problem: DecisionProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _links(session: Session) -> Iterator[DecisionLink]:
    query = select(DecisionLink).order_by(DecisionLink.seq).execution_options(yield_per=500)
    for link in session.scalars(query):
        yield link
        session.expunge(link)


def verify_decisions(session: Session) -> DecisionReport:
    """Walk the decision chain; then check each decided case row and each published change
    still in the feed against what the chain holds for it."""
    expected, checked = GENESIS, 0
    stamps: dict[str, dict] = {}  # case id -> the last value of each case stamp the chain holds
    published: dict[int, tuple[int, dict]] = {}  # change seq -> (link seq, data)
    for link in _links(session):
        data = link.data if isinstance(link.data, dict) else {}
        if link.prev_hash != expected:
            how = "前一条记录被删除或插入了记录" if checked else "链首被改动"
            return DecisionReport(checked, expected, _problem(link, f"与前一条不相接（{how}）"))
        if decision_hash(link.prev_hash, link.kind, link.case_id, link.case_no, data, link.at) != link.hash:
            return DecisionReport(checked, expected, _problem(link, "内容在记录后被修改"))
        if link.case_id:
            known = stamps.setdefault(link.case_id, {})
            known.update({k: data[k] for k in _CASE_STAMPS if k in data})
            known["case_no"] = link.case_no or ""
        if link.change_seq is not None:
            published[link.change_seq] = (link.seq, data)
        expected, checked = link.hash, checked + 1
    problem = _changed_cases(session, stamps) or _changed_feed(session, published)
    return DecisionReport(checked, expected, problem)


def _problem(link: DecisionLink, what: str) -> DecisionProblem:
    case = f"（办件 {link.case_no}）" if link.case_no else ""
    return DecisionProblem(link.seq, link.case_no or "", f"后台决定链第 {link.seq} 条记录{case}{what}。")


def _same(recorded: object, current: object) -> bool:
    if isinstance(current, dt.datetime):
        try:
            return protocol.wire_time(str(recorded)) == current
        except ValueError:
            return False
    return (recorded or None) == (current or None)


def _changed_cases(session: Session, stamps: dict[str, dict]) -> DecisionProblem | None:
    """A case row whose decision stamp (who, when, result) is not what its last chained
    decision says, or a decided case with no chained decision at all."""
    query = (
        select(Case.id, Case.case_no, *(getattr(Case, k) for k in _CASE_STAMPS))
        .where(Case.decided_at.is_not(None))
        .execution_options(yield_per=500)
    )
    since = _chained_since(session)
    for row in session.execute(query):
        known = stamps.get(row.id)
        if known is None:
            if since is not None and row.decided_at >= since:
                return DecisionProblem(0, row.case_no, f"办件 {row.case_no} 的审批记录不在后台决定链中。")
            continue
        for key in _CASE_STAMPS:
            if key in known and not _same(known[key], getattr(row, key)):
                return DecisionProblem(
                    0, row.case_no, f"办件 {row.case_no} 的审批结论（{key}）与后台决定链记录的不一致：办件记录被修改。"
                )
    return None


def _chained_since(session: Session) -> dt.datetime | None:
    """When the chain began: decisions made before it existed (an upgraded database) are not in it."""
    return session.scalars(select(DecisionLink.at).order_by(DecisionLink.seq).limit(1)).first()


def _changed_feed(session: Session, published: dict[int, tuple[int, dict]]) -> DecisionProblem | None:
    """A decision change still in the feed (what the windows pull) that differs from its link."""
    if not published:
        return None
    query = select(Change.seq, Change.case_no, Change.data).where(Change.seq.in_(list(published)))
    for seq, case_no, data in session.execute(query):
        link_seq, chained = published[seq]
        if _canonical(data) != chained:
            return DecisionProblem(
                link_seq,
                case_no or "",
                f"发布给窗口的第 {seq} 条变更与后台决定链第 {link_seq} 条记录不一致：变更被修改。",
            )
    return None
