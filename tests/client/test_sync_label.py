"""Issue 16, point 2: offline on a bad link, the status bar says what is left to send (cases and
scan megabytes) and when the background loop tries again, from the real store's queue."""

from __future__ import annotations

import datetime as dt

from client.services.syncing import SyncService
from client.store.outbox import StoreOutbox
from sync.api import ServerUnreachable
from sync.engine import SyncReport
from tests.sync.window_cases import page_bytes, queue_case


class _Clock:
    """The device's wall clock, moved by the test."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _broken_round(retry_in: float | None) -> SyncReport:
    return SyncReport(False, error=ServerUnreachable.message, progressed=True, bytes_sent=300_000, retry_in=retry_in)


def test_offline_label_shows_cases_megabytes_left_and_the_next_attempt(fresh_store):
    queue_case(fresh_store, "A001", pages=(page_bytes(12_000_000, seed=1),))
    queue_case(fresh_store, "A001", pages=(page_bytes(400_000, seed=2), page_bytes(30_000, seed=3)))
    queue_case(fresh_store, "A001")
    clock = _Clock(dt.datetime(2026, 12, 3, 14, 5, 0))
    service = SyncService(lambda: None, StoreOutbox(fresh_store), clock=clock)

    service.note(_broken_round(retry_in=30.4))
    status = service.status()
    assert status.next_attempt == dt.datetime(2026, 12, 3, 14, 5, 30, 400000)
    assert status.label == "离线（待报送3件，扫描件余12.4MB，14:05:30重试）"

    service.note(_broken_round(retry_in=None))  # a round on demand: the loop's plan stands
    assert service.status().label == "离线（待报送3件，扫描件余12.4MB，14:05:30重试）"

    clock.now += dt.timedelta(minutes=1)  # the attempt is under way: no time from the past
    assert service.status().label == "离线（待报送3件，扫描件余12.4MB）"


def test_offline_label_without_pages_left_names_only_the_cases_and_the_attempt(fresh_store):
    queue_case(fresh_store, "A001")
    clock = _Clock(dt.datetime(2026, 12, 3, 9, 0, 0))
    service = SyncService(lambda: None, StoreOutbox(fresh_store), clock=clock)
    service.note(_broken_round(retry_in=2.0))
    assert service.status().label == "离线（待报送1件，09:00:02重试）"
    service.note(SyncReport(True, retry_in=10.0))
    label = service.status().label
    assert label.startswith("待报送1件") and "重试" not in label  # a good round shows no retry time
