"""UsbTransport turns every pyusb failure into a typed error with a Chinese message."""

from __future__ import annotations

import pytest
import usb.core

from devices.config import PrinterConfig, ReaderConfig, open_printer, open_reader
from devices.errors import DeviceNotFound, DeviceTimeout, NoBackend
from devices.transport import UsbTransport
from devices.virtual import VirtualUsbBackend, VirtualUsbDevice


class Silent(VirtualUsbDevice):
    """Takes every byte, never answers."""

    def __init__(self):
        super().__init__(0x1A86, 0x7523, product="Silent Printer")
        self.got = bytearray()

    def on_write(self, ep, data):
        self.got += data


@pytest.fixture
def silent_device_plugged():
    backend = VirtualUsbBackend()
    device = backend.attach(Silent())
    return backend, device


def test_write_then_read_timeout(silent_device_plugged):
    backend, device = silent_device_plugged
    transport = UsbTransport(0x1A86, 0x7523, product="silent", backend=backend, kind="小票打印机")
    assert transport.write(b"\x1b@hello\n") == 8
    assert bytes(device.got) == b"\x1b@hello\n"
    with pytest.raises(DeviceTimeout) as err:
        transport.read(64, timeout_ms=20)
    assert err.value.message.startswith("小票打印机无响应")
    transport.close()
    assert not transport.is_open


def test_silent_printer_still_prints_without_status(silent_device_plugged):
    from client.domain.paper import ReceiptLayout, TextLine

    backend, device = silent_device_plugged
    printer = open_printer(PrinterConfig(0x1A86, 0x7523, out_ep=0x01, in_ep=0x81), backend)
    printer.status_timeout_ms = 20
    sent = printer.print_layout(ReceiptLayout(58, 32, (TextLine("无状态打印机"),)))
    assert device.got.endswith("无状态打印机".encode("gb18030") + b"\x1c.\n")
    assert sent > 0


def test_opening_is_lazy_so_a_missing_device_is_not_a_crash():
    backend = VirtualUsbBackend()
    reader = open_reader(ReaderConfig(), backend)
    with pytest.raises(DeviceNotFound) as err:
        reader.poll()
    assert err.value.message == "未检测到身份证阅读器，请检查USB连接"


def test_no_libusb_is_reported(monkeypatch):
    def no_backend(**kwargs):
        raise usb.core.NoBackendError("No backend available")

    monkeypatch.setattr(usb.core, "find", no_backend)
    with pytest.raises(NoBackend) as err:
        UsbTransport(0x0416, 0x5011).open()
    assert "libusb" in err.value.message


def test_paper_width_sets_columns():
    assert PrinterConfig(width_mm=80).width_chars == 48
    assert PrinterConfig(width_mm=58).width_chars == 32
