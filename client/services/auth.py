"""Clerk login: online against the back office, offline against a cached verifier.

The verifier is kept only after a successful online login and is honoured for a
bounded time, so a stolen laptop does not keep a dismissed clerk's access forever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from client.store.db import Store
from client.store.models import CachedUser
from sync.api import BackOfficeApi, ServerError, ServerUnreachable

from . import login_lockout, wipe
from .errors import ServiceError

log = logging.getLogger(__name__)

ROLE_LABELS = {
    "clerk": "综合窗口",
    "social_worker": "全科社工",
    "bus_staff": "直通车",
    "approver": "审批人员",
    "supervisor": "窗口主管",
    "admin": "管理员",
}


@dataclass(frozen=True)
class Clerk:
    username: str
    display_name: str
    role: str
    offline: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def _verifier(password: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 200_000).hex()


# Checked offline when this window never saw the name, so an unknown name costs the same PBKDF2.
_NOBODY_SALT = bytes(16)
_NOBODY_VERIFIER = "0" * 64


class AuthService:
    def __init__(
        self,
        store: Store,
        api: Callable[[], BackOfficeApi],
        offline_days: int | Callable[[], int] = 10,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ):
        # The bound may come from the back office's field policy, read at each login.
        self.store, self.api, self.clock = store, api, clock
        self._offline_days = offline_days if callable(offline_days) else (lambda: offline_days)

    @property
    def offline_days(self) -> int:
        return self._offline_days()

    def login(self, username: str, password: str) -> Clerk:
        username = username.strip()
        if not username or not password:
            raise ServiceError("请输入用户名和密码")
        if refusal := wipe.login_refusal(self.store):  # revoked or wiped: no clerk, online or offline
            raise ServiceError(refusal, "device stopped by the back office")
        try:
            who = self.api().login(username, password)
        except ServerUnreachable:
            return self._offline(username, password)
        except ServerError as exc:
            wipe.note_refusal(self.store, exc)
            raise ServiceError(exc.message, str(exc)) from exc
        salt = os.urandom(16)
        with self.store.sessions.begin() as s:
            s.merge(
                CachedUser(
                    username=who.username,
                    display_name=who.display_name,
                    role=who.role,
                    salt=salt.hex(),
                    verifier=_verifier(password, salt),
                    verified_at=self.clock(),
                )
            )
            login_lockout.clear(s, username)  # the back office has just checked this password
        return Clerk(who.username, who.display_name, who.role, offline=False)

    def _offline(self, username: str, password: str) -> Clerk:
        """Offline: one PBKDF2 for every name (a dummy one for a name never seen here), and the
        back office's lock-out rule, kept in the store."""
        now = self.clock()
        with self.store.sessions() as s:
            login_lockout.refuse_if_locked(s, username, now)
            cached = s.get(CachedUser, username)
        salt, verifier = (bytes.fromhex(cached.salt), cached.verifier) if cached else (_NOBODY_SALT, _NOBODY_VERIFIER)
        right = hmac.compare_digest(_verifier(password, salt), verifier) and cached is not None
        if not right:
            with self.store.sessions.begin() as s:
                failures = login_lockout.record_failure(s, username, now)
            if failures.locked_until is not None:
                raise ServiceError(login_lockout.locked_message(failures.locked_until, now), "offline login locked")
            if cached is None:
                raise ServiceError("无法连接后台服务器，且本机没有该用户的登录记录，请联网后登录")
            raise ServiceError("用户名或密码错误")
        assert cached is not None
        with self.store.sessions.begin() as s:
            login_lockout.clear(s, username)
        days = self.offline_days
        if now - cached.verified_at > dt.timedelta(days=days):
            raise ServiceError(f"离线登录已超过{days}天，请联网后重新登录")
        log.info("offline login")
        return Clerk(cached.username, cached.display_name, cached.role, offline=True)
