"""One thread per device, and the card watcher that polls the reader on it.

A device is touched only from its owner thread, so two print jobs never interleave and
a slow USB call never blocks Tk. Failures travel in the Future; the thread survives.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from client.domain.identity import IdCard
from devices.errors import CardReadError, DeviceError, DeviceNotFound, DevicePermissionDenied

log = logging.getLogger(__name__)
_STOP = object()


class DeviceOwner:
    """A single worker thread with a FIFO command queue."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._submit_lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"device-{name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - every failure goes to the caller
                future.set_exception(exc)
            else:
                future.set_result(result)

    def submit(self, fn: Callable, *args, **kwargs) -> Future:
        """Queue `fn(*args, **kwargs)` on the owner thread."""
        with self._submit_lock:
            if self._stopped.is_set():
                raise RuntimeError(f"device owner {self.name!r} is stopped")
            future: Future = Future()
            self._queue.put((future, fn, args, kwargs))
            return future

    def call(self, fn: Callable, *args, timeout: float | None = None, **kwargs):
        """Run on the owner thread and wait (never call this from the owner thread itself)."""
        return self.submit(fn, *args, **kwargs).result(timeout)

    @property
    def is_owner_thread(self) -> bool:
        return threading.current_thread() is self.thread

    def stop(self, timeout: float | None = 5.0) -> None:
        """Finish the queued jobs, then end the thread."""
        with self._submit_lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
            self._queue.put(_STOP)
        if not self.is_owner_thread:
            self.thread.join(timeout)


class ReaderState(str, enum.Enum):
    """What the watcher tells the UI; `.message` is the clerk-facing text."""

    READY = "ready"
    NO_DEVICE = "no_device"
    NO_PERMISSION = "no_permission"
    CARD_ERROR = "card_error"
    ERROR = "error"

    @property
    def message(self) -> str:
        return {
            "ready": "身份证阅读器已就绪，请放置身份证",
            "no_device": "未检测到身份证阅读器，请检查USB连接",
            "no_permission": "没有访问身份证阅读器的权限，请联系管理员配置设备权限",
            "card_error": "读卡失败，请将身份证拿起后重新放置",
            "error": "身份证阅读器异常，请重新插拔阅读器",
        }[self.value]


class CardWatcher:
    """Polls the reader every `interval` s on its owner thread; calls `on_card(IdCard)`.

    Runs its own timing thread (stopped by `stop_event`); the USB calls run on the
    owner thread. A missing reader is retried quietly; only state changes are reported.
    """

    def __init__(
        self,
        owner: DeviceOwner,
        reader,
        on_card: Callable[[IdCard], None],
        *,
        on_state: Callable[[str], None] | None = None,
        interval: float = 0.3,
        stop_event: threading.Event | None = None,
        gate=None,
    ) -> None:
        self.owner = owner
        self.gate = gate  # low-power mode: an object whose wait_awake(stop) blocks while paused
        self.polls = 0
        self.reader = reader
        self.on_card = on_card
        self.on_state = on_state
        self.interval = interval  # 0.3 s: real readers must not be polled faster
        self.stop_event = stop_event or threading.Event()
        self.state: ReaderState | None = None
        self.last_error: DeviceError | None = None
        self._thread: threading.Thread | None = None

    def _set_state(self, state: ReaderState) -> None:
        if state is self.state:
            return
        self.state = state
        if self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:  # noqa: BLE001 - a UI callback must not stop polling
                log.exception("on_state callback failed")

    def poll_once(self) -> IdCard | None:
        """One poll through the owner thread; updates the state, never raises DeviceError."""
        try:
            card = self.owner.call(self.reader.poll)
        except DeviceNotFound as exc:
            self.last_error = exc
            self._set_state(ReaderState.NO_DEVICE)
            return None
        except DevicePermissionDenied as exc:
            self.last_error = exc
            self._set_state(ReaderState.NO_PERMISSION)
            return None
        except CardReadError as exc:
            self.last_error = exc
            self._set_state(ReaderState.CARD_ERROR)
            return None
        except DeviceError as exc:
            self.last_error = exc
            log.warning("ID card reader: %s", exc)
            self._set_state(ReaderState.ERROR)
            return None
        if card is not None or self.state is not ReaderState.CARD_ERROR:
            self._set_state(ReaderState.READY)
        if card is not None:
            try:
                self.on_card(card)
            except Exception:  # noqa: BLE001
                log.exception("on_card callback failed")
        return card

    def run(self) -> None:
        while not self.stop_event.is_set():
            if self.gate is not None and not self.gate.wait_awake(self.stop_event):
                return
            self.poll_once()
            self.polls += 1
            self.stop_event.wait(self.interval)

    def start(self) -> CardWatcher:
        self._thread = threading.Thread(target=self.run, name="card-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)
