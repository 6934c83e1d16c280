"""A virtual rating pad on a serial line, speaking the default frame (devices.rating)."""

from __future__ import annotations

import threading

from devices import rating
from devices.rating import RatingLevel
from devices.virtual.serial_line import EmulatedLine, open_line


class VirtualRatingPad:
    """Acknowledges every ask, then waits for `press(level)`: the applicant touching a button.

    Like a real pad it is dark until the window asks: a press before an ask, or after the
    answer or a cancel, counts for nothing (`press` says whether it counted). With `auto`
    set, the pad answers every ask with that level itself (the `onewindow devices rate`
    check and device tests only; demo mode waits for a press like a real pad).
    """

    name = "虚拟评价器"

    def __init__(self, *, auto: RatingLevel | None = None, auto_reason: str = "") -> None:
        self.auto = auto
        self.auto_reason = auto_reason  # with `auto`: the 差评 reason it touches too
        self.present = True
        self.asked: list[str] = []
        self.cancelled = 0
        self.pressed: list[RatingLevel] = []  # presses that counted, in order
        self.line: EmulatedLine | None = None
        self._lock = threading.Lock()
        self._decoder = rating.FrameDecoder()
        self._lit = False

    @property
    def waiting(self) -> bool:
        """Lit for a case and not answered yet."""
        with self._lock:
            return self._lit

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
                    self._lit = self.auto is None
                    if self.auto is not None:
                        reason = self.auto_reason if self.auto.is_negative else ""
                        out += rating.result_frame(self.auto, reason)
                elif frame.type == rating.CANCEL:
                    self.cancelled += 1
                    self._lit = False
                    out += rating.encode_frame(rating.ACK)
        return bytes(out)

    def press(self, level: RatingLevel | int, reason: str = "") -> bool:
        """The applicant presses a key (and, for a 差评, may touch a reason on the pad's
        screen); True when the pad was waiting and sent the answer."""
        level = RatingLevel(level)
        if reason and (not level.is_negative or reason not in rating.REASONS):
            reason = ""  # the pad offers reasons for a 差评 only, from its fixed list
        with self._lock:
            if not self._lit or self.line is None or not self.line.is_open:
                return False
            self._lit = False
            self.pressed.append(level)
        self.line.device_says(rating.result_frame(level, reason))
        return True

    def pull(self) -> None:
        self.present = False
        with self._lock:
            self._lit = False
        if self.line is not None:
            self.line.close()

    def plug(self) -> None:
        self.present = True
