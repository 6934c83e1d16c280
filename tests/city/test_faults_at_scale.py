"""Issue 18, point 7: faults at a city's scale. An app process killed with SIGKILL during
pushes and during an upload, PostgreSQL restarted mid-sync, SeaweedFS restarted mid-upload:
the windows' next rounds complete, nothing is lost or duplicated, and uploads resume from
where the object store's bytes end."""

from __future__ import annotations

import hashlib
import threading
import time

from sync.server import admin
from tests.sync.window_cases import page_bytes, queue_case

MB = 1024 * 1024


def _sync_until_done(window, urls: list[str], rounds: int = 10) -> int:
    """Rounds through the given processes in turn until nothing is left; page bytes sent."""
    sent = 0
    for n in range(rounds):
        report = window.through(urls[n % len(urls)]).engine.sync_once()
        sent += report.bytes_sent
        progress = window.outbox.progress()
        if report.ok and progress.events_pending == 0 and progress.bytes_left == 0:
            return sent
        time.sleep(0.5)
    raise AssertionError(f"not synced after {rounds} rounds: {window.outbox.progress()}")


def _assert_exactly(city, cases: dict[str, list[bytes]]) -> None:
    rows = admin.list_cases(city.db_url)
    numbers = [row.case_no for row in rows]
    assert len(numbers) == len(set(numbers)), "a case stored twice"
    assert sorted(numbers) == sorted(cases), "a case lost"
    assert all(row.complete for row in rows)
    for pages in cases.values():
        for page in pages:
            sha = hashlib.sha256(page).hexdigest()
            assert city.stored_digest(sha) == sha


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _stalled_upload(city, window, cut_link, scan: bytes, stall_at: int):
    """Start a round whose upload stalls at `stall_at` bytes on the link, and wait until the
    object store holds the first whole part of it; returns (gate, round thread, reports)."""
    sha = hashlib.sha256(scan).hexdigest()
    gate = cut_link.cut_upload_after(stall_at, stall=True)
    reports: list = []
    worker = threading.Thread(target=lambda: reports.append(window.through(cut_link.url).engine.sync_once()))
    worker.start()
    assert gate.arrived.wait(60)

    def first_part_held() -> bool:
        held = city.store().held(sha)
        return held is not None and held.size >= 8 * MB

    _wait_for(first_part_held)
    return gate, worker, reports


def test_app_process_killed_mid_upload_the_other_resumes_it(city, window_for, proxies):
    a, b = city.apps
    cut_link = proxies(a.port)
    window = window_for(city, a.url)
    scan = page_bytes(20 * MB, seed=1870)
    sha = hashlib.sha256(scan).hexdigest()
    _, case_no = queue_case(window.store, window.device_code, pages=(scan,))

    gate, worker, reports = _stalled_upload(city, window, cut_link, scan, 12 * MB)
    a.kill()
    gate.release.set()
    worker.join(60)
    assert reports and not reports[0].ok
    size, complete = window.held(b.url, sha)  # the killed process's lock went with its connection
    assert not complete and size >= 8 * MB

    sent = _sync_until_done(window, [b.url])
    assert sent == len(scan) - size  # resumed where the store's bytes end
    _assert_exactly(city, {case_no: [scan]})
    city.add_app()  # and a process started again serves the same data
    assert window.through(city.apps[-1].url).engine.sync_once().ok


def test_app_process_killed_during_pushes_loses_and_duplicates_nothing(city, window_for):
    a, b = city.apps
    window = window_for(city, a.url)
    cases = {}
    for n in range(160):
        _, case_no = queue_case(window.store, window.device_code, pages=(page_bytes(20_000, seed=18700 + n),))
        cases[case_no] = [page_bytes(20_000, seed=18700 + n)]
    worker = threading.Thread(target=window.through(a.url).engine.sync_once)
    worker.start()
    _wait_for(lambda: len(admin.list_cases(city.db_url)) > 0, timeout=120)
    a.kill()  # pushes and uploads in flight
    worker.join(120)

    _sync_until_done(window, [b.url])
    _assert_exactly(city, cases)


def test_postgres_restarted_mid_sync(city_on_own_cluster, own_cluster, window_for):
    city = city_on_own_cluster
    a, b = city.apps
    window = window_for(city, a.url)
    cases = {}
    for n in range(60):
        pages = (page_bytes(300_000, seed=18800 + n),)
        _, case_no = queue_case(window.store, window.device_code, pages=pages)
        cases[case_no] = list(pages)
    worker = threading.Thread(target=window.through(a.url).engine.sync_once)
    worker.start()
    _wait_for(lambda: len(admin.list_cases(city.db_url)) > 0, timeout=120)
    own_cluster.restart()  # every connection of both processes dropped mid-round
    worker.join(120)

    _sync_until_done(window, [b.url, a.url])
    _assert_exactly(city, cases)


def test_seaweedfs_restarted_mid_upload(city_on_own_seaweed, own_seaweed, window_for, proxies):
    city, seaweed = city_on_own_seaweed, own_seaweed
    a, b = city.apps
    cut_link = proxies(a.port)
    window = window_for(city, a.url)
    scan = page_bytes(20 * MB, seed=1890)
    _, case_no = queue_case(window.store, window.device_code, pages=(scan,))

    gate, worker, reports = _stalled_upload(city, window, cut_link, scan, 12 * MB)
    seaweed.restart()  # the object store goes away under the upload and comes back
    gate.release.set()
    worker.join(120)

    sent = reports[0].bytes_sent + _sync_until_done(window, [a.url, b.url])
    assert sent < 2 * len(scan)  # resumed, not sent again from zero
    _assert_exactly(city, {case_no: [scan]})
