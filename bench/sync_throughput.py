"""Sync over loopback against same-run baselines (DESIGN.md budgets).

1. Attachment upload: a 64 MB scan through the engine (HEAD, resumable 1 MB PUTs,
   hash check on the server) to the back office as a real process, against one bare
   HTTP PUT of the same bytes to a minimal threaded HTTP server on the same machine
   that writes the body to disk and fsyncs. Budget: >= 70% of the bare throughput.
2. Events: N queued accepted cases pushed by the engine (batches of 200). Budget:
   >= 1,000 events/s.
Run: .venv/bin/python bench/sync_throughput.py [MB] [EVENTS]
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

# This file is named like the `sync` package: take bench/ off the path, put the repo on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE.parent)]

from client.embedded_server import EmbeddedServer  # noqa: E402
from client.store.db import open_store  # noqa: E402
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


def best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(mb: int = 64, events: int = 5000) -> int:
    root = Path(tempfile.mkdtemp(prefix="onewindow-bench-sync-"))
    db_url = f"sqlite:///{root / 'server.sqlite'}"
    demo = ensure_demo(db_url)
    server = EmbeddedServer.start(db_url, root / "blobs", root / "server.log")
    bare = bare_server(root)
    try:
        data = page_bytes(mb * 1024 * 1024, seed=42)
        http = requests.Session()
        bare_url = f"http://127.0.0.1:{bare.server_address[1]}/upload"
        bare_s = best_of(3, lambda: http.put(bare_url, data=data, timeout=120).raise_for_status())

        engine_s = float("inf")
        for run in range(3):
            store = open_store(root / f"client{run}" / "client.sqlite", keys=None)
            token, code = enrol_store(store, server.url,
                                      demo.enrol_code if run == 0 else ensure_demo(db_url).enrol_code)
            blob = data[:-8] + run.to_bytes(8, "big")  # a new blob each run: no dedup shortcut
            queue_case(store, code, pages=(blob,))
            outbox = StoreOutbox(store)
            engine = SyncEngine(BackOfficeApi(server.url, token, timeout=120), outbox)
            start = time.perf_counter()
            uploaded = engine._upload_blobs()
            engine_s = min(engine_s, time.perf_counter() - start)
            assert uploaded == 1
            digest = hashlib.sha256(blob).hexdigest()
            assert (root / "blobs" / digest[:2] / digest).stat().st_size == len(blob)
            store.close()

        store = open_store(root / "events" / "client.sqlite", keys=None)
        token, code = enrol_store(store, server.url, ensure_demo(db_url).enrol_code)
        for _ in range(events):
            queue_case(store, code)
        engine = SyncEngine(BackOfficeApi(server.url, token, timeout=120), StoreOutbox(store))
        start = time.perf_counter()
        report = engine.sync_once()
        push_s = time.perf_counter() - start
        assert report.ok and report.acked == events, report
        store.close()
    finally:
        server.stop()
        bare.shutdown()

    bare_mbs, engine_mbs = mb / bare_s, mb / engine_s
    ratio = engine_mbs / bare_mbs
    rate = events / push_s
    print(f"attachment upload, {mb} MB, best of 3")
    print(f"  bare HTTP PUT      {bare_mbs:8.1f} MB/s")
    print(f"  sync engine        {engine_mbs:8.1f} MB/s   = {ratio:.0%} of bare (budget >= 70%) "
          f"{'OK' if ratio >= 0.7 else 'OVER BUDGET'}")
    print(f"events: {events} accepted cases pushed and answered (plus the pull)")
    print(f"  {rate:8.0f} events/s (budget >= 1,000) {'OK' if rate >= 1000 else 'OVER BUDGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*(int(a) for a in sys.argv[1:3])))
