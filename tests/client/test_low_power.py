"""省电模式: background polling really stops while the mode is on and resumes after it;
the clerk's own requests (F5 sync) still work. Proved by where the pollers' threads wait
(parked at the gate) and by round counts, never by timing."""

from __future__ import annotations

import time

import pytest

from client.app import ClientConfig, build_runtime
from client.services.power import PowerGate
from devices.config import VIRTUAL_READER, open_reader
from devices.manager import DeviceMonitor, default_specs
from devices.owner import CardWatcher, DeviceOwner


def _until(predicate, what: str, timeout: float = 20.0):
    """Wait for a state, failing after a generous bound (a hang, not a measurement)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


def test_device_monitor_and_card_watcher_stop_polling_in_low_power_mode(virtual_devices):
    gate = PowerGate(tick=0.01)
    monitor = DeviceMonitor(
        default_specs(), lambda _e: None, backend=virtual_devices.backend, interval=0.01, gate=gate
    ).start()
    owner = DeviceOwner("id-reader")
    reader = open_reader(VIRTUAL_READER, virtual_devices.backend)
    watcher = CardWatcher(owner, reader, lambda _card: None, interval=0.01, gate=gate).start()
    try:
        _until(lambda: monitor.polls >= 3 and watcher.polls >= 3, "polling")
        gate.set_low_power(True)
        _until(lambda: gate.parked == ("card-watcher", "device-monitor"), "both pollers parked at the gate")
        parked_at = (monitor.polls, watcher.polls)
        # A parked poller is blocked inside the gate: each finished the round it was in and started none.
        assert gate.parked == ("card-watcher", "device-monitor") and (monitor.polls, watcher.polls) == parked_at

        gate.set_low_power(False)
        _until(lambda: monitor.polls > parked_at[0] + 2 and watcher.polls > parked_at[1] + 2, "polling again")
        assert gate.parked == ()
        gate.set_low_power(True)
        _until(lambda: len(gate.parked) == 2, "parked again")
    finally:
        monitor.stop()  # a parked poller still stops when asked
        watcher.stop()
        owner.stop()
        reader.close()
    assert not monitor._thread.is_alive() and not watcher._thread.is_alive() and gate.parked == ()


@pytest.fixture
def syncing_runtime(enrolled_runtime):
    enrolled_runtime.power.tick = 0.01
    enrolled_runtime.start_sync_loop(lambda _report: None, interval=0.01)
    return enrolled_runtime


def test_sync_loop_pauses_but_f5_still_syncs_and_the_mode_is_remembered(
    syncing_runtime, tmp_path, live_server, virtual_devices
):
    runtime = syncing_runtime
    engine = runtime.engine()
    services = runtime.services
    services.auth.login(live_server.clerk, live_server.password)
    _until(lambda: engine.rounds >= 3, "background sync rounds")

    assert services.preferences.set_low_power(True).low_power and runtime.power.low_power
    _until(lambda: "sync" in runtime.power.parked, "the sync loop parked at the gate")
    before = engine.rounds
    services.sync.wake.set()  # a new local event wakes the loop, but not past the gate
    status = services.sync.sync_now()  # F5
    assert status.error == "" and status.last_ok is not None
    assert "sync" in runtime.power.parked and engine.rounds == before

    assert not services.preferences.set_low_power(False).low_power
    _until(lambda: engine.rounds > before + 2, "background sync resumed")
    services.preferences.set_low_power(True)
    runtime.close()
    again = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices)
    try:
        assert again.power.low_power and again.services.preferences.load().low_power
    finally:
        again.close()
