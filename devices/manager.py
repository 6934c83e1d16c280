"""Which counter devices are plugged in, and their state as events for the UI.

Discovery matches VID:PID and then the product string, because readers reuse chip-vendor
IDs (docs/devices.md, protocol notes §1). pyusb has no portable hot-plug callback, so `DeviceMonitor`
re-enumerates every few seconds and publishes only changes: online, offline, paper out.
The monitor never opens a device another thread owns; deeper state (paper) comes from
`probes` the composition root supplies, which run the check on the device's owner thread.
"""

from __future__ import annotations

import enum
import errno
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import usb.core
import usb.util

from devices.config import PrinterConfig, ReaderConfig
from devices.errors import DeviceError, NoBackend, PaperOut, PrinterNotReady

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceSpec:
    """A device we look for: role, Chinese name, USB ids and (optionally) product string."""

    role: str  # "printer", "id_reader", "rating_pad", …
    kind: str  # 小票打印机
    vid: int
    pid: int
    product: str | None = None


def default_specs(
    printer: PrinterConfig = PrinterConfig(), reader: ReaderConfig = ReaderConfig()
) -> tuple[DeviceSpec, ...]:
    """The devices a counter has, from their configs; the second reader id is the other
    chip seen in the field (0483:5652)."""
    return (
        DeviceSpec("printer", "小票打印机", printer.vid, printer.pid, printer.product),
        DeviceSpec("id_reader", "身份证阅读器", reader.vid, reader.pid, reader.product),
        DeviceSpec("id_reader", "身份证阅读器", 0x0483, 0x5652, reader.product),
    )


class DeviceStatus(str, enum.Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    NOT_READY = "not_ready"
    NO_PERMISSION = "no_permission"
    ERROR = "error"

    @property
    def label(self) -> str:
        return {
            "online": "已连接",
            "offline": "未连接",
            "paper_out": "缺纸",
            "not_ready": "未就绪",
            "no_permission": "无访问权限",
            "error": "异常",
        }[self.value]


@dataclass(frozen=True)
class FoundDevice:
    spec: DeviceSpec
    bus: int
    address: int
    product: str  # "" when unreadable
    manufacturer: str
    serial: str
    readable: bool  # False: strings could not be read (Linux: no udev rule yet)

    @property
    def ids(self) -> str:
        return f"{self.spec.vid:04x}:{self.spec.pid:04x}"


@dataclass(frozen=True)
class DeviceEvent:
    """One state change; `message` is what the status bar shows."""

    role: str
    kind: str
    status: DeviceStatus
    detail: str = ""

    @property
    def message(self) -> str:
        return f"{self.kind}：{self.status.label}"


def _strings(dev) -> tuple[str, str, str, bool]:
    try:
        return dev.product or "", dev.manufacturer or "", dev.serial_number or "", True
    except ValueError:  # no langid: permission
        return "", "", "", False
    except usb.core.USBError as exc:
        if exc.errno == errno.EACCES:
            return "", "", "", False
        return "", "", "", True


def discover(specs: Iterable[DeviceSpec], backend=None) -> list[FoundDevice]:
    """Every plugged-in device matching a spec; unreadable ones are kept (the fix is a udev rule)."""
    found = []
    for spec in specs:
        try:
            candidates = list(usb.core.find(find_all=True, idVendor=spec.vid, idProduct=spec.pid, backend=backend))
        except usb.core.NoBackendError as exc:
            raise NoBackend(str(exc)) from exc
        for dev in candidates:
            product, maker, serial, readable = _strings(dev)
            usb.util.dispose_resources(dev)
            if readable and spec.product and spec.product.casefold() not in product.casefold():
                continue
            found.append(FoundDevice(spec, dev.bus, dev.address, product, maker, serial, readable))
    return found


def printer_probe(call: Callable[[Callable], object], printer) -> Callable[[], DeviceStatus]:
    """A probe that asks the printer for DLE EOT status through `call` (the owner thread's
    `DeviceOwner.call`), mapping the answer to a status."""

    def probe() -> DeviceStatus:
        try:
            call(printer.check_ready)
        except PaperOut:
            return DeviceStatus.PAPER_OUT
        except PrinterNotReady:
            return DeviceStatus.NOT_READY
        except DeviceError:
            return DeviceStatus.ERROR
        return DeviceStatus.ONLINE

    return probe


class DeviceMonitor:
    """Polls presence (and probes) and calls `on_event(DeviceEvent)` on every change.

    `on_event` runs on the monitor thread: a Tk UI must hand it over with `after()`.
    """

    def __init__(
        self,
        specs: Iterable[DeviceSpec],
        on_event: Callable[[DeviceEvent], None],
        *,
        backend=None,
        probes: Mapping[str, Callable[[], DeviceStatus]] | None = None,
        interval: float = 2.0,
        gate=None,
    ) -> None:
        self.specs = tuple(specs)
        self.gate = gate  # low-power mode: an object whose wait_awake(stop) blocks while paused
        self.polls = 0  # rounds run, for tests and diagnostics
        self.on_event = on_event
        self.backend = backend
        self.probes = dict(probes or {})
        self.interval = interval
        self.states: dict[str, DeviceStatus] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _roles(self) -> dict[str, str]:
        roles: dict[str, str] = {}
        for spec in self.specs:
            roles.setdefault(spec.role, spec.kind)
        return roles

    def _status(self, role: str, found: list[FoundDevice]) -> DeviceStatus:
        mine = [d for d in found if d.spec.role == role]
        if not mine:
            return DeviceStatus.OFFLINE
        if not any(d.readable for d in mine):
            return DeviceStatus.NO_PERMISSION
        probe = self.probes.get(role)
        if probe is None:
            return DeviceStatus.ONLINE
        try:
            return probe()
        except Exception:  # noqa: BLE001 - a probe must not stop the monitor
            log.exception("device probe %s failed", role)
            return DeviceStatus.ERROR

    def check_once(self) -> list[DeviceEvent]:
        """One round: the events it published (state changes only)."""
        try:
            found = discover(self.specs, self.backend)
        except NoBackend as exc:
            found, detail = [], exc.message
        else:
            detail = ""
        events = []
        for role, kind in self._roles().items():
            status = self._status(role, found)
            if self.states.get(role) is status:
                continue
            self.states[role] = status
            event = DeviceEvent(role, kind, status, detail)
            events.append(event)
            try:
                self.on_event(event)
            except Exception:  # noqa: BLE001
                log.exception("device event callback failed")
        return events

    def run(self) -> None:
        while not self._stop.is_set():
            if self.gate is not None and not self.gate.wait_awake(self._stop):
                return
            self.check_once()
            self.polls += 1
            self._stop.wait(self.interval)

    def start(self) -> DeviceMonitor:
        self._thread = threading.Thread(target=self.run, name="device-monitor", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
