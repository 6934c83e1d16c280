"""Client side of sync: pages up, events up, changes down.

The engine knows the store only through `OutboxPort`, so it never imports `client`.
One sender at a time (a lock); events leave the queue only when the server answers
for them; a failed round is retried with backoff and jitter without waiting for a
new local write.
"""
from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from typing import Callable, Protocol

from . import protocol as p
from .api import BackOfficeApi, ServerError, ServerUnreachable

log = logging.getLogger(__name__)

CHUNK = 1 << 20


class OutboxPort(Protocol):
    def pending(self, limit: int) -> list[p.Event]: ...
    def record_results(self, results: list[p.EventResult]) -> None: ...
    def pending_blobs(self, limit: int) -> list[tuple[str, int]]: ...
    def read_blob(self, sha256: str) -> bytes: ...
    def blob_done(self, sha256: str) -> None: ...
    def cursor(self) -> int: ...
    def apply_changes(self, changes: list[p.Change], cursor: int) -> None: ...


@dataclass(frozen=True)
class SyncReport:
    ok: bool
    blobs_uploaded: int = 0
    acked: int = 0
    rejected: int = 0
    changes: int = 0
    error: str = ""  # Chinese, for the sync badge


class SyncEngine:
    def __init__(self, api: BackOfficeApi, outbox: OutboxPort, batch: int = 200):
        self.api = api
        self.outbox = outbox
        self.batch = batch
        self._sender = threading.Lock()

    def sync_once(self) -> SyncReport:
        with self._sender:
            try:
                blobs = self._upload_blobs()
                acked, rejected = self._push()
                changes = self._pull()
            except ServerUnreachable as exc:
                return SyncReport(False, error=exc.message)
            except ServerError as exc:
                log.warning("sync failed: %s", exc)
                return SyncReport(False, error=exc.message)
            return SyncReport(True, blobs, acked, rejected, changes)

    def _upload_blobs(self) -> int:
        done = 0
        for sha, size in self.outbox.pending_blobs(1000):
            held = self.api.blob_held(sha)
            if held < size:
                data = self.outbox.read_blob(sha)
                offset = held
                while offset < size:
                    chunk = data[offset:offset + CHUNK]
                    status = self.api.blob_put(sha, offset, chunk, size)
                    offset = status.size
            self.outbox.blob_done(sha)
            done += 1
        return done

    def _push(self) -> tuple[int, int]:
        acked = rejected = 0
        while True:
            events = self.outbox.pending(self.batch)
            if not events:
                return acked, rejected
            answer = self.api.push(events)
            self.outbox.record_results(answer.results)
            acked += sum(r.status == "acked" for r in answer.results)
            rejected += sum(r.status == "rejected" for r in answer.results)
            if len(answer.results) < len(events):
                log.warning("server answered %d of %d events", len(answer.results), len(events))
                return acked, rejected

    def _pull(self) -> int:
        total = 0
        cursor = self.outbox.cursor()
        while True:
            page = self.api.pull(cursor)
            self.outbox.apply_changes(page.changes, page.cursor)
            total += len(page.changes)
            cursor = page.cursor
            if not page.more:
                return total

    def run(self, stop: threading.Event, wake: threading.Event, on_report: Callable[[SyncReport], None],
            interval: float = 10.0, max_backoff: float = 300.0) -> None:
        """Loop until `stop`: sync, then sleep `interval` (or back off after a failure)."""
        failures = 0
        while not stop.is_set():
            report = self.sync_once()
            on_report(report)
            if report.ok:
                failures = 0
                delay = interval
            else:
                failures += 1
                delay = min(max_backoff, interval * 2 ** min(failures, 8)) * random.uniform(0.5, 1.0)
            wake.wait(delay)
            wake.clear()
