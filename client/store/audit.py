"""Walking the event hash chain to find the first edited, inserted or deleted event.

The counter's record is the legal record (when a case was received decides whether
deadlines were met), so `onewindow audit verify` must name *where* the trail was
touched, not only that it was. Events are read in `seq` order with one event of
look-ahead, so a store with years of events is checked in constant memory.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from sqlalchemy import select

from .db import Store
from .journal import GENESIS, event_hash
from .models import Case, CaseEvent, OutboxEntry

EDITED, INSERTED, DELETED = "edited", "inserted", "deleted"
_KIND_LABELS = {EDITED: "被修改", INSERTED: "被插入", DELETED: "被删除"}


@dataclass(frozen=True)
class EventRow:
    seq: int
    event_id: str
    case_id: str
    case_no: str
    type: str
    prev_hash: str
    hash: str
    computed: str  # the hash of this row's content on its own recorded prev_hash
    relinked: str  # the hash it would have with `prev_hash` replaced by the expected one


@dataclass(frozen=True)
class Tampering:
    kind: str  # edited / inserted / deleted
    seq: int  # the event named; for a deletion, the first event after the gap
    event_id: str
    case_no: str
    message: str  # for the clerk and the administrator, Chinese


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str  # hash of the last event that verified
    problem: Tampering | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(store: Store) -> Generator[tuple[CaseEvent, str | None], None, None]:
    with store.sessions() as s:
        query = (
            select(CaseEvent, Case.case_no)
            .outerjoin(Case, Case.id == CaseEvent.case_id)
            .order_by(CaseEvent.seq)
            .execution_options(yield_per=500)
        )
        for ev, case_no in s.execute(query):
            yield ev, case_no
            s.expunge(ev)


def _row(ev: CaseEvent, case_no: str | None, expected_prev: str) -> EventRow:
    args = (ev.event_id, ev.case_id, ev.type, ev.payload, ev.clerk, ev.device_id, ev.device_time)
    return EventRow(
        ev.seq,
        ev.event_id,
        ev.case_id,
        case_no or "",
        ev.type,
        ev.prev_hash,
        ev.hash,
        event_hash(ev.prev_hash, *args),
        event_hash(expected_prev, *args),
    )


def _tamper(kind: str, row: EventRow, detail: str) -> Tampering:
    case = f"（办件 {row.case_no}）" if row.case_no else ""
    return Tampering(kind, row.seq, row.event_id, row.case_no, f"审计链在第 {row.seq} 条事件{case}处断开：{detail}")


def _judge(
    row: EventRow, expected: str, last: EventRow | None, earlier: dict[str, int], following: EventRow | None
) -> Tampering | None:
    """Why `row` does not continue the chain ending in `expected`, or None if it does."""
    if row.prev_hash == expected:
        if row.computed == row.hash:
            return None
        return _tamper(EDITED, row, f"该事件（{row.type}）的内容在记录后{_KIND_LABELS[EDITED]}。")
    if row.relinked == row.hash:
        return _tamper(EDITED, row, "该事件记录的“前一事件哈希”被修改。")
    if row.prev_hash in earlier:
        after = earlier[row.prev_hash]
        return Tampering(
            INSERTED,
            after + 1,
            "",
            "",
            f"审计链在第 {row.seq} 条事件处断开：第 {after} 条之后、第 {row.seq} 条之前的事件是后来"
            f"{_KIND_LABELS[INSERTED]}的（从第 {after + 1} 条起）。",
        )
    if following is not None and following.prev_hash == expected:
        return _tamper(INSERTED, row, f"该事件（{row.type}）是后来{_KIND_LABELS[INSERTED]}的。")
    if last is not None and row.seq == last.seq + 1:
        return _tamper(EDITED, last, f"该事件（{last.type}）被修改后重新计算了哈希，下一条事件仍指向原来的哈希。")
    gap = f"第 {last.seq} 条之后、" if last is not None else ""
    return _tamper(DELETED, row, f"{gap}第 {row.seq} 条之前有事件{_KIND_LABELS[DELETED]}。")


def verify_chain(store: Store) -> ChainReport:
    """Check every event links to the one before; then that no case or outbox entry lost its events."""
    expected, last, checked = GENESIS, None, 0
    earlier: dict[str, int] = {}
    source = _rows(store)
    pending = next(source, None)
    current = _row(*pending, expected) if pending else None
    while current is not None:
        pending = next(source, None)
        following = _row(*pending, current.hash) if pending else None
        problem = _judge(current, expected, last, earlier, following)
        if problem is not None:
            source.close()
            return ChainReport(checked, expected, problem)
        if last is not None:
            earlier[last.hash] = last.seq
        expected, last, checked = current.hash, current, checked + 1
        current = _row(*pending, expected) if pending else None
    return ChainReport(checked, expected, _orphans(store))


def _orphans(store: Store) -> Tampering | None:
    """A case or an outbox entry whose event is gone: the chain's tail was cut."""
    with store.sessions() as s:
        case = s.execute(
            select(Case.id, Case.case_no)
            .where(~select(CaseEvent.seq).where(CaseEvent.case_id == Case.id).exists())
            .limit(1)
        ).first()
        if case is not None:
            return Tampering(
                DELETED,
                0,
                "",
                case.case_no,
                f"办件 {case.case_no} 没有任何审计事件：它的受理事件{_KIND_LABELS[DELETED]}。",
            )
        entry = s.scalar(
            select(OutboxEntry.event_id)
            .where(~select(CaseEvent.seq).where(CaseEvent.event_id == OutboxEntry.event_id).exists())
            .limit(1)
        )
        if entry is not None:
            return Tampering(
                DELETED, 0, entry, "", f"待报送队列中的事件 {entry} 在审计链中不存在：该事件{_KIND_LABELS[DELETED]}。"
            )
    return None
