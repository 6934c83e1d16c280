"""Accept → case stored + receipt bytes over USB + notice PDF, against a same-run baseline.

Baseline: one bare SQLite insert committed with synchronous=FULL plus a one-line
reportlab PDF — the floor any accept must pay. Budget (CONTRIBUTING.md, performance budgets): accept under 150 ms.
Run (from the project root): .venv/bin/python -m bench.bench_accept [N]
"""

from __future__ import annotations

import io
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import keyring
from reportlab.pdfgen import canvas

from client.app import ClientConfig, build_runtime
from client.domain.identity import Applicant
from client.embedded_server import EmbeddedServer
from client.services.intake import IntakeDraft, MaterialInput
from client.store.memory_keyring import MemoryKeyring
from sync.server.demo import ensure_demo


def baseline_once(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
    db.commit()
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 700, "baseline")
    c.save()


def main(n: int = 30) -> None:
    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_url = f"sqlite:///{tmp / 'server.sqlite'}"
        info = ensure_demo(db_url)
        server = EmbeddedServer.start(db_url, tmp / "blobs", tmp / "server.log")
        runtime = build_runtime(ClientConfig(data_dir=tmp / "client", demo=True))
        try:
            runtime.enrolment.enrol(server.url, info.enrol_code, "bench")
            services = runtime.services
            clerk = services.auth.login(info.clerk_username, info.clerk_password)
            matter = services.intake.search("个体")[0]
            draft = IntakeDraft(
                Applicant("王秀英", "身份证", "11010519491231002X"),
                matter.code,
                tuple(MaterialInput(s.code, True) for s in matter.materials),
            )
            services.intake.accept(draft, clerk)  # warm-up: fonts, first connection
            base_db = sqlite3.connect(tmp / "base.sqlite")
            base_db.execute("PRAGMA journal_mode=WAL")
            base_db.execute("PRAGMA synchronous=FULL")
            base_db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            baseline_once(base_db)
            base, accept = [], []
            for _ in range(n):
                t0 = time.perf_counter()
                baseline_once(base_db)
                base.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                result = services.intake.accept(draft, clerk)
                accept.append(time.perf_counter() - t0)
                assert result.printed and result.notice_pdf
        finally:
            runtime.close()
            server.stop()
    b, a = statistics.median(base) * 1000, statistics.median(accept) * 1000
    p95 = sorted(accept)[int(0.95 * (n - 1))] * 1000
    print(f"baseline (sqlite FULL commit + bare PDF): median {b:.1f} ms")
    print(f"accept (store + receipt over USB + notice PDF): median {a:.1f} ms, p95 {p95:.1f} ms")
    print(f"ratio accept/baseline: {a / b:.1f}x   budget 150 ms: {'within' if p95 < 150 else 'OVER'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
