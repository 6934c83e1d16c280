"""The notices the window keeps (受理通知书, receipts, decisions …): sealed at rest like scans.

A notice names the applicant and their ID number. In production each file is
`OWN1 | nonce | AES-256-GCM(pdf)` under a key derived from the store's page key (so it lives
and dies with the store's key in the keyring: a wipe that removes the key leaves them
unreadable), with the file's name bound in, so a notice cannot be swapped for another. The
window reads them back itself (preview, the full-size viewer); nothing outside it needs them.
Without a store key (the development switch) and in the demo, whose key lies in a file beside
its fake data anyway, they stay plain PDFs; in every case the file is 0600 in a 0700 folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from client.file_modes import private_folder, write_private

from .errors import ServiceError

MAGIC = b"OWN1"
_NONCE = 12


def notice_key(page_key: bytes) -> bytes:
    """The notices' own key, derived from the store's page key (one secret in the keyring)."""
    return hmac.new(page_key, b"onewindow/notices/v1", hashlib.sha256).digest()


class NoticeFiles:
    def __init__(self, folder: Path, key: bytes | None = None):
        self.folder = folder
        self._aead = None
        if key is not None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead = AESGCM(key)

    @property
    def sealed(self) -> bool:
        return self._aead is not None

    def write(self, name: str, pdf: bytes) -> Path:
        private_folder(self.folder)
        path = self.folder / name
        if self._aead is not None:
            nonce = os.urandom(_NONCE)
            pdf = MAGIC + nonce + self._aead.encrypt(nonce, pdf, name.encode("utf-8"))
        write_private(path, pdf)
        return path

    def read(self, path: Path) -> bytes:
        """The PDF at `path`, opened if sealed; a plain one (written before sealing, or in the
        demo) is returned as it is."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ServiceError("文书文件不存在或无法读取，请在办件详情中重新打印") from exc
        if not data.startswith(MAGIC):
            return data
        if self._aead is None:
            raise ServiceError("文书已加密保存，本机当前无法打开，请在办件详情中重新打印")
        from cryptography.exceptions import InvalidTag

        nonce = data[len(MAGIC) : len(MAGIC) + _NONCE]
        try:
            return self._aead.decrypt(nonce, data[len(MAGIC) + _NONCE :], Path(path).name.encode("utf-8"))
        except InvalidTag as exc:
            raise ServiceError("文书文件已损坏或被改动，请在办件详情中重新打印") from exc
