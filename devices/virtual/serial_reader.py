"""A virtual ID card reader on a serial line: pyserial's loop:// port with the SAM
emulator on the far end, so `SerialTransport` runs its real read/write path."""

from __future__ import annotations

from client.domain.identity import IdCard
from devices.virtual.sam import SamCardEmulator
from devices.virtual.serial_line import EmulatedLine, open_line


class VirtualSerialReader(SamCardEmulator):
    """The reader behind a USB-serial cable; `connect` is SerialTransport's port_factory."""

    def __init__(self, *, deck: tuple[IdCard, ...] = ()) -> None:
        self._init_sam(deck=deck)
        self.present = True
        self.line: EmulatedLine | None = None

    def connect(self) -> EmulatedLine:
        self.line = open_line(self.present, self.sam_feed, 115200)
        return self.line

    def pull(self) -> None:
        """Unplug the cable: a blocked read ends and the port cannot be reopened."""
        self.present = False
        if self.line is not None:
            self.line.close()

    def plug(self) -> None:
        self.present = True
