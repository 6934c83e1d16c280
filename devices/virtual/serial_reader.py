"""A virtual ID card reader on a serial line: pyserial's loop:// port with the SAM
emulator on the far end, so `SerialTransport` runs its real read/write path."""
from __future__ import annotations

import errno

import serial
from serial.urlhandler import protocol_loop

from client.domain.identity import IdCard

from devices.virtual.sam import SamCardEmulator


class _SamLine(protocol_loop.Serial):
    """One opened connection: bytes written go to the emulator, its replies come back."""

    def __init__(self, emulator: SamCardEmulator) -> None:
        self.emulator = emulator
        super().__init__("loop://", baudrate=115200)

    def write(self, data) -> int:
        payload = bytes(data)
        if not self.is_open:
            raise serial.PortNotOpenError()
        reply = self.emulator.sam_feed(payload)
        if reply:
            super().write(reply)
        return len(payload)


class VirtualSerialReader(SamCardEmulator):
    """The reader behind a USB-serial cable; `connect` is SerialTransport's port_factory."""

    def __init__(self, *, deck: tuple[IdCard, ...] = ()) -> None:
        self._init_sam(deck=deck)
        self.present = True
        self.line: _SamLine | None = None

    def connect(self) -> _SamLine:
        """A freshly opened line, if the cable is plugged in (ENOENT otherwise, like a tty)."""
        if not self.present:
            raise serial.SerialException(errno.ENOENT, "could not open port: no such device")
        self.line = _SamLine(self)
        return self.line

    def pull(self) -> None:
        """Unplug the cable: a blocked read ends and the port cannot be reopened."""
        self.present = False
        if self.line is not None:
            self.line.close()

    def plug(self) -> None:
        self.present = True
