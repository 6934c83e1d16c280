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

Scans are answered per org unit (the store keeps one copy of each): an org unit learns
that the server holds a blob only once it proved it holds it too, by sending every byte
(`blob_owners`), and it sees an upload in progress only when its own org unit began it. Any
other org unit's PUT of a blob already held is hashed as it streams and stored nowhere (a
"proof" upload); its PUT of a blob another org unit is still uploading is answered 503 with
Retry-After, so it never appends to that upload nor discards it, until the upload has been
idle for `TAKEOVER_AFTER`. A query waits on a blob's lock only briefly (then the row
answers), a PUT only a little longer, and each org unit's blobs count against its quota.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import and_, false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync import protocol

from .blob_locks import BlobLock
from .blobstore.base import Upload
from .blobstore.local import BlobPaths, blob_paths
from .cases import cases_waiting_for, refresh_completeness
from .context import ServerContext
from .db import Blob, BlobOwner, utcnow
from .errors import ApiError

log = logging.getLogger(__name__)

MAX_BLOB_BYTES = 512 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# A status query waits this long on a blob's lock (held by a PUT of its own org unit), then
# the row answers: a query of one blob long enough for a cut upload to be wound up (its
# parts kept) by whichever process had it, a window's query of many blobs 0.2 s per blob.
STATUS_WAIT = 5.0
BATCH_STATUS_WAIT = 0.2
PUT_WAIT = 2.0  # a PUT waits this long for another of its org unit's, then is told to retry
RETRY_AFTER = "10"
# An upload idle this long (its window gone) is abandoned: another org unit's PUT may replace it.
TAKEOVER_AFTER = dt.timedelta(hours=24)

__all__ = [
    "BlobPaths",
    "BlobWriter",
    "begin_put",
    "blob_paths",
    "blob_status",
    "blob_statuses",
    "check_sha",
    "quota_error",
    "settle_parts",
]


def check_sha(sha256: str) -> str:
    sha = (sha256 or "").lower()
    if not _SHA256.match(sha):
        raise ApiError(400, "bad_sha256", "文件校验值格式不正确")
    return sha


def _rows(session: Session, shas: set[str], org: str) -> dict:
    """Each blob's row with whether `org` proved it holds it: one query, as before the namespace."""
    owned = and_(BlobOwner.sha256 == Blob.sha256, BlobOwner.org_code == org)
    query = (
        select(Blob.sha256, Blob.complete, Blob.size, Blob.upload_org, BlobOwner.org_code.label("owner"))
        .outerjoin(BlobOwner, owned)
        .where(Blob.sha256.in_(shas))
    )
    return {row.sha256: row for row in session.execute(query)}


def _answer(ctx: ServerContext, sha: str, row, org: str, wait: float) -> protocol.BlobStatus | None:  # noqa: ANN001
    """What `org` may learn of a blob from its row: a complete blob only when it proved it
    holds it, an upload only its own (or one begun before the namespace existed)."""
    if row is None:
        return None
    if row.complete:
        return protocol.BlobStatus(sha256=sha, size=row.size, complete=True) if row.owner is not None else None
    if row.upload_org not in (None, org):
        return None
    return _settled(ctx, sha, row.size, wait)


def blob_status(ctx: ServerContext, sha256: str, org: str) -> protocol.BlobStatus | None:
    """What the server holds of a blob for `org`, or None when it holds nothing `org` may
    know of. An upload that already holds every byte (its writer died before verifying
    it) is finished here."""
    sha = check_sha(sha256)
    with ctx.sessions() as session:
        row = _rows(session, {sha}, org).get(sha)
    return _answer(ctx, sha, row, org, STATUS_WAIT)


def blob_statuses(ctx: ServerContext, shas: Sequence[str], org: str) -> list[protocol.BlobStatus]:
    """`blob_status` of each blob a window is about to send, the rows read in one query."""
    checked = [check_sha(sha) for sha in shas]
    with ctx.sessions() as session:
        rows = _rows(session, set(checked), org)
    answers = []
    for sha in checked:
        status = _answer(ctx, sha, rows.get(sha), org, BATCH_STATUS_WAIT)
        answers.append(status or protocol.BlobStatus(sha256=sha, size=0, complete=False))
    return answers


def _settled(ctx: ServerContext, sha: str, recorded: int, wait: float) -> protocol.BlobStatus | None:
    """Ask the store about a blob whose upload began and did not finish. While a PUT holds
    the blob's lock the row's recorded size answers (a window resuming from it sends bytes
    the server already has, which the PUT drops): a query never waits behind a PUT."""
    lock = ctx.blob_lock(sha)
    if not lock.acquire(timeout=wait):
        return protocol.BlobStatus(sha256=sha, size=recorded, complete=False)
    try:
        held = ctx.store.settle(sha)
        if held is None:
            return None
        if held.complete:
            _finish(ctx, sha, held.size)  # heals a crash after the promotion
        return protocol.BlobStatus(sha256=sha, size=held.size, complete=held.complete)
    finally:
        lock.release()


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

    def __init__(
        self,
        ctx: ServerContext,
        sha: str,
        total: int,
        lock: BlobLock | None,
        upload: Upload,
        skip: int = 0,
        owner: str | None = None,
    ):
        """`lock` None: a proof upload (`ProofUpload`), which touches neither the store nor
        the blob's row; `owner` is the org unit the verified blob is recorded for."""
        self.ctx, self.sha, self.total, self.lock, self.upload = ctx, sha, total, lock, upload
        self.owner = owner
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

    @property
    def proof(self) -> bool:
        return self.lock is None

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.release()

    def _keep(self) -> None:
        self.held = self.upload.keep()
        if not self.proof:
            _record(self.ctx, self.sha, self.held)

    def keep_partial(self) -> None:
        """The client went away (or a write failed): keep what can be kept so the next PUT
        resumes after it."""
        if self.done:
            return
        self.done = True
        try:
            self._drain()
            self._keep()
        finally:
            self._release()

    def finish(self) -> protocol.BlobStatus:
        self.done = True
        try:
            self._drain()
            if self._failed is not None:
                self._keep()
                raise self._failed
            if self.held < self.total:
                self._keep()
                return protocol.BlobStatus(sha256=self.sha, size=self.held, complete=False)
            if self.upload.finish() != self.sha:
                self.upload.discard()
                if not self.proof:
                    _forget(self.ctx, self.sha)
                log.warning("blob %s failed verification; discarded", self.sha)
                raise ApiError(422, "hash_mismatch", "文件校验失败，服务器已丢弃，请重新上传", {"X-Blob-Size": "0"})
            self.upload.promote()
            _finish(self.ctx, self.sha, self.held, self.owner)
            log.info("blob %s complete (%d bytes)", self.sha, self.held)
            return protocol.BlobStatus(sha256=self.sha, size=self.held, complete=True)
        except OSError as exc:
            log.error("blob %s: the store failed: %s", self.sha, exc)
            raise storage_error(exc) from exc
        finally:
            self._release()


class ProofUpload:
    """Another org unit's PUT of a blob the store already holds whole: its bytes are hashed
    as they stream and kept nowhere, so the org unit proves it holds the blob (and is then
    recorded for it) without learning that the server had it. Not resumable: a cut one
    starts again from zero."""

    held = 0

    def __init__(self) -> None:
        self._hasher = hashlib.sha256()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._hasher.update(data)

    def keep(self) -> int:
        return 0

    def finish(self) -> str:
        return self._hasher.hexdigest()

    def promote(self) -> None:
        """The store holds the blob already."""

    def discard(self) -> None:
        """Nothing was kept."""


def quota_error() -> ApiError:
    return ApiError(507, "quota_exceeded", "本机构的扫描件存储空间已用完，请联系管理员清理或扩容", {"X-Blob-Size": "0"})


def _check_quota(session: Session, ctx: ServerContext, sha: str, org: str, total: int) -> None:
    """The org unit's blobs held plus its uploads in progress plus this one must fit its
    quota (one query; only a PUT that is about to write pays it)."""
    owned = select(func.coalesce(func.sum(BlobOwner.size), 0)).where(BlobOwner.org_code == org).scalar_subquery()
    pending = (
        select(func.coalesce(func.sum(Blob.size), 0))
        .where(Blob.upload_org == org, Blob.complete == false(), Blob.sha256 != sha)
        .scalar_subquery()
    )
    used = int(session.execute(select(owned + pending)).scalar() or 0)
    if used + total > ctx.blob_quota:
        log.warning("org unit %s: scan quota exceeded (%d + %d bytes)", org, used, total)
        raise quota_error()


def _busy() -> ApiError:
    return ApiError(503, "busy", "后台正在接收的上传过多，请稍后重试", {"Retry-After": RETRY_AFTER})


def begin_put(
    ctx: ServerContext, sha256: str, offset: int, total: int | None, org: str = "", device: str = ""
) -> BlobWriter | protocol.BlobStatus:
    """Check a streaming PUT of org unit `org`'s device before its body is read: a blob the
    org unit holds already answers at once."""
    sha = check_sha(sha256)
    if total is None or total < 0:
        raise ApiError(400, "bad_length", "缺少文件总长度（X-Blob-Length）")
    if total > MAX_BLOB_BYTES:
        raise ApiError(413, "blob_too_large", "文件过大，无法上传")
    lock = ctx.blob_lock(sha)
    if not lock.acquire(timeout=0):  # someone is writing it: only its own org unit waits, briefly
        with ctx.sessions() as session:
            row = _rows(session, {sha}, org).get(sha)
        if row is not None and row.complete:
            if row.owner is not None:
                return protocol.BlobStatus(sha256=sha, size=row.size, complete=True)
            return _proof(ctx, sha, offset, total, org)
        if row is not None and row.upload_org not in (None, org):
            raise _busy()  # another org unit's upload: neither appended to nor discarded
        if not lock.acquire(timeout=PUT_WAIT):
            raise ApiError(
                409, "upload_in_progress", "该文件正在由另一连接上传，请稍后重试", {"Retry-After": RETRY_AFTER}
            )
    release: Callable[[], None] | None = lock.release
    try:
        before = _begin(ctx, sha, org, device, total)
        if before.complete:
            if before.owned:
                return protocol.BlobStatus(sha256=sha, size=before.size, complete=True)
            release = None
            lock.release()  # a proof touches neither the store nor the row
            return _proof(ctx, sha, offset, total, org)
        if before.foreign:
            raise _busy()
        held = None if before.fresh else ctx.store.held(sha)
        if held is not None and held.complete:
            _finish(ctx, sha, held.size, org)
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
            upload = ctx.store.open_upload(sha, total, fresh=before.fresh)
        except OSError as exc:
            log.error("blob %s: the store could not open the upload: %s", sha, exc)
            raise storage_error(exc) from exc
        if offset > upload.held:  # the store kept less than it said a moment ago
            upload.keep()
            raise ApiError(409, "offset_mismatch", "上传位置与服务器记录不一致", {"X-Blob-Size": str(upload.held)})
        release = None  # the writer owns the lock now
        return BlobWriter(ctx, sha, total, lock, upload, skip=upload.held - offset, owner=org)
    finally:
        if release is not None:
            release()


def _proof(ctx: ServerContext, sha: str, offset: int, total: int, org: str) -> BlobWriter:
    if offset:
        raise ApiError(
            409, "offset_mismatch", "上传位置与服务器记录不一致，请从服务器记录的位置继续", {"X-Blob-Size": "0"}
        )
    with ctx.sessions() as session:
        _check_quota(session, ctx, sha, org, total)
    return BlobWriter(ctx, sha, total, None, ProofUpload(), owner=org)


@dataclass(frozen=True)
class _Before:
    """The blob's row as a PUT found it, under the blob's lock."""

    fresh: bool  # no row: no byte was ever stored
    complete: bool
    owned: bool  # the org unit proved it holds the complete blob
    foreign: bool  # another org unit's upload, still live
    size: int


def _row(session: Session, sha: str) -> Blob:
    row = session.get(Blob, sha)
    if row is None:
        row = Blob(sha256=sha, size=0, complete=False)
        session.add(row)
    return row


def _begin(ctx: ServerContext, sha: str, org: str, device: str, total: int) -> _Before:
    """The blob's row as it was, writing one (size 0, incomplete, this org unit's upload)
    if there was none: the row is committed before the store gets any byte, so a blob
    without a row holds none. An upload begun before the namespace existed becomes this
    org unit's; another org unit's abandoned one is removed from the store and begun
    again as this org unit's."""
    with ctx.sessions() as session, session.begin():
        row = session.get(Blob, sha)
        if row is not None and row.complete:
            owned = session.get(BlobOwner, (sha, org)) is not None
            return _Before(False, True, owned, False, row.size)
        _check_quota(session, ctx, sha, org, total)
        now = utcnow()
        if row is None:
            session.add(Blob(sha256=sha, size=0, complete=False, upload_org=org, upload_device=device, touched_at=now))
            return _Before(True, False, False, False, 0)
        if row.upload_org not in (None, org):
            if row.touched_at is not None and now - row.touched_at <= TAKEOVER_AFTER:
                return _Before(False, False, False, True, row.size)
            removed = ctx.store.remove(sha)
            log.info("blob %s: an abandoned upload (%d bytes) replaced by another org unit's", sha, removed)
            row.size = 0
        row.upload_org, row.upload_device, row.touched_at = org, device, now
        return _Before(False, False, False, False, row.size)


def _record(ctx: ServerContext, sha: str, size: int) -> None:
    with ctx.sessions() as session, session.begin():
        row = _row(session, sha)
        row.size, row.touched_at = size, utcnow()


def _forget(ctx: ServerContext, sha: str) -> None:
    with ctx.sessions() as session, session.begin():
        row = session.get(Blob, sha)
        if row is not None and not row.complete:
            session.delete(row)


def _finish(ctx: ServerContext, sha: str, size: int, org: str | None = None) -> None:
    """Mark the verified blob complete, record it for the org unit that sent it (`org`, or
    the row's uploader after a crash) and let every case waiting for it recount."""
    try:
        with ctx.sessions() as session, session.begin():
            row = _row(session, sha)
            owner = org or row.upload_org
            newly_owned = bool(owner) and session.get(BlobOwner, (sha, owner)) is None
            if newly_owned:
                session.add(BlobOwner(sha256=sha, org_code=owner, size=size))
            if not row.complete:
                row.size, row.complete, row.completed_at = size, True, utcnow()
                row.touched_at = row.completed_at
            elif not newly_owned:
                return
            session.flush()
            for case in cases_waiting_for(session, sha):
                refresh_completeness(session, case)
    except IntegrityError:  # two PUTs of one org unit proved the same blob at once: one row is enough
        log.info("blob %s already recorded for the org unit", sha)
