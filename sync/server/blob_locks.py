"""One writer per scan, across every app process that serves the same database.

On PostgreSQL the lock is a session-level advisory lock on a connection of its own,
held for the upload's life: when a process dies its connection closes and PostgreSQL
lets the lock go at once, so the window's next round resumes instead of waiting for a
lease to run out. The connections come from a pool of their own in autocommit (a lock is
one round trip, not a new PostgreSQL process per scan); one goes back to the pool only
after its lock was given back, and is thrown away whenever that is in doubt. Threads of
one process first queue on an in-process lock, so only one connection per scan is ever
used. On SQLite there is one process: the in-process lock is all there is.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from .errors import ApiError

WAIT = 30.0  # how long a writer waits for another before the window is told to retry
_POLL = 0.05
_NAMESPACE = 0x5CA1  # the advisory lock's first key: "scan"
LOCK_POOL_SIZE = 4
LOCK_POOL_OVERFLOW = 32  # a process takes 32 uploads at once


def lock_engine(engine: Engine) -> Engine:
    """The locks' own pool on the database of `engine`, in autocommit: a session-level
    advisory lock needs no transaction around it."""
    return create_engine(
        engine.url,
        pool_size=LOCK_POOL_SIZE,
        max_overflow=LOCK_POOL_OVERFLOW,
        isolation_level="AUTOCOMMIT",
    )


def _key(sha256: str) -> int:
    """The second key: 32 bits of the hash, as PostgreSQL's signed int4."""
    return int(sha256[:8], 16) - (1 << 31)


@dataclass
class BlobLock:
    """Acquired and released possibly on different threads (a PUT begins on one worker
    thread and finishes on another), which both locks here allow."""

    sha256: str
    engine: Engine | None  # the locks' PostgreSQL engine (`lock_engine`), or None on SQLite
    _local: threading.Lock = field(default_factory=threading.Lock)
    _conn: Connection | None = None

    def acquire(self, timeout: float = WAIT) -> bool:
        deadline = time.monotonic() + timeout
        if not self._local.acquire(timeout=timeout):
            return False
        if self.engine is None:
            return True
        try:
            conn = self.engine.connect()
            try:
                while not conn.execute(
                    text("SELECT pg_try_advisory_lock(:ns, :key)"), {"ns": _NAMESPACE, "key": _key(self.sha256)}
                ).scalar():
                    if time.monotonic() >= deadline:
                        conn.close()
                        self._local.release()
                        return False
                    time.sleep(_POLL)
            except BaseException:
                conn.invalidate()  # whether the lock was taken is unknown: end the session
                conn.close()
                raise
        except BaseException:
            self._local.release()
            raise
        self._conn = conn
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                try:
                    given_back = conn.execute(
                        text("SELECT pg_advisory_unlock(:ns, :key)"), {"ns": _NAMESPACE, "key": _key(self.sha256)}
                    ).scalar()
                    if not given_back:
                        conn.invalidate()
                except BaseException:
                    conn.invalidate()  # ending the session frees the lock in any case
                    raise
                finally:
                    conn.close()  # back to the pool, holding no lock
        finally:
            self._local.release()

    def __enter__(self) -> BlobLock:
        if not self.acquire():
            raise ApiError(409, "upload_in_progress", "该文件正在由另一连接上传，请稍后重试")
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass
class BlobLocks:
    """The lock of each scan being written or asked about; a lock nobody holds a reference
    to is forgotten, so a server that has seen millions of scans keeps none of them."""

    engine: Engine | None
    _locks: weakref.WeakValueDictionary[str, BlobLock] = field(default_factory=weakref.WeakValueDictionary)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, sha256: str) -> BlobLock:
        with self._guard:
            lock = self._locks.get(sha256)
            if lock is None:
                lock = self._locks[sha256] = BlobLock(sha256, self.engine)
            return lock
