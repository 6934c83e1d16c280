"""Where a device is on the bus; the composition root opens real or virtual ones alike."""

from __future__ import annotations

from dataclasses import dataclass

from devices.idreader import IdCardReader
from devices.printer import ReceiptPrinter
from devices.transport import UsbTransport


@dataclass(frozen=True)
class PrinterConfig:
    vid: int = 0x0416
    pid: int = 0x5011
    product: str | None = None  # substring of the USB product string; None = any
    out_ep: int = 0x01
    in_ep: int = 0x82
    width_mm: int = 80
    timeout_ms: int = 5000
    font_path: str | None = None  # CJK TrueType font for rare characters

    @property
    def width_chars(self) -> int:
        """Half-width columns: 48 on 80 mm paper, 32 on 58 mm."""
        return 48 if self.width_mm >= 72 else 32


@dataclass(frozen=True)
class ReaderConfig:
    vid: int = 0x0400
    pid: int = 0xC35A
    product: str | None = None
    out_ep: int = 0x01
    in_ep: int = 0x81
    timeout_ms: int = 2000


VIRTUAL_PRINTER = PrinterConfig(product="Virtual POS-80 Printer")
VIRTUAL_READER = ReaderConfig(product="Virtual IDR210 ID Card Reader")


def open_printer(cfg: PrinterConfig, backend=None) -> ReceiptPrinter:
    """A printer bound to `cfg`; no USB traffic yet, so a missing printer is not a crash here."""
    transport = UsbTransport(
        cfg.vid,
        cfg.pid,
        product=cfg.product,
        out_ep=cfg.out_ep,
        in_ep=cfg.in_ep,
        backend=backend,
        timeout_ms=cfg.timeout_ms,
        kind="小票打印机",
    )
    return ReceiptPrinter(transport, font_path=cfg.font_path)


def open_reader(cfg: ReaderConfig, backend=None) -> IdCardReader:
    """A reader bound to `cfg`; the device is opened on first use."""
    transport = UsbTransport(
        cfg.vid,
        cfg.pid,
        product=cfg.product,
        out_ep=cfg.out_ep,
        in_ep=cfg.in_ep,
        backend=backend,
        timeout_ms=cfg.timeout_ms,
        kind="身份证阅读器",
    )
    return IdCardReader(transport, timeout_ms=cfg.timeout_ms)


@dataclass(frozen=True)
class SerialReaderConfig:
    """A reader behind a USB-serial chip: 115200 8N1 is what the research found."""

    port: str = "/dev/ttyUSB0"  # or COM3, or any pyserial URL
    baudrate: int = 115200
    timeout_ms: int = 2000


def open_serial_reader(cfg: SerialReaderConfig, port_factory=None) -> IdCardReader:
    """A reader on a serial line; `port_factory` supplies an emulated port in tests."""
    from devices.serial_transport import SerialTransport

    transport = SerialTransport(
        cfg.port, baudrate=cfg.baudrate, timeout_ms=cfg.timeout_ms, kind="身份证阅读器", port_factory=port_factory
    )
    return IdCardReader(transport, timeout_ms=cfg.timeout_ms)
