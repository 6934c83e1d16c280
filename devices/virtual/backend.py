"""An in-process pyusb backend: virtual devices that the real pyusb code talks to.

Tests, demo mode and training run the same `usb.core.find` / `write` / `read` path as
a counter with real hardware; only the backend object differs. Modelled on
eblot/pyftdi's `usbvirt.py`.
"""

from __future__ import annotations

import array
import errno
import threading
from dataclasses import dataclass, field
from typing import TypeVar

import usb.backend
import usb.core

_LANGID_EN_US = 0x0409
_STR_MANUFACTURER, _STR_PRODUCT, _STR_SERIAL = 1, 2, 3
_GET_DESCRIPTOR = 0x06
_DT_DEVICE, _DT_CONFIG, _DT_STRING, _DT_INTERFACE, _DT_ENDPOINT = 1, 2, 3, 4, 5


def _usb_error(text: str, err: int, code: int) -> usb.core.USBError:
    return usb.core.USBError(text, code, err)


def _no_device() -> usb.core.USBError:
    return _usb_error("No such device (it may have been disconnected)", errno.ENODEV, -4)


def _stall() -> usb.core.USBError:
    return _usb_error("Pipe error", errno.EPIPE, -9)


@dataclass
class _DeviceDescriptor:
    """Field names are pyusb's: `usb.core.Device` copies them by name."""

    idVendor: int
    idProduct: int
    bus: int
    address: int
    port_number: int
    bLength: int = 18
    bDescriptorType: int = _DT_DEVICE
    bcdUSB: int = 0x0200
    bDeviceClass: int = 0
    bDeviceSubClass: int = 0
    bDeviceProtocol: int = 0
    bMaxPacketSize0: int = 64
    bcdDevice: int = 0x0100
    iManufacturer: int = _STR_MANUFACTURER
    iProduct: int = _STR_PRODUCT
    iSerialNumber: int = _STR_SERIAL
    bNumConfigurations: int = 1
    port_numbers: tuple[int, ...] = ()
    speed: int = 2  # full speed

    def to_bytes(self) -> bytes:
        return bytes(
            [
                self.bLength,
                self.bDescriptorType,
                self.bcdUSB & 0xFF,
                self.bcdUSB >> 8,
                self.bDeviceClass,
                self.bDeviceSubClass,
                self.bDeviceProtocol,
                self.bMaxPacketSize0,
                self.idVendor & 0xFF,
                self.idVendor >> 8,
                self.idProduct & 0xFF,
                self.idProduct >> 8,
                self.bcdDevice & 0xFF,
                self.bcdDevice >> 8,
                self.iManufacturer,
                self.iProduct,
                self.iSerialNumber,
                self.bNumConfigurations,
            ]
        )


@dataclass
class _ConfigDescriptor:
    bLength: int = 9
    bDescriptorType: int = _DT_CONFIG
    wTotalLength: int = 9 + 9 + 7 + 7
    bNumInterfaces: int = 1
    bConfigurationValue: int = 1
    iConfiguration: int = 0
    bmAttributes: int = 0x80
    bMaxPower: int = 50
    extra_descriptors: list[int] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return bytes(
            [
                self.bLength,
                self.bDescriptorType,
                self.wTotalLength & 0xFF,
                self.wTotalLength >> 8,
                self.bNumInterfaces,
                self.bConfigurationValue,
                self.iConfiguration,
                self.bmAttributes,
                self.bMaxPower,
            ]
        )


@dataclass
class _InterfaceDescriptor:
    bInterfaceClass: int
    bLength: int = 9
    bDescriptorType: int = _DT_INTERFACE
    bInterfaceNumber: int = 0
    bAlternateSetting: int = 0
    bNumEndpoints: int = 2
    bInterfaceSubClass: int = 0
    bInterfaceProtocol: int = 0
    iInterface: int = 0
    extra_descriptors: list[int] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return bytes(
            [
                self.bLength,
                self.bDescriptorType,
                self.bInterfaceNumber,
                self.bAlternateSetting,
                self.bNumEndpoints,
                self.bInterfaceClass,
                self.bInterfaceSubClass,
                self.bInterfaceProtocol,
                self.iInterface,
            ]
        )


@dataclass
class _EndpointDescriptor:
    bEndpointAddress: int
    bLength: int = 7
    bDescriptorType: int = _DT_ENDPOINT
    bmAttributes: int = 0x02  # bulk
    wMaxPacketSize: int = 64
    bInterval: int = 0
    bRefresh: int = 0
    bSynchAddress: int = 0
    extra_descriptors: list[int] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return bytes(
            [
                self.bLength,
                self.bDescriptorType,
                self.bEndpointAddress,
                self.bmAttributes,
                self.wMaxPacketSize & 0xFF,
                self.wMaxPacketSize >> 8,
                self.bInterval,
            ]
        )


class VirtualUsbDevice:
    """One device with one interface: a bulk OUT and a bulk IN endpoint.

    Subclasses override `on_write` and usually call `respond()` from it; the default
    `on_read` hands out the responded bytes. Both hooks run with `self.lock` held, so
    subclass state touched from the test thread must be changed under the same lock.
    """

    interface_class = 0xFF  # vendor specific

    def __init__(
        self,
        vid: int,
        pid: int,
        *,
        manufacturer: str = "OneWindow Virtual",
        product: str = "Virtual Device",
        serial: str = "0001",
        out_ep: int = 0x01,
        in_ep: int = 0x81,
        max_read: int | None = None,
    ) -> None:
        if out_ep & 0x80 or not in_ep & 0x80:
            raise ValueError("out_ep must be an OUT address (bit 7 clear), in_ep an IN address")
        self.vid, self.pid = vid, pid
        self.manufacturer, self.product, self.serial = manufacturer, product, serial
        self.out_ep, self.in_ep = out_ep, in_ep
        self.max_read = max_read
        self.lock = threading.Condition(threading.RLock())
        self.deny_access = False  # simulate a missing udev rule
        self._pending = bytearray()
        self._attached = False
        self._bus = 1
        self._address = 0
        self._configuration = 0
        self._generation = 0  # bumped on every attach: handles from before an unplug die

    # ---- hooks for subclasses -------------------------------------------------
    def on_write(self, ep: int, data: bytes) -> None:
        """Bytes the host sent to the OUT endpoint."""

    def on_read(self, ep: int, size: int, timeout: int) -> bytes:
        """Bytes for one IN transfer; waits up to `timeout` ms (0 = forever) like libusb."""
        wait_s = None if timeout <= 0 else timeout / 1000
        if not self._pending and self._attached:
            self.lock.wait_for(lambda: self._pending or not self._attached, wait_s)
        if not self._attached:
            raise _no_device()
        if not self._pending:
            raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
        limit = size if self.max_read is None else min(size, self.max_read)
        chunk = bytes(self._pending[:limit])
        del self._pending[:limit]
        return chunk

    def on_control(
        self, request_type: int, request: int, value: int, index: int, data: bytes, length: int
    ) -> bytes | None:
        """Class or vendor control requests; None stalls the pipe."""
        return None

    def respond(self, data: bytes) -> None:
        """Queue bytes for the host's next IN reads (call with the lock held or not)."""
        with self.lock:
            self._pending += data
            self.lock.notify_all()

    def clear_pending(self) -> None:
        with self.lock:
            self._pending.clear()

    @property
    def attached(self) -> bool:
        return self._attached

    # ---- descriptors ----------------------------------------------------------
    def device_descriptor(self) -> _DeviceDescriptor:
        return _DeviceDescriptor(self.vid, self.pid, self._bus, self._address, self._address)

    def config_descriptor(self) -> _ConfigDescriptor:
        return _ConfigDescriptor()

    def interface_descriptor(self) -> _InterfaceDescriptor:
        return _InterfaceDescriptor(self.interface_class)

    def endpoint_descriptors(self) -> tuple[_EndpointDescriptor, _EndpointDescriptor]:
        return _EndpointDescriptor(self.out_ep), _EndpointDescriptor(self.in_ep)

    def string(self, index: int) -> str | None:
        return {_STR_MANUFACTURER: self.manufacturer, _STR_PRODUCT: self.product, _STR_SERIAL: self.serial}.get(index)

    def descriptor_bytes(self, dtype: int, index: int) -> bytes:
        """What a GET_DESCRIPTOR request returns; raises a stall for unknown ones."""
        if dtype == _DT_DEVICE:
            return self.device_descriptor().to_bytes()
        if dtype == _DT_CONFIG and index == 0:
            return (
                self.config_descriptor().to_bytes()
                + self.interface_descriptor().to_bytes()
                + b"".join(e.to_bytes() for e in self.endpoint_descriptors())
            )
        if dtype == _DT_STRING:
            if index == 0:
                return bytes([4, _DT_STRING, _LANGID_EN_US & 0xFF, _LANGID_EN_US >> 8])
            text = self.string(index)
            if text is not None:
                encoded = text.encode("utf-16-le")[:252]
                return bytes([2 + len(encoded), _DT_STRING]) + encoded
        raise _stall()


class _Handle:
    """An open device handle; dies when its device is detached."""

    def __init__(self, device: VirtualUsbDevice, generation: int) -> None:
        self.device = device
        self.generation = generation


_Device = TypeVar("_Device", bound=VirtualUsbDevice)


class VirtualUsbBackend(usb.backend.IBackend):
    """Hosts any number of `VirtualUsbDevice`s; attach and detach at run time."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._devices: list[VirtualUsbDevice] = []
        self._next_address = 1

    # ---- plugging -------------------------------------------------------------
    def attach(self, device: _Device) -> _Device:
        """Plug a device in; it gets a fresh address like a real re-enumeration."""
        with self._lock:
            if device in self._devices:
                return device
            with device.lock:
                device._address = self._next_address
                device._attached = True
                device._configuration = 1  # the OS configures a device on enumeration
                device._pending.clear()
            self._next_address = self._next_address % 127 + 1
            device._generation += 1
            self._devices.append(device)
            return device

    def detach(self, device: VirtualUsbDevice) -> None:
        """Unplug: open handles fail with ENODEV and blocked reads wake up."""
        with self._lock:
            if device in self._devices:
                self._devices.remove(device)
            with device.lock:
                device._attached = False
                device._pending.clear()
                device.lock.notify_all()

    @property
    def devices(self) -> tuple[VirtualUsbDevice, ...]:
        with self._lock:
            return tuple(self._devices)

    def _live(self, handle: _Handle) -> VirtualUsbDevice:
        with self._lock:
            device = handle.device
            if device not in self._devices or device._generation != handle.generation:
                raise _no_device()
            return device

    # ---- IBackend: enumeration and descriptors ---------------------------------
    def enumerate_devices(self):
        return iter(self.devices)

    def get_parent(self, dev):
        return None

    def get_device_descriptor(self, dev):
        return dev.device_descriptor()

    def get_configuration_descriptor(self, dev, config):
        if config != 0:
            raise IndexError("virtual devices have one configuration")
        return dev.config_descriptor()

    def get_interface_descriptor(self, dev, intf, alt, config):
        if config != 0 or intf != 0 or alt != 0:
            raise IndexError("virtual devices have one interface")
        return dev.interface_descriptor()

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        if config != 0 or intf != 0 or alt != 0:
            raise IndexError("virtual devices have one interface")
        return dev.endpoint_descriptors()[ep]

    # ---- IBackend: handles ------------------------------------------------------
    def open_device(self, dev):
        with self._lock:
            if dev not in self._devices:
                raise _no_device()
            if dev.deny_access:
                raise _usb_error("Access denied (insufficient permissions)", errno.EACCES, -3)
            return _Handle(dev, dev._generation)

    def close_device(self, dev_handle):
        pass

    def set_configuration(self, dev_handle, config_value):
        device = self._live(dev_handle)
        with device.lock:
            device._configuration = config_value

    def get_configuration(self, dev_handle):
        device = self._live(dev_handle)
        with device.lock:
            return device._configuration

    def set_interface_altsetting(self, dev_handle, intf, altsetting):
        self._live(dev_handle)

    def claim_interface(self, dev_handle, intf):
        self._live(dev_handle)

    def release_interface(self, dev_handle, intf):
        pass

    def reset_device(self, dev_handle):
        device = self._live(dev_handle)
        with device.lock:
            device._pending.clear()

    def clear_halt(self, dev_handle, ep):
        self._live(dev_handle)

    def is_kernel_driver_active(self, dev_handle, intf):
        self._live(dev_handle)
        return False

    def detach_kernel_driver(self, dev_handle, intf):
        self._live(dev_handle)

    def attach_kernel_driver(self, dev_handle, intf):
        self._live(dev_handle)

    # ---- IBackend: transfers ----------------------------------------------------
    def bulk_write(self, dev_handle, ep, intf, data, timeout):
        device = self._live(dev_handle)
        if ep != device.out_ep:
            raise _stall()
        payload = bytes(data)
        with device.lock:
            device.on_write(ep, payload)
        return len(payload)

    def bulk_read(self, dev_handle, ep, intf, buff, timeout):
        device = self._live(dev_handle)
        if ep != device.in_ep:
            raise _stall()
        with device.lock:
            chunk = device.on_read(ep, len(buff), timeout)
        chunk = chunk[: len(buff)]
        buff[: len(chunk)] = array.array("B", chunk)
        return len(chunk)

    def ctrl_transfer(self, dev_handle, bmRequestType, bRequest, wValue, wIndex, data, timeout):
        device = self._live(dev_handle)
        device_to_host = bool(bmRequestType & 0x80)
        standard = (bmRequestType >> 5) & 3 == 0
        with device.lock:
            if standard and bRequest == _GET_DESCRIPTOR and device_to_host:
                reply = device.descriptor_bytes(wValue >> 8, wValue & 0xFF)
            elif standard:
                reply = b"\x00\x00" if device_to_host else b""  # GET_STATUS, SET_*: accepted
            else:
                answer = device.on_control(
                    bmRequestType, bRequest, wValue, wIndex, b"" if device_to_host else bytes(data), len(data)
                )
                if answer is None:
                    raise _stall()
                reply = answer
        if not device_to_host:
            return len(data)
        reply = reply[: len(data)]
        data[: len(reply)] = array.array("B", reply)
        return len(reply)
