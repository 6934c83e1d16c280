"""Owner threads run device jobs in order, and the card watcher polls through them."""

from __future__ import annotations

import threading

import pytest

from devices.owner import CardWatcher, DeviceOwner, ReaderState
from devices.virtual import SAMPLE_CARDS


@pytest.fixture
def reader_owner():
    owner = DeviceOwner("id-reader")
    yield owner
    owner.stop()


def test_jobs_run_in_order_on_one_thread(reader_owner):
    seen = []
    futures = [reader_owner.submit(lambda i=i: seen.append((i, threading.current_thread().name))) for i in range(20)]
    for f in futures:
        f.result(5)
    assert [i for i, _ in seen] == list(range(20))
    assert {name for _, name in seen} == {"device-id-reader"}


def test_exception_travels_in_the_future_and_thread_survives(reader_owner):
    def boom():
        raise ValueError("bad job")

    with pytest.raises(ValueError, match="bad job"):
        reader_owner.submit(boom).result(5)
    assert reader_owner.submit(lambda a, b=0: a + b, 2, b=3).result(5) == 5
    assert reader_owner.thread.is_alive()


def test_stop_finishes_queued_jobs_then_refuses_new_ones():
    owner = DeviceOwner("printer")
    future = owner.submit(lambda: "done")
    owner.stop()
    assert future.result(0) == "done"
    assert not owner.thread.is_alive()
    with pytest.raises(RuntimeError):
        owner.submit(lambda: None)


def test_watcher_reports_card_and_state_changes(reader_owner, reader, virtual_hardware):
    cards, states = [], []
    watcher = CardWatcher(reader_owner, reader, cards.append, on_state=states.append)
    assert watcher.poll_once() is None
    virtual_hardware.reader.place_card(SAMPLE_CARDS[1])
    assert watcher.poll_once().name == "李建国"
    assert watcher.poll_once() is None
    virtual_hardware.unplug(virtual_hardware.reader)
    watcher.poll_once()
    watcher.poll_once()  # still missing: retried quietly, no second report
    virtual_hardware.plug(virtual_hardware.reader)
    virtual_hardware.reader.place_card(SAMPLE_CARDS[0])
    watcher.poll_once()
    assert [c.name for c in cards] == ["李建国", "王秀英"]
    assert states == [ReaderState.READY, ReaderState.NO_DEVICE, ReaderState.READY]
    assert ReaderState.NO_DEVICE.message == "未检测到身份证阅读器，请检查USB连接"


def test_watcher_thread_delivers_a_card_and_stops(reader_owner, reader, virtual_hardware):
    arrived = threading.Event()
    cards = []

    def on_card(card):
        cards.append(card)
        arrived.set()

    virtual_hardware.reader.place_card(SAMPLE_CARDS[3])
    watcher = CardWatcher(reader_owner, reader, on_card, interval=0.3).start()
    assert arrived.wait(10)
    watcher.stop()
    assert cards[0].nation == "维吾尔"
    assert not watcher._thread.is_alive()


def test_failing_callback_does_not_stop_polling(reader_owner, reader, virtual_hardware):
    def on_card(card):
        raise RuntimeError("ui gone")

    watcher = CardWatcher(reader_owner, reader, on_card)
    virtual_hardware.reader.place_card(SAMPLE_CARDS[0])
    assert watcher.poll_once().name == "王秀英"
    assert watcher.state is ReaderState.READY


def test_printer_and_reader_owners_share_the_backend_concurrently(reader, printer, virtual_hardware):
    from client.domain.paper import Cut, ReceiptLayout, TextLine

    reader_owner, printer_owner = DeviceOwner("id-reader"), DeviceOwner("printer")
    try:
        prints = [
            printer_owner.submit(printer.print_layout, ReceiptLayout(80, 48, (TextLine(f"第{i}号"), Cut())))
            for i in range(10)
        ]
        polls = [reader_owner.submit(reader.sam_id) for _ in range(10)]
        assert {f.result(10) for f in polls} == {"05-01-20240101-0000012345-2147483647"}
        assert all(f.result(10) > 0 for f in prints)
    finally:
        reader_owner.stop()
        printer_owner.stop()
    from devices.escpos_decode import decode

    assert [decode(job).text for job in virtual_hardware.printer.jobs] == [f"第{i}号" for i in range(10)]
