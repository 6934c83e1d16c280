"""The program's view of the devices: scanning into the page store, status changes as they happen."""

from __future__ import annotations

import io
import queue

import pytest
from PIL import Image

from client.services.errors import ServiceError


def test_scanned_pages_are_300dpi_jpegs_and_blank_pages_are_flagged(enrolled_runtime):
    hw = enrolled_runtime.services.hardware
    enrolled_runtime.hardware.scanner.feed("text", "blank")
    result = hw.scan()
    assert len(result.pages) == 2
    first = Image.open(io.BytesIO(result.pages[0]))
    assert first.format == "JPEG" and round(first.info["dpi"][0]) == 300
    assert any(w.startswith("第2页") for w in result.warnings)
    refs = enrolled_runtime.services.intake.store_scanned(result.pages, "户口簿")
    assert [r.name for r in refs] == ["户口簿-1.jpg", "户口簿-2.jpg"]
    assert enrolled_runtime.services.intake.pages.read(refs[0].sha256) == result.pages[0]


def test_an_unplugged_scanner_is_a_message_not_a_crash(enrolled_runtime):
    enrolled_runtime.hardware.scanner.present = False
    with pytest.raises(ServiceError) as err:
        enrolled_runtime.services.hardware.scan()
    assert "高拍仪" in err.value.message


def test_device_changes_reach_the_watcher(enrolled_runtime):
    events: queue.Queue = queue.Queue()
    stop = enrolled_runtime.services.hardware.watch(lambda role, message: events.put((role, message)))
    try:
        seen = {events.get(timeout=10), events.get(timeout=10)}
        assert ("printer", "小票打印机：已连接") in seen and ("id_reader", "身份证阅读器：已连接") in seen
        enrolled_runtime.hardware.printer.set_paper_out(True)
        assert events.get(timeout=10) == ("printer", "小票打印机：缺纸")
        enrolled_runtime.hardware.unplug(enrolled_runtime.hardware.reader)
        assert events.get(timeout=10) == ("id_reader", "身份证阅读器：未连接")
    finally:
        stop()
