"""省电模式: background polling really stops while the mode is on and resumes after it;
the clerk's own requests (F5 sync) still work. Counted in rounds, never timed."""
from __future__ import annotations

import time

import pytest

from client.app import ClientConfig, build_runtime
from client.services.power import PowerGate
from devices.config import VIRTUAL_READER, open_reader
from devices.manager import DeviceMonitor, default_specs
from devices.owner import CardWatcher, DeviceOwner

QUIET = 0.6  # long enough for many rounds at the test intervals below, were anything still polling


def _until(predicate, what: str, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def paused_and_resumed(poller, gate: PowerGate) -> tuple[int, int]:
    """Polls during a quiet spell in low-power mode, and polls after it ends."""
    _until(lambda: poller.polls >= 3, "polling")
    gate.set_low_power(True)
    time.sleep(0.1)  # a round already under way finishes
    before = poller.polls
    time.sleep(QUIET)
    during = poller.polls - before
    gate.set_low_power(False)
    _until(lambda: poller.polls > before + during + 2, "polling again")
    return during, poller.polls - before


def test_device_monitor_and_card_watcher_stop_polling_in_low_power_mode(virtual_devices):
    gate = PowerGate()
    monitor = DeviceMonitor(default_specs(), lambda _e: None, backend=virtual_devices.backend, interval=0.01,
                            gate=gate).start()
    owner = DeviceOwner("id-reader")
    reader = open_reader(VIRTUAL_READER, virtual_devices.backend)
    watcher = CardWatcher(owner, reader, lambda _card: None, interval=0.01, gate=gate).start()
    try:
        for poller in (monitor, watcher):
            during, after = paused_and_resumed(poller, gate)
            assert during == 0 and after > 2
        gate.set_low_power(True)
    finally:
        monitor.stop()  # a paused poller still stops when asked
        watcher.stop()
        owner.stop()
        reader.close()
    assert not monitor._thread.is_alive() and not watcher._thread.is_alive()


@pytest.fixture
def syncing_runtime(enrolled_runtime):
    enrolled_runtime.start_sync_loop(lambda _report: None, interval=0.01)
    return enrolled_runtime


def test_sync_loop_pauses_but_f5_still_syncs_and_the_mode_is_remembered(syncing_runtime, tmp_path,
                                                                         live_server, virtual_devices):
    runtime = syncing_runtime
    engine = runtime.engine()
    services = runtime.services
    services.auth.login(live_server.clerk, live_server.password)
    _until(lambda: engine.rounds >= 3, "background sync rounds")

    assert services.preferences.set_low_power(True).low_power and runtime.power.low_power
    time.sleep(0.1)
    before = engine.rounds
    services.sync.wake.set()  # a new local event wakes the loop, which goes back to sleep
    time.sleep(QUIET)
    assert engine.rounds == before
    status = services.sync.sync_now()  # F5
    assert status.error == "" and status.last_ok is not None and engine.rounds == before

    assert not services.preferences.set_low_power(False).low_power
    _until(lambda: engine.rounds > before + 2, "background sync resumed")
    services.preferences.set_low_power(True)
    runtime.close()
    again = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices)
    try:
        assert again.power.low_power and again.services.preferences.load().low_power
    finally:
        again.close()
