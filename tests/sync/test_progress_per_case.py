"""Issue 16, point 2: a round works case by case. A case whose pages are up reaches the back
office while a later case's upload is still going (and even when that upload is cut); a round
the link breaks after moving bytes is progress, not a failure that grows the pause; the bytes
left go down round by round. On SQLite and PostgreSQL (the `backend` parameter)."""

from __future__ import annotations

import hashlib
import threading
import time

from sync import engine as sync_engine
from sync.engine import RetryPolicy
from sync.server import admin
from tests.sync.window_cases import page_bytes, queue_case

SMALL = 100_000  # case A's page: up before the cut
LARGE = 2 * 1024 * 1024  # case B's page: cut about 600 KB in


def _server_cases(running_back_office) -> dict[str, bool]:
    """Case number -> complete, as the back office's own database has them."""
    return {c.case_no: c.complete for c in admin.list_cases(running_back_office.db_url)}


def _held(running_back_office, scan: bytes, wait: float = 10.0) -> int:
    """The bytes the folder keeps of a scan. The server learns of a cut after the window
    does and keeps the bytes then: the size is read once it has stopped changing."""
    digest = hashlib.sha256(scan).hexdigest()
    folder = running_back_office.blob_dir / digest[:2]
    deadline, last = time.monotonic() + wait, -1
    while True:
        size = 0
        for name in (digest, digest + ".part"):
            if (folder / name).exists():
                size = (folder / name).stat().st_size
                break
        if (size and size == last) or time.monotonic() > deadline:
            return size
        last = size
        time.sleep(0.2)


def test_a_case_whose_pages_are_up_reaches_the_back_office_while_a_later_upload_is_cut(
    window, running_back_office, monkeypatch
):
    monkeypatch.setattr(sync_engine, "DONE_EVERY", 0.0)  # push each case as soon as its pages are up
    small, large = page_bytes(SMALL, seed=21), page_bytes(LARGE, seed=22)
    _a, case_a = queue_case(window.store, window.device_code, pages=(small,))
    _b, case_b = queue_case(window.store, window.device_code, pages=(large,))
    _c, case_c = queue_case(window.store, window.device_code)  # no pages: goes up first
    assert window.outbox.progress().bytes_left == SMALL + LARGE

    gate = window.proxy.cut_upload_after(SMALL + 600_000, stall=True)
    rounds: list = []
    worker = threading.Thread(target=lambda: rounds.append(window.engine.sync_once()))
    worker.start()
    assert gate is not None and gate.arrived.wait(60)
    # The link hangs in the middle of B's page: A was pushed after its page, C before any page.
    assert _server_cases(running_back_office) == {case_a: True, case_c: True}
    gate.release.set()
    worker.join(60)
    [report] = rounds

    assert not report.ok and report.error
    assert report.progressed and report.acked == 2 and report.blobs_uploaded == 1
    assert SMALL < report.bytes_sent <= SMALL + LARGE
    assert _server_cases(running_back_office) == {case_a: True, case_c: True}
    held = _held(running_back_office, large)
    assert 0 < held < LARGE
    assert window.outbox.progress().bytes_left == LARGE  # A's page is done; B's is what is left
    assert window.outbox.progress().events_pending == 1

    report = window.engine.sync_once()
    assert report.ok and report.acked == 1 and report.blobs_uploaded == 1
    assert report.bytes_sent == LARGE - held  # resumed where the server's bytes ended
    assert _server_cases(running_back_office) == {case_a: True, case_b: True, case_c: True}
    assert window.outbox.progress().bytes_left == 0


def test_a_case_is_pushed_after_the_break_when_the_cut_comes_before_the_next_mark(window, running_back_office):
    """With the default pace of marks, A's page finishes and B's is cut before the next mark:
    the break path marks A's page done and pushes A in the same round."""
    small, large = page_bytes(SMALL, seed=23), page_bytes(LARGE, seed=24)
    _a, case_a = queue_case(window.store, window.device_code, pages=(small,))
    _b, case_b = queue_case(window.store, window.device_code, pages=(large,))
    window.proxy.cut_upload_after(SMALL + 600_000)
    report = window.engine.sync_once()
    assert not report.ok and report.progressed and report.acked == 1
    assert _server_cases(running_back_office) == {case_a: True}
    assert window.outbox.progress().bytes_left == LARGE


def test_a_cut_round_that_moved_bytes_does_not_grow_the_backoff(window, running_back_office):
    """Two rounds that move nothing (503 on the status query) grow the pause as before; the
    round that then moves bytes and is cut is followed by a short breath only, not a third step."""
    small, large = page_bytes(SMALL, seed=25), page_bytes(LARGE, seed=26)
    queue_case(window.store, window.device_code, pages=(small,))
    queue_case(window.store, window.device_code, pages=(large,))
    window.proxy.reply_503("POST /api/v1/blobs/status", times=2)
    window.proxy.cut_upload_after(SMALL + 600_000)
    policy = RetryPolicy(interval=30.0, base=0.05, cap=5.0, jitter=0.0)  # no jitter: exact pauses
    stop, wake, reports = threading.Event(), threading.Event(), []

    def note(report):
        reports.append(report)
        if report.ok:
            stop.set()
            wake.set()

    loop = threading.Thread(target=window.engine.run, args=(stop, wake, note), kwargs={"policy": policy})
    loop.start()
    loop.join(120)
    stop.set()
    wake.set()
    assert not loop.is_alive()

    assert [(r.ok, r.progressed) for r in reports] == [(False, False), (False, False), (False, True), (True, True)]
    assert [r.retry_in for r in reports] == [
        policy.delay(1),
        policy.delay(2),
        policy.after_progress,  # not delay(3): the cut round moved a page and pushed a case
        policy.interval,
    ]
    assert reports[2].acked == 1 and reports[2].bytes_sent > SMALL
    assert reports[3].acked == 1 and window.outbox.progress().bytes_left == 0
    assert all(c.complete for c in admin.list_cases(running_back_office.db_url))
    assert len(admin.list_cases(running_back_office.db_url)) == 2


def test_bytes_left_go_down_round_after_round_on_a_link_that_keeps_breaking(window, running_back_office):
    scans = [page_bytes(300_000 + 50_000 * n, seed=30 + n) for n in range(6)]
    for first in range(0, 6, 2):
        queue_case(window.store, window.device_code, pages=tuple(scans[first : first + 2]))
    window.proxy.cut_uploads(between=(250_000, 450_000), seed=3)
    left = [window.outbox.progress().bytes_left]
    assert left == [sum(map(len, scans))]
    for _round in range(40):
        report = window.engine.sync_once()
        left.append(window.outbox.progress().bytes_left)
        if report.ok:
            break
        assert report.progressed and report.bytes_sent > 0
    assert report.ok and left[-1] == 0
    assert all(after <= before for before, after in zip(left, left[1:]))
    assert left[-1] < left[len(left) // 2] < left[0]
    assert window.proxy.cuts >= 3
    assert len(left) - 1 <= sum(map(len, scans)) // 250_000 + 2  # one round per budget at most, and the last
    cases = admin.list_cases(running_back_office.db_url)
    assert len(cases) == 3 and all(c.complete for c in cases)
    for scan in scans:
        digest = hashlib.sha256(scan).hexdigest()
        assert hashlib.sha256((running_back_office.blob_dir / digest[:2] / digest).read_bytes()).hexdigest() == digest
