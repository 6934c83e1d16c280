"""Secrets (the device token) live in the OS keyring, never in the store file.

Production refuses to start or to enrol unless the active keyring backend keeps secrets
across a restart: keyring's `fail` and `null` backends and any in-memory one do not, and a
store whose key vanishes at exit is lost data. Tests and the demo choose their in-memory
keyring explicitly (`keyring.set_keyring`, or PYTHON_KEYRING_BACKEND in a test's
subprocess); nothing here registers one. The store's master key lives here too (see `keys.py`).
"""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

SERVICE = "onewindow"


class KeyringUnavailable(Exception):
    message = (
        "未找到可用的系统密钥环，无法安全保存本机数据库密钥和登录凭据，程序不能启动。"
        "Linux 请安装并启动 gnome-keyring 或 KWallet（sudo apt-get install gnome-keyring），"
        "并在图形桌面会话中运行（需要 D-Bus 会话总线）；Windows/macOS 使用系统自带的凭据管理器。"
        "仅供开发调试：onewindow run --dev-plaintext 使用不加密的数据库。"
    )


def keyring_persistent(ring: keyring.backend.KeyringBackend | None = None) -> bool:
    """Whether `ring` (default: the active backend) keeps a secret after this process exits.

    A backend says it does not with a false `persistent` attribute (the demo's and the
    tests' in-memory keyrings); keyring's own `fail` and `null` backends never keep one.
    A chain keeps secrets only if every backend in it does (it writes to the first that takes).
    """
    ring = keyring.get_keyring() if ring is None else ring
    if isinstance(ring, chainer.ChainerBackend):
        links = list(ring.backends)
        return bool(links) and all(keyring_persistent(link) for link in links)
    if isinstance(ring, fail.Keyring | null.Keyring):
        return False
    return bool(getattr(ring, "persistent", True))


def keyring_usable() -> bool:
    """Production's test before it opens a store or enrols: a persistent keyring is active."""
    return keyring_persistent()


class SecretStore:
    def __init__(self, service: str = SERVICE):
        self.service = service

    def get(self, name: str) -> str | None:
        try:
            return keyring.get_password(self.service, name)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(str(exc)) from exc

    def put(self, name: str, value: str) -> None:
        try:
            keyring.set_password(self.service, name, value)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(str(exc)) from exc

    def delete(self, name: str) -> None:
        """Forget a secret (the wipe's crypto-erase); a secret already gone is no error."""
        try:
            keyring.delete_password(self.service, name)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(str(exc)) from exc
