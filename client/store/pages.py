"""Scanned pages as files named by the SHA-256 of their plaintext.

Content addressing means a page attached to two cases is stored and uploaded once.
With a key, each file is `OWP1 | nonce | AES-256-GCM(page)`, the name bound in as
associated data, so a stolen disk shows no ID card and a swapped file fails to open.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .files import write_whole

MAGIC = b"OWP1"
_NONCE = 12


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
        raw = self.path(sha256).read_bytes()
        if self._aead is not None and raw.startswith(MAGIC):
            from cryptography.exceptions import InvalidTag

            try:
                data = self._aead.decrypt(raw[len(MAGIC):len(MAGIC) + _NONCE], raw[len(MAGIC) + _NONCE:],
                                          sha256.encode("ascii"))
            except InvalidTag:
                raise PageUnreadable(f"page {sha256}: authentication failed") from None
        else:
            data = raw  # a plaintext page (dev store, or written before encryption existed)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise PageUnreadable(f"page {sha256}: content does not match its name")
        return data

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
