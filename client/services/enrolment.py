"""Joining this machine to the back office with a one-time code from an administrator."""

from __future__ import annotations

import logging
import platform

from client.store.db import Store
from client.store.secrets import KeyringUnavailable, SecretStore, keyring_persistent
from client.store.settings import DeviceIdentity, get_setting, load_identity, put_setting, save_identity
from sync.api import BackOfficeApi, ServerError, ServerUnreachable
from sync.transport import TransportRefused, check_server_url, normalize_pin

from .errors import ServiceError

log = logging.getLogger(__name__)

TOKEN = "device-token"
PIN_SETTING = "server_pin_sha256"  # kept with the device's identity in the store


class EnrolmentRefused(KeyringUnavailable):
    """No keyring that outlives this process: enrolling would burn the one-time code for a
    token (and a store key) gone at exit, so nothing is sent to the back office."""

    message = (
        "未找到能长期保存凭据的系统密钥环，本机登记未进行，登记码仍然有效。"
        "Linux 请安装并启动 gnome-keyring 或 KWallet（sudo apt-get install gnome-keyring），"
        "并在图形桌面会话中运行（需要 D-Bus 会话总线）；Windows/macOS 使用系统自带的凭据管理器。"
        "配置好密钥环后请重新执行 onewindow enrol。"
    )


class EnrolmentService:
    def __init__(self, store: Store, secrets: SecretStore, *, volatile_keyring_ok: bool = False, demo: bool = False):
        # Only the demo, which re-enrols at every start, may keep its token in memory.
        self.store, self.secrets, self.volatile_keyring_ok = store, secrets, volatile_keyring_ok
        self.demo = demo  # the demo may reach its back office over plain HTTP on any host
        self._identity: DeviceIdentity | None = None

    def identity(self) -> DeviceIdentity | None:
        """Read once, then served from memory: the matter search asks on every keystroke."""
        if self._identity is None:
            with self.store.sessions() as s:
                self._identity = load_identity(s)
        return self._identity

    def token(self) -> str | None:
        return self.secrets.get(TOKEN)

    def pin(self) -> str:
        """The back office's pinned certificate (SHA-256), "" when none was given at enrolment."""
        with self.store.sessions() as s:
            return get_setting(s, PIN_SETTING, "")

    def api(self, token: str | None, timeout: float | tuple[float, float] = 10.0) -> BackOfficeApi:
        """The back office as this enrolled window reaches it: its address, its pin, the demo rule."""
        identity = self.identity()
        if identity is None:
            raise ServiceError("本机尚未登记到后台，请联系管理员获取登记码后执行 onewindow enrol")
        return BackOfficeApi(identity.server_url, token, timeout, pin_sha256=self.pin(), demo=self.demo)

    def check_server_url(self, server_url: str) -> None:
        """Refuse, in Chinese, an address the device token must not be sent to."""
        try:
            check_server_url(server_url, demo=self.demo)
        except TransportRefused as exc:
            raise ServiceError(exc.message, "insecure server address") from None

    def enrolled(self) -> bool:
        return self.identity() is not None and self.token() is not None

    def enrol(
        self, server_url: str, code: str, device_name: str | None = None, *, pin_sha256: str = ""
    ) -> DeviceIdentity:
        if not self.volatile_keyring_ok and not keyring_persistent():
            raise EnrolmentRefused("the active keyring backend does not persist secrets")
        self.check_server_url(server_url)
        try:
            pin = normalize_pin(pin_sha256) if pin_sha256 else ""
        except TransportRefused as exc:
            raise ServiceError(exc.message, "bad pin") from None
        api = BackOfficeApi(server_url, pin_sha256=pin, demo=self.demo)
        try:
            answer = api.enrol(code.strip().upper(), device_name or platform.node() or "window")
        except ServerUnreachable as exc:
            raise ServiceError("无法连接后台服务器，请检查服务器地址和网络", str(exc)) from exc
        except ServerError as exc:
            raise ServiceError(exc.message, str(exc)) from exc
        identity = DeviceIdentity(
            answer.device_id,
            answer.device_code,
            answer.org_unit.code,
            answer.org_unit.name,
            answer.org_unit.region_code,
            server_url.rstrip("/"),
        )
        self.secrets.put(TOKEN, answer.token)
        with self.store.sessions.begin() as s:
            save_identity(s, identity)
            put_setting(s, PIN_SETTING, pin)
        self._identity = identity
        log.info("enrolled as device %s (%s) in %s", identity.device_id, identity.device_code, identity.org_code)
        return identity

    def set_server_url(self, server_url: str) -> None:
        self.check_server_url(server_url)
        identity = self.identity()
        if identity is not None and identity.server_url != server_url:
            moved = DeviceIdentity(**{**identity.__dict__, "server_url": server_url.rstrip("/")})
            with self.store.sessions.begin() as s:
                save_identity(s, moved)
            self._identity = moved
