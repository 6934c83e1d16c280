"""Scenario 3: the window process is SIGKILLed at every step of "save case + enqueue", and
at every step of a sync round. After each restart the case and its outbox entry are both
there or neither, the store passes its integrity check and audit chain, and the queue
drains to the back office: it never wedges and nothing reaches it twice.

A step is what the window process does to its store: each SQL statement, each commit, and
writing the scan to the page store. The window is a forked child on the real store; it
stops at step k and is killed there, for k = 1, 2, ... until it runs to the end (then it
is killed right after, with the work done).
"""

from __future__ import annotations

import os
import signal
import time
import traceback

from sqlalchemy import event, func, select

from client.domain.catalog import load_sample_catalog
from client.store.audit import verify_chain
from client.store.db import open_store
from client.store.models import BlobEntry, Case, CaseEvent, Material, OutboxEntry
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin
from tests.sync.window_cases import accept_with_scan, counter_intake, page_bytes

MAX_STEPS = 200  # a save or a round has far fewer; reaching this means the child never finished


def _window_process(path, marks: int, stop_at: int, work) -> None:
    """Child: open the store, count steps, stop at `stop_at` ('p'), or finish the work ('c')."""
    store = open_store(path, keys=None)
    steps = 0

    def step(*_args, **_kw):
        nonlocal steps
        steps += 1
        if steps == stop_at:
            os.write(marks, b"p")
            while True:
                time.sleep(3600)  # the SIGKILL comes here

    event.listen(store.engine, "before_cursor_execute", step)
    event.listen(store.engine, "commit", step)
    put = store.pages.put

    def counted_put(data, name):
        step()
        ref = put(data, name)
        step()
        return ref

    store.pages.put = counted_put
    work(store)
    os.write(marks, b"c")
    while True:
        time.sleep(3600)


def _kill_at(window, stop_at: int, work) -> bool:
    """Run `work` in a window process killed at step `stop_at`; True if the work had finished."""
    window.store.engine.dispose()  # the child must not inherit open connections
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(read)
            _window_process(window.store.path, write, stop_at, work)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(1)
    os.close(write)
    try:
        mark = os.read(read, 1)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
    assert mark in (b"p", b"c"), "the window process died by itself"
    return mark == b"c"


def _whole(s, case: Case) -> bool:
    """The case row, its materials, its accepted event with that event's outbox entry, its pages' blob rows."""
    materials = s.scalars(select(Material).where(Material.case_id == case.id)).all()
    accepted = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == "case.accepted")).all()
    if len(accepted) != 1 or not materials or len(accepted[0].payload["materials"]) != len(materials):
        return False
    pages = {sha for m in materials for sha in (m.pages or ())}
    return s.get(OutboxEntry, accepted[0].event_id) is not None and all(s.get(BlobEntry, sha) for sha in pages)


def _restart(window, step: int) -> int:
    """Open the store as a restarted window would (integrity check included); cases held."""
    store = open_store(window.store.path, keys=None)
    try:
        with store.sessions() as s:
            cases = s.scalars(select(Case)).all()
            broken = [c.case_no for c in cases if not _whole(s, c)]
            orphans = s.scalar(
                select(func.count())
                .select_from(OutboxEntry)
                .where(~OutboxEntry.event_id.in_(select(CaseEvent.event_id)))
            )
        assert broken == [] and orphans == 0, f"step {step}: half a case or an orphan entry"
        assert verify_chain(store).ok, f"step {step}: audit chain broken"
        return len(cases)
    finally:
        store.close()


def _drains(window, db_url: str, step: int) -> None:
    """One round from the restarted window sends everything, and the server holds each case once."""
    report = window.engine.sync_once()
    assert report.ok and not report.busy, f"step {step}: queue wedged ({report.error})"
    assert window.outbox.progress().events_pending == 0
    with window.store.sessions() as s:
        local = set(s.scalars(select(Case.case_no)))
        acked = s.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == "acked"))
    on_server = admin.list_cases(db_url)
    assert sorted(c.case_no for c in on_server) == sorted(local) and acked == len(local)
    assert all(c.complete for c in on_server), f"step {step}: a scan did not arrive"


def test_killed_at_every_step_of_saving_a_case_the_case_is_whole_or_absent_and_syncs(window, running_back_office):
    catalog = load_sample_catalog()
    held = 0
    for step in range(1, MAX_STEPS):
        scan = page_bytes(40_000, seed=step)
        finished = _kill_at(
            window, step, lambda store, scan=scan: accept_with_scan(counter_intake(store, catalog), scan)
        )
        cases = _restart(window, step)
        assert cases == held + finished, f"step {step}: {cases} cases, expected {held + finished}"
        held = cases
        _drains(window, running_back_office.db_url, step)
        if finished:
            break
    else:
        raise AssertionError("the save never finished")
    assert step > 10 and held == 1  # every step of a real save was tried; only the finished one kept a case
    print(f"\nsave: killed at each of {step - 1} steps and once after the commit")


def test_killed_at_every_step_of_a_sync_round_the_queue_drains_once(window, running_back_office):
    catalog = load_sample_catalog()
    intake = counter_intake(window.store, catalog)

    def sync_round(store):
        SyncEngine(BackOfficeApi(window.proxy.url, window.token, timeout=20), StoreOutbox(store)).sync_once()

    for step in range(1, MAX_STEPS):
        accept_with_scan(intake, page_bytes(40_000, seed=1000 + step))  # something new to send each time
        finished = _kill_at(window, step, sync_round)
        assert _restart(window, step) == step
        _drains(window, running_back_office.db_url, step)
        if finished:
            break
    else:
        raise AssertionError("the sync round never finished")
    assert step > 5
    print(f"\nsync round: killed at each of {step - 1} steps and once after it")
