"""The ID card reader over a serial line: SerialTransport → pyserial loop:// → SAM emulator."""

from __future__ import annotations

import pytest
import serial

from devices.config import SerialReaderConfig, open_serial_reader
from devices.errors import DeviceNotFound, DeviceTimeout, SerialPermissionDenied
from devices.serial_transport import SerialTransport
from devices.virtual import DECK
from devices.virtual.serial_reader import VirtualSerialReader


@pytest.fixture
def serial_line() -> VirtualSerialReader:
    return VirtualSerialReader(deck=DECK)


@pytest.fixture
def serial_reader(serial_line):
    reader = open_serial_reader(SerialReaderConfig("virtual", timeout_ms=200), serial_line.connect)
    yield reader
    reader.close()


def test_sam_id_and_card_over_serial(serial_reader, serial_line):
    assert serial_reader.sam_id() == "05-01-20240101-0000012345-2147483647"
    assert serial_reader.poll() is None
    serial_line.place_card(DECK[2])
    assert serial_reader.poll().name == "王\u4dae"
    assert [(r.cmd, r.para) for r in serial_line.requests[-4:]] == [
        (0x20, 0x01),
        (0x20, 0x01),
        (0x20, 0x02),
        (0x30, 0x01),
    ]


def test_pulled_cable_is_not_found_then_replug_works(serial_reader, serial_line):
    serial_line.pull()
    with pytest.raises(DeviceNotFound):
        serial_reader.poll()
    serial_line.plug()
    serial_line.place_next()
    assert serial_reader.poll().name == DECK[0].name


def test_plain_loop_url_echo_times_out_cleanly():
    """A port that only echoes (no reader on the line) gives a typed timeout."""
    transport = SerialTransport("loop://", timeout_ms=50, kind="身份证阅读器")
    transport.write(b"\x01\x02")
    assert transport.read(64) == b"\x01\x02"
    with pytest.raises(DeviceTimeout):
        transport.read(64)
    transport.close()


def test_missing_port_is_not_found():
    transport = SerialTransport("/dev/ttyONEWINDOW-NONE", kind="评价器")
    with pytest.raises(DeviceNotFound) as err:
        transport.write(b"x")
    assert err.value.message == "未检测到评价器，请检查USB连接"


def test_permission_denied_names_dialout():
    import errno

    def denied():
        raise serial.SerialException(errno.EACCES, "could not open port /dev/ttyUSB0: Permission denied")

    transport = SerialTransport("/dev/ttyUSB0", kind="身份证阅读器", port_factory=denied)
    with pytest.raises(SerialPermissionDenied) as err:
        transport.open()
    assert "dialout" in err.value.message
