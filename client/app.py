"""Composition root: the only place that picks concrete classes.

It decides the store file, real or virtual devices, and the server URL, and wires the
services the views use. Demo mode (`make run`) also starts an embedded back office.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from client import file_modes
from client.domain.catalog import Catalog
from client.services import wipe
from client.services.auth import AuthService
from client.services.booking_check_in import BookingCheckIn
from client.services.bundle import Services
from client.services.bundle_intake import BundleIntakeService
from client.services.calendar import CalendarService
from client.services.cases import CaseQueries
from client.services.delivery import DeliveryService
from client.services.demo_cards import DemoCardService
from client.services.diagnostics import DiagnosticsService
from client.services.drafts import DraftService
from client.services.enrolment import TOKEN, EnrolmentService
from client.services.errors import ServiceError
from client.services.hardware import HardwareService, OwnedDevice
from client.services.intake import IntakeService
from client.services.outreach import OutreachService
from client.services.paperwork import OfficeInfo, Paperwork
from client.services.power import PowerGate
from client.services.preferences import CounterSettings, PreferencesService
from client.services.printable import PrintableNames
from client.services.published import OFFICE_FILE, ImportedCatalog, Published, ReadinessService
from client.services.queue import QueueService
from client.services.queue_slips import SlipPrinter
from client.services.ratings import RatingService
from client.services.shift import ShiftService
from client.services.statistics import StatisticsQueries
from client.services.supervision import SupervisionService
from client.services.supplement import SupplementService
from client.services.syncing import SyncService
from client.services.transfer import TransferService
from client.services.wipe import WipeOutcome
from client.store.db import Store, open_store
from client.store.keys import store_keys
from client.store.outbox import StoreOutbox
from client.store.secrets import SecretStore
from client.store.settings import DeviceIdentity
from sync.api import BackOfficeApi
from sync.engine import SyncEngine, SyncReport

if TYPE_CHECKING:
    from sync.server.demo import DemoInfo  # the demo's back office starts only in demo mode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientConfig:
    data_dir: Path
    demo: bool = False
    plaintext: bool = False  # development switch: unencrypted store, shown in the window title
    devices: str = "virtual"  # virtual / usb / none
    printer_width: int = 80
    notice_prefix: str = "潍城审受字"
    sync_interval: float = 10.0


class EngineSource:
    """Builds the sync engine once this machine is enrolled (it needs the device token)."""

    def __init__(self, store: Store, enrolment: EnrolmentService, clock: Callable[[], dt.datetime] = dt.datetime.now):
        self.store, self.enrolment, self.clock = store, enrolment, clock
        self._engine: SyncEngine | None = None
        self.on_progress: Callable = lambda _progress: None
        # The background loop and the clerk's F5 ask at the same moment at start-up: one
        # engine for both, or each would keep rounds and answers of its own.
        self._guard = threading.Lock()

    def __call__(self) -> SyncEngine | None:
        with self._guard:
            if self._engine is None:
                identity, token = self.enrolment.identity(), self.enrolment.token()
                if identity is None or token is None:
                    return None
                self._engine = SyncEngine(
                    self.enrolment.api(token),
                    StoreOutbox(self.store, self.clock),
                    on_progress=self.on_progress,
                )
            return self._engine

    def reset(self) -> None:
        """Forget the engine, e.g. after re-enrolment or a new server URL."""
        with self._guard:
            self._engine = None


@dataclass
class Runtime:
    """Everything started for one run of the program, and how to stop it."""

    services: Services
    store: Store
    enrolment: EnrolmentService
    engine: EngineSource
    hardware: object | None = None  # VirtualHardware in demo mode and tests
    power: PowerGate = field(default_factory=PowerGate)  # low-power mode pauses background polling
    _stoppers: list[Callable[[], None]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start_sync_loop(self, on_report: Callable[[SyncReport], None], interval: float) -> None:
        """Background sync: retries with backoff on its own, woken early by new local events."""
        wake = self.services.sync.wake

        def reported(report: SyncReport) -> None:
            self.services.sync.note(report)
            on_report(report)
            if report.changes and wipe.wipe_ordered(self.store):  # the feed brought a wipe order
                self._stop.set()  # the loop below ends, then erases
                wake.set()

        def stop() -> None:
            self._stop.set()
            wake.set()
            thread.join(timeout=5)

        def loop():
            while not self._stop.is_set():
                engine = self.engine()
                if engine is None:
                    if not self.power.wait_awake(self._stop):
                        return
                    wake.wait(interval)
                    wake.clear()
                    continue
                engine.run(self._stop, wake, reported, interval, gate=self.power)
                if self.erase_if_ordered() is not None:
                    return  # the store is gone
                if self.services.sync.status().revoked:
                    log.warning("device revoked by the back office: background sync stopped")
                    return

        thread = threading.Thread(target=loop, name="sync", daemon=True)
        thread.start()
        self._stoppers.append(stop)

    def erase_if_ordered(self) -> WipeOutcome | None:
        """A wipe order in the store: crypto-erase this window now (client.services.wipe).
        The store is unusable afterwards; the window has nothing left to show."""
        if not wipe.wipe_ordered(self.store):
            return None
        self._stop.set()
        return wipe.erase(self.store, self.enrolment.secrets)

    def close(self) -> None:
        self._stop.set()
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:
                log.exception("stopping %r failed", stop)
        self._stoppers.clear()
        self.store.close()


class _Scanner:
    """A scan adapter whose pages come back normalised (300 dpi JPEG, quality checked)."""

    def __init__(self, adapter):
        self.adapter = adapter

    def scan(self):
        from devices.scan_pages import normalise

        return [normalise(raw) for raw in self.adapter.acquire()]


def _open_devices(
    config: ClientConfig, virtual, power: PowerGate | None = None
) -> tuple[HardwareService, list[Callable[[], None]]]:
    from devices.config import VIRTUAL_PRINTER, VIRTUAL_READER, PrinterConfig, ReaderConfig, open_printer, open_reader
    from devices.manager import DeviceMonitor, DeviceStatus, default_specs
    from devices.owner import DeviceOwner
    from devices.scanners import optional_adapters

    if config.devices == "none":
        return HardwareService(None, None), []
    backend = virtual.backend if virtual is not None else None
    printer_cfg = VIRTUAL_PRINTER if virtual is not None else PrinterConfig(width_mm=config.printer_width)
    reader_cfg = VIRTUAL_READER if virtual is not None else ReaderConfig()
    owners = [DeviceOwner("id-reader"), DeviceOwner("printer"), DeviceOwner("scanner"), DeviceOwner("rating-pad")]
    reader = OwnedDevice(owners[0], lambda: open_reader(reader_cfg, backend=backend), "身份证阅读器")
    printer = OwnedDevice(owners[1], lambda: open_printer(printer_cfg, backend=backend), "小票打印机")
    if virtual is not None:
        adapter = virtual.scanner
    else:
        adapter = next((a for a in optional_adapters() if a.status().available), None)
    scanner = OwnedDevice(owners[2], lambda: _Scanner(adapter), "高拍仪") if adapter is not None else None
    last_png = (lambda: virtual.printer.last_png() if virtual.printer.jobs else None) if virtual else (lambda: None)

    def printer_probe() -> DeviceStatus:
        status = printer.call("status", timeout=5)
        if status.paper_out:
            return DeviceStatus.PAPER_OUT
        return DeviceStatus.ONLINE if status.online else DeviceStatus.NOT_READY

    def monitor(on_change):
        watcher = DeviceMonitor(
            default_specs(printer_cfg, reader_cfg),
            lambda event: on_change(event.role, event.message),
            backend=backend,
            probes={"printer": printer_probe},
            interval=2.0,
            gate=power,
        ).start()
        return watcher.stop

    rating_pad = None
    if virtual is not None:
        from devices.rating import RatingLevel
        from devices.rating_pad import SerialRatingPad
        from devices.serial_transport import SerialTransport

        # The virtual pad waits for a key like a real one; in demo mode the clerk's screen
        # shows its keys so the applicant (or the trainee) can press them.
        rating_pad = OwnedDevice(
            owners[3],
            lambda: SerialRatingPad(
                SerialTransport("virtual", baudrate=9600, kind="评价器", port_factory=virtual.rating_pad.connect)
            ),
            "评价器",
        )
    hardware = HardwareService(
        reader,
        printer,
        last_png,
        scanner=scanner,
        monitor=monitor,
        rating_pad=rating_pad,
        receipt_png_for=virtual.printer.receipt_png if virtual is not None else None,
        rating_keys=(lambda level, reason: virtual.rating_pad.press(RatingLevel(level), reason))
        if virtual is not None
        else None,
    )
    return hardware, [owner.stop for owner in owners]


def build_runtime(
    config: ClientConfig,
    *,
    virtual=None,
    secrets: SecretStore | None = None,
    catalog: Catalog | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Runtime:
    """Open the store and wire the services; devices are virtual when `virtual` is given.

    `clock` is the device clock every service reads (tests move it: days offline, a clock
    set back an hour); the back office's clock still orders everything on the server.
    """
    clock = clock or dt.datetime.now
    from client.store.errors import StoreCorrupted

    secrets = secrets or SecretStore()
    db_path = config.data_dir / "client.sqlite"
    wipe.resume_wipe(config.data_dir, secrets)  # a wipe cut short, or its acknowledgement undelivered
    file_modes.tighten(config.data_dir)  # what an older version (or the default umask) left readable
    keys = store_keys(db_path, plaintext=config.plaintext, demo=config.demo, secrets=secrets)
    try:
        store = open_store(db_path, keys=keys)
    except StoreCorrupted as damage:
        # Salvage and seal what reads, set the file aside, leave a fresh store for the next start.
        from client.store.rescue import rescued_error

        raise rescued_error(db_path, keys, damage) from damage
    if wipe.wipe_ordered(store):  # ordered on an earlier run that stopped before erasing
        wipe.erase(store, secrets)
        keys = store_keys(db_path, plaintext=config.plaintext, demo=config.demo, secrets=secrets)
        store = open_store(db_path, keys=keys)
    enrolment = EnrolmentService(store, secrets, volatile_keyring_ok=config.demo, demo=config.demo)
    engine = EngineSource(store, enrolment, clock)
    outbox = StoreOutbox(store, clock)
    # The office's phone and query address: the published templates over data_dir/office.toml.
    published = Published(
        outbox, CalendarService(store), ImportedCatalog(config.data_dir), office_file=config.data_dir / OFFICE_FILE
    )
    catalog_source = (lambda: catalog) if catalog is not None else published.catalog
    sync_service = SyncService(engine, outbox, on_pulled=published.refresh, clock=clock)
    engine.on_progress = sync_service.note_progress
    if config.devices == "virtual" and virtual is None:
        from devices.virtual import start_virtual_hardware

        virtual = start_virtual_hardware()
    power = PowerGate()
    hardware, device_stoppers = _open_devices(config, virtual, power)

    def identity() -> DeviceIdentity:
        found = enrolment.identity()
        if found is None:
            raise ServiceError("本机尚未登记到后台，请联系管理员获取登记码后执行 onewindow enrol")
        return found

    def api() -> BackOfficeApi:
        found = enrolment.identity()
        if found is None:
            raise ServiceError("本机尚未登记到后台，请联系管理员获取登记码后执行 onewindow enrol")
        return enrolment.api(secrets.get(TOKEN), timeout=(3.05, 30))

    enrolled = enrolment.identity()
    office_name = enrolled.org_name if enrolled else catalog_source().office_name
    office = OfficeInfo(office_name, config.notice_prefix)
    paperwork = Paperwork(
        store,
        hardware,
        config.data_dir / "notices",
        office,
        str(config.printer_width),
        templates=published.templates,
        calendar=published.calendar,
        # Sealed with the store's key when it is in the keyring; the demo's key lies beside its fake data.
        seal_key=keys.page_key if keys is not None and not config.demo else None,
    )
    preferences = PreferencesService(
        store,
        enrolment,
        paperwork,
        on_server_changed=engine.reset,
        defaults=CounterSettings("", str(config.printer_width), 15, 5),
        power=power,
    )
    saved = preferences.load()
    paperwork.receipt_format = saved.receipt_format
    power.set_low_power(saved.low_power)
    wake = sync_service.wake.set

    def queue_api() -> BackOfficeApi:
        """The queue answers at once or not at all: a short timeout keeps the panel honest."""
        quick = api()
        quick.timeout = (2.05, 5)
        return quick

    shifts = ShiftService(
        store,
        identity,
        queue_api,
        printer=hardware,
        office_name=office_name,
        receipt_format=lambda: paperwork.receipt_format,
    )
    queue = QueueService(queue_api, shifts.window, on_finished=shifts.count_ticket)

    def receipt_width() -> int:
        """The receipt paper in mm: an A4 setting still prints queue slips on the 80 mm roll."""
        return 80 if paperwork.receipt_format == "A4" else int(paperwork.receipt_format)

    shifts.unfinished = queue.unfinished
    sync_service.after_round.append(shifts.push_pending)
    readiness = ReadinessService(outbox, published, clock)
    intake = IntakeService(
        store,
        catalog_source,
        identity,
        published.calendar,
        paperwork,
        wake,
        clock=clock,
        gate=sync_service.intake_refusal,
        clocks=sync_service.clock_reading,
    )
    bundles = BundleIntakeService(intake)
    services = Services(
        auth=AuthService(store, api, offline_days=readiness.offline_login_days, clock=clock),
        intake=intake,
        bundles=bundles,
        cases=CaseQueries(store, published.calendar, today=lambda: clock().date()),
        delivery=DeliveryService(store, identity, paperwork, wake, clock=clock),
        paperwork=paperwork,
        sync=sync_service,
        hardware=hardware,
        diagnostics=DiagnosticsService(store, api, hardware, config.data_dir / "logs"),
        preferences=preferences,
        supplement=SupplementService(store, catalog_source, identity, paperwork, wake, clock=clock, bundles=bundles),
        ratings=RatingService(store, hardware, identity, wake, clock=clock),
        supervision=SupervisionService(
            lambda: StatisticsQueries(store, catalog_source()),
            config.data_dir / "reports",
            printer=hardware,
            receipt_format=lambda: paperwork.receipt_format,
        ),
        queue=queue,
        check_in=BookingCheckIn(queue, SlipPrinter(hardware, office_name, receipt_width), hardware),
        shifts=shifts,
        outreach=OutreachService(store, api, intake, identity, wake),
        office_name=office_name,
        demo=config.demo,
        plaintext_store=config.plaintext,
        transfer=TransferService(store, identity, paperwork, wake, clock=clock),
        readiness=readiness,
        drafts=DraftService(store, catalog_source, clock=clock),
        demo_cards=_demo_cards(virtual),
        printable=PrintableNames(),
    )
    return Runtime(services, store, enrolment, engine, virtual, power, list(device_stoppers))


def _demo_cards(virtual) -> DemoCardService | None:
    """演示：放卡, only where the reader is virtual (demo, or training on `--devices virtual`)."""
    if virtual is None:
        return None
    from devices.virtual import labelled_deck

    return DemoCardService(labelled_deck(virtual.reader), virtual.reader.place_card)


NO_DISPLAY = (
    "未检测到图形显示环境，无法打开窗口。请在桌面环境中运行；"
    "在没有显示器的服务器上可以使用：xvfb-run make run\n"
    "(no display: set DISPLAY or run under xvfb-run)"
)


def display_available() -> bool:
    import os
    import sys

    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def run_window(runtime: Runtime, config: ClientConfig, demo_hint: str = "") -> int:
    """Open the clerk's window and block until it closes; Ctrl-C closes it cleanly."""
    import signal
    import tkinter

    from client.ui.mainwindow import MainWindow

    if not display_available():
        print(NO_DISPLAY)
        return 2
    try:
        window = MainWindow(runtime.services, demo_hint=demo_hint, on_close=runtime.close)
    except tkinter.TclError as exc:
        log.error("cannot open window: %s", exc)
        print(NO_DISPLAY)
        return 2

    def stop(_signum, _frame):
        window.root.after_idle(window.close)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    runtime.start_sync_loop(
        lambda _r: window.runner.post(window.sync_reported, runtime.services.sync.status()), config.sync_interval
    )
    stop_watching = runtime.services.hardware.watch(
        lambda role, message: window.runner.post(window.device_changed, role, message)
    )
    runtime._stoppers.append(stop_watching)
    window.run()
    return 0


def demo_hint(info: DemoInfo, console_url: str = "") -> str:
    """What the demo's login screen says: the clerk's account, and how to decide a case on the
    back office: in the approvers' console, or on its command line (`--by` names a real approver)."""
    console = (
        f"审批控制台：{console_url}\n审批人员 {info.approver_username}，科室负责人 {info.head_username}，密码同上\n"
        if console_url
        else ""
    )
    return (
        f"演示账号：{info.clerk_username}，密码：{info.clerk_password}\n"
        + console
        + f"后台审批（命令行）：onewindow-server decide\n<办件编号> approve --by {info.approver_username}\n"
        "读卡演示：Ctrl+Shift+K 选一张样卡放到虚拟读卡器上，再按 F3"
    )


def run_demo(port: int | None = 8765) -> int:
    """`make run`: embedded back office, demo accounts, virtual devices, the window."""
    import keyring
    from platformdirs import user_data_dir

    from client.embedded_server import EmbeddedServer
    from client.store.memory_keyring import MemoryKeyring
    from client.store.secrets import keyring_usable
    from sync.server.config import default_blob_dir, default_db_url
    from sync.server.demo import ensure_demo

    if not display_available():
        print(NO_DISPLAY)
        return 2
    data_dir = Path(user_data_dir("onewindow")) / "demo"
    if not keyring_usable():
        keyring.set_keyring(MemoryKeyring())  # demo only: the token is re-issued every start
    # The demo store is encrypted like production, its key in demo-store.key beside the fake data.
    db_url, blob_dir = default_db_url(), default_blob_dir()
    info = ensure_demo(db_url)
    print(f"一窗通演示模式：后台数据库 {db_url}")
    server = EmbeddedServer.start(db_url, blob_dir, data_dir / "server.log", port)
    config = ClientConfig(data_dir=data_dir, demo=True)
    runtime = None
    try:
        runtime = build_runtime(config)
        if not runtime.enrolment.enrolled():
            runtime.enrolment.enrol(server.url, info.enrol_code, "演示窗口")
        runtime.enrolment.set_server_url(server.url)
        print(f"后台已启动：{server.url}  演示账号：{info.clerk_username} / {info.clerk_password}")
        console_url = f"{server.url.rstrip('/')}/console/"
        print(
            f"审批控制台：{console_url}  审批人员 {info.approver_username}（全部科室）、"
            f"科室负责人 {info.head_username}、主管 {info.supervisor_username}，密码 {info.clerk_password}"
        )
        for department, username in info.department_approvers:
            print(f"  {department}审批人员：{username}")
        print(f"审批命令示例：onewindow-server decide <办件编号> approve --by {info.approver_username}")
        return run_window(runtime, config, demo_hint(info, console_url))
    finally:
        if runtime is not None:
            runtime.close()
        server.stop()
