"""A streaming file write that reaches the disk while it is written, and leaves no cache behind.

Written plainly, a 64 MB scan sits dirty in the page cache until the final fsync, which
then waits for all of it, and the clean pages stay cached after. So every few megabytes
the kernel is told to start writing the range just written (sync_file_range WRITE,
which does not wait), and the range before it, by now on its way, is waited for and
dropped from the cache. The final fsync then has little left to do, scans do not push
the database out of memory, and the next upload reuses the freed pages. Where
sync_file_range is missing (not Linux) only the final fsync and drop remain.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

WINDOW = 8 << 20
_WAIT_BEFORE, _WRITE, _WAIT_AFTER = 1, 2, 4


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


class Writeback:
    """Follows one file's appends from `start`; `written` after each write, `close` at the end."""

    def __init__(self, fd: int, start: int):
        self.fd = fd
        self.started = self.position = start  # writeback was started up to `started`
        self.dropped = start                 # and the cache dropped up to `dropped`
        self.enabled = _SFR is not None

    def written(self, size: int) -> None:
        self.position += size
        if not self.enabled or self.position - self.started < WINDOW:
            return
        try:
            self._call(self.started, self.position - self.started, _WRITE)
            if self.started > self.dropped:
                self._call(self.dropped, self.started - self.dropped, _WAIT_BEFORE | _WRITE | _WAIT_AFTER)
                _drop(self.fd, self.dropped, self.started - self.dropped)
                self.dropped = self.started
            self.started = self.position
        except OSError as exc:  # e.g. a file system without it: fall back to the final fsync
            log.info("early writeback off for this upload: %s", exc)
            self.enabled = False

    def _call(self, offset: int, length: int, flags: int) -> None:
        if _SFR(self.fd, offset, length, flags) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))

    def close(self) -> None:
        """Durable (fsync), then out of the page cache."""
        os.fsync(self.fd)
        _drop(self.fd, 0, 0)


def _drop(fd: int, offset: int, length: int) -> None:
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
