"""The window keeps turning while a device or the network stalls: work runs off the Tk thread.

A stall lasts until the test has seen the Tk timer fire ten times inside it, and is then
released: proved by what the window did, not by how long anything took. Were the work on
the Tk thread, the timer could not fire and the stall would end at its bound with none."""

from __future__ import annotations

import socket
import threading

from client.ui.intake import IntakeView


class Ticker:
    """A Tk timer that counts its firings, and which of them fell inside a stall."""

    def __init__(self, root):
        self.root, self.ticks, self.during = root, 0, 0
        self.stalled = threading.Event()
        self._fire()

    def _fire(self):
        self.ticks += 1
        if self.stalled.is_set():
            self.during += 1
        self.root.after(20, self._fire)

    def stall(self, release: threading.Event, bound: float = 30.0) -> None:
        """On the stalled worker: block until the test releases it (or the bound passes)."""
        self.stalled.set()
        release.wait(bound)
        self.stalled.clear()


def test_a_card_reader_stall_does_not_freeze_the_window(counter_window, virtual_devices):
    from devices.virtual import SAMPLE_CARDS

    w = counter_window
    win = w.window
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    ticker = Ticker(win.root)
    reader = virtual_devices.reader
    real_read = reader.on_read

    release = threading.Event()

    def slow_read(ep, size, timeout):  # the reader's first answer hangs, as a busy SAM module can
        if not release.is_set():
            ticker.stall(release)
        return real_read(ep, size, timeout)

    reader.on_read = slow_read
    reader.place_card(SAMPLE_CARDS[1])
    w.key("F3")
    w.pump(lambda: ticker.during >= 10, timeout=60, what="the Tk timer firing while the reader stalls")
    release.set()
    w.pump(lambda: intake.id_number.get() == SAMPLE_CARDS[1].id_number, timeout=60, what="slow card read")
    assert ticker.during >= 10, f"the Tk timer fired only {ticker.during} times during the stall"


def test_a_network_stall_does_not_freeze_the_window(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    w.login()
    # The sync round started by the login must be over, or ours would only find it busy.
    w.pump(lambda: "已同步" in win.sync_badge.cget("text") and not win.runner.busy, timeout=60, what="first sync")
    ticker = Ticker(win.root)
    # A server that accepts the connection and says nothing until released.
    release = threading.Event()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    port = silent.getsockname()[1]

    def hold():
        conn, _ = silent.accept()
        ticker.stall(release)
        conn.close()

    threading.Thread(target=hold, daemon=True).start()
    enrolled_runtime.enrolment.set_server_url(f"http://127.0.0.1:{port}")
    enrolled_runtime.engine.reset()
    win.sync_now()
    w.pump(lambda: ticker.during >= 10, timeout=60, what="the Tk timer firing while the network stalls")
    release.set()
    w.pump(
        lambda: "离线" in win.sync_badge.cget("text") or "错误" in win.error_line.cget("text"),
        timeout=60,
        what="sync gives up",
    )
    silent.close()
    assert ticker.during >= 10, f"the Tk timer fired only {ticker.during} times during the stall"
