"""Issue 16, point 2: the background loop, left alone with its default policy, on a link that
cuts uploads every few hundred kilobytes and loses some answers, finishes a 50-case queue of
150 pages in about as many rounds as the bytes need, each pause a short breath: close
to back-to-back rounds, where counting every cut round as a failure paused for minutes.
On SQLite and PostgreSQL (the `backend` parameter). The full-size run is `bench.sync_bad_link`."""

from __future__ import annotations

import hashlib
import math
import random
import threading

import pytest

from sync.engine import RetryPolicy
from sync.server import admin
from tests.sync.window_cases import page_bytes, queue_case

CASES, PAGES = 50, 3
CUT_BETWEEN = (400_000, 900_000)  # request bytes of uploads between two cuts
DROP_EVERY = 40  # every 40th upload answer is lost after the server committed


def test_background_loop_finishes_a_50_case_queue_on_a_cutting_link(window, running_back_office):
    rng = random.Random(16)
    scans = [page_bytes(rng.randint(20_000, 60_000), seed=1000 + n) for n in range(CASES * PAGES)]
    numbers = set()
    for first in range(0, len(scans), PAGES):
        _case_id, case_no = queue_case(window.store, window.device_code, pages=tuple(scans[first : first + PAGES]))
        numbers.add(case_no)
    total = sum(map(len, scans))
    assert window.outbox.progress().bytes_left == total

    window.proxy.cut_uploads(between=CUT_BETWEEN, seed=2)
    window.proxy.drop_answers("PUT /api/v1/blobs/", every=DROP_EVERY)
    policy = RetryPolicy()  # the defaults the window runs with
    stop, wake, reports, left = threading.Event(), threading.Event(), [], []

    def note(report):
        reports.append(report)
        left.append(window.outbox.progress().bytes_left)
        if report.ok:
            stop.set()
            wake.set()

    loop = threading.Thread(target=window.engine.run, args=(stop, wake, note), kwargs={"policy": policy})
    loop.start()
    loop.join(600)  # only catches a hang
    stop.set()
    wake.set()
    assert not loop.is_alive()

    # Every case on the server, complete, every page's bytes exactly the window's.
    cases = admin.list_cases(running_back_office.db_url)
    assert {c.case_no for c in cases} == numbers and all(c.complete for c in cases)
    for scan in scans:
        digest = hashlib.sha256(scan).hexdigest()
        assert hashlib.sha256((running_back_office.blob_dir / digest[:2] / digest).read_bytes()).hexdigest() == digest
    assert window.outbox.progress() == window.outbox.progress().__class__(0, 0)

    # Rounds: about one per cut, as back-to-back rounds would need, and the cuts did happen.
    failed = reports[:-1]
    assert reports[-1].ok and all(not r.ok for r in failed)
    assert window.proxy.cuts >= 3 and window.proxy.drops >= 1
    assert len(failed) <= window.proxy.cuts + window.proxy.drops
    assert len(reports) <= math.ceil(total * 1.05 / CUT_BETWEEN[0]) + window.proxy.drops + 1
    # Every broken round moved something, so each was followed by the short breath only.
    assert all(r.progressed and r.bytes_sent > 0 for r in failed)
    assert all(r.retry_in == policy.after_progress < policy.delay(1, _Bottom()) for r in failed)
    slept = sum(r.retry_in or 0.0 for r in failed)
    as_failures = sum(policy.delay(n, _Bottom()) for n in range(1, len(failed) + 1))  # counted as failures
    assert slept == pytest.approx(len(failed) * policy.after_progress) and slept < as_failures
    # The bytes left only go down, and the cases went up all along, not only at the end.
    assert all(after <= before for before, after in zip(left, left[1:])) and left[-1] == 0
    assert sum(r.acked for r in failed) >= CASES // 2


class _Top(random.Random):
    """The jitter's upper end: the longest pause a step of the policy can give."""

    def uniform(self, a: float, b: float) -> float:
        return max(a, b)


class _Bottom(random.Random):
    """The jitter's lower end: the shortest pause a step of the policy can give."""

    def uniform(self, a: float, b: float) -> float:
        return min(a, b)
