"""Scanned pages, content-addressed by SHA-256, uploaded resumably.

The bytes live in a `BlobStore` (a folder, or an S3-compatible object store); this module
is the upload protocol over it, the same for both. A window resumes from what the store
durably holds; a blob counts only after the SHA-256 of its whole content matched its
name, and is stored once however many cases name it. One writer per blob at a time, across
every app process (`blob_locks`).

A crash at any step of a PUT loses nothing the window has not been told is safe
(tests/sync/test_upload_kill_steps.py kills the server at each): `begin_put` takes the
blob's lock → the blob's row is written (before any byte reaches the store) → the store
opens the upload → the body's pieces are appended → `finish`
makes it durable and hashes it → `promote` gives it its final name → `_finish` marks the
row complete and recounts the waiting cases in one transaction → the answer goes out. A
whole but unpromoted upload is verified and finished at start-up or on the next status
query; a promoted blob whose row is not yet complete is finished on the next status query
or PUT; and the window counts a page only when an answer says `complete`.

Because the row comes first, the database answers most status queries alone: no row means
no byte was ever stored, a complete row means the blob is whole. Only a row left
incomplete (an upload cut or a crash) sends the query to the store, under the blob's lock.
Status queries come with every case a window sends, so this keeps the object store's round
trips to the PUTs that need them.
"""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync import protocol

from .blob_locks import BlobLock
from .blobstore.base import Upload
from .blobstore.local import BlobPaths, blob_paths
from .cases import cases_waiting_for, refresh_completeness
from .context import ServerContext
from .db import Blob, utcnow
from .errors import ApiError

log = logging.getLogger(__name__)

MAX_BLOB_BYTES = 512 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

__all__ = [
    "BlobPaths",
    "BlobWriter",
    "begin_put",
    "blob_paths",
    "blob_status",
    "blob_statuses",
    "check_sha",
    "settle_parts",
]


def check_sha(sha256: str) -> str:
    sha = (sha256 or "").lower()
    if not _SHA256.match(sha):
        raise ApiError(400, "bad_sha256", "文件校验值格式不正确")
    return sha


def blob_status(ctx: ServerContext, sha256: str) -> protocol.BlobStatus | None:
    """What the server holds of a blob, or None when it holds nothing. An upload that
    already holds every byte (its writer died before verifying it) is finished here."""
    sha = check_sha(sha256)
    with ctx.sessions() as session:
        row = session.execute(select(Blob.complete, Blob.size).where(Blob.sha256 == sha)).one_or_none()
    if row is None:
        return None
    if row.complete:
        return protocol.BlobStatus(sha256=sha, size=row.size, complete=True)
    return _settled(ctx, sha)


def blob_statuses(ctx: ServerContext, shas: Sequence[str]) -> list[protocol.BlobStatus]:
    """`blob_status` of each blob a window is about to send, the rows read in one query."""
    checked = [check_sha(sha) for sha in shas]
    with ctx.sessions() as session:
        rows = {
            row.sha256: row
            for row in session.execute(
                select(Blob.sha256, Blob.complete, Blob.size).where(Blob.sha256.in_(set(checked)))
            )
        }
    answers = []
    for sha in checked:
        row = rows.get(sha)
        status = (
            None
            if row is None
            else (protocol.BlobStatus(sha256=sha, size=row.size, complete=True) if row.complete else _settled(ctx, sha))
        )
        answers.append(status or protocol.BlobStatus(sha256=sha, size=0, complete=False))
    return answers


def _settled(ctx: ServerContext, sha: str) -> protocol.BlobStatus | None:
    """Ask the store about a blob whose upload began and did not finish."""
    with ctx.blob_lock(sha):
        held = ctx.store.settle(sha)
        if held is None:
            return None
        if held.complete:
            _finish(ctx, sha, held.size)  # heals a crash after the promotion
        return protocol.BlobStatus(sha256=sha, size=held.size, complete=held.complete)


def settle_parts(ctx: ServerContext) -> int:
    """At start-up: complete every unfinished upload that already holds its whole verified
    blob, so a crash between the last byte and the promotion loses nothing; the number
    completed. An upload another app process is writing right now is left to it."""
    done = 0
    for sha in ctx.store.unfinished():
        if not _SHA256.match(sha):
            continue
        lock = ctx.blob_lock(sha)
        if not lock.acquire(timeout=0):
            continue
        try:
            held = ctx.store.settle(sha)
            if held is not None and held.complete:
                _finish(ctx, sha, held.size)
                done += 1
        finally:
            lock.release()
    return done


def storage_error(exc: OSError) -> ApiError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ApiError(507, "storage_full", "后台存储空间不足，请稍后重试")
    return ApiError(503, "storage_unavailable", "后台存储暂时不可用，请稍后重试")


class BlobWriter:
    """One streaming PUT: pieces are appended (and hashed by the store) on a thread of
    their own while the next piece arrives.

    A cut connection keeps what the store can keep (recorded), so the client resumes from
    the status query's size; the blob counts only when every byte is in and the SHA-256
    of the whole matches.
    """

    def __init__(self, ctx: ServerContext, sha: str, total: int, lock: BlobLock, upload: Upload, skip: int = 0):
        self.ctx, self.sha, self.total, self.lock, self.upload = ctx, sha, total, lock, upload
        # A stale offset (a late handler appended after the status answer): the body starts
        # `skip` bytes before what the store holds, and those bytes are dropped, not refused.
        self._skip = skip
        self.held = upload.held
        self._writing = ThreadPoolExecutor(1, thread_name_prefix="blob-write")
        self._failed: BaseException | None = None
        self.done = False

    def submit(self, data: bytes | bytearray | memoryview) -> Future:
        """Queue the next piece; the future is done when the store has taken it. Pieces are
        taken in order, and `data` must stay unchanged until then."""
        if self._skip:
            cut = min(self._skip, len(data))
            self._skip -= cut
            data = memoryview(data)[cut:]
        if not data:
            skipped: Future = Future()
            skipped.set_result(None)
            return skipped
        if self.held + len(data) > self.total:
            raise ApiError(422, "blob_too_long", "上传的数据超过了文件总长度", {"X-Blob-Size": str(self.held)})
        self.held += len(data)
        return self._writing.submit(self._write, data)

    def _write(self, data: bytes | bytearray | memoryview) -> None:
        """After a failed write (disk full) nothing more is appended: the store keeps a
        clean prefix the next PUT resumes from."""
        if self._failed is not None:
            raise self._failed
        try:
            self.upload.write(data)
        except BaseException as exc:
            self._failed = exc
            raise

    @property
    def failed(self) -> bool:
        return self._failed is not None

    def _drain(self) -> None:
        self._writing.shutdown()

    def keep_partial(self) -> None:
        """The client went away (or a write failed): keep what can be kept so the next PUT
        resumes after it."""
        if self.done:
            return
        self.done = True
        try:
            self._drain()
            self.held = self.upload.keep()
            _record(self.ctx, self.sha, self.held)
        finally:
            self.lock.release()

    def finish(self) -> protocol.BlobStatus:
        self.done = True
        try:
            self._drain()
            if self._failed is not None:
                self.held = self.upload.keep()
                _record(self.ctx, self.sha, self.held)
                raise self._failed
            if self.held < self.total:
                self.held = self.upload.keep()
                _record(self.ctx, self.sha, self.held)
                return protocol.BlobStatus(sha256=self.sha, size=self.held, complete=False)
            if self.upload.finish() != self.sha:
                self.upload.discard()
                _forget(self.ctx, self.sha)
                log.warning("blob %s failed verification; discarded", self.sha)
                raise ApiError(422, "hash_mismatch", "文件校验失败，服务器已丢弃，请重新上传", {"X-Blob-Size": "0"})
            self.upload.promote()
            _finish(self.ctx, self.sha, self.held)
            log.info("blob %s complete (%d bytes)", self.sha, self.held)
            return protocol.BlobStatus(sha256=self.sha, size=self.held, complete=True)
        except OSError as exc:
            log.error("blob %s: the store failed: %s", self.sha, exc)
            raise storage_error(exc) from exc
        finally:
            self.lock.release()


def begin_put(ctx: ServerContext, sha256: str, offset: int, total: int | None) -> BlobWriter | protocol.BlobStatus:
    """Check a streaming PUT before its body is read: a finished blob answers at once."""
    sha = check_sha(sha256)
    if total is None or total < 0:
        raise ApiError(400, "bad_length", "缺少文件总长度（X-Blob-Length）")
    if total > MAX_BLOB_BYTES:
        raise ApiError(413, "blob_too_large", "文件过大，无法上传")
    lock = ctx.blob_lock(sha)
    if not lock.acquire():
        raise ApiError(409, "upload_in_progress", "该文件正在由另一连接上传，请稍后重试")
    release: Callable[[], None] | None = lock.release
    try:
        before = _begin(ctx, sha)
        if before is not None and before.complete:
            return protocol.BlobStatus(sha256=sha, size=before.size, complete=True)
        held = None if before is None else ctx.store.held(sha)
        if held is not None and held.complete:
            _finish(ctx, sha, held.size)
            return protocol.BlobStatus(sha256=sha, size=held.size, complete=True)
        have = held.size if held is not None else 0
        if offset > have:
            raise ApiError(
                409,
                "offset_mismatch",
                "上传位置与服务器记录不一致，请从服务器记录的位置继续",
                {"X-Blob-Size": str(have)},
            )
        try:
            upload = ctx.store.open_upload(sha, total, fresh=before is None)
        except OSError as exc:
            log.error("blob %s: the store could not open the upload: %s", sha, exc)
            raise storage_error(exc) from exc
        if offset > upload.held:  # the store kept less than it said a moment ago
            upload.keep()
            raise ApiError(409, "offset_mismatch", "上传位置与服务器记录不一致", {"X-Blob-Size": str(upload.held)})
        release = None  # the writer owns the lock now
        return BlobWriter(ctx, sha, total, lock, upload, skip=upload.held - offset)
    finally:
        if release is not None:
            release()


def _row(session: Session, sha: str) -> Blob:
    row = session.get(Blob, sha)
    if row is None:
        row = Blob(sha256=sha, size=0, complete=False)
        session.add(row)
    return row


def _begin(ctx: ServerContext, sha: str) -> Blob | None:
    """The blob's row as it was, writing one (size 0, incomplete) if there was none: the
    row is committed before the store gets any byte, so a blob without a row holds none."""
    with ctx.sessions() as session, session.begin():
        row = session.get(Blob, sha)
        if row is None:
            session.add(Blob(sha256=sha, size=0, complete=False))
        return row


def _record(ctx: ServerContext, sha: str, size: int) -> None:
    with ctx.sessions() as session, session.begin():
        _row(session, sha).size = size


def _forget(ctx: ServerContext, sha: str) -> None:
    with ctx.sessions() as session, session.begin():
        row = session.get(Blob, sha)
        if row is not None and not row.complete:
            session.delete(row)


def _finish(ctx: ServerContext, sha: str, size: int) -> None:
    """Mark the verified blob complete and let every case waiting for it recount."""
    with ctx.sessions() as session, session.begin():
        row = _row(session, sha)
        if row.complete:
            return
        row.size, row.complete, row.completed_at = size, True, utcnow()
        session.flush()
        for case in cases_waiting_for(session, sha):
            refresh_completeness(session, case)
