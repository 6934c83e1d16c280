"""Appending an upload to its `.part` file, durably and without filling the page cache.

A scan is written once and read rarely, so its pages have no business in memory, and on
a two-core machine copying 64 MB into the page cache costs as much CPU as receiving it.

- `DirectFile` (Linux, a file system that takes O_DIRECT, a block-aligned start): pieces
  are gathered in a page-aligned staging buffer and written from it straight to disk;
  only the unaligned tail goes through the page cache, so the final fsync is quick.
- `BufferedFile` otherwise: plain appends, but every few megabytes the kernel is told to
  start writing the range just written (sync_file_range, which does not wait), and the
  range before it is waited for and dropped from the cache; the final fsync has little
  left to do and the next upload reuses the freed pages.

Either way `close` returns the bytes the file durably holds, which is where the client
resumes; a failed write leaves a clean prefix.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import mmap
import os
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

BLOCK = 4096  # O_DIRECT alignment for offsets, lengths and memory
STAGE = 2 << 20  # one direct write
WINDOW = 8 << 20  # buffered: writeback started every WINDOW bytes
_WAIT_BEFORE, _WRITE, _WAIT_AFTER = 1, 2, 4


class AppendFile(Protocol):
    def write(self, data: bytes | memoryview) -> None: ...
    def close(self) -> int: ...


def open_append(path: Path, held: int, *, direct: bool = True) -> AppendFile:
    """The best way this machine offers to append to `path`, which holds `held` bytes."""
    if direct and held % BLOCK == 0 and hasattr(os, "O_DIRECT"):
        try:
            return DirectFile(path, held)
        except OSError as exc:  # tmpfs and some others refuse O_DIRECT
            log.info("direct writes not available for %s: %s", path.parent, exc)
    return BufferedFile(path, held)


class DirectFile:
    def __init__(self, path: Path, held: int):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o644)
        self.path, self.position = path, held
        self.stage = mmap.mmap(-1, STAGE)
        self.view = memoryview(self.stage)
        self.fill = 0
        self.direct = True

    def write(self, data: bytes | memoryview) -> None:
        data = memoryview(data).cast("B")
        while data:
            size = min(STAGE - self.fill, len(data))
            self.view[self.fill : self.fill + size] = data[:size]
            self.fill += size
            data = data[size:]
            if self.fill == STAGE:
                self._flush_stage(STAGE)

    def _flush_stage(self, size: int) -> None:
        written = 0
        if self.direct:
            try:
                written = os.pwrite(self.fd, self.view[:size], self.position)
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
                # Opened with O_DIRECT but refused on write (some FUSE and network file
                # systems): the rest of this upload goes through the page cache.
                log.info("direct writes refused for %s: %s", self.path.name, exc.strerror)
                self.direct = False
        if written != size:  # a short or refused direct write: the rest through the cache
            self._cached(self.position + written, self.view[written:size])
        self.position += size
        self.fill = 0

    def _cached(self, offset: int, data: memoryview) -> None:
        with open(self.path, "r+b") as fh:
            fh.seek(offset)
            fh.write(data)

    def close(self) -> int:
        try:
            tail = self.fill
            if tail:  # an unaligned length cannot go direct
                self._cached(self.position, self.view[:tail])
                self.position += tail
                self.fill = 0
            os.fsync(self.fd)
            _drop(self.fd, 0, 0)
            return os.fstat(self.fd).st_size
        finally:
            os.close(self.fd)
            self.view.release()
            try:
                self.stage.close()
            except BufferError:  # a view of it still referenced somewhere: freed with it
                log.debug("staging buffer of %s left to the garbage collector", self.path.name)


def _sync_file_range():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int
    return call


_SFR = _sync_file_range()


class BufferedFile:
    def __init__(self, path: Path, held: int):
        self.fh = open(path, "ab")
        self.fd = self.fh.fileno()
        self.started = self.position = held  # writeback was started up to `started`
        self.dropped = held  # and the cache dropped up to `dropped`
        self.early = _SFR is not None

    def write(self, data: bytes | memoryview) -> None:
        self.fh.write(data)
        self.position += len(data)
        if self.early and self.position - self.started >= WINDOW:
            self._write_behind()

    def _write_behind(self) -> None:
        self.fh.flush()
        try:
            self._sfr(self.started, self.position - self.started, _WRITE)
            if self.started > self.dropped:
                self._sfr(self.dropped, self.started - self.dropped, _WAIT_BEFORE | _WRITE | _WAIT_AFTER)
                _drop(self.fd, self.dropped, self.started - self.dropped)
                self.dropped = self.started
            self.started = self.position
        except OSError as exc:  # a file system without it: the final fsync does it all
            log.info("early writeback off for this upload: %s", exc)
            self.early = False

    def _sfr(self, offset: int, length: int, flags: int) -> None:
        if _SFR(self.fd, offset, length, flags) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))

    def close(self) -> int:
        try:
            self.fh.flush()
            os.fsync(self.fd)
            _drop(self.fd, 0, 0)
            return os.fstat(self.fd).st_size
        finally:
            self.fh.close()


def _drop(fd: int, offset: int, length: int) -> None:
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
