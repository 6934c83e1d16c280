"""Moves bytes to and from one USB device with pyusb; knows nothing of protocols.

Every pyusb failure leaves here as a typed `DeviceError`. After an unplug the transport
closes itself and the next `write` opens it again, so a replugged device just works.
"""

from __future__ import annotations

import errno
import threading

import usb.core
import usb.util

from devices.errors import (
    DeviceError,
    DeviceNotFound,
    DevicePermissionDenied,
    DeviceTimeout,
    NoBackend,
)

_GONE = {errno.ENODEV, errno.EIO, errno.ENOENT}
_WRITE_CHUNK = 16384


class UsbTransport:
    """One bulk OUT / bulk IN pair of a device found by VID:PID (and product string)."""

    def __init__(
        self,
        vid: int,
        pid: int,
        *,
        product: str | None = None,
        out_ep: int = 0x01,
        in_ep: int = 0x81,
        backend=None,
        timeout_ms: int = 2000,
        kind: str = "USB设备",
    ) -> None:
        self.vid, self.pid, self.product = vid, pid, product
        self.out_ep, self.in_ep = out_ep, in_ep
        self.backend = backend
        self.timeout_ms = timeout_ms
        self.kind = kind
        self._device: usb.core.Device | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"UsbTransport({self.vid:04x}:{self.pid:04x}, product={self.product!r})"

    @property
    def is_open(self) -> bool:
        return self._device is not None

    def _matches(self, dev) -> bool | None:
        """These VID:PIDs are reused chip-vendor ids, so the product string decides.

        None means the string could not be read: on Linux that is a missing udev rule.
        """
        if self.product is None:
            return True
        try:
            name = dev.product or ""
        except ValueError:  # pyusb: "no langid (permission issue …)"
            return None
        except usb.core.USBError as exc:
            return None if exc.errno == errno.EACCES else False
        return self.product.casefold() in name.casefold()

    def _error(self, exc: Exception, action: str) -> DeviceError:
        detail = f"{self!r}: {action} failed: {exc}"
        code = getattr(exc, "errno", None)
        if isinstance(exc, usb.core.USBTimeoutError) or code == errno.ETIMEDOUT:
            return DeviceTimeout(self.kind, detail)
        if code == errno.EACCES:
            return DevicePermissionDenied(self.kind, self.vid, self.pid, detail)
        if code in _GONE:
            self._drop()
            return DeviceNotFound(self.kind, detail)
        return DeviceError(detail, f"{self.kind}通信异常，请重新插拔设备后重试")

    def open(self) -> None:
        """Find, configure and claim the device; idempotent."""
        with self._lock:
            if self._device is not None:
                return
            try:
                candidates = list(
                    usb.core.find(find_all=True, idVendor=self.vid, idProduct=self.pid, backend=self.backend)
                )
                verdicts = [(d, self._matches(d)) for d in candidates]
            except usb.core.NoBackendError as exc:
                raise NoBackend(f"{self!r}: {exc}") from exc
            except usb.core.USBError as exc:
                raise self._error(exc, "find") from exc
            device = next((d for d, ok in verdicts if ok), None)
            for other, _ in verdicts:
                if other is not device:
                    usb.util.dispose_resources(other)
            if device is None and any(ok is None for _, ok in verdicts):
                raise DevicePermissionDenied(self.kind, self.vid, self.pid, f"{self!r}: product string unreadable")
            if device is None:
                raise DeviceNotFound(self.kind, f"{self!r}: no matching device on the bus")
            try:
                try:
                    if device.is_kernel_driver_active(0):
                        device.detach_kernel_driver(0)
                except NotImplementedError:
                    pass  # libusb0/openusb and Windows have no kernel-driver calls
                device.set_configuration()
                usb.util.claim_interface(device, 0)
            except usb.core.USBError as exc:
                usb.util.dispose_resources(device)
                raise self._error(exc, "open") from exc
            self._device = device

    def _opened(self) -> usb.core.Device:
        self.open()
        assert self._device is not None  # open() sets it or raises
        return self._device

    def _drop(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                usb.util.dispose_resources(device)
            except usb.core.USBError:
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()

    def write(self, data: bytes) -> int:
        """Send all of `data` to the OUT endpoint, opening the device if needed."""
        with self._lock:
            device = self._opened()
            sent = 0
            try:
                while sent < len(data):
                    sent += device.write(self.out_ep, data[sent : sent + _WRITE_CHUNK], self.timeout_ms)
            except usb.core.USBError as exc:
                raise self._error(exc, f"write ({sent}/{len(data)} bytes sent)") from exc
            return sent

    def read(self, size: int = 64, timeout_ms: int | None = None) -> bytes:
        """One IN transfer of at most `size` bytes; DeviceTimeout if nothing came."""
        with self._lock:
            device = self._opened()
            try:
                data = device.read(self.in_ep, size, self.timeout_ms if timeout_ms is None else timeout_ms)
            except usb.core.USBError as exc:
                raise self._error(exc, "read") from exc
            return bytes(data)

    def __enter__(self) -> UsbTransport:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
