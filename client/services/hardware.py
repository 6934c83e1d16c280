"""Counter devices as the views see them: read a card, know the printer's state.

Each device is driven by its own owner thread; this service only submits jobs and
waits a bounded time, turning device errors into Chinese messages.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from client.domain.identity import IdCard
from client.domain.paper import ReceiptLayout

from .errors import ServiceError, clerk_message

log = logging.getLogger(__name__)

RATING_SLICE_S = 0.5  # how long one wait on the rating pad's thread lasts


@dataclass(frozen=True)
class ScanResult:
    """Pages from the scanner as 300 dpi JPEGs, with blank/blur warnings in Chinese."""

    pages: tuple[bytes, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PadAnswer:
    """What the applicant pressed on the rating pad: the level (5 best) and, for a 差评, the
    reason code they touched (client.domain.ratings.BAD_REASONS) or ""."""

    level: int
    reason: str = ""


@dataclass(frozen=True)
class DeviceState:
    reader: str  # Chinese, e.g. 身份证阅读器：就绪
    printer: str


class DeviceThread(Protocol):
    """The one thread allowed to touch a device (devices.owner.DeviceOwner)."""

    def submit(self, fn: Callable[[], Any]) -> concurrent.futures.Future[Any]: ...


class OwnedDevice:
    """A device object plus the owner thread that must be the only one touching it."""

    def __init__(self, owner: DeviceThread, opener: Callable[[], Any], kind: str):
        self.owner, self.opener, self.kind = owner, opener, kind
        self._device: object | None = None

    def call(self, method: str, *args: object, timeout: float = 15.0) -> Any:
        """The device's `method(*args)`, run on the owner thread. Its answer is typed Any: the
        method is named at run time, and only the caller knows what that driver method returns."""

        def job() -> Any:
            if self._device is None:
                self._device = self.opener()
            try:
                return getattr(self._device, method)(*args)
            except Exception:
                self._device = None  # reopen next time: the device may have been replugged
                raise

        future = self.owner.submit(job)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            raise ServiceError(f"{self.kind}无响应，请检查设备连接后重试") from None


class HardwareService:
    def __init__(
        self,
        reader: OwnedDevice | None,
        printer: OwnedDevice | None,
        last_receipt_png: Callable[[], bytes | None] = lambda: None,
        scanner: OwnedDevice | None = None,
        rating_pad: OwnedDevice | None = None,
        monitor: Callable[[Callable[[str, str], None]], Callable[[], None]] | None = None,
        receipt_png_for: Callable[[str], bytes | None] | None = None,
        rating_keys: Callable[[int, str], bool] | None = None,
    ):
        self.reader, self.printer, self.last_receipt_png = reader, printer, last_receipt_png
        self.scanner = scanner
        self.rating_pad = rating_pad
        self._monitor = monitor
        self._receipt_png_for = receipt_png_for
        self._rating_keys = rating_keys
        self._rating_turn = 0  # bumped by every new ask and every cancel: only the newest ask waits
        self._rating_lock = threading.Lock()

    def receipt_png(self, case_no: str) -> bytes | None:
        """The receipt printed for this case as an image (the virtual printer's output), or
        None: a case that printed none (a refusal) never shows another case's paper."""
        if self._receipt_png_for is None:
            return None
        return self._receipt_png_for(case_no)

    @property
    def rating_keys_on_screen(self) -> bool:
        """The pad is virtual (demo, training): its keys are on the clerk's screen instead."""
        return self._rating_keys is not None

    def press_rating_key(self, level: int, reason: str = "") -> bool:
        """Press the virtual pad's key (and a 差评's reason) for the applicant; False when the
        pad was not waiting."""
        if self._rating_keys is None:
            raise ServiceError("评价器为实体设备，请申请人在评价器上按键")
        return self._rating_keys(level, reason)

    def cancel_rating(self) -> None:
        """Stop waiting for the current ask (the clerk left the screen); the pad goes dark.

        Blocks up to one wait slice on the pad's thread: call it off the Tk thread."""
        with self._rating_lock:
            self._rating_turn += 1
        if self.rating_pad is not None:
            try:
                self.rating_pad.call("cancel", timeout=RATING_SLICE_S + 10)
            except Exception as exc:  # a pad that went away is dark anyway
                log.info("rating pad cancel failed: %s", exc)

    def scan(self) -> ScanResult:
        """Acquire pages from the scanner or document camera, normalised for the archive."""
        if self.scanner is None:
            raise ServiceError("未配置高拍仪或扫描仪，请使用“导入扫描件”选择文件")
        try:
            pages = self.scanner.call("scan", timeout=120)
        except ServiceError:
            raise
        except Exception as exc:
            log.warning("scan failed: %s", exc)
            raise ServiceError(clerk_message(exc, "扫描失败，请检查高拍仪后重试"), str(exc)) from exc
        if not pages:
            raise ServiceError("高拍仪没有返回页面，请放好材料后重试")
        warnings = tuple(f"第{i}页：{w}" for i, page in enumerate(pages, 1) for w in page.warnings)
        return ScanResult(tuple(page.jpeg for page in pages), warnings)

    def request_rating(self, case_no: str, timeout_s: float) -> PadAnswer | None:
        """Ask the applicant to rate on the pad; their answer, or None if they did not."""
        if self.rating_pad is None:
            raise ServiceError("未连接评价器，请引导申请人通过“好差评”二维码评价")
        with self._rating_lock:
            self._rating_turn += 1
            turn = self._rating_turn
        try:
            self.rating_pad.call("request", case_no, timeout=10)
            # Short waits on the pad's thread, so a cancel or the next case's ask is heard.
            deadline = time.monotonic() + timeout_s
            level = None
            while level is None and turn == self._rating_turn:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                level = self.rating_pad.call("wait_result", min(RATING_SLICE_S, left), timeout=RATING_SLICE_S + 10)
            if level is None and turn == self._rating_turn:
                self.rating_pad.call("cancel", timeout=10)  # nobody pressed in time: the pad goes dark
            reason = self.rating_pad.call("reason", timeout=10) if level is not None else ""
        except ServiceError:
            raise
        except Exception as exc:
            log.warning("rating pad failed: %s", exc)
            raise ServiceError(clerk_message(exc, "评价器无响应，请检查连接"), str(exc)) from exc
        return None if level is None else PadAnswer(int(level), reason)

    def watch(self, on_change: Callable[[str, str], None]) -> Callable[[], None]:
        """Report device state changes as (role, Chinese message) until the returned stop is called."""
        if self._monitor is None:
            return lambda: None
        return self._monitor(on_change)

    def read_card(self) -> IdCard:
        if self.reader is None:
            raise ServiceError("未配置身份证阅读器，请手工输入身份证号码")
        try:
            card = self.reader.call("poll")
        except ServiceError:
            raise
        except Exception as exc:
            log.warning("card read failed: %s", exc)
            raise ServiceError(clerk_message(exc, "读卡失败，请将身份证拿起后重新放置"), str(exc)) from exc
        if card is None:
            raise ServiceError("未检测到新放置的身份证，请将身份证放在阅读器上（已读过的证件需拿起后重新放置）")
        return card

    def print_layout(self, layout: ReceiptLayout) -> None:
        if self.printer is None:
            raise ServiceError("未配置小票打印机")
        self.printer.call("print_layout", layout)

    def state(self) -> DeviceState:
        reader = "身份证阅读器：未配置" if self.reader is None else "身份证阅读器：已连接"
        if self.printer is None:
            return DeviceState(reader, "打印机：未配置")
        try:
            st = self.printer.call("status", timeout=5)
            printer = "打印机：缺纸" if st.paper_out else "打印机：就绪"
        except Exception as exc:
            printer = "打印机：" + clerk_message(exc, "未连接")
        return DeviceState(reader, printer)
