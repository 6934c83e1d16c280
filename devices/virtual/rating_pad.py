"""A virtual rating pad on a serial line, speaking the default frame (devices.rating)."""

from __future__ import annotations

import threading

from devices import rating
from devices.rating import RatingLevel
from devices.virtual.serial_line import EmulatedLine, open_line


class VirtualRatingPad:
    """Acknowledges every ask; `press(level)` is the applicant touching a button.

    With `auto` set, the pad answers every ask with that level (demo mode, CLI).
    """

    name = "虚拟评价器"

    def __init__(self, *, auto: RatingLevel | None = None) -> None:
        self.auto = auto
        self.present = True
        self.asked: list[str] = []
        self.cancelled = 0
        self.line: EmulatedLine | None = None
        self._lock = threading.Lock()
        self._decoder = rating.FrameDecoder()

    def connect(self) -> EmulatedLine:
        self.line = open_line(self.present, self.host_wrote, 9600)
        return self.line

    def host_wrote(self, data: bytes) -> bytes:
        out = bytearray()
        with self._lock:
            for frame in self._decoder.feed(data):
                if frame.type == rating.ASK:
                    self.asked.append(frame.payload.decode("ascii", "replace"))
                    out += rating.encode_frame(rating.ACK)
                    if self.auto is not None:
                        out += rating.result_frame(self.auto)
                elif frame.type == rating.CANCEL:
                    self.cancelled += 1
                    out += rating.encode_frame(rating.ACK)
        return bytes(out)

    def press(self, level: RatingLevel) -> None:
        if self.line is not None and self.line.is_open:
            self.line.device_says(rating.result_frame(RatingLevel(level)))

    def pull(self) -> None:
        self.present = False
        if self.line is not None:
            self.line.close()

    def plug(self) -> None:
        self.present = True
