"""Client side of sync: pages up, events up, changes down.

The engine knows the store only through `OutboxPort`, so it never imports `client`.
One sender at a time (a thread lock, and the port's cross-process lock); events
leave the queue only when the server answers for them; a failed round is retried
with exponential backoff and jitter without waiting for a new local write.

A round works case by case (issue 16, point 2): the records of cases whose pages are
all up go first, then the pages, oldest case first, each case's records pushed soon
after its last page; so on a link that breaks every few megabytes the back office
still learns of every case, and a round that moved something is not a failure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from . import protocol as p
from .api import BackOfficeApi, ServerError, ServerUnreachable

log = logging.getLogger(__name__)

REVOKED_MESSAGE = "本设备已被后台停用，不能继续受理和报送，请联系管理员"
DONE_EVERY = 0.5  # seconds between marking uploaded pages done (and publishing progress)


class OutboxPort(Protocol):
    def pending(self, limit: int, ready_only: bool = False) -> list[p.Event]:
        """Unsent events in device order; `ready_only` leaves out every event of a case that
        has a pending event naming a page still to upload (the case goes up whole, later)."""
        ...

    def record_results(self, results: list[p.EventResult]) -> None: ...
    def pending_blobs(self, limit: int) -> list[PendingBlob]:
        """Pages to upload in the order cases need them: pages no pending event names first,
        then by the first pending event naming each page (so a case's pages are adjacent)."""
        ...

    def blob_pieces(self, sha256: str, offset: int) -> Iterable[bytes]: ...
    def blobs_done(self, shas: list[str]) -> SyncProgress: ...
    def cursor(self) -> int: ...
    def apply_changes(self, changes: list[p.Change], cursor: int) -> None: ...
    def restart_pull(self) -> None: ...
    def save_catalog(self, body: dict) -> None: ...
    def record_command(self, command: p.DeviceCommandData) -> None: ...
    def progress(self) -> SyncProgress: ...
    def sender_lock(self) -> AbstractContextManager[bool]: ...
    def restore_wanted(self) -> bool: ...
    def restore_cases(self, cases: list[p.CaseSnapshot]) -> int: ...
    def finish_restore(self) -> RestoreOutcome: ...


@dataclass(frozen=True)
class PendingBlob:
    """A page still to upload, and the case whose pending event first names it ("" if none
    does: its case is on the server already, waiting for the page)."""

    sha256: str
    size: int
    case_id: str = ""


@dataclass(frozen=True)
class RestoreOutcome:
    """What a restore from the back office brought back into an emptied store."""

    restored: int  # open cases taken back from the server
    requeued: int  # unsent events from the rescue file queued again
    unrecoverable: int  # unsent events whose case could not be rebuilt (left in the rescue file)


@dataclass(frozen=True)
class SyncProgress:
    """What is left to send, for the UI's badge."""

    events_pending: int
    bytes_left: int


@dataclass(frozen=True)
class SyncReport:
    ok: bool
    blobs_uploaded: int = 0
    acked: int = 0
    rejected: int = 0
    changes: int = 0
    error: str = ""  # Chinese, for the sync badge
    busy: bool = False  # another process holds the outbox; nothing was sent
    revoked: bool = False  # the back office refused this device: stop trying
    resynced: bool = False  # the cursor was stale and the feed was pulled again from 0
    restore: RestoreOutcome | None = None  # the store was refilled from the back office this round
    server_time: dt.datetime | None = None  # the back office's clock in its last push answer (point 5)
    progressed: bool = False  # something moved (events answered, pages or page bytes sent), even if it failed
    bytes_sent: int = 0  # page bytes handed to the network this round
    retry_in: float | None = None  # seconds until the background loop's next round (set by `run`)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: `base * 2**failures`, capped, times U(1-jitter, 1)."""

    interval: float = 10.0  # between successful rounds
    base: float = 2.0
    cap: float = 300.0
    jitter: float = 0.5
    # After a round that broke off having moved something: the link works between cuts, so
    # go on almost at once (a short breath, so a link dropping at this very instant does not spin).
    after_progress: float = 0.2

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        if failures <= 0:
            return self.interval
        raw = min(self.cap, self.base * 2 ** min(failures - 1, 16))
        return raw * (rng or random).uniform(1.0 - self.jitter, 1.0)


@dataclass
class _Tally:
    """What one round has moved so far; read for the report even when the round breaks."""

    acked: int = 0
    rejected: int = 0
    blobs: int = 0
    bytes_sent: int = 0

    @property
    def answered(self) -> bool:
        """The server took something: events answered or pages completed."""
        return bool(self.acked or self.rejected or self.blobs)


class SyncEngine:
    def __init__(
        self,
        api: BackOfficeApi,
        outbox: OutboxPort,
        batch: int = 200,
        on_progress: Callable[[SyncProgress], None] | None = None,
    ):
        self.api = api
        self.outbox = outbox
        self.batch = batch
        self.on_progress = on_progress or (lambda _progress: None)
        self._sender = threading.Lock()
        self.rounds = 0  # background rounds run by `run`, for tests and diagnostics
        self.server_time: dt.datetime | None = None  # from this round's push answers, for the clock check
        self._tally = _Tally()  # what the current (or last) round moved

    def sync_once(self) -> SyncReport:
        with self._sender, self.outbox.sender_lock() as held:
            if not held:
                return SyncReport(True, busy=True)
            self.server_time = None
            self._tally = _Tally()
            try:
                return dataclasses.replace(self._round(), server_time=self.server_time)
            except ServerUnreachable as exc:
                return self._broken(exc.message, link_broke=True)
            except ServerError as exc:
                if exc.status == 401 and exc.code in ("device_revoked", p.ERROR_DEVICE_WIPE):
                    # Revoked after a wipe order it never pulled: the answer itself carries the order.
                    wipe = exc.code == p.ERROR_DEVICE_WIPE
                    self.outbox.record_command(
                        p.DeviceCommandData(
                            command=p.COMMAND_WIPE if wipe else p.COMMAND_REVOKE,
                            reason=exc.message,
                            issued_at=dt.datetime.now(dt.UTC),
                        )
                    )
                    return SyncReport(False, error=REVOKED_MESSAGE, revoked=True)
                log.warning("sync failed: %s", exc)
                return self._broken(exc.message, link_broke=False)
            finally:
                with contextlib.suppress(Exception):
                    self.on_progress(self.outbox.progress())

    def _broken(self, error: str, link_broke: bool) -> SyncReport:
        """A round the link (or the server) broke off: what it moved before still counts.

        Bytes of a page cut off by the link are progress (the server keeps them and the next
        round resumes after them); bytes a working server refused are not, or a page the
        server keeps refusing would be sent again every few seconds for ever."""
        tally = self._tally
        return SyncReport(
            False,
            tally.blobs,
            tally.acked,
            tally.rejected,
            error=error,
            server_time=self.server_time,
            progressed=tally.answered or (link_broke and tally.bytes_sent > 0),
            bytes_sent=tally.bytes_sent,
        )

    def _round(self) -> SyncReport:
        restored = self._restore() if self.outbox.restore_wanted() else None
        try:
            self._push()  # cases whose pages are all up: the back office learns of them first
            self._upload_blobs()  # pushes each case soon after its last page
            self._push()
        except ServerError as exc:
            if exc.status != 401:
                self._push_after_break()
            raise
        except ServerUnreachable:
            self._push_after_break()
            raise
        tally = self._tally
        acked, rejected = tally.acked, tally.rejected
        resynced = False
        try:
            changes = self._pull()
        except ServerError as exc:
            if exc.status not in (410, 412):
                raise
            log.info("cursor expired (%s): pulling the feed again from 0", exc.code)
            self.outbox.restart_pull()
            changes, resynced = self._pull(), True
            more_acked, more_rejected = self._push()  # the outbox was kept: send what is left
            acked, rejected = acked + more_acked, rejected + more_rejected
        return SyncReport(
            True,
            tally.blobs,
            acked,
            rejected,
            changes,
            resynced=resynced,
            restore=restored,
            progressed=tally.answered or tally.bytes_sent > 0,
            bytes_sent=tally.bytes_sent,
        )

    def _push_after_break(self) -> None:
        """Pages finished before the break made cases ready: try to push them now (a broken
        upload often leaves the next connection working); a second break ends the round."""
        if not self._tally.blobs:
            return
        try:
            self._push()
        except (ServerUnreachable, ServerError) as exc:
            log.info("push after a broken upload failed too: %s", exc)

    def _restore(self) -> RestoreOutcome:
        """Take back the open cases the device sees, page by page, then queue again the
        unsent events kept from a rescue. Before the push, so those go up this round; before
        the pull, so the feed finds the cases and skips the changes the snapshots hold."""
        after = ""
        while True:
            page = self.api.restore(after)
            self.outbox.restore_cases(page.cases)
            if not page.more:
                break
            after = page.after
        outcome = self.outbox.finish_restore()
        log.warning(
            "store restored from the back office: %d cases, %d unsent events queued again, %d not",
            outcome.restored,
            outcome.requeued,
            outcome.unrecoverable,
        )
        return outcome

    def _upload_blobs(self) -> int:
        """Each pending page in one streaming PUT from what the server holds on: the page is
        read and decrypted while it is sent, and a cut loses nothing the server received.

        What the server holds is asked for all pages in one round trip. Pages come in the
        order cases need them, so cases finish one after another instead of all at the end.
        Pages found done are marked in the store together, at most every DONE_EVERY seconds
        and at the end (a mark lost to a crash only costs asking again), and progress is
        published at the same pace: for small pages these per-page writes cost more than
        the sending. At a mark that follows a finished case, the cases now ready are pushed.
        Returns how many pages completed.
        """
        pending = self.outbox.pending_blobs(1000)
        if not pending:
            return 0
        held = self.api.blob_statuses([blob.sha256 for blob in pending])
        finished: list[str] = []
        case_finished = False
        last_mark = time.monotonic()
        try:
            for n, blob in enumerate(pending):
                self._upload_blob(blob.sha256, blob.size, held.get(blob.sha256))
                finished.append(blob.sha256)
                self._tally.blobs += 1
                case_finished = case_finished or n + 1 == len(pending) or pending[n + 1].case_id != blob.case_id
                if time.monotonic() - last_mark >= DONE_EVERY:
                    self._mark_done(finished)
                    if case_finished:
                        self._push()
                        case_finished = False
                    last_mark = time.monotonic()
        finally:
            self._mark_done(finished)
        return len(pending)

    def _counted(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        """The page's pieces, each counted as sent when handed to the connection."""
        for piece in pieces:
            self._tally.bytes_sent += len(piece)
            yield piece

    def _upload_blob(self, sha: str, size: int, status: p.BlobStatus | None) -> None:
        """Send one page until the server says `complete`: only a verified blob counts, so a
        whole but unverified file is closed by a PUT at its end (the server then verifies
        it), and a file the server discarded as bad is sent again from zero, once a round."""
        offset = status.size if status is not None else 0
        complete = status is not None and status.complete
        resent, tried = False, set()
        while not complete:
            if offset in tried:  # the server stays at an offset already sent from: try next round
                raise ServerError(409, "upload_stuck", "扫描件上传未能继续，将在下一轮重试")
            tried.add(offset)
            body = self._counted(self.outbox.blob_pieces(sha, offset)) if offset < size else b""
            try:
                status = self.api.blob_put(sha, min(offset, size), body, size)
            except ServerError as exc:
                if exc.status == 422 and exc.code == "hash_mismatch" and not resent:
                    log.warning("back office discarded blob %s as corrupt; sending it again from 0", sha[:12])
                    offset, resent, tried = 0, True, set()
                    continue
                if exc.status != 409:
                    raise
                status = p.BlobStatus(sha256=sha, size=self.api.blob_held(sha), complete=False)
            offset, complete = status.size, status.complete

    def _mark_done(self, finished: list[str]) -> None:
        if finished:
            progress = self.outbox.blobs_done(finished)
            finished.clear()
            self.on_progress(progress)

    def _push(self) -> tuple[int, int]:
        """Push the ready events (of cases with no page still to upload) in batches."""
        acked = rejected = 0
        while True:
            events = self.outbox.pending(self.batch, ready_only=True)
            if not events:
                return acked, rejected
            answer = self.api.push(events)
            self.outbox.record_results(answer.results)
            stamped = [r.server_time for r in answer.results if r.server_time is not None]
            self.server_time = max(stamped, default=self.server_time)
            now_acked = sum(r.status == "acked" for r in answer.results)
            now_rejected = sum(r.status == "rejected" for r in answer.results)
            acked, rejected = acked + now_acked, rejected + now_rejected
            self._tally.acked += now_acked
            self._tally.rejected += now_rejected
            if len(answer.results) < len(events) or any(r.status == "retry" for r in answer.results):
                log.warning(
                    "server answered %d of %d events finally; retrying later",
                    sum(r.status != "retry" for r in answer.results),
                    len(events),
                )
                return acked, rejected

    def _pull(self) -> int:
        total = 0
        cursor = self.outbox.cursor()
        while True:
            page = self.api.pull(cursor)
            if any(c.kind == p.CHANGE_CATALOG for c in page.changes):
                self.outbox.save_catalog(self.api.catalog())
            self.outbox.apply_changes(page.changes, page.cursor)
            total += len(page.changes)
            cursor = page.cursor
            if not page.more:
                return total

    def run(
        self,
        stop: threading.Event,
        wake: threading.Event,
        on_report: Callable[[SyncReport], None],
        interval: float | None = None,
        policy: RetryPolicy | None = None,
        gate=None,
    ) -> None:
        """Loop until `stop`: sync, then sleep (longer after each failure) or until woken.

        Nothing but time is needed to try again: a lost network or a 503 heals by itself.
        A round that broke off after moving something is no failure of the link as a whole:
        the next round starts after `after_progress` and the backoff starts afresh, so a link
        that carries a few megabytes between cuts keeps working at back-to-back pace; only
        rounds that moved nothing grow it. Each report carries the pause that follows (`retry_in`), for the clerk.
        A revoked device stops the loop. `gate` (low-power mode) has `wait_awake(stop)`,
        which blocks while background work is paused; `sync_once` still runs on demand.
        """
        policy = policy or RetryPolicy(interval=interval if interval is not None else 10.0)
        failures = 0
        while not stop.is_set():
            if gate is not None and not gate.wait_awake(stop):
                return
            self.rounds += 1
            report = self.sync_once()
            if report.revoked:
                on_report(report)
                return
            if report.ok:
                failures, delay = 0, policy.interval
            elif report.progressed:
                failures, delay = 0, policy.after_progress
            else:
                failures += 1
                delay = policy.delay(failures)
            on_report(dataclasses.replace(report, retry_in=delay))
            wake.wait(delay)
            wake.clear()
