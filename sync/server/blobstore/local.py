"""Scans in a folder: the embedded default on a laptop and for one machine.

Bytes live under `<root>/<sha[:2]>/<sha>`; while incomplete they sit in a `.part` file
whose length is the offset a window resumes from. A `.part` is renamed to its final name
only after the SHA-256 of the whole file matched, so a final name always means verified.
Appends go through plain `os.write` so that a failed write (a full disk) can be cut back
to the last whole piece: the file always holds a clean prefix. Folders are 0700 and files
0600: scans are personal data, for the server's own account only.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .base import Held

log = logging.getLogger(__name__)

_READ = 1 << 20


@dataclass(frozen=True)
class BlobPaths:
    final: Path
    part: Path


def blob_paths(root: Path, sha256: str) -> BlobPaths:
    folder = Path(root) / sha256[:2]
    return BlobPaths(folder / sha256, folder / f"{sha256}.part")


def _file_digest(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class LocalUpload:
    """Appends to one `.part`; hashes what it holds and what arrives, so `finish` needs no
    second read of the file."""

    def __init__(self, paths: BlobPaths, sha256: str):
        self.paths, self.sha256 = paths, sha256
        _private_folder(paths.part.parent)
        self.fd = os.open(paths.part, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(self.fd, 0o600)  # a part made by an older version was 0640
        self.held = self.size = os.fstat(self.fd).st_size
        self.hasher = hashlib.sha256()
        if self.held:
            with open(paths.part, "rb") as fh:
                for chunk in iter(lambda: fh.read(_READ), b""):
                    self.hasher.update(chunk)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fd, view) :]
        except OSError:
            os.ftruncate(self.fd, self.size)  # back to the last whole piece
            raise
        self.size += len(data)
        self.hasher.update(data)

    def _durable(self) -> int:
        if self.fd >= 0:
            try:
                os.fsync(self.fd)
            finally:
                os.close(self.fd)
                self.fd = -1
        return self.size

    def keep(self) -> int:
        return self._durable()

    def finish(self) -> str:
        self._durable()
        return self.hasher.hexdigest()

    def promote(self) -> None:
        os.replace(self.paths.part, self.paths.final)
        _sync_folder(self.paths.final.parent)

    def discard(self) -> None:
        self._durable()
        self.paths.part.unlink(missing_ok=True)


def _private_folder(folder: Path) -> None:
    """A folder only the server's account can enter (mkdir's mode is cut by the umask)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (the folder's entry), so a power cut cannot undo it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class LocalBlobStore:
    root: Path
    # sha -> (size, mtime) of a whole-looking `.part` that failed the hash: not hashed again until it changes
    _unverified: dict[str, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        _private_folder(self.root)

    def paths(self, sha256: str) -> BlobPaths:
        return blob_paths(self.root, sha256)

    def held(self, sha256: str) -> Held | None:
        paths = self.paths(sha256)
        try:
            return Held(paths.final.stat().st_size, True)
        except FileNotFoundError:
            pass
        try:
            return Held(paths.part.stat().st_size, False)
        except FileNotFoundError:
            return None

    def open_upload(self, sha256: str, total: int, fresh: bool = False) -> LocalUpload:
        # looking is one stat(): a folder always looks, `fresh` or not
        return LocalUpload(self.paths(sha256), sha256)

    def settle(self, sha256: str) -> Held | None:
        """A `.part` the server stopped writing is hashed once: if it is the whole blob
        (the server died after its last byte, before the rename) it is promoted."""
        paths = self.paths(sha256)
        if paths.final.exists() or not paths.part.exists():
            return self.held(sha256)
        info = paths.part.stat()
        stamp = (info.st_size, info.st_mtime_ns)
        if not info.st_size or self._unverified.get(sha256) == stamp:
            return Held(info.st_size, False)
        if _file_digest(paths.part) != sha256:  # a prefix, or a whole file gone bad: the PUT at its end decides
            self._unverified[sha256] = stamp
            return Held(info.st_size, False)
        self._unverified.pop(sha256, None)
        os.replace(paths.part, paths.final)
        _sync_folder(paths.final.parent)
        log.info("blob %s was whole but unverified; verified and completed (%d bytes)", sha256, info.st_size)
        return Held(info.st_size, True)

    def unfinished(self) -> Iterator[str]:
        for part in sorted(self.root.glob("??/*.part")):
            yield part.name.removesuffix(".part")

    def read(self, sha256: str, limit: int) -> bytes:
        path = self.paths(sha256).final
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"blob larger than {limit} bytes")
        return data

    def remove(self, sha256: str) -> int:
        paths = self.paths(sha256)
        removed = 0
        for path in (paths.part, paths.final):
            size = _size(path)
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            removed += size
        self._unverified.pop(sha256, None)
        return removed

    def describe(self) -> str:
        return str(self.root)
