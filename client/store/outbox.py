"""The store side of sync: hands pending events and pages to the engine and applies
what the back office answers. Implements `sync.engine.OutboxPort`.

What the back office publishes (calendar, templates, catalog, device orders, deadline
warnings) is kept in the settings table as JSON under `sync.*` keys and read back
through `downlink()`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import String, Table, bindparam, delete, exists, func, insert, select, text, update

from client.domain.deadlines import merge_calendar_data
from sync import protocol
from sync.engine import PendingBlob, RestoreOutcome, SyncProgress
from sync.sender_lock import sender_lock

from .audit import anchor_now, record_anchor
from .db import Store
from .journal import JournalAppender
from .models import BlobEntry, Case, CaseEvent, OutboxEntry, ServerChange, Setting, TransferSlip
from .rescue import KEY_RESTORE, KEY_RESTORE_REPORT, request_restore, requeue_unsent, restore_snapshots
from .settings import get_setting, load_identity, put_setting

log = logging.getLogger(__name__)

KEY_CURSOR = "pull_cursor"
KEY_CALENDAR = "sync.calendar"
KEY_CATALOG = "sync.catalog"
KEY_CATALOG_VERSION = "sync.catalog_version"
KEY_TEMPLATES = "sync.templates"
KEY_COMMAND = "sync.device_command"
KEY_DEADLINES = "sync.deadline_warnings"
KEY_DEFERRED = "sync.deferred_status"  # case ids whose server status waits for their unsent steps
KEY_POLICY = "sync.field_policy"
KEY_CONFIRMED_AT = "sync.confirmed_at"  # device time of the last completed pull: what is in force was current then


@dataclass(frozen=True)
class Downlink:
    """What the back office sent down, as plain JSON-ready data (None until received)."""

    calendar: dict | None = None  # protocol.CalendarData form
    catalog_version: dict | None = None  # protocol.CatalogVersionData form
    templates: dict[str, dict] = field(default_factory=dict)  # name -> NoticeTemplateData form
    device_command: dict | None = None  # protocol.DeviceCommandData form (latest order)
    deadline_warnings: dict[str, dict] = field(default_factory=dict)  # case_id -> DeadlineWarningData
    restore: dict | None = None  # what the last restore from the back office brought back
    policy: dict | None = None  # protocol.FieldPolicyData form
    confirmed_at: str | None = None  # ISO device time of the last completed pull

    @property
    def intake_allowed(self) -> bool:
        return not self.device_command

    @property
    def wipe_ordered(self) -> bool:
        return self.device_command is not None and self.device_command.get("command") == protocol.COMMAND_WIPE


def _json(session, key: str, default=None):
    raw = get_setting(session, key)
    return json.loads(raw) if raw else default


def _put_json(session, key: str, value) -> None:
    put_setting(session, key, json.dumps(value, ensure_ascii=False, sort_keys=True))


# Every page a pending event names, with the event's place in the queue and its case: the
# materials' pages (case.accepted, case.supplemented, …) and a signature page (outreach,
# delivery). Read by SQLite's JSON functions in one statement, however long the queue.
_NAMED_PAGES = """
SELECT lower(page.value) AS sha256, o.device_seq AS device_seq, e.case_id AS case_id
FROM outbox AS o
JOIN case_events AS e ON e.event_id = o.event_id
JOIN json_each(e.payload, '$.materials') AS material
JOIN json_each(CASE WHEN material.type = 'object' THEN material.value ELSE '{}' END, '$.blobs') AS page
WHERE o.state = 'pending' AND page.type = 'text'
UNION ALL
SELECT lower(json_extract(e.payload, '$.signature')), o.device_seq, e.case_id
FROM outbox AS o
JOIN case_events AS e ON e.event_id = o.event_id
WHERE o.state = 'pending' AND json_type(e.payload, '$.signature') = 'text'
"""

# Cases held back: one of their pending events names a page still to upload.
_BLOCKED_CASES = text(
    f"SELECT DISTINCT named.case_id FROM ({_NAMED_PAGES}) AS named "
    "JOIN blobs ON blobs.sha256 = named.sha256 WHERE blobs.state = 'pending'"
).columns(case_id=String)

# Pending pages in the order cases need them. SQLite returns the bare `case_id` of the row
# that holds min(device_seq), so each page goes with the case that first needs it.
_PAGES_IN_CASE_ORDER = text(
    "SELECT blobs.sha256, blobs.size, first.case_id FROM blobs "
    f"LEFT JOIN (SELECT sha256, min(device_seq) AS device_seq, case_id FROM ({_NAMED_PAGES}) GROUP BY sha256) "
    "AS first ON first.sha256 = blobs.sha256 "
    "WHERE blobs.state = 'pending' "
    "ORDER BY first.device_seq IS NOT NULL, first.device_seq, blobs.sha256 LIMIT :limit"
)

# Every lifecycle state the back office reports; changes are applied in feed order.
_SERVER_STATUSES = {
    "submitted",
    "in_review",
    "supplement_requested",
    "suspended",
    "approved",
    "denied",
    "result_ready",
    "delivered",
    "mailed",
    "withdrawn",
    "concluded",
    "pending_supplement",
    "refused",
}


class StoreOutbox:
    def __init__(self, store: Store, clock: Callable[[], dt.datetime] = dt.datetime.now):
        self.store = store
        self.pages = store.pages
        self.clock = clock

    def pending(self, limit: int, ready_only: bool = False) -> list[protocol.Event]:
        """Unsent events in device order. `ready_only`: without the cases held back for a page
        still to upload (see `sync.engine.OutboxPort`): the back office may learn of a case
        before its pages, but never of half a case's steps. One statement either way; the
        pages named are read only while some page is still pending."""
        query = (
            select(
                CaseEvent.event_id,
                OutboxEntry.device_seq,
                CaseEvent.case_id,
                CaseEvent.type,
                CaseEvent.payload,
                CaseEvent.device_time,
                CaseEvent.seq,
                CaseEvent.prev_hash,
                CaseEvent.hash,
            )
            .join(CaseEvent, CaseEvent.event_id == OutboxEntry.event_id)
            .where(OutboxEntry.state == "pending")
            .order_by(OutboxEntry.device_seq)
            .limit(limit)
        )
        with self.store.sessions() as s:
            if ready_only and s.scalar(select(exists().where(BlobEntry.state == "pending"))):
                blocked = _BLOCKED_CASES.subquery()
                query = query.where(CaseEvent.case_id.not_in(select(blocked.c.case_id)))
            rows = s.execute(query).all()
            anchor = anchor_now(s) if rows else None
            return [
                protocol.Event(
                    event_id=r.event_id,
                    device_seq=r.device_seq,
                    case_id=r.case_id,
                    type=r.type,
                    payload=r.payload,
                    device_time=r.device_time,
                    chain_seq=r.seq,  # the chain's place, for the back office to anchor
                    chain_prev=r.prev_hash,
                    chain_hash=r.hash,
                    anchor_seq=anchor[0] if anchor else None,
                    anchor_hash=anchor[1] if anchor else None,
                )
                for r in rows
            ]

    def record_results(self, results: list[protocol.EventResult]) -> None:
        """The server's answers for a batch, in one transaction of set-based updates."""
        acked = [r.event_id for r in results if r.status == "acked"]
        retried = [r for r in results if r.status == "retry"]  # a passing server failure: stays queued
        refused = [r for r in results if r.status not in ("acked", "retry")]
        # Core UPDATEs with many parameter sets: the ORM would make them bulk updates by primary key.
        # Declarative types `__table__` as any FromClause; these models map plain Tables.
        table = cast(Table, OutboxEntry.__table__)
        answered = table.c.event_id == bindparam("answered")
        answer = dict(code=bindparam("new_code"), reason=bindparam("new_reason"), attempts=table.c.attempts + 1)
        with self.store.sessions.begin() as s:
            if acked:  # the usual answer, for the whole batch in one statement
                s.execute(
                    update(table)
                    .where(table.c.event_id.in_(acked))
                    .values(state="acked", code="", reason="", attempts=table.c.attempts + 1)
                )
            if retried:
                s.execute(update(table).where(answered).values(**answer), _answer_rows(retried))
            if refused:
                s.execute(
                    update(table).where(answered).values(**answer, state=bindparam("new_state")), _answer_rows(refused)
                )
            record_anchor(s, results)
        for r in refused:
            if r.status == "rejected":
                log.warning("event %s rejected by server: %s %s", r.event_id, r.code, r.reason)

    def pending_blobs(self, limit: int) -> list[PendingBlob]:
        """Pages to upload, those no pending event names first (their cases are on the server,
        waiting), then oldest case first, each case's pages together."""
        with self.store.sessions() as s:
            rows = s.execute(_PAGES_IN_CASE_ORDER, {"limit": limit}).all()
            return [PendingBlob(sha, size, case_id or "") for sha, size, case_id in rows]

    def blob_pieces(self, sha256: str, offset: int) -> Iterator[bytes]:
        return self.pages.pieces(sha256, offset)

    def blobs_done(self, shas: list[str]) -> SyncProgress:
        """Mark uploaded pages done; the progress that leaves, from the same transaction."""
        with self.store.sessions.begin() as s:
            s.execute(update(BlobEntry).where(BlobEntry.sha256.in_(shas)).values(state="done"))
            return _progress(s)

    def cursor(self) -> int:
        with self.store.sessions() as s:
            return int(get_setting(s, KEY_CURSOR, "0"))

    def restart_pull(self) -> None:
        """The server no longer knows our cursor: pull everything again from 0.

        The outbox is untouched; only the pulled feed (kept for the timeline) is
        forgotten, since its numbers may belong to another server database.
        """
        with self.store.sessions.begin() as s:
            s.execute(delete(ServerChange))
            put_setting(s, KEY_CURSOR, "0")

    def save_catalog(self, body: dict) -> None:
        with self.store.sessions.begin() as s:
            _put_json(s, KEY_CATALOG, body)

    def catalog(self) -> dict | None:
        """The newest catalog the back office published (client.domain.catalog dict form)."""
        with self.store.sessions() as s:
            return _json(s, KEY_CATALOG)

    def record_command(self, command: protocol.DeviceCommandData) -> None:
        with self.store.sessions.begin() as s:
            self._keep_command(s, command.model_dump(mode="json"))

    @staticmethod
    def _keep_command(s, data: dict) -> None:
        current = _json(s, KEY_COMMAND)
        if current and current.get("command") == protocol.COMMAND_WIPE:
            return  # a wipe order outranks a later revoke
        _put_json(s, KEY_COMMAND, data)

    def downlink(self) -> Downlink:
        with self.store.sessions() as s:
            return Downlink(
                _json(s, KEY_CALENDAR),
                _json(s, KEY_CATALOG_VERSION),
                _json(s, KEY_TEMPLATES, {}),
                _json(s, KEY_COMMAND),
                _json(s, KEY_DEADLINES, {}),
                _json(s, KEY_RESTORE_REPORT),
                _json(s, KEY_POLICY),
                get_setting(s, KEY_CONFIRMED_AT),
            )

    def progress(self) -> SyncProgress:
        with self.store.sessions() as s:
            return _progress(s)

    def sender_lock(self) -> AbstractContextManager[bool]:
        """Held by whoever sends; another process on the same store skips its round."""
        return sender_lock(Path(str(self.store.path) + ".sync.lock"))

    def restore_wanted(self) -> bool:
        with self.store.sessions() as s:
            return get_setting(s, KEY_RESTORE) is not None

    def request_restore(self, rescue: dict | None = None, rescue_file: Path | str = "") -> None:
        """Take back this device's open cases from the back office on the next sync round
        (and queue again the unsent events of an opened rescue file, if one is given)."""
        with self.store.sessions.begin() as s:
            request_restore(s, rescue=rescue, rescue_file=rescue_file)

    def restore_cases(self, cases: list[protocol.CaseSnapshot]) -> int:
        """One page of the back office's cases into the store (each page its own transaction,
        so an interrupted restore resumes where it stopped: cases already here are skipped)."""
        with self.store.sessions.begin() as s:
            identity = load_identity(s)
            added = restore_snapshots(s, cases, identity.device_id if identity else "")
            plan = _json(s, KEY_RESTORE, {})
            plan["restored"] = int(plan.get("restored", 0)) + added
            _put_json(s, KEY_RESTORE, plan)
            return added

    def finish_restore(self) -> RestoreOutcome:
        """Queue again the rescued unsent events the server does not hold; the restore is done."""
        with self.store.sessions.begin() as s:
            plan = _json(s, KEY_RESTORE, {})
            queued, lost = requeue_unsent(s, plan, self.pages)
            outcome = RestoreOutcome(int(plan.get("restored", 0)), queued, lost)
            s.execute(delete(Setting).where(Setting.key == KEY_RESTORE))
            _put_json(
                s,
                KEY_RESTORE_REPORT,
                {
                    "at": dt.datetime.now().isoformat(timespec="seconds"),
                    "restored": outcome.restored,
                    "requeued": queued,
                    "unrecoverable": lost,
                    "rescue_file": plan.get("rescue_file", ""),
                },
            )
        return outcome

    def export_unsent(self, target: Path) -> int:
        """Write every event the server has not acknowledged to a JSON file (for an
        administrator, before a wipe or after a revocation). Returns how many."""
        with self.store.sessions() as s:
            rows = s.execute(
                select(OutboxEntry, CaseEvent)
                .join(CaseEvent, CaseEvent.event_id == OutboxEntry.event_id)
                .where(OutboxEntry.state != "acked")
                .order_by(OutboxEntry.device_seq)
            ).all()
            items = [
                {
                    "event_id": ev.event_id,
                    "device_seq": ob.device_seq,
                    "case_id": ev.case_id,
                    "type": ev.type,
                    "payload": ev.payload,
                    "device_time": ev.device_time.isoformat(),
                    "state": ob.state,
                    "code": ob.code,
                    "reason": ob.reason,
                }
                for ob, ev in rows
            ]
        Path(target).write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
        return len(items)

    def apply_changes(self, changes: list[protocol.Change], cursor: int) -> None:
        """Server wins for status fields; each change is also kept for the timeline.

        A status change for a case with a local step still unsent is held back (the server
        had not seen that step), and settled once the case's steps are answered: then the
        newest status the server published for it is applied, so a decision made while the
        window was offline is never lost, whether the local step was acked or rejected.

        A page of changes is applied in one transaction; what it needs from the store
        (changes already kept, the cases, which of them have unsent steps) is read once.
        """
        with self.store.sessions.begin() as s:
            identity = load_identity(s)
            journal = JournalAppender(s, identity.device_id if identity else "")
            deferred = set(_json(s, KEY_DEFERRED, []))
            seen = set(s.scalars(select(ServerChange.seq).where(ServerChange.seq.in_([ch.seq for ch in changes]))))
            case_ids = {ch.case_id for ch in changes if ch.case_id and ch.kind == protocol.CHANGE_CASE_STATUS}
            cases = _CaseStatuses(s, case_ids)
            unsent = self._unsent(s, case_ids)
            warnings = _json(s, KEY_DEADLINES, {})
            warned = dict(warnings)
            kept: list[dict] = []
            for ch in changes:
                if ch.seq in seen:
                    continue
                seen.add(ch.seq)
                kept.append(
                    dict(
                        seq=ch.seq,
                        case_id=ch.case_id,
                        kind=ch.kind,
                        data=ch.data,
                        server_time=protocol.to_local(ch.server_time),  # the store keeps local time
                    )
                )
                if ch.kind == protocol.CHANGE_CUSTODY:
                    if ch.case_id and _move_custody(s, ch.case_id, ch.data):
                        journal.add(
                            case_id=ch.case_id,
                            type_="server.custody",
                            payload=dict(ch.data),
                            clerk=ch.data.get("by") or "后台",
                        )
                    continue
                if ch.kind != protocol.CHANGE_CASE_STATUS:
                    self._keep_published(s, ch, warnings)
                    continue
                if not ch.case_id:
                    continue
                if ch.data.get("status") not in ("submitted", "in_review", "supplement_requested") or ch.data.get(
                    "due_moved"
                ):  # paused, closed, or a new due date (resumed, extended): the old card no longer holds
                    warnings.pop(ch.case_id, None)
                if ch.case_id not in cases or ch.data.get("status") not in _SERVER_STATUSES:
                    continue
                if ch.case_id in unsent:
                    # A local step (补正, 撤件, 出件…) is still on its way up: the server has not
                    # seen it, so its status is older than ours. Settled once it is answered.
                    deferred.add(ch.case_id)
                    continue
                deferred.discard(ch.case_id)
                cases.take(ch.case_id, ch.data, journal, _decided(ch.data, ch.server_time))
            if kept:
                s.execute(insert(ServerChange), kept)
            if warnings != warned:
                _put_json(s, KEY_DEADLINES, warnings)
            self._settle(s, deferred, cases, journal)
            cases.write()
            journal.write()
            put_setting(s, KEY_CURSOR, str(cursor))
            put_setting(s, KEY_CONFIRMED_AT, self.clock().replace(microsecond=0).isoformat())

    def _settle(self, s, deferred: set[str], cases: _CaseStatuses, journal: JournalAppender) -> None:
        """Apply the newest server status of held-back cases whose local steps are answered."""
        unsent = self._unsent(s, deferred)
        cases.load(deferred - unsent)
        for case_id in sorted(deferred):
            if case_id in unsent:
                continue
            deferred.discard(case_id)
            newest = s.scalars(
                select(ServerChange)
                .where(ServerChange.case_id == case_id, ServerChange.kind == protocol.CHANGE_CASE_STATUS)
                .order_by(ServerChange.seq.desc())
                .limit(1)
            ).first()
            if newest is not None and case_id in cases and newest.data.get("status") in _SERVER_STATUSES:
                log.info(
                    "case %s: applying the server status %s held back for a local step",
                    case_id,
                    newest.data.get("status"),
                )
                cases.take(case_id, newest.data, journal, _decided(newest.data, newest.server_time))
        _put_json(s, KEY_DEFERRED, sorted(deferred))

    @staticmethod
    def _unsent(s, case_ids: set[str]) -> set[str]:
        """The cases among `case_ids` with a local step the server has not answered yet."""
        if not case_ids:
            return set()
        return set(
            s.scalars(
                select(CaseEvent.case_id)
                .distinct()
                .join(OutboxEntry, OutboxEntry.event_id == CaseEvent.event_id)
                .where(CaseEvent.case_id.in_(case_ids), OutboxEntry.state.in_(("pending", "retry")))
            )
        )

    def _keep_published(self, s, ch: protocol.Change, warnings: dict[str, dict]) -> None:
        if ch.kind == protocol.CHANGE_CALENDAR:  # merged by year: no year once received is lost
            _put_json(s, KEY_CALENDAR, merge_calendar_data(_json(s, KEY_CALENDAR), ch.data))
        elif ch.kind == protocol.CHANGE_CATALOG:
            _put_json(s, KEY_CATALOG_VERSION, ch.data)
        elif ch.kind == protocol.CHANGE_TEMPLATE:
            _put_json(s, KEY_TEMPLATES, {**_json(s, KEY_TEMPLATES, {}), ch.data.get("name", ""): ch.data})
        elif ch.kind == protocol.CHANGE_DEVICE_COMMAND:
            self._keep_command(s, ch.data)
        elif ch.kind == protocol.CHANGE_DEADLINE and ch.case_id:
            warnings[ch.case_id] = {**ch.data, "case_no": ch.case_no}
        elif ch.kind == protocol.CHANGE_POLICY:
            _put_json(s, KEY_POLICY, ch.data)
        else:
            log.info("ignoring change kind %s from a newer back office", ch.kind)

    def counts(self) -> dict[str, int]:
        with self.store.sessions() as s:
            rows = s.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all()
            counts = {state: n for state, n in rows}
            counts["blobs_pending"] = (
                s.scalar(select(func.count()).select_from(BlobEntry).where(BlobEntry.state == "pending")) or 0
            )
            return counts


_HOLDER_RANK = {holder: rank for rank, holder in enumerate(protocol.HOLDERS)}


def _answer_rows(results: list[protocol.EventResult]) -> list[dict]:
    return [
        {"answered": r.event_id, "new_state": r.status, "new_code": r.code or "", "new_reason": r.reason or ""}
        for r in results
    ]


def _decided(data: dict, server_time: dt.datetime) -> dt.datetime:
    """When a pulled status happened, as the store keeps time (local wall time): the
    decision's own stamp when the change carries one, else when the server published it."""
    try:
        return protocol.to_local(data["decided_at"]) if data.get("decided_at") else protocol.to_local(server_time)
    except ValueError:
        return protocol.to_local(server_time)


def _progress(s) -> SyncProgress:
    events = s.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == "pending")) or 0
    size = s.scalar(select(func.coalesce(func.sum(BlobEntry.size), 0)).where(BlobEntry.state == "pending")) or 0
    return SyncProgress(int(events), int(size))


class _CaseStatuses:
    """The status fields of the cases a page of pulled changes touches, read with one
    query and written back with one statement: the server wins for these fields."""

    _FIELDS = ("status", "result_name", "result_no", "reason", "server_due")

    def __init__(self, s, case_ids: set[str]):
        self.s = s
        self.current: dict[str, dict] = {}
        self.changed: set[str] = set()
        self.load(case_ids)

    def load(self, case_ids: set[str]) -> None:
        wanted = [c for c in case_ids if c not in self.current]
        if wanted:
            table = Case.__table__
            for row in self.s.execute(
                select(table.c.id, *(table.c[f] for f in self._FIELDS)).where(table.c.id.in_(wanted))
            ).mappings():
                self.current[row["id"]] = dict(row)

    def __contains__(self, case_id: str) -> bool:
        return case_id in self.current

    def take(self, case_id: str, data: dict, journal: JournalAppender, at: dt.datetime | None = None) -> None:
        """The server's status for the case, recorded in the journal when it changed, at `at`
        (local wall time of the decision).

        Callers pass only changes whose `status` is one of `_SERVER_STATUSES`.
        """
        case, status = self.current[case_id], str(data["status"])
        due = dt.date.fromisoformat(data["due"]) if data.get("due") else None
        if due is not None and due != case["server_due"]:
            case["server_due"] = due  # the server's deadline wins, even when the status stays
            self.changed.add(case_id)
        extension = data.get("extension")
        if isinstance(extension, dict):  # 延长审批期限 (§42): a timeline line of its own, the status stays
            journal.add(
                case_id=case_id,
                type_="server.extended",
                payload={
                    "reason": f"办理期限延至{extension.get('due_after', '')}：{extension.get('reason', '')}",
                    "extension": extension,
                    "decided_by_name": extension.get("approved_by_name") or "后台",
                },
                clerk="后台",
                at=at,
            )
        if case["status"] == status:
            return
        case["status"] = status
        for key in ("result_name", "result_no", "reason"):
            case[key] = data.get(key) or case[key]
        self.changed.add(case_id)
        journal.add(
            case_id=case_id,
            type_="server." + status,
            payload={k: v for k, v in data.items() if v is not None},
            clerk=data.get("decided_by") or "后台",
            at=at,
        )

    def write(self) -> None:
        if not self.changed:
            return
        table, now = cast(Table, Case.__table__), dt.datetime.now()  # a Table, typed as FromClause
        statement = (
            update(table)
            .where(table.c.id == bindparam("case_id"))
            .values(**{f: bindparam("new_" + f) for f in self._FIELDS}, updated_at=bindparam("now"))
        )
        self.s.execute(
            statement,
            [
                {"case_id": c, "now": now, **{"new_" + f: self.current[c][f] for f in self._FIELDS}}
                for c in sorted(self.changed)
            ],
        )
        self.changed.clear()


def _move_custody(s, case_id: str, data: dict) -> bool:
    """The back office says where a proxy case's originals are: custody only moves forward
    (a late or repeated report changes nothing). True when it moved."""
    slip = s.scalar(select(TransferSlip).where(TransferSlip.case_id == case_id))
    holder = data.get("holder")
    if slip is None or holder not in _HOLDER_RANK or _HOLDER_RANK[holder] <= _HOLDER_RANK.get(slip.holder, 0):
        return False
    slip.holder = holder
    at = protocol.to_local(data["at"]) if data.get("at") else None
    if holder == protocol.HOLDER_HALL:
        slip.received_at, slip.received_by = at, data.get("office") or data.get("by", "")
    else:
        slip.dispatched_at = slip.dispatched_at or at
    return True
