"""Issue 16, point 2, on screen: with the back office out of reach, the background loop's reports
put in the status bar what is left to send (cases and scan megabytes) and when it tries again."""

from __future__ import annotations

import re
import socket
import threading

from client.store.settings import load_identity
from tests.sync.window_cases import page_bytes, queue_case

SCAN = 3_200_000


def _closed_port() -> int:
    """A loopback port nothing listens on: every connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_offline_status_bar_shows_megabytes_left_and_the_next_attempt(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    services = enrolled_runtime.services
    w.login()
    w.pump(lambda: "已同步" in win.sync_badge.cget("text") and not win.runner.busy, timeout=60, what="first sync")
    with enrolled_runtime.store.sessions() as s:
        device_code = load_identity(s).device_code
    queue_case(enrolled_runtime.store, device_code, pages=(page_bytes(SCAN, seed=5),))
    waiting = services.sync.status().pending

    enrolled_runtime.enrolment.set_server_url(f"http://127.0.0.1:{_closed_port()}")
    enrolled_runtime.engine.reset()
    engine = enrolled_runtime.engine()
    stop, wake = threading.Event(), threading.Event()

    def reported(report) -> None:  # as the window's own loop reports (client.app.Runtime.start_sync_loop)
        services.sync.note(report)
        win.runner.post(win.sync_reported, services.sync.status())

    loop = threading.Thread(target=engine.run, args=(stop, wake, reported), daemon=True)
    loop.start()
    try:
        badge = w.pump(
            lambda: "重试" in win.sync_badge.cget("text") and win.sync_badge.cget("text"),
            timeout=60,
            what="the offline badge with the next attempt",
        )
        assert re.fullmatch(rf"同步：离线（待报送{waiting}件，扫描件余3\.2MB，\d\d:\d\d:\d\d重试）", badge), badge
        w.keep_screenshot("sync_offline_retry.png")
    finally:
        stop.set()
        wake.set()
        loop.join(30)
    assert not loop.is_alive()
