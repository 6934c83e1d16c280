"""Scanned pages as files named by the SHA-256 of their plaintext.

Content addressing means a page attached to two cases is stored and uploaded once.
With a key, each file is `OWP1 | nonce | AES-256-GCM(page)`, the name bound in as
associated data, so a stolen disk shows no ID card and a swapped file fails to open.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .files import write_whole

MAGIC = b"OWP1"
_NONCE = 12
_TAG = 16
READ_PIECE = 1 << 20  # per-piece overhead is gone by 1 MB; bigger pieces cost page faults on every allocation


@dataclass(frozen=True)
class PageRef:
    sha256: str
    size: int
    name: str  # original file name, for the clerk


class PageUnreadable(Exception):
    message = "扫描件文件已损坏或被替换，无法读取，请重新扫描该页"


class PageStore:
    def __init__(self, root: Path, key: bytes | None = None):
        self.root = Path(root)
        self._aead = None
        self._key = key
        if key is not None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead = AESGCM(key)

    @property
    def encrypted(self) -> bool:
        return self._aead is not None

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _seal(self, sha: str, data: bytes) -> bytes:
        if self._aead is None:
            return data
        nonce = os.urandom(_NONCE)
        return MAGIC + nonce + self._aead.encrypt(nonce, data, sha.encode("ascii"))

    def put(self, data: bytes, name: str) -> PageRef:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if not target.exists():
            write_whole(target, self._seal(sha, data))
        return PageRef(sha, len(data), name)

    def read(self, sha256: str) -> bytes:
        return b"".join(self.pieces(sha256))

    def pieces(self, sha256: str, offset: int = 0, size: int = READ_PIECE) -> Iterator[bytes]:
        """The page's plaintext from `offset` on, read and decrypted a piece at a time, so an
        upload can send while it reads and a 64 MB scan never sits in memory whole.

        The last piece is handed out only after the whole page checked out (the GCM tag of a
        sealed page, the SHA-256 of a plaintext one): a damaged page raises PageUnreadable
        before its end, so it can never complete an upload.
        """
        with open(self.path(sha256), "rb") as fh:
            total = os.fstat(fh.fileno()).st_size
            head = fh.read(len(MAGIC) + _NONCE)
            step: Callable[[bytes], bytes]
            check: Callable[[], None]
            if self._key is not None and head.startswith(MAGIC) and total >= len(head) + _TAG:
                step, check, left = self._opener(self._key, sha256, fh, head[len(MAGIC) :], total)
            else:  # a plaintext page (dev store, or written before encryption existed)
                fh.seek(0)
                digest = hashlib.sha256()
                left = total

                def step(raw: bytes) -> bytes:
                    digest.update(raw)
                    return raw

                def check() -> None:
                    if digest.hexdigest() != sha256:
                        raise PageUnreadable(f"page {sha256}: content does not match its name")

            position, held = 0, None
            while left > 0:
                raw = fh.read(min(size, left))
                if not raw:
                    raise PageUnreadable(f"page {sha256}: file ends early")
                left -= len(raw)
                plain = step(raw)
                piece = plain[max(0, offset - position) :] if position < offset else plain
                position += len(plain)
                if piece:
                    if held is not None:
                        yield held
                    held = piece
            check()
            if held is not None:
                yield held

    @staticmethod
    def _opener(
        key: bytes, sha256: str, fh: BinaryIO, nonce: bytes, total: int
    ) -> tuple[Callable[[bytes], bytes], Callable[[], None], int]:
        """Streaming AES-256-GCM over a sealed file: (decrypt a piece, check the tag, bytes left)."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        fh.seek(total - _TAG)
        tag = fh.read(_TAG)
        fh.seek(len(MAGIC) + _NONCE)
        decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(sha256.encode("ascii"))

        def check() -> None:
            try:
                decryptor.finalize()
            except InvalidTag:
                raise PageUnreadable(f"page {sha256}: authentication failed") from None

        return decryptor.update, check, total - len(MAGIC) - _NONCE - _TAG

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def encrypt_plaintext_pages(self) -> int:
        """Seal pages written before the store was encrypted; returns how many."""
        if self._aead is None or not self.root.exists():
            return 0
        done = 0
        for path in self.root.glob("??/*"):
            if path.suffix or not path.is_file():
                continue
            raw = path.read_bytes()
            if raw.startswith(MAGIC) or hashlib.sha256(raw).hexdigest() != path.name:
                continue
            write_whole(path, self._seal(path.name, raw))
            done += 1
        return done
