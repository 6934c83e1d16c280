"""Push and pull: events in from the windows, the change feed out to them.

A batch is read and written in a few bulk statements within one transaction; each
event's answer is stored with it, so a retry (lost response, two senders) gets the
same answer and nothing is applied twice, and one bad event never blocks the rest of
its batch.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from typing import Literal, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import FromClause, Integer, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no, parse_case_no
from client.domain.catalog import Catalog
from client.domain.deadlines import WorkCalendar
from client.domain.states import LABELS, CaseState, IllegalTransition
from sync import protocol

from . import auth, outreach, rating_links, ratings
from .audit_chain import AnchorBook, chain_columns
from .auth import DeviceIdentity
from .cases import move_case
from .context import ServerContext
from .custody import (
    HAND_OVERS,
    HELD,
    CustodyHeld,
    CustodyRejection,
    HeldHandOver,
    record_hand_over,
    refresh_custody,
)
from .db import (
    ALL_ORGS,
    Blob,
    BlobOwner,
    Case,
    CaseBlob,
    ChainBreak,
    Change,
    ChangeCounter,
    Event,
    EventStatus,
    OrgUnit,
    Rating,
    Shift,
    reserve_changes,
    utcnow,
)
from .deadlines import due_date, legal_due_date, start_date
from .departments import Router
from .errors import ApiError, Rejection, error_paths
from .ownership import check_new_number, check_writer
from .parties import PartyError, parties_of
from .publishing import current_calendar
from .scope import subunits
from .storable import storable, unstorable_at

log = logging.getLogger(__name__)

MAX_PULL = 1000
DEFAULT_PULL = 500
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CASE_NO = re.compile(r"^[0-9A-Z]{1,40}$")  # what parse_case_no leaves of a real number


def push_events(ctx: ServerContext, device: DeviceIdentity, events: list[protocol.Event]) -> list[protocol.EventResult]:
    """The whole batch in one transaction with a handful of statements (one dedup query,
    bulk inserts, one change-counter bump); on any conflict or failure, fall back to one
    transaction per event so that the answer per event stays exact."""
    try:
        return _push_batch(ctx, device, events)
    except Exception as exc:  # IntegrityError from a concurrent sender, a dropped connection...
        log.info("batch of %d events falls back to one by one: %s", len(events), type(exc).__name__)
    return [push_event(ctx, device, event) for event in events]


def _push_batch(ctx: ServerContext, device: DeviceIdentity, events: list[protocol.Event]) -> list[protocol.EventResult]:
    with ctx.sessions() as session, session.begin():
        batch = _Batch(session, ctx, device, events)
        answers = batch.stored_answers()
        for event in events:
            if event.event_id not in answers:
                answers[event.event_id] = batch.apply(event)
        batch.write()
    return [answers[e.event_id] for e in events]


def push_event(ctx: ServerContext, device: DeviceIdentity, event: protocol.Event) -> protocol.EventResult:
    """Apply one event once; answer a repeat with the stored answer."""
    for _attempt in range(3):
        try:
            with ctx.sessions() as session, session.begin():
                batch = _Batch(session, ctx, device, [event])
                stored = batch.stored_answers()
                if event.event_id in stored:
                    return stored[event.event_id]
                answer = batch.apply(event)
                batch.write()
            return answer
        except IntegrityError as exc:
            log.debug("integrity error: %s", type(exc.orig).__name__)  # its DETAIL quotes values
            # A concurrent push stored this event (or took its case number) first:
            # look again, and the stored answer or a clean rejection comes out.
            log.info("conflict while storing event %s, retrying", event.event_id)
        except Exception:
            log.exception("event %s from device %s failed", event.event_id, device.id)
            break
    # Not stored, so a later retry is evaluated afresh; the window keeps it queued.
    return protocol.EventResult(
        event_id=event.event_id, status="retry", code="server_error", reason="后台处理该事件时出错，稍后将自动重试"
    )


def _wire_status(status: EventStatus) -> Literal["acked", "rejected"]:
    """What a window is told: a held hand-over is answered acked until its case comes (custody)."""
    return "rejected" if status == "rejected" else "acked"


def _answer(row: Event) -> protocol.EventResult:
    return protocol.EventResult(
        event_id=row.event_id,
        status=_wire_status(row.status),
        code=row.code,
        reason=row.reason,
        server_time=row.server_time,
        chain_seq=row.chain_seq,
        chain_hash=row.chain_hash,
    )


_CASE_KEYS = tuple(column.key for column in Case.__table__.columns)
_INT32 = 2**31 - 1  # PostgreSQL's INTEGER


def _unstorable(table: FromClause, values: dict) -> str | None:
    """The first column of `table` that cannot hold its value on both backends: text too
    long or with a NUL, an integer beyond INTEGER, a date next to the ends of the calendar
    (the UTC conversion would overflow). Such an event is refused, not retried forever."""
    for column in table.columns:
        value = values.get(column.key)
        if isinstance(value, str):
            length = getattr(column.type, "length", None)
            if not storable(value) or (length is not None and len(value) > length):
                return column.key
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and isinstance(column.type, Integer) and not -_INT32 <= value <= _INT32:
            return column.key
        elif isinstance(value, (dt.date, dt.datetime)) and not 2 <= value.year <= 9998:
            return column.key
    return None


def _raw_blobs(payload: object) -> set[str]:
    """The blob names a raw payload mentions, to look them all up at once (unvalidated)."""
    materials = payload.get("materials") if isinstance(payload, dict) else None
    found: set[str] = set()
    for material in materials if isinstance(materials, list) else ():
        names = material.get("blobs") if isinstance(material, dict) else None
        if isinstance(names, list):
            found.update(n.lower() for n in names if isinstance(n, str) and _SHA256.match(n.lower()))
    return found


def _restore(case: Case, before: dict) -> None:
    """Put back the column values a case had (a new case's unset columns stay unset)."""
    for key in _CASE_KEYS:
        if key in before:
            setattr(case, key, before[key])
        elif key in vars(case):
            del vars(case)[key]


class _Batch:
    """One transaction's worth of events: reads done once up front, writes collected and
    sent as a few bulk statements at the end.

    Handlers read and change cases through it. A rejected event is undone in memory
    (the cases it touched are restored, its writes dropped), so no savepoint is needed
    and its batch-mates are unaffected.
    """

    def __init__(self, session: Session, ctx: ServerContext, device: DeviceIdentity, events: list[protocol.Event]):
        self.session, self.ctx, self.device = session, ctx, device
        self.now = utcnow()
        # Events that cannot be stored are refused in `apply`; they must not reach a query
        # either (PostgreSQL refuses a NUL even in a WHERE clause).
        events = [e for e in events if self.unstorable(e) is None]
        self._events = events
        self._catalog_calendar: tuple[Catalog, WorkCalendar] | None = None
        self._router: Router | None = None
        self._region: str | None = None
        case_ids = list({e.case_id for e in events})
        self._cases: dict[str, Case] = {
            c.id: c for c in session.execute(select(Case).where(Case.id.in_(case_ids))).scalars()
        }
        self._new: dict[str, Case] = {}  # accepted in this batch, inserted at the end
        numbers = {
            parse_case_no(e.payload.get("case_no") or "")
            for e in events
            if isinstance(e.payload, dict) and isinstance(e.payload.get("case_no"), str)
        }
        numbers = {n for n in numbers if _CASE_NO.match(n)}
        self._number_owner: dict[str, str] = dict(
            session.execute(select(Case.case_no, Case.id).where(Case.case_no.in_(numbers))).all()
        )
        self._numbers_known = set(numbers)
        blobs = set().union(*(_raw_blobs(e.payload) for e in events))
        for case in self._cases.values():
            blobs.update(case.blobs_expected or ())
        self._held = self._held_for(blobs)  # (sha, org unit): a scan counts for the org units that sent it
        self._blobs_known = blobs
        self._stored_names = set(
            map(
                tuple,
                session.execute(
                    select(CaseBlob.case_id, CaseBlob.sha256).where(CaseBlob.case_id.in_(list(self._cases)))
                ).all(),
            )
        )
        self._case_blobs: dict[str, set[str]] = {}
        for case_id, sha in self._stored_names:
            self._case_blobs.setdefault(case_id, set()).add(sha)
        self._stored_hand_overs: dict[str, list[tuple[str, dict]]] = {}
        self._stored_held: dict[str, list[HeldHandOver]] = {}  # waiting for their case (custody)
        self._settled: dict[str, tuple[str, str | None, str | None]] = {}  # held ones decided now
        for row in session.execute(
            select(Event.case_id, Event.type, Event.payload, Event.status, Event.event_id, Event.device_id)
            .where(Event.case_id.in_(case_ids), Event.status.in_(("acked", HELD)), Event.type.in_(HAND_OVERS))
            .order_by(Event.id)
        ):
            if row.status == HELD:
                held = HeldHandOver(row.event_id, row.device_id, row.case_id, row.type, row.payload)
                self._stored_held.setdefault(row.case_id, []).append(held)
            else:
                self._stored_hand_overs.setdefault(row.case_id, []).append((row.type, row.payload))
        self._changes: list[dict] = []
        self._events_out: list[dict] = []
        self._ratings: list[dict] = []
        self._anchors = AnchorBook(session, device.id, events)
        self._undo: list[Callable[[], object]] = []
        self._touched: list[Case] = []

    # -- reads ---------------------------------------------------------------
    def stored_answers(self) -> dict[str, protocol.EventResult]:
        ids = list(dict.fromkeys(e.event_id for e in self._events))
        return {
            row.event_id: _answer(row)
            for row in self.session.execute(select(Event).where(Event.event_id.in_(ids))).scalars()
        }

    def catalog_calendar(self) -> tuple[Catalog, WorkCalendar]:
        if self._catalog_calendar is None:
            self._catalog_calendar = (self.ctx.current_catalog(self.session), current_calendar(self.session))
        return self._catalog_calendar

    def department_for(self, department_code: str) -> int | None:
        """The 承办科室 a new case of this device's org unit goes to (departments read once)."""
        if self._router is None:
            self._router = Router(self.session, self.device.org_code)
        return self._router.route(department_code)

    def device_region(self) -> str:
        """The region code of the device's org unit, which its case numbers carry (read once)."""
        if self._region is None:
            query = select(OrgUnit.region_code).where(OrgUnit.code == self.device.org_code)
            self._region = self.session.execute(query).scalar_one()
        return self._region

    def case(self, case_id: str) -> Case | None:
        """The case as this batch has it so far; remembered so a rejection can restore it."""
        case = self._new.get(case_id) or self._cases.get(case_id)
        if case is not None:
            self._touched.append(case)
            before = {k: v for k, v in vars(case).items() if k in _CASE_KEYS}
            self._undo.append(lambda: _restore(case, before))
        return case

    def number_owner(self, case_no: str) -> str | None:
        if case_no not in self._numbers_known:
            self._numbers_known.add(case_no)
            owner = self.session.execute(select(Case.id).where(Case.case_no == case_no)).scalar()
            if owner is not None:
                self._number_owner[case_no] = owner
        return self._number_owner.get(case_no)

    def _held_for(self, shas: Iterable[str]) -> set[tuple[str, str]]:
        owned = (BlobOwner.sha256 == Blob.sha256) & Blob.complete.is_(True)
        query = select(BlobOwner.sha256, BlobOwner.org_code).join(Blob, owned).where(BlobOwner.sha256.in_(set(shas)))
        return {(sha, org) for sha, org in self.session.execute(query).all()}

    def missing_blobs(self, case: Case) -> tuple[str, ...]:
        expected = list(dict.fromkeys(case.blobs_expected or ()))
        unknown = [sha for sha in expected if sha not in self._blobs_known]
        if unknown:
            self._blobs_known.update(unknown)
            self._held.update(self._held_for(unknown))
        return tuple(sha for sha in expected if (sha, case.org_code) not in self._held)

    # -- writes --------------------------------------------------------------
    def on_undo(self, undo: Callable[[], object]) -> None:
        """Run `undo` if the event being applied is rejected (for rows a handler changes itself)."""
        self._undo.append(undo)

    def add_rating(self, row: dict) -> None:
        """A ratings row written with the batch (undone with its event)."""
        self.check(Rating.__table__, row)
        self._ratings.append(row)
        self._undo.append(lambda: self._ratings.remove(row))

    def add_case(self, case: Case) -> None:
        self._touched.append(case)
        self._new[case.id] = case
        self._number_owner[case.case_no] = case.id
        self._undo.append(lambda: (self._new.pop(case.id, None), self._number_owner.pop(case.case_no, None)))

    def expect_blobs(self, case: Case, shas: list[str]) -> None:
        case.blobs_expected = list(dict.fromkeys(shas))
        names = self._case_blobs.setdefault(case.id, set())
        before = set(names)

        def undo() -> None:
            names.clear()
            names.update(before)

        self._undo.append(undo)
        names.clear()
        names.update(case.blobs_expected)

    def publish(self, kind: str, case: Case, data: dict) -> None:
        """Another change about the case for its org unit's feed (e.g. who holds its originals)."""
        self._changes.append(
            dict(
                kind=kind,
                org_code=case.org_code,
                case_id=case.id,
                case_no=case.case_no,
                data=data,
                server_time=self.now,
                device_id=None,
            )
        )

    def hand_overs(self, case_id: str) -> list[tuple[str, dict]]:
        """(type, payload) of the case's acked hand-overs of its originals: stored ones
        (read for the whole batch up front), then this batch's."""
        return self._stored_hand_overs.get(case_id, []) + [
            (e["type"], e["payload"])
            for e in self._events_out
            if e["case_id"] == case_id and e["status"] == "acked" and e["type"] in HAND_OVERS
        ]

    def held_hand_overs(self, case_id: str) -> list[HeldHandOver]:
        """The case's hand-overs held until it arrived: stored ones, then this batch's."""
        return list(self._stored_held.get(case_id, ())) + [
            HeldHandOver(e["event_id"], e["device_id"], e["case_id"], e["type"], e["payload"])
            for e in self._events_out
            if e["case_id"] == case_id and e["status"] == HELD
        ]

    def settle_held(self, held: HeldHandOver, status: EventStatus, code: str | None, reason: str | None) -> None:
        """Store the outcome of a held hand-over (undone if the event settling it is rejected);
        an acked one counts towards the case's custody from now on."""
        row = next((e for e in self._events_out if e["event_id"] == held.event_id), None)
        if row is not None:  # held earlier in this batch: its row is not written yet
            before = (row["status"], row["code"], row["reason"])
            row.update(status=status, code=code, reason=reason)
            self._undo.append(lambda: row.update(zip(("status", "code", "reason"), before)))
            return
        waiting = self._stored_held[held.case_id]
        waiting.remove(held)
        self._settled[held.event_id] = (status, code, reason)
        acked = self._stored_hand_overs.setdefault(held.case_id, [])
        if status == "acked":
            acked.append((held.type, held.payload))

        def undo() -> None:
            waiting.append(held)
            self._settled.pop(held.event_id, None)
            if status == "acked":
                acked.remove((held.type, held.payload))

        self._undo.append(undo)

    def tell_device(self, kind: str, device: DeviceIdentity, case_id: str, data: dict) -> None:
        """A change in one device's feed alone (e.g. the late outcome of its held event)."""
        self._changes.append(
            dict(
                kind=kind,
                org_code=device.org_code,
                case_id=case_id,
                case_no=None,
                data=data,
                server_time=self.now,
                device_id=device.id,
            )
        )

    def status_change(self, case: Case, extra: dict | None = None) -> None:
        """Publish the case's current status (and completeness) to its org unit's feed."""
        case.updated_at = self.now
        data = {
            "status": case.status,
            "complete": bool(case.complete),
            "due": case.due.isoformat() if case.due else None,
            "legal_due": case.legal_due.isoformat() if case.legal_due else None,
            **(extra or {}),
        }
        self._changes.append(
            dict(
                kind=protocol.CHANGE_CASE_STATUS,
                org_code=case.org_code,
                case_id=case.id,
                case_no=case.case_no,
                data=data,
                server_time=self.now,
                device_id=None,
            )
        )

    @staticmethod
    def check(table: FromClause, values: dict) -> None:
        """Refuse the event when a row it writes would not fit its table."""
        problem = _unstorable(table, values)
        if problem:
            raise Rejection("invalid_payload", f"数据项“{problem}”过长、超出范围或含有无效字符")

    def envelope(self, event: protocol.Event) -> dict:
        return dict(
            event_id=event.event_id,
            device_id=self.device.id,
            device_seq=event.device_seq,
            case_id=event.case_id,
            type=event.type,
            device_time=event.device_time,
            **chain_columns(event),
        )

    def unstorable(self, event: protocol.Event) -> str | None:
        # The payload is stored as JSON: a NUL or lone surrogate anywhere in it would fail the write.
        payload_bad = unstorable_at(event.payload) is not None
        return _unstorable(Event.__table__, self.envelope(event)) or ("payload" if payload_bad else None)

    def apply(self, event: protocol.Event) -> protocol.EventResult:
        envelope = self.envelope(event)
        problem = self.unstorable(event)
        if problem:  # cannot even be stored: refused the same way on every retry
            log.info("event from device %s refused unstored: bad %s", self.device.id, problem)
            return protocol.EventResult(
                event_id=event.event_id,
                status="rejected",
                code="invalid_event",
                reason=f"事件的“{problem}”过长、超出范围或含有无效字符",
            )
        self._undo, self._touched = [], []
        changes = len(self._changes)
        status: EventStatus
        code: str | None
        reason: str | None
        try:
            _apply(self, event)
            for case in self._touched:
                self.check(Case.__table__, vars(case))
            status, code, reason = "acked", None, None
        except Rejection as rejection:
            for undo in reversed(self._undo):
                undo()
            del self._changes[changes:]
            status, code, reason = "rejected", rejection.code, rejection.reason
            log.info(
                "event %s (%s) from device %s rejected: %s", event.event_id, event.type, self.device.id, rejection.code
            )
        except CustodyHeld as held:  # its case is not here yet: checked when it comes (custody)
            for undo in reversed(self._undo):
                undo()
            del self._changes[changes:]
            status, code, reason = HELD, held.code, held.reason
            log.info("event %s (%s) from device %s held for its case", event.event_id, event.type, self.device.id)
        self._anchors.link(event, self.now)
        self._events_out.append(
            dict(envelope, payload=event.payload, server_time=self.now, status=status, code=code, reason=reason)
        )
        return protocol.EventResult(
            event_id=event.event_id,
            status=_wire_status(status),
            code=code,
            reason=reason,
            server_time=self.now,
            chain_seq=event.chain_seq if event.chain_hash else None,
            chain_hash=event.chain_hash,
        )

    def write(self) -> None:
        """Everything the batch decided, in a few statements: new cases, their blob names,
        the feed (one counter bump for all its changes) and the stored answers."""
        session = self.session
        groups: dict[frozenset, list[dict]] = {}
        for case in self._new.values():
            row = {k: v for k, v in vars(case).items() if k in _CASE_KEYS}
            groups.setdefault(frozenset(row), []).append(row)
        for rows in groups.values():
            session.execute(insert(Case), rows)
        session.flush()  # changes to cases that were already there
        wanted = {(case_id, sha) for case_id, shas in self._case_blobs.items() for sha in shas}
        for case_id, sha in self._stored_names - wanted:
            session.execute(delete(CaseBlob).where(CaseBlob.case_id == case_id, CaseBlob.sha256 == sha))
        if wanted - self._stored_names:
            session.execute(
                insert(CaseBlob), [dict(case_id=case_id, sha256=sha) for case_id, sha in wanted - self._stored_names]
            )
        if self._changes:
            last = reserve_changes(session, len(self._changes))
            for seq, change in enumerate(self._changes, start=last - len(self._changes) + 1):
                change["seq"] = seq
            session.execute(insert(Change), self._changes)
        if self._events_out:
            session.execute(insert(Event), self._events_out)
        ratings.store(session, self._ratings)  # after the cases they name
        for event_id, (status, code, reason) in self._settled.items():  # rare: held hand-overs decided
            session.execute(
                update(Event)
                .where(Event.event_id == event_id, Event.status == HELD)
                .values(status=status, code=code, reason=reason)
            )
        if self._anchors.breaks:  # rare: a cut or rewritten window journal
            session.execute(insert(ChainBreak), self._anchors.breaks)


def _apply(batch: _Batch, event: protocol.Event) -> None:
    """Validate, then change the batch's cases; a Rejection is undone by the batch."""
    if event.type in (protocol.CASE_ACCEPTED, protocol.CASE_NOTIFIED, protocol.CASE_REFUSED):
        _accept(batch, event)
    elif event.type == protocol.CASE_DELIVERED:
        _deliver(batch, event)
    elif event.type == protocol.CASE_SUPPLEMENTED:
        _supplement(batch, event)
    elif event.type == protocol.CASE_MAILED:
        _mail(batch, event)
    elif event.type == protocol.CASE_WITHDRAWN:
        _withdraw(batch, event)
    elif event.type == protocol.CASE_RATED:
        _rate(batch, event)
    elif event.type in (protocol.SHIFT_OPENED, protocol.SHIFT_CLOSED):
        _shift(batch, event)
    elif event.type in (protocol.OUTREACH_VISITED, protocol.OUTREACH_MISSED):
        apply = outreach.apply_visited if event.type == protocol.OUTREACH_VISITED else outreach.apply_missed
        apply(batch, event)
    elif event.type in (protocol.ORIGINALS_DISPATCHED, protocol.ORIGINALS_RECEIVED):
        try:
            record_hand_over(batch, event)
        except CustodyRejection as exc:
            raise Rejection(exc.code, exc.reason) from None
    else:
        raise Rejection("unknown_event_type", f"后台无法识别的事件类型“{event.type}”，请升级客户端")


# What the window decided fixes where the case starts on the server: accepted cases
# (plain, 容缺, 告知承诺) go to the back office; the rest are on record but need no decision.
_INITIAL_STATE = {
    "accept": CaseState.SUBMITTED,
    "accept_tolerant": CaseState.SUBMITTED,
    "pledge": CaseState.SUBMITTED,
    "conclude": CaseState.CONCLUDED,
    "notify_missing": CaseState.PENDING_SUPPLEMENT,
    "refuse": CaseState.REFUSED,
}
_EVENT_FOR_OUTCOME = {"notify_missing": protocol.CASE_NOTIFIED, "refuse": protocol.CASE_REFUSED}


def _accept(batch: _Batch, event: protocol.Event) -> None:
    """case.accepted / case.notified / case.refused: the window's record of an intake."""
    # The public page's token: only its digest is kept, here and in the stored event payload.
    token_sha = rating_links.take_token(event.payload) if isinstance(event.payload, dict) else None
    try:
        payload = protocol.CaseAcceptedPayload.model_validate(event.payload)
    except ValidationError as exc:
        log.info("bad case.accepted payload: %s", error_paths(exc.errors()))
        raise Rejection("invalid_payload", "办件受理数据不完整或格式不正确") from None
    case_no = parse_case_no(payload.case_no)
    if not case_no:
        raise Rejection("invalid_payload", "办件编号为空")
    if not _CASE_NO.match(case_no):
        raise Rejection("invalid_payload", "办件编号格式不正确")
    if _EVENT_FOR_OUTCOME.get(payload.outcome, protocol.CASE_ACCEPTED) != event.type:
        raise Rejection("invalid_payload", f"窗口办理结果“{payload.outcome}”与事件类型“{event.type}”不一致")
    initial = _INITIAL_STATE[payload.outcome]
    catalog, calendar = batch.catalog_calendar()
    try:
        matter = catalog.get(payload.matter_code)
    except KeyError:
        raise Rejection(
            "unknown_matter", f"事项“{payload.matter_name}”（{payload.matter_code}）不在后台事项清单中"
        ) from None
    applicant = payload.applicant
    try:
        parties = parties_of(payload)
    except PartyError as exc:
        raise Rejection(exc.code, exc.message) from None
    shas = [sha.lower() for m in payload.materials for sha in m.blobs]
    if any(not _SHA256.match(sha) for sha in shas):
        raise Rejection("invalid_payload", "材料扫描件的校验值格式不正确")

    device = batch.device
    case = batch.case(event.case_id)
    if case is not None:
        if case.org_code != device.org_code or case.case_no != case_no:
            raise Rejection("case_conflict", f"办件编号{format_case_no(case_no)}与后台已有办件不一致")
        check_writer(batch.session, device, case)
        if case.status != CaseState.SUBMITTED.value:
            label = LABELS[CaseState(case.status)]
            raise Rejection("case_locked", f"该办件后台已处理（{label}），不能再修改受理信息")
    else:
        check_new_number(device, batch.device_region(), case_no)  # before the number is looked up or reserved
        if batch.number_owner(case_no) is not None:
            raise Rejection("duplicate_case_no", f"办件编号{format_case_no(case_no)}已被其他办件使用")
        case = Case(
            id=event.case_id,
            case_no=case_no,
            org_code=device.org_code,
            status=initial.value,
            created_at=batch.now,
            complete=False,
            e_licence=False,
            blobs_expected=[],
        )
        batch.add_case(case)

    case.device_id = device.id
    if case.department_id is None or case.matter_code != payload.matter_code:
        _route(batch, case, matter.department_code)
    case.matter_code = payload.matter_code
    case.matter_name = payload.matter_name
    case.applicant_name = applicant.name
    case.applicant_id_type = parties.id_type
    case.applicant_id_number = parties.id_number
    case.applicant_kind = parties.kind
    case.agent_name, case.agent_id_number = parties.agent_name, parties.agent_id_number
    case.agent_relation = parties.agent_relation
    case.received_at = payload.received_at
    case.promised_by = payload.promised_by
    start = start_date(payload.received_at, batch.now)
    case.due = due_date(catalog, payload.matter_code, start, calendar, payload.bundle_code)
    case.legal_due = legal_due_date(catalog, payload.matter_code, start, calendar)
    case.payload = event.payload
    if token_sha is not None:
        case.public_token_sha = token_sha
    case.bundle_no = payload.bundle_no or None
    batch.expect_blobs(case, shas)
    case.complete = not batch.missing_blobs(case)
    batch.status_change(case)
    refresh_custody(batch, case)  # 帮办代办: the originals' holder, hand-overs that came first included


def _route(batch: _Batch, case: Case, department_code: str) -> None:
    """承办科室 on arrival: the matter's department in the case's unit or the nearest above;
    none anywhere leaves the case unrouted for an administrator (departments unrouted)."""
    case.department_id = batch.department_for(department_code)
    if case.department_id is None:
        log.info("case %s unrouted: no department %s for org unit %s", case.id, department_code, case.org_code)


def _deliver(batch: _Batch, event: protocol.Event) -> None:
    try:
        payload = protocol.CaseDeliveredPayload.model_validate(event.payload)
    except ValidationError as exc:
        log.info("bad case.delivered payload: %s", error_paths(exc.errors()))
        raise Rejection("invalid_payload", "出件数据不完整或格式不正确") from None
    case = batch.case(event.case_id)
    if case is None or case.org_code != batch.device.org_code:
        raise Rejection("unknown_case", "后台没有找到该办件，请先报送受理信息")
    check_writer(batch.session, batch.device, case)
    try:
        move_case(case, CaseState.DELIVERED.value)
    except IllegalTransition as exc:
        raise Rejection("illegal_transition", exc.message) from None
    case.delivered_at = payload.delivered_at
    case.delivered_to = payload.recipient_name
    batch.status_change(case, {"delivered_at": payload.delivered_at.isoformat()})


_Payload = TypeVar("_Payload", bound=BaseModel)


def _own_case(batch: _Batch, event: protocol.Event, model: type[_Payload], what: str) -> tuple[_Payload, Case]:
    """The payload and the device's own case for a later window event, or a Rejection."""
    try:
        payload = model.model_validate(event.payload)
    except ValidationError as exc:
        log.info("bad %s payload: %s", event.type, error_paths(exc.errors()))
        raise Rejection("invalid_payload", f"{what}数据不完整或格式不正确") from None
    case = batch.case(event.case_id)
    if case is None or case.org_code != batch.device.org_code:
        raise Rejection("unknown_case", "后台没有找到该办件，请先报送受理信息")
    check_writer(batch.session, batch.device, case)
    return payload, case


def _move(case: Case, target: CaseState) -> None:
    try:
        move_case(case, target.value)
    except IllegalTransition as exc:
        raise Rejection("illegal_transition", exc.message) from None


def _supplement(batch: _Batch, event: protocol.Event) -> None:
    """补正: after a one-time notice the case goes to the back office; after a back-office
    request it returns to review; under 容缺 it stays where it is with its materials complete."""
    payload, case = _own_case(batch, event, protocol.CaseSupplementedPayload, "补正")
    shas = [sha.lower() for m in payload.materials for sha in m.blobs]
    if any(not _SHA256.match(sha) for sha in shas):
        raise Rejection("invalid_payload", "材料扫描件的校验值格式不正确")
    if case.status == CaseState.PENDING_SUPPLEMENT.value:
        if not payload.complete:
            raise Rejection("still_incomplete", "补正后材料仍不齐全，不能报送审批")
        _move(case, CaseState.ACCEPTED)  # accepted at the window on the day of the supplement,
        _move(case, CaseState.SUBMITTED)  # and with that handed to the back office
    elif case.status == CaseState.SUPPLEMENT_REQUESTED.value:
        _move(case, CaseState.IN_REVIEW)
    elif case.status not in (CaseState.SUBMITTED.value, CaseState.IN_REVIEW.value):
        raise Rejection("illegal_transition", f"办件当前状态为“{LABELS[CaseState(case.status)]}”，不能补正")
    case.payload = {**(case.payload or {}), "materials": [m.model_dump(mode="json") for m in payload.materials]}
    batch.expect_blobs(case, shas)
    case.complete = not batch.missing_blobs(case)
    batch.status_change(case, {"supplemented_at": payload.supplemented_at.isoformat()})


def _mail(batch: _Batch, event: protocol.Event) -> None:
    payload, case = _own_case(batch, event, protocol.CaseMailedPayload, "邮寄")
    if not payload.tracking_no.strip():
        raise Rejection("invalid_payload", "邮寄单号为空")
    _move(case, CaseState.MAILED)
    case.delivered_at = payload.mailed_at
    case.delivered_to = payload.recipient_name
    batch.status_change(
        case, {"tracking_no": payload.tracking_no, "carrier": payload.carrier, "postage": payload.postage}
    )


def _withdraw(batch: _Batch, event: protocol.Event) -> None:
    payload, case = _own_case(batch, event, protocol.CaseWithdrawnPayload, "撤件")
    _move(case, CaseState.WITHDRAWN)
    batch.status_change(case, {"reason": payload.reason})


def _rate(batch: _Batch, event: protocol.Event) -> None:
    """好差评 kept with the case and in the ratings table; a 差评 opens a work order."""
    payload, case = _own_case(batch, event, protocol.CaseRatedPayload, "评价")
    key = "rating" if payload.stage == "intake" else "delivery_rating"  # the 出件 is rated on its own
    case.payload = {**(case.payload or {}), key: payload.model_dump(mode="json")}
    batch.add_rating(ratings.from_window(event.event_id, batch.device, case, payload))


def _shift(batch: _Batch, event: protocol.Event) -> None:
    """开班/交班: kept per org unit so the hall knows who served at which window when."""
    session, device = batch.session, batch.device
    try:
        payload = protocol.ShiftPayload.model_validate(event.payload)
    except ValidationError as exc:
        log.info("bad %s payload: %s", event.type, error_paths(exc.errors()))
        raise Rejection("invalid_payload", "开班/交班数据不完整或格式不正确") from None
    if event.case_id != protocol.SHIFT_CASE_PREFIX + payload.shift_id:
        raise Rejection("invalid_payload", "开班/交班记录编号不一致")
    batch.check(Shift.__table__, {**payload.model_dump(), "id": payload.shift_id})
    shift = session.get(Shift, payload.shift_id)
    if shift is None:
        shift = Shift(id=payload.shift_id, org_code=device.org_code, device_id=device.id, summary={})
        session.add(shift)
    elif shift.device_id != device.id:
        raise Rejection("case_conflict", "该班次属于另一台设备")
    shift.window, shift.clerk, shift.opened_at = payload.window, payload.clerk, payload.opened_at
    if event.type == protocol.SHIFT_CLOSED:
        shift.closed_at = payload.closed_at or event.device_time
        shift.summary = payload.summary


def pull_changes(
    ctx: ServerContext, device: DeviceIdentity, cursor: int, limit: int = DEFAULT_PULL
) -> protocol.PullResponse:
    """Changes for the device after `cursor`, oldest first: its org unit's, those for
    every org unit, and those addressed to this device alone.

    410 when the cursor is ahead of the feed (another or a restored database) or
    behind what was pruned; the client then pulls again from 0 (the compacted feed).
    """
    with ctx.sessions() as session:
        return _pull_in(session, device, cursor, limit)


def pull_for(
    ctx: ServerContext, authorization: str | None, cursor: int, limit: int = DEFAULT_PULL
) -> protocol.PullResponse:
    """The pull route: the device is identified in the same transaction that reads its
    feed. Every window pulls every 30 s, mostly finding nothing new, so the round trips of
    a second transaction are a large share of a city's back-office work."""
    with ctx.sessions() as session, session.begin():
        return _pull_in(session, auth.identify(session, authorization), cursor, limit)


def _pull_in(session: Session, device: DeviceIdentity, cursor: int, limit: int) -> protocol.PullResponse:
    limit = max(1, min(limit, MAX_PULL))
    cursor = max(0, cursor)
    # The feed's counter (the one row, made by the first migration) and whether the device's
    # unit sees its subunits' cases, in one round trip.
    value, pruned_through, sees_subunits = session.execute(
        select(ChangeCounter.value, ChangeCounter.pruned_through, OrgUnit.sees_subunits)
        .select_from(ChangeCounter)
        .outerjoin(OrgUnit, OrgUnit.code == device.org_code)
        .where(ChangeCounter.id == 1)
    ).one()
    if cursor > value or 0 < cursor < pruned_through:
        raise ApiError(410, "cursor_expired", "同步位置已失效，正在重新同步")
    orgs = (device.org_code, *subunits(session, device.org_code)) if sees_subunits else (device.org_code,)
    rows = list(
        session.execute(
            select(Change)
            .where(
                Change.org_code.in_((*orgs, ALL_ORGS)),
                Change.seq > cursor,
                or_(Change.device_id.is_(None), Change.device_id == device.id),
            )
            .order_by(Change.seq)
            .limit(limit + 1)
        ).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    changes = [
        protocol.Change(
            seq=r.seq, kind=r.kind, case_id=r.case_id, case_no=r.case_no, data=r.data, server_time=r.server_time
        )
        for r in rows
    ]
    return protocol.PullResponse(cursor=rows[-1].seq if rows else cursor, changes=changes, more=more)
