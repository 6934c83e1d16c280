"""Discovery by VID:PID + product string, and status events on hot-plug and paper out."""

from __future__ import annotations

import pytest

from devices.config import VIRTUAL_PRINTER, VIRTUAL_READER
from devices.manager import DeviceMonitor, DeviceSpec, DeviceStatus, default_specs, discover, printer_probe
from devices.owner import DeviceOwner


@pytest.fixture
def virtual_specs():
    return default_specs(VIRTUAL_PRINTER, VIRTUAL_READER)


@pytest.fixture
def events():
    return []


@pytest.fixture
def monitor(virtual_hardware, virtual_specs, events):
    return DeviceMonitor(virtual_specs, events.append, backend=virtual_hardware.backend)


def test_discover_finds_both_virtual_devices(virtual_hardware, virtual_specs):
    found = discover(virtual_specs, virtual_hardware.backend)
    assert sorted((d.spec.role, d.ids, d.product) for d in found) == [
        ("id_reader", "0400:c35a", "Virtual IDR210 ID Card Reader"),
        ("printer", "0416:5011", "Virtual POS-80 Printer"),
    ]
    assert all(d.readable and d.serial for d in found)


def test_same_ids_other_product_is_not_ours(virtual_hardware):
    spec = DeviceSpec("id_reader", "身份证阅读器", 0x0400, 0xC35A, "Some STM32 Gadget")
    assert discover([spec], virtual_hardware.backend) == []


def test_unreadable_strings_mean_no_permission(virtual_hardware, monitor, events):
    virtual_hardware.reader.deny_access = True
    monitor.check_once()
    assert monitor.states["id_reader"] is DeviceStatus.NO_PERMISSION
    assert "身份证阅读器：无访问权限" in [e.message for e in events]


def test_hot_plug_events_only_on_change(virtual_hardware, monitor, events):
    monitor.check_once()
    monitor.check_once()
    virtual_hardware.unplug(virtual_hardware.printer)
    monitor.check_once()
    virtual_hardware.plug(virtual_hardware.printer)
    monitor.check_once()
    assert [(e.role, e.status) for e in events] == [
        ("printer", DeviceStatus.ONLINE),
        ("id_reader", DeviceStatus.ONLINE),
        ("printer", DeviceStatus.OFFLINE),
        ("printer", DeviceStatus.ONLINE),
    ]
    assert events[2].message == "小票打印机：未连接"


def test_paper_out_through_the_owner_thread(virtual_hardware, virtual_specs, printer, events):
    owner = DeviceOwner("printer")
    try:
        monitor = DeviceMonitor(
            virtual_specs,
            events.append,
            backend=virtual_hardware.backend,
            probes={"printer": printer_probe(owner.call, printer)},
        )
        monitor.check_once()
        virtual_hardware.printer.set_paper_out()
        monitor.check_once()
        virtual_hardware.printer.set_paper_out(False)
        monitor.check_once()
    finally:
        owner.stop()
    printer_states = [e.status for e in events if e.role == "printer"]
    assert printer_states == [DeviceStatus.ONLINE, DeviceStatus.PAPER_OUT, DeviceStatus.ONLINE]
    assert [e.message for e in events if e.status is DeviceStatus.PAPER_OUT] == ["小票打印机：缺纸"]


def test_failing_callback_does_not_stop_the_monitor(virtual_hardware, virtual_specs):
    def on_event(event):
        raise RuntimeError("ui gone")

    monitor = DeviceMonitor(virtual_specs, on_event, backend=virtual_hardware.backend)
    assert len(monitor.check_once()) == 2
    virtual_hardware.unplug(virtual_hardware.reader)
    assert [e.status for e in monitor.check_once()] == [DeviceStatus.OFFLINE]
