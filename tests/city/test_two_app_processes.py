"""Issue 18, point 1: any number of app processes serve one database and one object store
at once. Two real `onewindow-server serve` processes on one PostgreSQL and one SeaweedFS;
windows sync through both, alternately, and an upload cut through one resumes through the
other from the bytes the object store holds."""

from __future__ import annotations

import hashlib
import threading

from sync.server import admin
from tests.sync.window_cases import page_bytes, queue_case

MB = 1024 * 1024


def _sync_through(window, urls: list[str], rounds: int = 8) -> int:
    """Rounds through the given app processes in turn until nothing is left; the rounds taken."""
    for n in range(rounds):
        report = window.through(urls[n % len(urls)]).engine.sync_once()
        progress = window.outbox.progress()
        if report.ok and progress.events_pending == 0 and progress.bytes_left == 0:
            return n + 1
    raise AssertionError(f"not synced after {rounds} rounds: {window.outbox.progress()}")


def _assert_server_holds(city, cases: dict[str, list[bytes]]) -> None:
    rows = {row.case_no: row for row in admin.list_cases(city.db_url)}
    assert sorted(rows) == sorted(cases), "every case once, none twice, none lost"
    for case_no, pages in cases.items():
        assert rows[case_no].complete, case_no
        for page in pages:
            sha = hashlib.sha256(page).hexdigest()
            assert city.stored_digest(sha) == sha


def test_windows_sync_through_both_app_processes_alternately(city, window_for):
    a, b = city.apps
    first, second = window_for(city, a.url), window_for(city, b.url)
    cases: dict[str, list[bytes]] = {}
    for n, window in enumerate((first, second)):
        for k in range(3):
            pages = [
                page_bytes(600_000 + 1000 * k, seed=1800 + 10 * n + k),
                page_bytes(500_000, seed=1900 + 10 * n + k),
            ]
            _, case_no = queue_case(window.store, window.device_code, pages=tuple(pages))
            cases[case_no] = pages

    # Round by round each window talks to the other process than the round before.
    for round_no in range(2):
        for window, urls in ((first, [a.url, b.url]), (second, [b.url, a.url])):
            window.through(urls[round_no]).engine.sync_once()
    _sync_through(first, [b.url, a.url])
    _sync_through(second, [a.url, b.url])
    _assert_server_holds(city, cases)

    # A decision taken on the database reaches each window whichever process it pulls from.
    some_case = next(iter(cases))
    admin.decide(city.db_url, some_case, "approve", by="approver01")
    for window, url in ((first, b.url), (second, a.url)):
        assert window.through(url).engine.sync_once().ok


def test_upload_cut_through_one_process_resumes_through_the_other(city, window_for, proxies):
    """The first process keeps whole parts in the object store; the second finds them (no
    shared memory, no shared disk) and the window sends only what is missing."""
    a, b = city.apps
    cut_link = proxies(a.port)
    window = window_for(city, a.url)
    scan = page_bytes(21 * MB, seed=1818)
    sha = hashlib.sha256(scan).hexdigest()
    _, case_no = queue_case(window.store, window.device_code, pages=(scan,))

    cut_link.cut_upload_after(18 * MB)
    assert not window.through(cut_link.url).engine.sync_once().ok
    size, complete = window.held(b.url, sha)  # waits for the first process to wind the upload up
    assert not complete and 8 * MB <= size <= 18 * MB  # whole parts (a tail of 5 MiB or more is one too)

    report = window.through(b.url).engine.sync_once()
    assert report.ok and report.acked == 1
    assert report.bytes_sent == len(scan) - size  # from where the store's bytes end, not from 0
    _assert_server_holds(city, {case_no: [scan]})


def test_same_scan_through_both_processes_at_once_is_stored_once_and_whole(city, window_for):
    """Two windows send the same page (a shared attachment) at the same moment, one through
    each process: the per-scan lock lives in PostgreSQL, so the writes never interleave."""
    a, b = city.apps
    scan = page_bytes(12 * MB, seed=1819)
    sha = hashlib.sha256(scan).hexdigest()
    windows = [window_for(city, a.url), window_for(city, b.url)]
    cases = {}
    for window in windows:
        _, case_no = queue_case(window.store, window.device_code, pages=(scan,))
        cases[case_no] = [scan]
    go = threading.Barrier(2)
    reports = []

    def send(window):
        go.wait()
        reports.append(window.engine.sync_once())

    threads = [threading.Thread(target=send, args=(w,)) for w in windows]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(reports) == 2
    for window, urls in zip(windows, ([a.url], [b.url]), strict=True):
        _sync_through(window, urls)
    assert city.stored_digest(sha) == sha
    _assert_server_holds(city, cases)
