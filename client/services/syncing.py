"""The sync state as the clerk sees it: a badge with pending, rejected and last result."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Callable

from client.store.outbox import StoreOutbox
from sync.engine import SyncEngine, SyncReport


@dataclass(frozen=True)
class SyncStatus:
    pending: int
    rejected: int
    blobs_pending: int
    last_ok: dt.datetime | None
    error: str

    @property
    def label(self) -> str:
        if self.error:
            return f"离线（待报送{self.pending}件）"
        if self.rejected:
            return f"有{self.rejected}条被退回"
        if self.pending or self.blobs_pending:
            return f"待报送{self.pending}件"
        when = f"{self.last_ok:%H:%M}" if self.last_ok else "—"
        return f"已同步 {when}"


class SyncService:
    def __init__(self, engine: Callable[[], SyncEngine | None], outbox: StoreOutbox):
        self.engine, self.outbox = engine, outbox
        self.wake = threading.Event()
        self._last_ok: dt.datetime | None = None
        self._error = ""

    def sync_now(self) -> SyncStatus:
        engine = self.engine()
        if engine is None:
            self._error = "本机尚未登记到后台，请联系管理员"
        else:
            self.note(engine.sync_once())
        return self.status()

    def note(self, report: SyncReport) -> None:
        self._error = report.error
        if report.ok:
            self._last_ok = dt.datetime.now()

    def status(self) -> SyncStatus:
        c = self.outbox.counts()
        return SyncStatus(c.get("pending", 0), c.get("rejected", 0), c.get("blobs_pending", 0),
                          self._last_ok, self._error)
