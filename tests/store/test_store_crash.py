"""Crash safety: SIGKILL a writer at random points of saving cases, 200 times.

The writer is a forked child running the real intake service on the encrypted store
(case + materials + scanned page + event + outbox entry in one transaction). After
every kill the store must open (integrity check included), keep every case the child
had been told was saved, hold every case whole or not at all, and keep its audit
chain intact.
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from sqlalchemy import select
from store_helpers import CLERK, case_is_whole, draft_for, intake_for

from client.domain.catalog import load_sample_catalog
from client.store.audit import verify_chain
from client.store.db import open_store
from client.store.keys import StoreKeys
from client.store.models import Case

KILLS = 200
BATCHES = 4  # four stores of 50 kills each: the same 200 kills, spread over the test workers
MASTER = "5a" * 32


def _writer(path, scan_dir, catalog, ready: int, marks: int) -> None:
    """Child: save cases until killed; 'b' before each save, 'c' once it returned."""
    store = open_store(path, keys=StoreKeys.from_master(MASTER))
    intake = intake_for(store, catalog, enrol=False)
    os.write(ready, b"R")
    n = 0
    while True:
        n += 1
        os.write(marks, b"b")
        intake.accept(draft_for(intake, f"{os.getpid()}-{n}".encode() * 64, scan_dir), CLERK)
        os.write(marks, b"c")


def _run_and_kill(path, scan_dir, catalog, delay: float) -> bytes:
    ready_r, ready_w = os.pipe()
    marks_r, marks_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            os.close(ready_r)
            os.close(marks_r)
            _writer(path, scan_dir, catalog, ready_w, marks_w)
        finally:
            os._exit(code)
    os.close(ready_w)
    os.close(marks_w)
    assert os.read(ready_r, 1) == b"R", "writer died before it was ready"
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    chunks = []
    while chunk := os.read(marks_r, 4096):
        chunks.append(chunk)
    os.close(ready_r)
    os.close(marks_r)
    return b"".join(chunks)


@pytest.mark.parametrize("batch", range(BATCHES))
def test_sigkill_while_saving_never_leaves_half_a_case_or_loses_a_saved_one(tmp_path, batch):
    kills = KILLS // BATCHES
    rng = random.Random(20261122 + batch)
    path = tmp_path / "client" / "client.sqlite"
    catalog = load_sample_catalog()
    warm = open_store(tmp_path / "warm" / "client.sqlite", keys=StoreKeys.from_master(MASTER))
    intake_for(warm, catalog).accept(draft_for(intake_for(warm, catalog)), CLERK)  # children fork warm
    warm.close()
    acknowledged, mid_save = 0, 0
    for kill in range(kills):
        marks = _run_and_kill(path, tmp_path, catalog, rng.uniform(0.0, 0.06))
        acknowledged += marks.count(b"c")
        mid_save += marks.endswith(b"b")
        store = open_store(path, keys=StoreKeys.from_master(MASTER))  # runs PRAGMA integrity_check
        try:
            with store.sessions() as s:
                cases = s.scalars(select(Case)).all()
                broken = [c.case_no for c in cases if not case_is_whole(s, c)]
            assert broken == [], f"kill {kill}: half-saved cases {broken}"
            assert acknowledged <= len(cases) <= acknowledged + kill + 1, f"kill {kill}: a saved case was lost"
            assert verify_chain(store).ok, f"kill {kill}: audit chain broken"
        finally:
            store.close()
    assert mid_save > kills // 4, f"only {mid_save} of {kills} kills landed inside a save"
    print(f"\n{kills} kills, {mid_save} inside a save, {acknowledged} cases acknowledged, {len(cases)} stored")
