"""Moves bytes over a serial line with pyserial; knows nothing of protocols.

Many ID card readers and rating pads are a USB-serial chip in front of a 115200 8N1 UART.
Like `UsbTransport`, every failure leaves as a typed `DeviceError` and a port that went
away is reopened on the next write, so a replugged device just works.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable
from typing import Protocol

import serial

from devices.errors import DeviceNotFound, DeviceTimeout, SerialPermissionDenied


class SerialPort(Protocol):
    """What the transport uses of a pyserial port: `serial_for_url`'s or an emulated one."""

    is_open: bool
    timeout: float | None

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = ..., /) -> bytes: ...

    def write(self, b: bytes, /) -> int | None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class SerialTransport:
    """One serial port, by name (`/dev/ttyUSB0`, `COM3`) or pyserial URL (`loop://`).

    `port_factory` replaces `serial.serial_for_url` (tests and the virtual devices pass
    an emulated port); it is called on every (re)open and must return an open port.
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 115200,
        timeout_ms: int = 2000,
        kind: str = "串口设备",
        port_factory: Callable[[], SerialPort] | None = None,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.timeout_ms = timeout_ms
        self.kind = kind
        self._factory = port_factory or self._open_url
        self._port: SerialPort | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"SerialTransport({self.url!r}, {self.baudrate})"

    def _open_url(self) -> SerialPort:
        return serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=self.timeout_ms / 1000)

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        with self._lock:
            if self._port is not None:
                return
            try:
                self._port = self._factory()
            except serial.SerialException as exc:
                if getattr(exc, "errno", None) == errno.EACCES:
                    raise SerialPermissionDenied(self.kind, self.url, f"{self!r}: {exc}") from exc
                raise DeviceNotFound(self.kind, f"{self!r}: open failed: {exc}") from exc

    def _drop(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _opened(self) -> SerialPort:
        self.open()
        assert self._port is not None  # open() sets it or raises
        return self._port

    def _gone(self, exc: Exception, action: str) -> DeviceNotFound:
        self._drop()
        return DeviceNotFound(self.kind, f"{self!r}: {action} failed: {exc}")

    def write(self, data: bytes) -> int:
        with self._lock:
            port = self._opened()
            try:
                sent = port.write(bytes(data))
                port.flush()
            except serial.SerialTimeoutException as exc:
                raise DeviceTimeout(self.kind, f"{self!r}: write timed out") from exc
            except (serial.SerialException, OSError) as exc:
                raise self._gone(exc, "write") from exc
            return len(data) if sent is None else sent

    def read(self, size: int = 64, timeout_ms: int | None = None) -> bytes:
        """What has arrived, at most `size` bytes, after waiting up to `timeout_ms` for the first."""
        with self._lock:
            port = self._opened()
            try:
                port.timeout = (self.timeout_ms if timeout_ms is None else timeout_ms) / 1000
                first = port.read(1)
                if not first:
                    if not port.is_open:
                        raise self._gone(OSError("port closed"), "read")
                    raise DeviceTimeout(self.kind, f"{self!r}: read timed out")
                rest = port.read(min(size - 1, port.in_waiting)) if size > 1 else b""
            except (serial.SerialException, OSError) as exc:
                raise self._gone(exc, "read") from exc
            return bytes(first + rest)

    def __enter__(self) -> SerialTransport:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
