"""The five 好差评 levels and OneWindow's default serial frame for rating pads. Pure.

No public byte-level pad protocol exists (docs/devices.md, protocol notes §5), so this is our own,
documented in docs/devices.md for vendors: STX · TYPE · LEN · payload · XOR · ETX,
XOR over TYPE, LEN and payload. Host → pad: 'Q' ask (payload: case number, ASCII),
'C' cancel. Pad → host: 'A' acknowledge, 'R' result (payload: one byte, level 1–5, and for a
差评 an optional second byte: the reason the applicant touched, 1–8 in the order of
`REASONS`, 0 for none; a pad without a screen for reasons sends the one byte).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from client.domain.ratings import BAD_REASONS

STX, ETX = 0x02, 0x03
ASK, CANCEL, ACK, RESULT = ord("Q"), ord("C"), ord("A"), ord("R")
MAX_PAYLOAD = 64
# The pad's reason numbers (1-based) in this order; fixed, as pads are programmed with it.
REASONS = tuple(BAD_REASONS)


class RatingLevel(int, enum.Enum):
    """The value is the score (5 best); levels 1 and 2 are 差评."""

    VERY_SATISFIED = 5
    SATISFIED = 4
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 2
    VERY_DISSATISFIED = 1

    @property
    def label(self) -> str:
        return {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}[self.value]

    @property
    def is_negative(self) -> bool:
        """差评: the provincial system asks for follow-up on these."""
        return self.value <= 2


@dataclass(frozen=True)
class PadFrame:
    type: int
    payload: bytes = b""

    @property
    def level(self) -> RatingLevel | None:
        if self.type != RESULT or len(self.payload) not in (1, 2):
            return None
        try:
            return RatingLevel(self.payload[0])
        except ValueError:
            return None

    @property
    def reason(self) -> str:
        """The reason code of a 差评 result, or "" (none given, unknown number, good rating)."""
        level = self.level
        if level is None or not level.is_negative or len(self.payload) != 2:
            return ""
        number = self.payload[1]
        return REASONS[number - 1] if 1 <= number <= len(REASONS) else ""


def xor(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def encode_frame(frame_type: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes, at most {MAX_PAYLOAD}")
    body = bytes([frame_type, len(payload)]) + bytes(payload)
    return bytes([STX]) + body + bytes([xor(body), ETX])


def ask_frame(case_number: str) -> bytes:
    return encode_frame(ASK, case_number.encode("ascii"))


def result_frame(level: RatingLevel, reason: str = "") -> bytes:
    """A pad's answer; the reason byte only when one was touched (a one-byte result otherwise)."""
    if not reason:
        return encode_frame(RESULT, bytes([int(level)]))
    return encode_frame(RESULT, bytes([int(level), REASONS.index(reason) + 1]))


class FrameDecoder:
    """Incremental: bytes in, whole valid frames out; noise and bad frames are skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.rejected = 0

    def feed(self, data: bytes) -> list[PadFrame]:
        self._buffer += data
        frames: list[PadFrame] = []
        while True:
            start = self._buffer.find(bytes([STX]))
            if start < 0:
                self._buffer.clear()
                return frames
            del self._buffer[:start]
            if len(self._buffer) < 3:
                return frames
            length = self._buffer[2]
            total = length + 5
            if length > MAX_PAYLOAD:
                self.rejected += 1
                del self._buffer[:1]
                continue
            if len(self._buffer) < total:
                return frames
            raw = bytes(self._buffer[:total])
            body = raw[1:-2]
            if raw[-1] != ETX or xor(body) != raw[-2]:
                self.rejected += 1
                del self._buffer[:1]
                continue
            del self._buffer[:total]
            frames.append(PadFrame(body[0], body[2:]))
