"""The queue between workers and the Tk thread: answers come back promptly, and waits on a
person (the rating pad) never hold up the screens' quick tasks."""

from __future__ import annotations

import threading
import time
import tkinter as tk

from client.ui.tasks import TaskRunner


def _pump(root: tk.Tk, until, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        root.update()
        if until():
            return True
        time.sleep(0.001)
    return False


def test_an_answer_is_collected_long_before_the_idle_poll():
    root = tk.Tk()
    runner = TaskRunner(root, poll_ms=60_000)  # an idle poll of a minute: only a prompt drain answers
    runner.start()
    try:
        answers: list[int] = []
        for n in range(3):
            runner.run(lambda n=n: n * n, on_done=answers.append)
            assert _pump(root, lambda n=n: len(answers) == n + 1, timeout=20), "the answer waited for the idle poll"
        assert answers == [0, 1, 4] and not runner.busy
    finally:
        runner.close()
        root.destroy()


def test_waits_on_a_person_leave_the_quick_tasks_free():
    root = tk.Tk()
    runner = TaskRunner(root)
    runner.start()
    release = threading.Event()
    try:
        waited: list[bool] = []
        for _ in range(6):  # more lit pads than the pool has threads
            runner.run(lambda: release.wait(30), on_done=waited.append, waits=True)
        listed: list[str] = []
        runner.run(lambda: "home list", on_done=listed.append)
        assert _pump(root, lambda: listed == ["home list"], timeout=10), "a quick task queued behind the waits"
        assert waited == []  # still waiting: the quick task did not wait for them
        release.set()
        assert _pump(root, lambda: len(waited) == 6, timeout=10)
        assert all(waited) and not runner.busy
    finally:
        release.set()
        runner.close()
        root.destroy()


def test_sync_asked_again_meanwhile_is_one_more_round(counter_window, monkeypatch):
    """F5 five times during a sync: one more round after it, not five rounds queued on the
    workers (rounds queued one per accept held the screens' tasks up for seconds)."""
    w = counter_window
    win = w.window
    w.login()
    w.pump(lambda: "已同步" in win.sync_badge.cget("text") and not win.runner.busy, timeout=60, what="first sync")
    sync = win.services.sync
    real = sync.sync_now
    release = threading.Event()
    rounds: list[int] = []

    def held():
        rounds.append(len(rounds))
        if len(rounds) == 1:
            release.wait(30)  # the first round stalls until the test has pressed F5 again
        return real()

    monkeypatch.setattr(sync, "sync_now", held)
    w.key("F5")
    w.pump(lambda: rounds, what="a round started")
    for _ in range(4):
        w.key("F5")
    w.settle(0.3)
    assert rounds == [0] and "正在同步" in win.sync_badge.cget("text")
    release.set()
    w.pump(lambda: len(rounds) == 2 and not win.runner.busy, timeout=60, what="one more round")
    w.pump(lambda: "已同步" in win.sync_badge.cget("text"), what="synced")
    w.settle(0.3)
    assert rounds == [0, 1]
