"""The two-tone chime (叮咚) played before every call, made here rather than shipped as a
recording: a WAV of two decaying sine tones, built once per app from a few lines of maths."""

from __future__ import annotations

import io
import math
import struct
import wave

RATE = 22_050
TONES = ((659.25, 0.55), (523.25, 0.9))  # E5 then C5, seconds each


def chime_wav() -> bytes:
    frames = bytearray()
    for frequency, seconds in TONES:
        count = int(RATE * seconds)
        for n in range(count):
            t = n / RATE
            attack = min(1.0, n / (RATE * 0.01))  # 10 ms rise, no click
            level = 0.5 * attack * math.exp(-3.5 * t) * math.sin(2 * math.pi * frequency * t)
            frames += struct.pack("<h", int(level * 32767))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(bytes(frames))
    return out.getvalue()
