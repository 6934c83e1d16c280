"""Scenario 5: a 503 is retried with backoff and jitter, with no new local write."""

from __future__ import annotations

import random
import threading

from sync.engine import RetryPolicy
from sync.server import admin
from tests.sync.window_cases import queue_case


def test_backoff_grows_is_capped_and_jittered():
    policy = RetryPolicy(interval=10, base=2, cap=60, jitter=0.5)
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(1, 9)]
    assert all(1.0 <= d <= 2.0 for d in delays[:1]) and all(d <= 60 for d in delays)
    assert delays[4] > delays[0] and len({round(d, 6) for d in delays}) == len(delays)
    assert policy.delay(0) == 10


def test_the_loop_retries_a_503_by_itself(window, running_back_office):
    _case_id, case_no = queue_case(window.store, window.device_code)
    window.proxy.reply_503("POST /api/v1/events", times=2)
    stop, wake, reports = threading.Event(), threading.Event(), []

    def note(report):
        reports.append(report)
        if report.ok and report.acked:
            stop.set()
            wake.set()

    policy = RetryPolicy(interval=30, base=0.05, cap=0.2, jitter=0.5)
    loop = threading.Thread(target=window.engine.run, args=(stop, wake, note), kwargs={"policy": policy})
    loop.start()
    loop.join(60)
    stop.set()
    assert not loop.is_alive()
    assert [r.ok for r in reports] == [False, False, True]
    assert reports[0].error == "后台繁忙"
    assert [c.case_no for c in admin.list_cases(running_back_office.db_url)] == [case_no]
