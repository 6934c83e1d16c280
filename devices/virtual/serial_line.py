"""A serial line with an emulated device on the far end (pyserial's loop:// port).

Bytes the host writes go to `answer`; what it returns is read back by the host, so
`SerialTransport` runs its real read/write path in tests, demo mode and training.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

import serial
from serial.urlhandler import protocol_loop


class EmulatedLine(protocol_loop.Serial):
    def __init__(self, answer: Callable[[bytes], bytes], baudrate: int) -> None:
        self.answer = answer
        super().__init__("loop://", baudrate=baudrate)

    def write(self, data) -> int:
        payload = bytes(data)
        if not self.is_open:
            raise serial.PortNotOpenError()
        reply = self.answer(payload)
        if reply:
            super().write(reply)
        return len(payload)

    def device_says(self, data: bytes) -> None:
        """Unprompted bytes from the device (a button pressed on a rating pad)."""
        super().write(data)


def open_line(present: bool, answer: Callable[[bytes], bytes], baudrate: int) -> EmulatedLine:
    """A freshly opened line, if the cable is plugged in (ENOENT otherwise, like a tty)."""
    if not present:
        raise serial.SerialException(errno.ENOENT, "could not open port: no such device")
    return EmulatedLine(answer, baudrate)
