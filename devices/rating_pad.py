"""Rating pad adapters: the default serial frame (devices.rating) and HID keyboards.

The service asks for a rating with `request(case_number)` and waits on
`wait_result(timeout_s)` on the pad's owner thread; None means the applicant did not
rate in time (the clerk can ask again or skip). Vendor pads get their own adapter.
"""

from __future__ import annotations

import queue
from collections.abc import Mapping
from typing import Protocol

from devices import rating
from devices.errors import DeviceTimeout
from devices.rating import RatingLevel

POLL_MS = 200


class RatingPad(Protocol):
    def request(self, case_number: str) -> None: ...

    def wait_result(self, timeout_s: float) -> RatingLevel | None: ...

    def reason(self) -> str: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


class SerialRatingPad:
    """A pad speaking the default frame over any transport (serial, USB bulk)."""

    def __init__(self, transport) -> None:
        self.transport = transport
        self._decoder = rating.FrameDecoder()
        self._reason = ""

    def request(self, case_number: str) -> None:
        self._decoder = rating.FrameDecoder()  # forget a late answer to an earlier case
        self._reason = ""
        self.transport.write(rating.ask_frame(case_number))

    def wait_result(self, timeout_s: float) -> RatingLevel | None:
        rounds = max(1, int(timeout_s * 1000 // POLL_MS))
        for _ in range(rounds):
            try:
                data = self.transport.read(64, POLL_MS)
            except DeviceTimeout:
                continue
            for frame in self._decoder.feed(data):
                if frame.level is not None:
                    self._reason = frame.reason
                    return frame.level
        return None

    def reason(self) -> str:
        """The 差评 reason the applicant touched with the last result ("" for none)."""
        return self._reason

    def cancel(self) -> None:
        self.transport.write(rating.encode_frame(rating.CANCEL))

    def close(self) -> None:
        self.transport.close()


# Tk keysyms and plain characters; the score is the digit (5 = 非常满意).
DEFAULT_KEYS: Mapping[str, RatingLevel] = {
    **{str(level.value): level for level in RatingLevel},
    **{f"KP_{level.value}": level for level in RatingLevel},
}


class KeyboardRatingPad:
    """A pad that is a USB HID keyboard: the window forwards key presses to `on_key`.

    Keys only count between `request` and the result, so a clerk typing digits into a
    form is never taken for a rating.
    """

    def __init__(self, keys: Mapping[str, RatingLevel] = DEFAULT_KEYS) -> None:
        self.keys = dict(keys)
        self._results: queue.SimpleQueue = queue.SimpleQueue()
        self._armed = False

    def on_key(self, key: str) -> RatingLevel | None:
        """Call from the UI with a keysym or character; returns the level if it counted."""
        level = self.keys.get(key)
        if level is None or not self._armed:
            return None
        self._armed = False
        self._results.put(level)
        return level

    def request(self, case_number: str) -> None:
        while not self._results.empty():
            self._results.get_nowait()
        self._armed = True

    def wait_result(self, timeout_s: float) -> RatingLevel | None:
        try:
            return self._results.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def reason(self) -> str:
        """A keyboard pad has five keys and no screen: never a reason."""
        return ""

    def cancel(self) -> None:
        self._armed = False

    def close(self) -> None:
        self.cancel()
