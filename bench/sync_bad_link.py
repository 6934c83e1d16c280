"""The background sync loop on a bad link against the same queue on a clean one, in one run
(issue 16, point 2).

A queue of 50 accepted cases with three scans of 2-5 MB each (random sizes, fixed seed), sealed
in an encrypted store, goes to a back office running as a real process, through a TCP proxy on
loopback. The loop (`SyncEngine.run`) is left alone with the default `RetryPolicy`, as the
window runs it, until a round ends well with nothing left.

- Baseline: the proxy forwards everything (the same proxy, so it costs the same).
- Bad link: the proxy cuts uploads at random offsets (a new budget of 5-40 MB of request bytes
  after each cut) and loses the answer of every 40th upload after the server committed.

Printed: rounds, wall time, the pauses the loop took, request bytes against the minimum (the
sum of the scans' sizes), the ratio to the baseline, and what the pauses would have summed to
had every cut round counted as a failure (the policy's delays for 1, 2, … failures, jitter at
its midpoint). At the end every case must be complete on the server and every scan's SHA-256
must match, or the run fails. No budget: the figures go into the issue's closing note.

Run (from the project root): .venv/bin/python -m bench.sync_bad_link [CASES]
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.sync import BackOffice, new_keys
from client.store.db import open_store
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import RetryPolicy, SyncEngine, SyncReport
from sync.server import admin
from sync.server.demo import ensure_demo
from tests.sync.fault_proxy import FaultProxy
from tests.sync.window_cases import enrol_store, page_bytes, queue_case

PAGES = 3
PAGE_SIZES = (2 << 20, 5 << 20)
CUT_BETWEEN = (5 << 20, 40 << 20)
DROP_EVERY = 40
SEED = 16


@dataclass(frozen=True)
class Run:
    rounds: int
    wall_s: float
    slept_s: float
    bytes_up: int
    page_bytes: int  # page bytes the engine handed to its connections (`SyncReport.bytes_sent`)
    cuts: int
    drops: int
    failed: int
    acked_before_end: int  # cases the back office had before the last round


def sizes(cases: int) -> list[int]:
    rng = random.Random(SEED)
    return [rng.randint(*PAGE_SIZES) for _ in range(cases * PAGES)]


def run(root: Path, cases: int, bad: bool) -> Run:
    office = BackOffice(root / "office")
    proxy = FaultProxy(int(office.server.url.rsplit(":", 1)[1])).start()
    store = open_store(root / "window" / "client.sqlite", keys=new_keys())
    try:
        token, code = enrol_store(store, office.server.url, ensure_demo(office.db_url).enrol_code)
        digests: list[str] = []
        page_sizes = sizes(cases)
        for first in range(0, len(page_sizes), PAGES):
            scans = tuple(
                page_bytes(size, seed=SEED + first + n) for n, size in enumerate(page_sizes[first : first + PAGES])
            )
            digests += [hashlib.sha256(scan).hexdigest() for scan in scans]
            queue_case(store, code, pages=scans)
        http = requests.Session()
        http.headers["Connection"] = "close"  # one request a connection: the proxy sees each one
        outbox = StoreOutbox(store)
        engine = SyncEngine(BackOfficeApi(proxy.url, token, timeout=120, session=http), outbox)
        if bad:
            proxy.cut_uploads(between=CUT_BETWEEN, seed=SEED)
            proxy.drop_answers("PUT /api/v1/blobs/", every=DROP_EVERY)
        stop, wake, reports = threading.Event(), threading.Event(), []

        def note(report: SyncReport) -> None:
            reports.append(report)
            if report.ok and outbox.progress().events_pending == 0:
                stop.set()
                wake.set()

        start = time.perf_counter()
        loop = threading.Thread(target=engine.run, args=(stop, wake, note), kwargs={"policy": RetryPolicy()})
        loop.start()
        loop.join()
        wall = time.perf_counter() - start
        check(office, digests, cases)
        return Run(
            rounds=len(reports),
            wall_s=wall,
            slept_s=sum(r.retry_in or 0.0 for r in reports[:-1]),
            bytes_up=proxy.bytes_up,
            page_bytes=sum(r.bytes_sent for r in reports),
            cuts=proxy.cuts,
            drops=proxy.drops,
            failed=sum(not r.ok for r in reports),
            acked_before_end=sum(r.acked for r in reports[:-1]),
        )
    finally:
        store.close()
        proxy.stop()
        office.stop()


def check(office: BackOffice, digests: list[str], cases: int) -> None:
    """Every case complete on the server, every scan there byte for byte."""
    rows = admin.list_cases(office.db_url)
    if len(rows) != cases or not all(r.complete for r in rows):
        raise SystemExit(f"FAILED: {sum(r.complete for r in rows)} of {cases} cases complete on the server")
    for digest in digests:
        held = hashlib.sha256((office.blob_dir / digest[:2] / digest).read_bytes()).hexdigest()
        if held != digest:
            raise SystemExit(f"FAILED: scan {digest[:12]} differs on the server")


def as_failures(failed: int) -> float:
    """The pauses had each broken round counted as a failure (the loop before issue 16)."""
    policy = RetryPolicy()

    class Mid(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return (a + b) / 2

    return sum(policy.delay(n, Mid()) for n in range(1, failed + 1))


def main(cases: int = 50) -> int:
    minimum = sum(sizes(cases))
    with tempfile.TemporaryDirectory(prefix="onewindow-bench-badlink-") as tmp:
        root = Path(tmp)
        clean = run(root / "clean", cases, bad=False)
        shutil.rmtree(root / "clean")
        bad = run(root / "bad", cases, bad=True)
    print(f"sync on a bad link: {cases} cases, {cases * PAGES} scans of 2-5 MB, {minimum / 1e6:.1f} MB in all")
    print("  the background loop left alone (default RetryPolicy), back office as a process, via a loopback proxy")
    for name, r in (("clean link (baseline)", clean), ("cutting link", bad)):
        print(f"  {name}")
        print(
            f"    rounds                  {r.rounds:8d}   ({r.failed} broken off: {r.cuts} cuts, {r.drops} answers lost)"
        )
        print(f"    wall time               {r.wall_s:8.1f} s  (paused {r.slept_s:.1f} s between rounds)")
        print(f"    request bytes           {r.bytes_up / 1e6:8.1f} MB  ({r.bytes_up / minimum:.3f} x the minimum)")
        print(f"    page bytes handed out   {r.page_bytes / 1e6:8.1f} MB  ({r.page_bytes / minimum:.3f} x the minimum)")
        print(f"    cases pushed before the last round {r.acked_before_end} of {cases}")
    print(
        f"  ratio to baseline: wall time {bad.wall_s / clean.wall_s:.2f} x, bytes {bad.bytes_up / clean.bytes_up:.3f} x"
    )
    busy, clean_busy = bad.wall_s - bad.slept_s, clean.wall_s - clean.slept_s
    print(
        f"  working time (wall time less the pauses) {busy:.1f} s, {busy / clean_busy:.2f} x the baseline; "
        f"each pause a short breath, {bad.slept_s / max(bad.failed, 1):.2f} s on average"
    )
    print(
        f"  had every broken round counted as a failure, the pauses alone would have summed to "
        f"{as_failures(bad.failed):.0f} s (vs {bad.slept_s:.1f} s)"
    )
    print("  every case complete on the server, every scan's SHA-256 matched: OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*[int(a) for a in sys.argv[1:2]]))
