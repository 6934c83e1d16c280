"""Issue 16, point 1: the back office dies after a scan's last byte is on its disk but before
it has verified and renamed the file. A whole `.part` must end verified and complete (at
start-up or on the status query), a whole but corrupt one discarded and sent again from
zero, and the window must count a page as uploaded only when the server says `complete`."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from sync import protocol
from sync.server import admin
from sync.server.blobs import blob_paths
from sync.server.runner import RunningServer, start_in_thread
from tests.sync.window_cases import page_bytes, queue_case

SIZE = 3 * 1024 * 1024
CUT = int(SIZE * 0.6)


@pytest.fixture
def restart_back_office(running_back_office) -> Iterator[Callable[[Callable[[], None]], RunningServer]]:
    """Stop the back office, change its disk while it is down, start it again on the same
    port (the window's proxy still points there)."""
    started: list[RunningServer] = []

    def restart(while_down: Callable[[], None]) -> RunningServer:
        (started[-1] if started else running_back_office.server).stop()
        while_down()
        server = start_in_thread(
            running_back_office.db_url, running_back_office.blob_dir, port=running_back_office.port
        )
        started.append(server)
        return server

    yield restart
    for server in started:
        server.stop()


def _head(url: str, token: str, digest: str) -> requests.Response:
    return requests.head(
        f"{url}{protocol.API}/blobs/{digest}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def _held_after_cut(url: str, token: str, digest: str, wait: float = 10.0) -> int:
    """What the server kept of a cut upload. The window may learn of the cut before the
    server's handler has even begun (its body still in the proxy's buffers); a status query
    that finds the upload begun waits for the handler, one that comes before finds nothing."""
    deadline = time.monotonic() + wait
    while True:
        held = int(_head(url, token, digest).headers["X-Blob-Size"])
        if held or time.monotonic() > deadline:
            return held
        time.sleep(0.05)


def _cut_first_upload(window, running_back_office, scan: bytes) -> Path:
    """A real upload cut at 60%: the server keeps a `.part` (and its row) to resume from."""
    digest = hashlib.sha256(scan).hexdigest()
    queue_case(window.store, window.device_code, pages=(scan,))
    window.proxy.cut_upload_after(CUT)
    assert not window.engine.sync_once().ok
    held = _held_after_cut(running_back_office.url, window.token, digest)
    part = blob_paths(running_back_office.blob_dir, digest).part
    assert 0 < held == part.stat().st_size < SIZE
    return part


def _append_rest(part: Path, scan: bytes, *, corrupt: bool = False) -> None:
    """What the dying upload handler had written: every remaining byte, appended and synced."""
    rest = bytearray(scan[part.stat().st_size :])
    if corrupt:
        rest[len(rest) // 2] ^= 0xFF
    with open(part, "ab") as fh:
        fh.write(rest)
    assert part.stat().st_size == len(scan)


def _assert_case_complete(running_back_office, digest: str, scan: bytes) -> None:
    stored = blob_paths(running_back_office.blob_dir, digest).final
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    assert stored.read_bytes() == scan
    [case] = admin.list_cases(running_back_office.db_url)
    assert case.complete is True


def test_whole_unverified_part_is_completed_at_start_up(window, running_back_office, restart_back_office):
    scan = page_bytes(SIZE, seed=16)
    digest = hashlib.sha256(scan).hexdigest()
    part = _cut_first_upload(window, running_back_office, scan)

    restart_back_office(lambda: _append_rest(part, scan))

    # Before any window asks: start-up verified the whole file and renamed it.
    assert not part.exists() and blob_paths(running_back_office.blob_dir, digest).final.exists()
    head = _head(running_back_office.url, window.token, digest)
    assert head.headers["X-Blob-Complete"] == "true" and int(head.headers["X-Blob-Size"]) == SIZE

    sent_before = window.proxy.bytes_up
    report = window.engine.sync_once()
    assert report.ok and report.acked == 1
    assert window.proxy.bytes_up - sent_before < 256 * 1024  # no byte of the page sent again
    _assert_case_complete(running_back_office, digest, scan)
    assert window.outbox.progress().bytes_left == 0


def test_whole_unverified_part_is_completed_on_the_status_query(window, running_back_office):
    scan = page_bytes(SIZE, seed=17)
    digest = hashlib.sha256(scan).hexdigest()
    # The running server finds a whole `.part` it never finished (left by a handler that died
    # between the last byte and the rename, in this process or another): the status query
    # verifies and completes it.
    part = _cut_first_upload(window, running_back_office, scan)
    _append_rest(part, scan)

    sent_before = window.proxy.bytes_up
    report = window.engine.sync_once()
    assert report.ok and report.blobs_uploaded == 1 and report.acked == 1
    assert window.proxy.bytes_up - sent_before < 256 * 1024
    assert not part.exists()
    _assert_case_complete(running_back_office, digest, scan)


def test_corrupt_whole_part_is_discarded_and_sent_again_from_zero(window, running_back_office, restart_back_office):
    scan = page_bytes(SIZE, seed=18)
    digest = hashlib.sha256(scan).hexdigest()
    part = _cut_first_upload(window, running_back_office, scan)

    restart_back_office(lambda: _append_rest(part, scan, corrupt=True))

    # Start-up could not verify it, and the server does not call it complete.
    assert part.exists() and not blob_paths(running_back_office.blob_dir, digest).final.exists()
    head = _head(running_back_office.url, window.token, digest)
    assert head.headers["X-Blob-Complete"] == "false"

    sent_before = window.proxy.bytes_up
    report = window.engine.sync_once()
    assert report.ok and report.blobs_uploaded == 1 and report.acked == 1
    assert window.proxy.bytes_up - sent_before >= SIZE  # the whole page again, in the same round
    assert not part.exists()
    _assert_case_complete(running_back_office, digest, scan)
    assert window.outbox.progress().bytes_left == 0


def test_stale_resume_offset_is_taken_in_the_same_round(window, running_back_office):
    """Point 3: the status answer said fewer bytes than the server holds by the time the PUT
    arrives (a late handler appended meanwhile). The PUT is not refused: the server drops the
    overlap and appends the rest, and the page completes within that one request."""
    scan = page_bytes(SIZE, seed=19)
    digest = hashlib.sha256(scan).hexdigest()
    part = _cut_first_upload(window, running_back_office, scan)
    held = part.stat().st_size
    stale = held - 200_000  # what an earlier status query answered

    sent_before = window.proxy.bytes_up
    status = window.engine.api.blob_put(digest, stale, window.outbox.blob_pieces(digest, stale), SIZE)
    assert status.complete and status.size == SIZE
    assert window.proxy.bytes_up - sent_before < SIZE - stale + 64 * 1024  # only from the stale offset on
    report = window.engine.sync_once()
    assert report.ok and report.acked == 1
    _assert_case_complete(running_back_office, digest, scan)
