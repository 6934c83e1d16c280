"""DLE EOT requests and the status bytes printers answer."""

from __future__ import annotations

import pytest

from devices.escpos import PrinterStatus, parse_status, status_request


def test_status_request_bytes():
    assert status_request(1) == b"\x10\x04\x01"
    assert status_request(4) == b"\x10\x04\x04"
    with pytest.raises(ValueError):
        status_request(5)


def test_idle_printer_is_ready():
    for n in (1, 2, 3, 4):
        assert parse_status(n, 0x12).ready


def test_offline_bit_of_printer_status():
    assert parse_status(1, 0x1A) == PrinterStatus(online=False)


def test_offline_cause_cover_and_paper():
    assert parse_status(2, 0x16).cover_open
    status = parse_status(2, 0x32)
    assert status.paper_out and not status.online


def test_paper_sensor_end_and_near_end():
    assert parse_status(4, 0x72) == PrinterStatus(paper_out=True)
    assert parse_status(4, 0x1E) == PrinterStatus(paper_near_end=True)


def test_byte_without_fixed_bits_is_rejected():
    with pytest.raises(ValueError):
        parse_status(1, 0xFF)
