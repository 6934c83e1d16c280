"""The store side of sync: hands pending events and pages to the engine and applies
what the back office answers. Implements `sync.engine.OutboxPort`.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select

from sync import protocol

from .db import Store
from .journal import append_event
from .models import BlobEntry, Case, CaseEvent, OutboxEntry, ServerChange
from .settings import get_setting, load_identity, put_setting

log = logging.getLogger(__name__)

_SERVER_STATUSES = {"submitted", "in_review", "supplement_requested", "suspended", "approved",
                    "denied", "result_ready", "delivered", "mailed"}


class StoreOutbox:
    def __init__(self, store: Store):
        self.store = store
        self.pages = store.pages

    def pending(self, limit: int) -> list[protocol.Event]:
        with self.store.sessions() as s:
            rows = s.execute(
                select(OutboxEntry, CaseEvent)
                .join(CaseEvent, CaseEvent.event_id == OutboxEntry.event_id)
                .where(OutboxEntry.state == "pending")
                .order_by(OutboxEntry.device_seq).limit(limit)
            ).all()
            return [
                protocol.Event(event_id=ev.event_id, device_seq=ob.device_seq, case_id=ev.case_id,
                               type=ev.type, payload=ev.payload, device_time=ev.device_time)
                for ob, ev in rows
            ]

    def record_results(self, results: list[protocol.EventResult]) -> None:
        with self.store.sessions.begin() as s:
            for r in results:
                entry = s.get(OutboxEntry, r.event_id)
                if entry is None:
                    continue
                entry.attempts += 1
                entry.state = r.status
                entry.code = r.code or ""
                entry.reason = r.reason or ""
                if r.status == "rejected":
                    log.warning("event %s rejected by server: %s %s", r.event_id, r.code, r.reason)

    def pending_blobs(self, limit: int) -> list[tuple[str, int]]:
        with self.store.sessions() as s:
            rows = s.scalars(select(BlobEntry).where(BlobEntry.state == "pending").limit(limit)).all()
            return [(b.sha256, b.size) for b in rows]

    def read_blob(self, sha256: str) -> bytes:
        return self.pages.read(sha256)

    def blob_done(self, sha256: str) -> None:
        with self.store.sessions.begin() as s:
            entry = s.get(BlobEntry, sha256)
            if entry is not None:
                entry.state = "done"

    def cursor(self) -> int:
        with self.store.sessions() as s:
            return int(get_setting(s, "pull_cursor", "0"))

    def apply_changes(self, changes: list[protocol.Change], cursor: int) -> None:
        """Server wins for status fields; each change is also kept for the timeline."""
        with self.store.sessions.begin() as s:
            identity = load_identity(s)
            for ch in changes:
                if s.get(ServerChange, ch.seq) is not None:
                    continue
                s.add(ServerChange(seq=ch.seq, case_id=ch.case_id, kind=ch.kind, data=ch.data,
                                   server_time=ch.server_time.replace(tzinfo=None)))
                if ch.kind != protocol.CHANGE_CASE_STATUS or not ch.case_id:
                    continue
                case = s.get(Case, ch.case_id)
                status = ch.data.get("status")
                if case is None or status not in _SERVER_STATUSES:
                    continue
                if case.status != status:
                    case.status = status
                    case.result_name = ch.data.get("result_name") or case.result_name
                    case.result_no = ch.data.get("result_no") or case.result_no
                    case.reason = ch.data.get("reason") or case.reason
                    case.updated_at = dt.datetime.now()
                    append_event(s, case_id=case.id, type_="server." + status,
                                 payload={k: v for k, v in ch.data.items() if v is not None},
                                 clerk=ch.data.get("decided_by", "后台"),
                                 device_id=identity.device_id if identity else "", outbox=False)
            put_setting(s, "pull_cursor", str(cursor))

    def counts(self) -> dict[str, int]:
        with self.store.sessions() as s:
            rows = s.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all()
            counts = {state: n for state, n in rows}
            counts["blobs_pending"] = s.scalar(
                select(func.count()).select_from(BlobEntry).where(BlobEntry.state == "pending")) or 0
            return counts
