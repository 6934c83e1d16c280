"""Counter settings the clerk or IT support changes in the window, kept in the store.

Applied at once to the running services (receipt format, server address) and
remembered for the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlparse

from client.domain.tickets import window_number
from client.store.db import Store
from client.store.settings import get_setting, put_setting

from .enrolment import EnrolmentService
from .errors import ServiceError
from .paperwork import Paperwork
from .power import PowerGate

log = logging.getLogger(__name__)

RECEIPT_FORMATS = {"80": "80毫米热敏小票", "58": "58毫米热敏小票", "A4": "A4纸（无小票打印机时）"}


@dataclass(frozen=True)
class CounterSettings:
    server_url: str
    receipt_format: str  # key of RECEIPT_FORMATS
    font_size: int
    lock_minutes: int
    window: str = ""  # 窗口号, e.g. "3"; offered at 开班, the open shift keeps its own
    low_power: bool = False  # 省电模式: background polling paused; F5 still syncs


class PreferencesService:
    def __init__(
        self,
        store: Store,
        enrolment: EnrolmentService,
        paperwork: Paperwork,
        on_server_changed: Callable[[], None] = lambda: None,
        defaults: CounterSettings | None = None,
        power: PowerGate | None = None,
    ):
        self.store, self.enrolment, self.paperwork, self.on_server_changed = (
            store,
            enrolment,
            paperwork,
            on_server_changed,
        )
        self.defaults = defaults or CounterSettings("", "80", 15, 5)
        self.power = power or PowerGate()

    def load(self) -> CounterSettings:
        with self.store.sessions() as s:
            identity = self.enrolment.identity()
            return CounterSettings(
                server_url=identity.server_url if identity else self.defaults.server_url,
                receipt_format=get_setting(s, "pref.receipt_format", self.defaults.receipt_format),
                font_size=int(get_setting(s, "pref.font_size", str(self.defaults.font_size))),
                lock_minutes=int(get_setting(s, "pref.lock_minutes", str(self.defaults.lock_minutes))),
                window=get_setting(s, "pref.window", self.defaults.window) or "",
                low_power=get_setting(s, "pref.low_power", "1" if self.defaults.low_power else "0") == "1",
            )

    def save(self, new: CounterSettings) -> CounterSettings:
        """Validate, store and apply; a bad value is refused with a message, nothing half-saved."""
        if new.receipt_format not in RECEIPT_FORMATS:
            raise ServiceError("请选择小票格式：80毫米、58毫米或A4")
        if not 11 <= new.font_size <= 26:
            raise ServiceError("字号应在11到26之间")
        if not 1 <= new.lock_minutes <= 60:
            raise ServiceError("自动锁屏时间应在1到60分钟之间")
        url = new.server_url.strip().rstrip("/")
        parsed = urlparse(url)
        if url and (parsed.scheme not in ("http", "https") or not parsed.netloc):
            raise ServiceError("后台服务器地址格式不正确，应类似 https://zwfw.example.gov.cn")
        if url:
            self.enrolment.check_server_url(url)  # plain HTTP only to this machine (or in the demo)
        window = ""
        if new.window.strip():
            try:
                window = window_number(new.window)
            except ValueError as exc:
                raise ServiceError(str(exc)) from None
        new = replace(new, server_url=url, window=window)
        with self.store.sessions.begin() as s:
            put_setting(s, "pref.receipt_format", new.receipt_format)
            put_setting(s, "pref.font_size", str(new.font_size))
            put_setting(s, "pref.lock_minutes", str(new.lock_minutes))
            put_setting(s, "pref.window", new.window)
            put_setting(s, "pref.low_power", "1" if new.low_power else "0")
        old = self.load()
        if url and url != old.server_url and self.enrolment.identity() is not None:
            self.enrolment.set_server_url(url)
            self.on_server_changed()
            log.info("server address changed to %s", url)
        self.paperwork.receipt_format = new.receipt_format
        self.power.set_low_power(new.low_power)
        return self.load()

    def set_low_power(self, on: bool) -> CounterSettings:
        """Switch 省电模式 (the key and the status bar do this), remembered for the next start."""
        with self.store.sessions.begin() as s:
            put_setting(s, "pref.low_power", "1" if on else "0")
        self.power.set_low_power(on)
        return self.load()

    @property
    def low_power(self) -> bool:
        return self.power.low_power
