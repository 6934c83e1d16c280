"""Low-power mode (省电模式) for village stations on a laptop battery.

Background pollers — the sync loop, the device hot-plug monitor, the card watcher — ask
the gate before every round and wait while the mode is on, so the CPU, USB bus and radio
stay idle. Nothing the clerk asks for waits: F5 still syncs and F3 still reads a card.
The pollers know the gate only by its `wait_awake(stop)` method (devices and sync import
nothing of the client).
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class PowerGate:
    def __init__(self, low_power: bool = False, tick: float = 0.5):
        self._awake = threading.Event()
        self._lock = threading.Lock()
        self._parked: list[str] = []
        self.tick = tick  # how often a waiting poller looks at its own stop event
        self.set_low_power(low_power)

    @property
    def parked(self) -> tuple[str, ...]:
        """The threads waiting here now, by name: what is idle, for diagnostics, and a test's
        proof that a poller does no rounds without watching a clock."""
        with self._lock:
            return tuple(sorted(self._parked))

    @property
    def low_power(self) -> bool:
        return not self._awake.is_set()

    def set_low_power(self, on: bool) -> None:
        if on == self.low_power and (on or self._awake.is_set()):
            return
        if on:
            self._awake.clear()
        else:
            self._awake.set()
        log.info("low-power mode %s", "on: background polling paused" if on else "off: background polling resumed")

    def wait_awake(self, stop: threading.Event) -> bool:
        """Block while low-power mode is on; False when `stop` was set meanwhile."""
        if self._awake.is_set():
            return not stop.is_set()
        name = threading.current_thread().name
        with self._lock:
            self._parked.append(name)
        try:
            while not self._awake.is_set():
                if stop.is_set():
                    return False
                self._awake.wait(self.tick)
        finally:
            with self._lock:
                self._parked.remove(name)
        return not stop.is_set()
