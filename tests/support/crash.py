"""A power cut in a test: a real window runs in a child process and is killed (SIGKILL) once the
store holds what it typed, so the next window shows what autosave kept, and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def kill_once_saved(script: str, args: Sequence[str], saved: Callable[[], T | None], what: str) -> T:
    """Run `script` (it prints "typed" when it has typed), wait until `saved()` finds the draft
    it left in the store, then kill it with no chance to close or flush; returns what was found."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.getcwd()),
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().strip() == "typed", process.stderr.read()
        end = time.monotonic() + 30
        found = saved()
        while found is None and time.monotonic() < end:
            time.sleep(0.1)
            found = saved()
        assert found is not None, what
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    return found
