"""Scanned pages, content-addressed by SHA-256, uploaded resumably.

Bytes live under `<blob_dir>/<sha[:2]>/<sha>`; while incomplete they sit in a
`.part` file whose length is the offset the client resumes from. A blob counts
only after its hash is verified, and is stored once however many cases name it.

A crash at any step of a PUT loses nothing the window has not been told is safe
(tests/sync/test_upload_kill_steps.py kills the server at each): `begin_put` takes the
blob's lock → `open_append` opens the `.part` → the body's pieces are written → `_close`
fsyncs the whole file → its hash is compared → `os.replace` gives it its final name →
`_finish` marks the row complete and recounts the waiting cases in one transaction → the
answer goes out. Up to the fsync, the window resumes from the `.part`'s length; a whole
`.part` is verified and finished at start-up or on the next status query; a final file
whose row is not yet complete is finished on the next status query or PUT; and the window
counts a page only when an answer says `complete`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from sync import protocol

from .blobfile import open_append
from .cases import cases_waiting_for, refresh_completeness
from .context import ServerContext
from .db import Blob, utcnow
from .errors import ApiError

log = logging.getLogger(__name__)

MAX_BLOB_BYTES = 512 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class BlobPaths:
    final: Path
    part: Path


def blob_paths(blob_dir: Path, sha256: str) -> BlobPaths:
    folder = Path(blob_dir) / sha256[:2]
    return BlobPaths(folder / sha256, folder / f"{sha256}.part")


def check_sha(sha256: str) -> str:
    sha = (sha256 or "").lower()
    if not _SHA256.match(sha):
        raise ApiError(400, "bad_sha256", "文件校验值格式不正确")
    return sha


def blob_status(ctx: ServerContext, sha256: str) -> protocol.BlobStatus | None:
    """What the server holds of a blob, or None when it holds nothing."""
    sha = check_sha(sha256)
    paths = blob_paths(ctx.blob_dir, sha)
    with ctx.blob_lock(sha):
        if paths.final.exists():
            _finish(ctx, sha, paths.final.stat().st_size)  # heals a crash after the rename
            return protocol.BlobStatus(sha256=sha, size=paths.final.stat().st_size, complete=True)
        if paths.part.exists():
            size = _settle_part(ctx, sha, paths)
            return protocol.BlobStatus(sha256=sha, size=size, complete=not paths.part.exists())
    return None


def _settle_part(ctx: ServerContext, sha: str, paths: BlobPaths) -> int:
    """Finish a `.part` that already holds the whole blob (the server died after its last
    byte but before verifying and renaming it); its size either way. Called with the blob's
    lock held. A part that failed the check is not hashed again until it changes."""
    info = paths.part.stat()
    stamp = (info.st_size, info.st_mtime_ns)
    if not info.st_size or ctx.unverified_parts.get(sha) == stamp:
        return info.st_size
    hasher = hashlib.sha256()
    with open(paths.part, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            hasher.update(chunk)
    if hasher.hexdigest() != sha:  # a prefix, or a whole file gone bad: the PUT at its end decides
        ctx.unverified_parts[sha] = stamp
        return info.st_size
    ctx.unverified_parts.pop(sha, None)
    os.replace(paths.part, paths.final)
    _finish(ctx, sha, info.st_size)
    log.info("blob %s was whole but unverified; verified and completed (%d bytes)", sha, info.st_size)
    return info.st_size


def settle_parts(ctx: ServerContext) -> int:
    """At start-up: complete every `.part` that already holds its whole verified blob, so a
    crash between the last byte and the rename loses nothing; the number completed."""
    done = 0
    for part in sorted(Path(ctx.blob_dir).glob("??/*.part")):
        sha = part.name.removesuffix(".part")
        if not _SHA256.match(sha):
            continue
        paths = blob_paths(ctx.blob_dir, sha)
        with ctx.blob_lock(sha):
            if paths.final.exists() or not paths.part.exists():
                continue
            _settle_part(ctx, sha, paths)
            done += not paths.part.exists()
    return done


class BlobWriter:
    """One streaming PUT: bytes are appended and hashed as they arrive.

    A cut connection keeps what arrived (flushed and recorded), so the client resumes
    from HEAD's offset; the blob counts only when every byte is in and the SHA-256 of
    the whole file matches. The hash is computed once: as the bytes arrive when the server
    reads the body directly (`seen`), otherwise on its own thread beside the writing one
    (both release the GIL).
    """

    def __init__(self, ctx: ServerContext, sha: str, total: int, lock: threading.Lock, skip: int = 0):
        self.ctx, self.sha, self.total, self.lock = ctx, sha, total, lock
        # A stale offset (a late handler appended after the status answer): the body starts
        # `skip` bytes before what the file holds, and those bytes are dropped, not refused.
        self._skip_seen = self._skip_write = skip
        self.paths = blob_paths(ctx.blob_dir, sha)
        self.paths.part.parent.mkdir(parents=True, exist_ok=True)
        self.held = self.paths.part.stat().st_size if self.paths.part.exists() else 0
        self.hasher = hashlib.sha256()
        if self.held:
            with open(self.paths.part, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    self.hasher.update(chunk)
        self.file = open_append(self.paths.part, self.held)
        self._hashing = ThreadPoolExecutor(1, thread_name_prefix="blob-hash")
        self._writing = ThreadPoolExecutor(1, thread_name_prefix="blob-write")
        self._failed: BaseException | None = None
        self.hashed_early = False
        self.done = False

    def seen(self, data: memoryview) -> None:
        """Hash bytes as they arrive, before `submit` queues them for writing (the direct
        body path, on the event loop: the bytes are still in the cache)."""
        self.hashed_early = True
        if self._skip_seen:
            cut = min(self._skip_seen, len(data))
            self._skip_seen -= cut
            data = data[cut:]
        if data:
            self.hasher.update(data)

    def submit(self, data: bytes | memoryview) -> Future:
        """Queue the next piece; the future is done when it is both written and hashed.
        Pieces are taken in order, and `data` must stay unchanged until then."""
        if self._skip_write:
            cut = min(self._skip_write, len(data))
            self._skip_write -= cut
            data = data[cut:]
            if not data:
                skipped: Future = Future()
                skipped.set_result(None)
                return skipped
        size = len(data)
        if self.held + size > self.total:
            raise ApiError(422, "blob_too_long", "上传的数据超过了文件总长度", {"X-Blob-Size": str(self.held)})
        self.held += size
        hashed = None if self.hashed_early else self._hashing.submit(self.hasher.update, data)
        return self._writing.submit(self._write, data, hashed)

    def _write(self, data: bytes | memoryview, hashed: Future | None) -> None:
        """After a failed write (disk full) nothing more is appended: the file keeps a
        clean prefix the next PUT resumes from."""
        try:
            if self._failed is not None:
                raise self._failed
            self.file.write(data)
        except BaseException as exc:
            self._failed = exc
            raise
        finally:
            if hashed is not None:
                hashed.result()

    def _close(self) -> int:
        """Wait for queued pieces, make the file durable (see `writeback`); the bytes it
        really holds."""
        self._writing.shutdown()
        self._hashing.shutdown()
        return self.file.close()

    def keep_partial(self) -> None:
        """The client went away: make what arrived durable so the next PUT resumes after it."""
        if self.done:
            return
        self.done = True
        try:
            self.held = self._close()
            _record(self.ctx, self.sha, self.held)
        finally:
            self.lock.release()

    def finish(self) -> protocol.BlobStatus:
        self.done = True
        try:
            self.held = self._close()
            if self.held < self.total:
                _record(self.ctx, self.sha, self.held)
                return protocol.BlobStatus(sha256=self.sha, size=self.held, complete=False)
            if self.hasher.hexdigest() != self.sha:
                self.paths.part.unlink()
                _forget(self.ctx, self.sha)
                log.warning("blob %s failed verification; discarded", self.sha)
                raise ApiError(422, "hash_mismatch", "文件校验失败，服务器已丢弃，请重新上传", {"X-Blob-Size": "0"})
            os.replace(self.paths.part, self.paths.final)
            _finish(self.ctx, self.sha, self.held)
            log.info("blob %s complete (%d bytes)", self.sha, self.held)
            return protocol.BlobStatus(sha256=self.sha, size=self.held, complete=True)
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
    if not lock.acquire(timeout=30):
        raise ApiError(409, "upload_in_progress", "该文件正在由另一连接上传，请稍后重试")
    try:
        paths = blob_paths(ctx.blob_dir, sha)
        if paths.final.exists():
            size = paths.final.stat().st_size
            _finish(ctx, sha, size)
            lock.release()
            return protocol.BlobStatus(sha256=sha, size=size, complete=True)
        held = paths.part.stat().st_size if paths.part.exists() else 0
        if offset > held:
            raise ApiError(
                409,
                "offset_mismatch",
                "上传位置与服务器记录不一致，请从服务器记录的位置继续",
                {"X-Blob-Size": str(held)},
            )
        return BlobWriter(ctx, sha, total, lock, skip=held - offset)
    except BaseException:
        if lock.locked():
            lock.release()
        raise


def _row(session: Session, sha: str) -> Blob:
    row = session.get(Blob, sha)
    if row is None:
        row = Blob(sha256=sha, size=0, complete=False)
        session.add(row)
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
