"""A misbehaving reader, a pulled device and an empty printer: typed errors with a clear
Chinese message, and the owner thread keeps serving the next job."""

from __future__ import annotations

import pytest

from client.domain.paper import Cut, ReceiptLayout, TextLine
from devices import idcard
from devices.errors import (
    CardReadError,
    DeviceNotFound,
    DeviceTimeout,
    FrameChecksumError,
    FrameError,
    PaperOut,
)
from devices.owner import CardWatcher, DeviceOwner, ReaderState
from devices.virtual import Fault


@pytest.fixture
def owner():
    o = DeviceOwner("faults")
    yield o
    o.stop()


@pytest.fixture
def quick_reader(reader):
    reader.timeout_ms = 100
    return reader


def test_garbage_reply_is_a_frame_error_then_reader_recovers(quick_reader, virtual_hardware, owner):
    virtual_hardware.reader.inject(Fault.GARBAGE)
    with pytest.raises(FrameError) as err:
        owner.call(quick_reader.poll)
    assert err.value.message == "身份证阅读器通信异常，请将身份证拿起后重新放置"
    assert owner.thread.is_alive()
    virtual_hardware.reader.place_next()
    assert owner.call(quick_reader.poll).name == "王秀英"


def test_truncated_read_frame_asks_to_replace_the_card(quick_reader, virtual_hardware, owner):
    virtual_hardware.reader.place_next()
    virtual_hardware.reader.inject(Fault.TRUNCATED, idcard.READ_CARD)
    with pytest.raises(CardReadError) as err:
        owner.call(quick_reader.poll)
    assert "truncated" in str(err.value)
    assert err.value.message == "读卡失败，请将身份证拿起后重新放置"
    virtual_hardware.reader.lift_card()
    virtual_hardware.reader.place_card(virtual_hardware.reader.deck[0])
    assert owner.call(quick_reader.poll).name == "王秀英"


def test_bad_checksum_on_read_is_a_card_read_error(quick_reader, virtual_hardware):
    virtual_hardware.reader.place_next()
    virtual_hardware.reader.inject(Fault.BAD_CHECKSUM, idcard.READ_CARD)
    with pytest.raises(CardReadError) as err:
        quick_reader.poll()
    assert isinstance(err.value.__cause__, FrameChecksumError)


def test_silent_reader_times_out(quick_reader, virtual_hardware):
    virtual_hardware.reader.inject(Fault.SILENT)
    with pytest.raises(DeviceTimeout) as err:
        quick_reader.poll()
    assert err.value.message == "身份证阅读器无响应，请检查设备电源和连接后重试"
    assert quick_reader.poll() is None


def test_watcher_survives_garbage_and_reports_error_state(quick_reader, virtual_hardware, owner):
    states = []
    watcher = CardWatcher(owner, quick_reader, lambda card: None, on_state=states.append)
    virtual_hardware.reader.inject(Fault.GARBAGE)
    watcher.poll_once()
    virtual_hardware.reader.place_next()
    assert watcher.poll_once().name == "王秀英"
    assert states == [ReaderState.ERROR, ReaderState.READY]


def test_reader_pulled_mid_read(quick_reader, virtual_hardware, owner):
    """The device vanishes between SELECT and READ: not found, then fine once replugged."""
    virtual_hardware.reader.place_next()
    original = virtual_hardware.reader._answer

    def pull_on_read(frame):
        if idcard.parse_request(frame).cmd == idcard.READ_CARD.cmd:
            virtual_hardware.backend.detach(virtual_hardware.reader)
            return b""
        return original(frame)

    virtual_hardware.reader._answer = pull_on_read
    with pytest.raises(DeviceNotFound) as err:
        owner.call(quick_reader.poll)
    assert err.value.message == "未检测到身份证阅读器，请检查USB连接"
    virtual_hardware.reader._answer = original
    virtual_hardware.plug(virtual_hardware.reader)
    virtual_hardware.reader.place_next()
    assert owner.call(quick_reader.poll) is not None
    assert owner.thread.is_alive()


def test_printer_pulled_mid_job(printer, virtual_hardware, owner):
    layout = ReceiptLayout(80, 48, (TextLine("受理回执"), Cut()))
    virtual_hardware.unplug(virtual_hardware.printer)
    with pytest.raises(DeviceNotFound) as err:
        owner.call(printer.print_layout, layout)
    assert err.value.message == "未检测到小票打印机，请检查USB连接"
    virtual_hardware.plug(virtual_hardware.printer)
    assert owner.call(printer.print_layout, layout) > 0
    assert virtual_hardware.printer.last_receipt().text == "受理回执"


def test_paper_out_printer_gets_nothing_and_owner_lives(printer, virtual_hardware, owner):
    virtual_hardware.printer.set_paper_out()
    with pytest.raises(PaperOut) as err:
        owner.call(printer.print_layout, ReceiptLayout(80, 48, (TextLine("凭证"), Cut())))
    assert err.value.message == "打印机缺纸，请装入热敏纸后重新打印"
    assert virtual_hardware.printer.jobs == []
    assert owner.call(lambda: "alive") == "alive"
