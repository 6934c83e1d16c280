"""Walking the event hash chain to find the first edited, inserted or deleted event.

The counter's record is the legal record (when a case was received decides whether
deadlines were met), so `onewindow audit verify` must name *where* the trail was
touched, not only that it was. Events are read in `seq` order with one event of
look-ahead, so a store with years of events is checked in constant memory.

A chain that is whole proves little against whoever holds the store key (the clerk's own
keyring): they can rewrite an event and recompute every hash after it. So the chain is
also checked against its anchors, the (seq, hash) of events the back office acknowledged
(`sync.server.audit_chain`): the last one the window was told, or every one the back
office holds (`onewindow-server audit anchors`). Events after the last anchor are
reported as not yet anchored, never as verified. Finally the fields receipts and notices
print from the `cases` row are compared with what the chain recorded for the case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Generator, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync import protocol

from .db import Store
from .journal import GENESIS, event_hash
from .models import Case, CaseEvent, OutboxEntry
from .settings import get_setting, put_setting

EDITED, INSERTED, DELETED = "edited", "inserted", "deleted"
BACKDATED, CASE_EDITED = "backdated", "case_edited"
_KIND_LABELS = {EDITED: "被修改", INSERTED: "被插入", DELETED: "被删除"}
KEY_ANCHOR = "audit.anchor"  # the last anchor the back office answered: {"seq", "hash", "event_id", "device_time"}
_INTAKES = (protocol.CASE_ACCEPTED, protocol.CASE_NOTIFIED, protocol.CASE_REFUSED)


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
class Anchor:
    """An event's place in the chain as the back office acknowledged it."""

    seq: int
    hash: str
    event_id: str = ""
    device_time: dt.datetime | None = None  # local wall time, as the window sent it


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str  # hash of the last event that verified
    problem: Tampering | None
    anchored_through: int = 0  # the last local seq an anchor vouches for (0: none)
    unanchored: int = 0  # events after it: whole, but not yet vouched for by the back office

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


def verify_chain(store: Store, anchors: Iterable[Anchor] | None = None) -> ChainReport:
    """Check every event links to the one before; then that no case or outbox entry lost its
    events; then the chain against its anchors (`anchors`, else the last one the back office
    answered); then the printed case fields against the chain."""
    wanted: dict[int, Anchor] = {}
    for anchor in anchors if anchors is not None else _local_anchors(store):
        wanted.setdefault(anchor.seq, anchor)  # a place anchored twice: the first anchor holds
    through = max(wanted, default=0)
    seen = _Seen(wanted, through)
    expected, last, checked = GENESIS, None, 0
    earlier: dict[str, int] = {}
    source = _rows(store)
    pending = next(source, None)
    if pending:
        seen.take(pending[0])
    current = _row(*pending, expected) if pending else None
    while current is not None:
        pending = next(source, None)
        if pending:
            seen.take(pending[0])
        following = _row(*pending, current.hash) if pending else None
        problem = _judge(current, expected, last, earlier, following)
        if problem is not None:
            source.close()
            return ChainReport(checked, expected, problem)
        if last is not None:
            earlier[last.hash] = last.seq
        expected, last, checked = current.hash, current, checked + 1
        current = _row(*pending, expected) if pending else None
    problem = _orphans(store) or seen.against_anchors(last.seq if last else 0) or _printed(store, seen)
    return ChainReport(checked, expected, problem, through if problem is None else 0, seen.unanchored)


class _Seen:
    """What the walk keeps besides the links: each anchored event's hash and time, and
    what each case's events recorded of the fields its papers print."""

    def __init__(self, anchors: dict[int, Anchor], through: int):
        self.anchors, self.through = anchors, through
        self.at_anchor: dict[int, CaseEvent] = {}
        self.unanchored = 0
        self.printed: dict[str, dict] = {}  # case id -> field -> value the chain recorded

    def take(self, ev: CaseEvent) -> None:
        if ev.seq > self.through:
            self.unanchored += 1
        if ev.seq in self.anchors:
            self.at_anchor[ev.seq] = ev
        payload = ev.payload if isinstance(ev.payload, dict) else {}
        if ev.type in _INTAKES and ev.case_id not in self.printed and isinstance(payload.get("applicant"), dict):
            self.printed[ev.case_id] = _intake_fields(payload)
        elif ev.type.startswith("server.") and ev.case_id in self.printed:
            for key in ("result_name", "result_no"):  # the back office's decision, as the window took it
                if payload.get(key):
                    self.printed[ev.case_id][key] = payload[key]

    def against_anchors(self, last_seq: int) -> Tampering | None:
        """The first anchored place where the local chain differs (edits propagate forward,
        so the first difference is the earliest touched event)."""
        for seq in sorted(self.anchors):
            anchor, ev = self.anchors[seq], self.at_anchor.get(seq)
            if ev is None:
                if seq > last_seq:
                    detail = f"本机审计链只到第 {last_seq} 条，后台已锚定到第 {seq} 条：末尾已同步的事件{_KIND_LABELS[DELETED]}。"
                else:
                    detail = f"后台已锚定的第 {seq} 条事件在本机{_KIND_LABELS[DELETED]}。"
                return Tampering(DELETED, seq, anchor.event_id, "", f"审计链与后台锚点不符：{detail}")
            if ev.hash == anchor.hash and (not anchor.event_id or ev.event_id == anchor.event_id):
                continue
            if anchor.event_id and ev.event_id != anchor.event_id:
                return Tampering(
                    DELETED,
                    seq,
                    anchor.event_id,
                    "",
                    f"审计链与后台锚点不符：后台已锚定的第 {seq} 条事件被删除或替换（本机该处现为另一事件 {ev.event_id}）。",
                )
            if anchor.device_time is not None and ev.device_time != anchor.device_time:
                return Tampering(
                    BACKDATED,
                    seq,
                    ev.event_id,
                    "",
                    f"审计链与后台锚点不符：第 {seq} 条事件（{ev.type}）的时间被改动（倒签）："
                    f"后台锚定时为 {anchor.device_time:%Y-%m-%d %H:%M:%S}，现为 {ev.device_time:%Y-%m-%d %H:%M:%S}。",
                )
            return Tampering(
                EDITED,
                seq,
                ev.event_id,
                "",
                f"审计链与后台锚点不符：第 {seq} 条事件的哈希与后台锚定的不同，该事件或它之前的事件"
                f"{_KIND_LABELS[EDITED]}（或倒签）后重新计算了哈希。",
            )
        return None


# The printed fields the intake event records, as the `cases` row keeps them.
_PRINTED = (
    "case_no",
    "matter_code",
    "matter_name",
    "applicant_name",
    "applicant_id_type",
    "applicant_id_number",
    "received_at",
    "promised_by",
    "result_name",
    "result_no",
)
_PRINTED_LABELS = {
    "case_no": "办件编号",
    "matter_code": "事项编码",
    "matter_name": "事项名称",
    "applicant_name": "申请人",
    "applicant_id_type": "证件类型",
    "applicant_id_number": "证件号码",
    "received_at": "受理时间",
    "promised_by": "承诺办结日期",
    "result_name": "办理结果",
    "result_no": "结果文号",
}


def _intake_fields(payload: dict) -> dict:
    applicant = payload["applicant"]
    fields = {
        "case_no": payload.get("case_no"),
        "matter_code": payload.get("matter_code"),
        "matter_name": payload.get("matter_name"),
        "applicant_name": applicant.get("name"),
        "applicant_id_type": applicant.get("id_type", "身份证"),
        "applicant_id_number": applicant.get("id_number"),
    }
    try:
        fields["received_at"] = protocol.to_local(payload["received_at"]).replace(microsecond=0)
        fields["promised_by"] = dt.date.fromisoformat(str(payload["promised_by"]))
    except (KeyError, TypeError, ValueError):
        pass  # an older or odd payload: those fields are not compared
    return {k: v for k, v in fields.items() if v is not None}


def printed_digest(fields: dict) -> str:
    """A digest of a case's printed fields: the row and the chain agree when these agree."""
    body = json.dumps({k: fields.get(k) for k in _PRINTED}, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _printed(store: Store, seen: _Seen) -> Tampering | None:
    """A `cases` row whose printed fields differ from what the chain recorded for the case,
    or a case the chain took in whose row is gone."""
    if not seen.printed:
        return None
    table = Case.__table__
    columns = [table.c.id, *(table.c[k] for k in _PRINTED)]
    found: set[str] = set()
    with store.sessions() as s:
        for row in s.execute(select(*columns).execution_options(yield_per=500)).mappings():
            recorded = seen.printed.get(row["id"])
            if recorded is None:
                continue
            found.add(row["id"])
            current = dict(row)
            if isinstance(current.get("received_at"), dt.datetime):
                current["received_at"] = current["received_at"].replace(microsecond=0)
            if printed_digest({**current, **recorded}) == printed_digest(current):
                continue
            field = next(k for k in _PRINTED if k in recorded and recorded[k] != current[k])
            return Tampering(
                CASE_EDITED,
                0,
                "",
                str(row["case_no"]),
                f"办件 {row['case_no']} 的“{_PRINTED_LABELS[field]}”与审计链记录的不一致：办件记录在受理后被修改，"
                "据此打印的回执、告知书不可信。",
            )
    missing = next((case_id for case_id in seen.printed if case_id not in found), None)
    if missing is not None:
        case_no = str(seen.printed[missing].get("case_no", ""))
        return Tampering(CASE_EDITED, 0, "", case_no, f"办件 {case_no} 已在审计链中受理，但本机的办件记录被删除。")
    return None


def _local_anchors(store: Store) -> list[Anchor]:
    with store.sessions() as s:
        raw = get_setting(s, KEY_ANCHOR)
    return [anchor_from(json.loads(raw))] if raw else []


def anchor_from(item: dict) -> Anchor:
    """An anchor as the back office exports it or the window keeps it."""
    when = dt.datetime.fromisoformat(item["device_time"]) if item.get("device_time") else None
    if when is not None and when.tzinfo is not None:  # the back office's copy: aware
        when = when.astimezone().replace(tzinfo=None)
    return Anchor(int(item["seq"]), str(item["hash"]), str(item.get("event_id") or ""), when)


def anchor_now(session: Session) -> tuple[int, str] | None:
    """The last anchor this window was answered with, and the hash its journal holds at that
    place now (GENESIS when the event is gone): sent with each push, so the back office sees a
    journal rewritten behind its anchor even when the events after it were never sent."""
    raw = get_setting(session, KEY_ANCHOR)
    if not raw:
        return None
    seq = int(json.loads(raw)["seq"])
    return seq, session.scalar(select(CaseEvent.hash).where(CaseEvent.seq == seq)) or GENESIS


def record_anchor(session: Session, results: Iterable[protocol.EventResult]) -> None:
    """Keep the newest anchor the back office answered with (in the caller's transaction).

    Only an anchor the journal agrees with (same event, same hash at that place) is kept: a
    stored answer replayed for an event sent again from a rebuilt journal names the place it
    had in the old one."""
    answered = {r.chain_seq: r for r in results if r.chain_seq is not None and r.chain_hash}
    raw = get_setting(session, KEY_ANCHOR)
    held = int(json.loads(raw).get("seq", 0)) if raw else 0
    newer = [seq for seq in answered if seq > held]
    if not newer:
        return
    rows = session.execute(
        select(CaseEvent.seq, CaseEvent.event_id, CaseEvent.hash, CaseEvent.device_time).where(CaseEvent.seq.in_(newer))
    ).all()
    agreed = [r for r in rows if (r.event_id, r.hash) == (answered[r.seq].event_id, answered[r.seq].chain_hash)]
    if not agreed:
        return
    best = max(agreed, key=lambda r: r.seq)
    put_setting(
        session,
        KEY_ANCHOR,
        json.dumps(
            {"seq": best.seq, "hash": best.hash, "event_id": best.event_id, "device_time": best.device_time.isoformat()}
        ),
    )


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
