"""Joining this machine to the back office with a one-time code from an administrator."""

from __future__ import annotations

import logging
import platform

from client.store.db import Store
from client.store.secrets import SecretStore
from client.store.settings import DeviceIdentity, load_identity, save_identity
from sync.api import BackOfficeApi, ServerError, ServerUnreachable

from .errors import ServiceError

log = logging.getLogger(__name__)

TOKEN = "device-token"


class EnrolmentService:
    def __init__(self, store: Store, secrets: SecretStore):
        self.store, self.secrets = store, secrets
        self._identity: DeviceIdentity | None = None

    def identity(self) -> DeviceIdentity | None:
        """Read once, then served from memory: the matter search asks on every keystroke."""
        if self._identity is None:
            with self.store.sessions() as s:
                self._identity = load_identity(s)
        return self._identity

    def token(self) -> str | None:
        return self.secrets.get(TOKEN)

    def enrolled(self) -> bool:
        return self.identity() is not None and self.token() is not None

    def enrol(self, server_url: str, code: str, device_name: str | None = None) -> DeviceIdentity:
        api = BackOfficeApi(server_url)
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
        self._identity = identity
        log.info("enrolled as device %s (%s) in %s", identity.device_id, identity.device_code, identity.org_code)
        return identity

    def set_server_url(self, server_url: str) -> None:
        identity = self.identity()
        if identity is not None and identity.server_url != server_url:
            moved = DeviceIdentity(**{**identity.__dict__, "server_url": server_url.rstrip("/")})
            with self.store.sessions.begin() as s:
                save_identity(s, moved)
            self._identity = moved
