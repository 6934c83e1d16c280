"""Secrets (the device token) live in the OS keyring, never in the store file.

`MemoryKeyring` exists for tests and demo mode on machines without a keyring
backend; production refuses to start without a real one. The store's master key
lives here too (see `keys.py`).
"""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail

SERVICE = "onewindow"


class KeyringUnavailable(Exception):
    message = (
        "未找到可用的系统密钥环，无法安全保存本机数据库密钥和登录凭据，程序不能启动。"
        "Linux 请安装并启动 gnome-keyring 或 KWallet（sudo apt-get install gnome-keyring），"
        "Windows/macOS 使用系统自带的凭据管理器。仅供开发调试：onewindow run --dev-plaintext 使用不加密的数据库。"
    )


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Process-local keyring: secrets vanish when the program exits."""

    priority = 1

    def __init__(self):
        super().__init__()
        self._values: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self._values.get((service, username))

    def set_password(self, service, username, password):
        self._values[(service, username)] = password

    def delete_password(self, service, username):
        self._values.pop((service, username), None)


def keyring_usable() -> bool:
    return not isinstance(keyring.get_keyring(), fail.Keyring)


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
