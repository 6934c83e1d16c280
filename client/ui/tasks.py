"""Where the UI and the workers meet: plain messages through one queue.

Workers never touch widgets. `run` executes a function on the thread pool and posts
its result (or error) back; a single `after()` loop on the Tk thread drains the queue.
The loop polls quickly while a task it started recently is out (an answer is back within a
few milliseconds, so a screen switch does not wait for the next slow poll) and slowly
otherwise (the background posts of the sync loop and the device monitor can wait).
A task that waits on a person (the rating pad lit until the applicant presses) runs on
threads of its own: waits never hold up the screens' quick tasks (a home list behind four
lit pads took seconds).
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, TypeVarTuple

if TYPE_CHECKING:
    import tkinter as tk

P = ParamSpec("P")
T = TypeVar("T")
Ts = TypeVarTuple("Ts")

log = logging.getLogger(__name__)

FAST_POLL_MS = 5  # while a task started recently is out
FAST_FOR_S = 2.0  # a task out longer than this (the rating pad waiting for a key) is polled slowly


class InlineExecutor(concurrent.futures.Executor):
    """Runs jobs at once on the caller's thread: deterministic GUI tests."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller via the future
            future.set_exception(exc)
        return future


class TaskRunner:
    def __init__(self, root: tk.Misc, executor: concurrent.futures.Executor | None = None, poll_ms: int = 40):
        self.root = root
        self.executor = executor or concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="ui-work")
        # An injected executor (the tests' inline one) runs the waits too, as before.
        self.waits_executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="ui-wait"
        )
        self.poll_ms = poll_ms  # the idle poll
        self.fast_poll_ms = min(FAST_POLL_MS, poll_ms)
        self._last_run = float("-inf")  # when the last task started (time.monotonic)
        self._due = float("inf")  # when the scheduled drain runs (time.monotonic)
        self._inbox: queue.SimpleQueue[tuple[Callable[..., object], tuple[Any, ...]]] = queue.SimpleQueue()
        self._busy = 0
        self._after_id: str | None = None
        self._closed = False

    def start(self) -> None:
        self._schedule(self.poll_ms)

    def _schedule(self, delay_ms: int) -> None:
        """Drain in `delay_ms`, or sooner if a drain is already due sooner."""
        if self._closed:
            return
        due = time.monotonic() + delay_ms / 1000
        if self._after_id is not None:
            if self._due <= due:
                return
            try:
                self.root.after_cancel(self._after_id)
            except Exception:
                pass
        self._due = due
        self._after_id = self.root.after(delay_ms, self._drain)

    def _next_delay(self) -> int:
        recent = time.monotonic() - self._last_run < FAST_FOR_S
        return self.fast_poll_ms if self._busy > 0 and recent else self.poll_ms

    def close(self) -> None:
        self._closed = True
        if self._after_id is not None:
            try:
                self.root.after_cancel(self._after_id)
            except Exception:
                pass
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.waits_executor is not self.executor:
            self.waits_executor.shutdown(wait=False, cancel_futures=True)

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def post(self, callback: Callable[..., object], *args: Any) -> None:
        """Thread-safe: ask the Tk thread to call `callback(*args)`."""
        self._inbox.put((callback, args))

    def run(
        self,
        fn: Callable[[*Ts], T],
        *args: *Ts,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        waits: bool = False,
    ) -> None:
        """`waits`: `fn` waits on a person or a device for long (the rating pad), on its own threads."""
        self._busy += 1
        self._last_run = time.monotonic()

        def finished(future: concurrent.futures.Future[T]) -> None:
            exc = future.exception()
            if exc is not None:
                log.info("task %s failed: %r", getattr(fn, "__name__", fn), exc)
                self.post(self._finish, on_error, exc)
            else:
                self.post(self._finish, on_done, future.result())

        (self.waits_executor if waits else self.executor).submit(fn, *args).add_done_callback(finished)
        self._schedule(self.fast_poll_ms)  # its answer is collected within a few milliseconds

    def _finish(self, callback: Callable[[T], None] | None, value: T) -> None:
        self._busy -= 1
        if callback is not None:
            callback(value)

    def drain_now(self) -> int:
        """Run every posted callback; returns how many ran (tests call this too)."""
        count = 0
        while True:
            try:
                callback, args = self._inbox.get_nowait()
            except queue.Empty:
                return count
            count += 1
            try:
                callback(*args)
            except Exception:
                log.exception("UI callback %r failed", callback)
                raise

    def _drain(self) -> None:
        self._after_id = None
        self._due = float("inf")
        if self._closed:
            return
        try:
            self.drain_now()
        finally:
            self._schedule(self._next_delay())
