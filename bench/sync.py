"""Sync over loopback against same-run baselines (CONTRIBUTING.md, performance budgets), in one run.

1. Scan upload through a city's stack (issue 18): a 64 MB scan sealed in an encrypted store
   (AES-256-GCM, as on a real window) goes through the engine (status query, one streaming
   PUT that reads and decrypts while sending) to nginx (TLS), an app process (ASGI body
   stream, SHA-256 check) and SeaweedFS's S3 gateway; the stack of `make stack`, with two
   app processes and PostgreSQL. The baseline is a bare S3 PUT (boto3 `put_object`) of the
   same bytes to the same SeaweedFS. Budget: >= 50% of the bare throughput. Then 32 pages
   of 2 MB the same way, and the app processes' CPU seconds per uploaded MB.
2. The laptop's path (reported, no budget): the same scan to one back-office process that
   keeps scans in a folder, against one bare HTTP PUT to a minimal threaded HTTP server that
   writes the body to disk and fsyncs.
3. Events: N queued accepted cases through `sync_once` (batches of 200 pushed and
   answered, then the pull of their status changes). Budget: >= 1,000 events/s.
4. With --memory: "10,000 queued cases sync with flat memory". The peak of the client's
   Python heap (tracemalloc) and the server's peak RSS (VmHWM) while syncing 10,000
   queued cases against 1,000, each on a fresh server and store.

Run (from the project root): .venv/bin/python -m bench.sync [MB] [EVENTS] [--memory] [--no-city]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

# This file is named like the `sync` package: take bench/ off the path, put the repo on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE.parent)]

from client.embedded_server import EmbeddedServer  # noqa: E402
from client.store.db import open_store  # noqa: E402
from client.store.keys import StoreKeys  # noqa: E402
from client.store.outbox import StoreOutbox  # noqa: E402
from sync.api import BackOfficeApi  # noqa: E402
from sync.engine import SyncEngine  # noqa: E402
from sync.server.demo import ensure_demo  # noqa: E402
from tests.sync.window_cases import enrol_store, page_bytes, queue_case  # noqa: E402


def bare_server(folder: Path) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):  # noqa: N802 - http.server naming
            left = int(self.headers["Content-Length"])
            with open(folder / "bare.bin", "wb") as fh:
                while left:
                    chunk = self.rfile.read(min(left, 1 << 20))
                    fh.write(chunk)
                    left -= len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def new_keys() -> StoreKeys:
    return StoreKeys.from_master(os.urandom(32).hex())


class BackOffice:
    """A demo back office as a real process, with a fresh enrolment code per window."""

    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.db_url = f"sqlite:///{root / 'server.sqlite'}"
        ensure_demo(self.db_url)
        self.blob_dir = root / "blobs"
        self.server = EmbeddedServer.start(self.db_url, self.blob_dir, root / "server.log")

    def window(self, folder: Path):
        store = open_store(folder / "client.sqlite", keys=new_keys())
        token, code = enrol_store(store, self.server.url, ensure_demo(self.db_url).enrol_code)
        return store, code, SyncEngine(BackOfficeApi(self.server.url, token, timeout=120), StoreOutbox(store))

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.server.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.server.stop()


def upload(root: Path, mb: int, pages: int = 1, runs: int = 5) -> tuple[float, float]:
    """Best-of-`runs` seconds for bare PUTs and for the engine's upload of `pages` scans of
    `mb` MB each (one case holding them all)."""
    office, bare = BackOffice(root / f"upload-{pages}x{mb}"), bare_server(root)
    try:
        http = requests.Session()
        bare_url = f"http://127.0.0.1:{bare.server_address[1]}/upload"
        bare_s = engine_s = float("inf")
        for run in range(runs):
            # new bytes each run: no dedup shortcut
            scans = tuple(page_bytes(mb << 20, seed=run * 1000 + page) for page in range(pages))
            start = time.perf_counter()
            for scan in scans:
                http.put(bare_url, data=scan, timeout=120).raise_for_status()
            bare_s = min(bare_s, time.perf_counter() - start)

            store, code, engine = office.window(root / f"upload-{pages}x{mb}-{run}")
            queue_case(store, code, pages=scans)
            start = time.perf_counter()
            uploaded = engine._upload_blobs()
            engine_s = min(engine_s, time.perf_counter() - start)
            assert uploaded == pages
            for scan in scans:
                digest = hashlib.sha256(scan).hexdigest()
                assert (office.blob_dir / digest[:2] / digest).stat().st_size == len(scan)
            store.close()
        return bare_s, engine_s
    finally:
        office.stop()
        bare.shutdown()


def events(root: Path, count: int) -> tuple[float, float]:
    """Seconds for the push (and answers) of `count` queued cases, and for the whole round."""
    office = BackOffice(root / "events")
    try:
        store, code, engine = office.window(root / "events-window")
        for _ in range(count):
            queue_case(store, code)
        start = time.perf_counter()
        acked, rejected = engine._push()
        push_s = time.perf_counter() - start
        assert (acked, rejected) == (count, 0)
        report = engine.sync_once()  # nothing left to push: the pull of the cases' status
        round_s = time.perf_counter() - start
        assert report.ok and report.changes == count, report
        store.close()
        return push_s, round_s
    finally:
        office.stop()


def memory(root: Path, count: int) -> tuple[float, float]:
    """(client Python heap peak MB, server peak-RSS growth MB) while syncing `count` cases."""
    office = BackOffice(root / f"memory{count}")
    try:
        store, code, engine = office.window(root / f"memory{count}-window")
        today = dt.datetime.now()
        for n in range(count):  # at most 9,999 case numbers a device and day
            queue_case(store, code, device_time=today - dt.timedelta(days=n // 5000))
        server_before = office.peak_rss_mb()
        tracemalloc.start()
        report = engine.sync_once()
        _, client_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert report.ok and report.acked == count, report
        store.close()
        return client_peak / 2**20, office.peak_rss_mb() - server_before
    finally:
        office.stop()


def main(mb: int = 64, count: int = 5000, with_memory: bool = False, city: bool = True) -> int:
    with tempfile.TemporaryDirectory(prefix="onewindow-bench-sync-") as tmp:
        if city:
            city_report(mb)
        return report(Path(tmp), mb, count, with_memory)


def city_report(mb: int) -> None:
    from bench.city_upload import CityStack
    from bench.city_upload import upload as city_upload

    # PostgreSQL runs as its own user in the stack, so its folder must be enterable by it.
    root = Path(tempfile.mkdtemp(prefix="onewindow-bench-city-"))
    root.chmod(0o755)
    try:
        city = CityStack(root / "stack")
        try:
            one = city_upload(city, root, mb, pages=1, runs=5)
            many = city_upload(city, root, 2, pages=32, runs=3)
        finally:
            city.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"scan upload through the city stack (window -> nginx TLS -> app -> SeaweedFS), {mb} MB, best of 5")
    print(f"  bare S3 PUT (baseline)    {one.megabytes / one.bare_s:8.1f} MB/s")
    print(f"  whole stack               {one.megabytes / one.stack_s:8.1f} MB/s")
    verdict = "OK" if one.ratio >= 0.5 else "OVER BUDGET"
    print(f"  upload ratio: {one.ratio:.0%} of bare (budget >= 50%) {verdict}")
    print(f"  app CPU per uploaded MB   {1000 * one.cpu_per_mb:8.1f} ms")
    print("32 scans of 2 MB through the stack, best of 3, against 32 bare S3 PUTs")
    print(f"  bare S3 PUTs              {64 / many.bare_s:8.1f} MB/s, {1000 * many.bare_s / 32:5.1f} ms a page")
    print(
        f"  whole stack               {64 / many.stack_s:8.1f} MB/s, {1000 * many.stack_s / 32:5.1f} ms a page"
        f"  ({many.ratio:.0%} of bare)"
    )
    print(f"  app CPU per uploaded MB   {1000 * many.cpu_per_mb:8.1f} ms")


def report(root: Path, mb: int, count: int, with_memory: bool) -> int:
    bare_s, engine_s = upload(root, mb)
    page_bare_s, page_engine_s = upload(root, 2, pages=32, runs=3)
    push_s, round_s = events(root, count)

    bare_mbs, engine_mbs = mb / bare_s, mb / engine_s
    ratio = engine_mbs / bare_mbs
    rate = count / round_s
    print(f"the laptop's path: one {mb} MB scan to one process keeping scans in a folder, best of 5")
    print(f"  bare HTTP PUT (baseline)  {bare_mbs:8.1f} MB/s")
    print(f"  sync engine               {engine_mbs:8.1f} MB/s")
    print(f"  upload ratio: {ratio:.0%} of bare (reported; the budget is the city stack's)")
    print("per-page cost: 32 scans of 2 MB, best of 3 (one status query for all, then each page a")
    print("  PUT, its hash check and a durable commit, against one bare PUT per page)")
    print(f"  bare HTTP PUTs            {64 / page_bare_s:8.1f} MB/s, {1000 * page_bare_s / 32:5.1f} ms a page")
    print(
        f"  sync engine               {64 / page_engine_s:8.1f} MB/s, {1000 * page_engine_s / 32:5.1f} ms a page"
        f"  ({page_bare_s / page_engine_s:.0%} of bare)"
    )
    print(f"events: {count} queued accepted cases, one sync round")
    print(f"  push and answers          {count / push_s:8.0f} events/s")
    print(f"  whole round (with pull)   {rate:8.0f} events/s")
    print(f"  events per second: {rate:.0f} (budget >= 1,000) {'OK' if rate >= 1000 else 'OVER BUDGET'}")
    if with_memory:
        small, large = memory(root, 1000), memory(root, 10_000)
        print("memory while syncing queued cases (1,000 -> 10,000)")
        print(f"  client Python heap peak   {small[0]:7.1f} MB -> {large[0]:7.1f} MB")
        print(f"  server peak RSS growth    {small[1]:7.1f} MB -> {large[1]:7.1f} MB")
    return 0


if __name__ == "__main__":
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    numbers = [int(a) for a in sys.argv[1:] if not a.startswith("--")]
    raise SystemExit(main(*numbers[:2], with_memory="--memory" in flags, city="--no-city" not in flags))
