"""The card photo: a 1024-byte encrypted WLT blob that only vendor code can decode.

No open WLT decoder exists (docs/devices.md, protocol notes §1), so the blob is kept as it is and a
decoder is plugged in when the counter has the vendor's library. Without one the
program shows no photo and says why; reading the card's text never depends on it.
"""

from __future__ import annotations

import ctypes
import io
from dataclasses import dataclass
from typing import Protocol

from devices.errors import PhotoUnavailable

BMP_SIZE = 38862  # 102×126, 24-bit, rows padded to 308 bytes, 54-byte header
PHOTO_WIDTH, PHOTO_HEIGHT = 102, 126


class WltDecoder(Protocol):
    """Turns a WLT blob into image file bytes (BMP or PNG); raises PhotoUnavailable."""

    def decode(self, wlt: bytes) -> bytes: ...


@dataclass(frozen=True)
class NoWltDecoder:
    """The default: there is no decoder on this machine."""

    def decode(self, wlt: bytes) -> bytes:
        raise PhotoUnavailable()


@dataclass(frozen=True)
class VendorLibraryDecoder:
    """A vendor shared library (libwlt2bmp.so / WltRS.dll) called through ctypes.

    The common Linux export is `int unpack(char *wlt, char *bmp, int save)` returning 1
    on success and filling a 38,862-byte BMP; the name is configurable because vendors
    differ (unverified without the library at hand).
    """

    path: str
    function: str = "unpack"
    success: int = 1

    def decode(self, wlt: bytes) -> bytes:
        try:
            library = ctypes.CDLL(self.path)
            fn = getattr(library, self.function)
        except (OSError, AttributeError) as exc:
            raise PhotoUnavailable(f"WLT library {self.path}: {exc}") from exc
        src = ctypes.create_string_buffer(bytes(wlt), len(wlt))
        dst = ctypes.create_string_buffer(BMP_SIZE)
        result = fn(src, dst, 0)
        if result != self.success:
            raise PhotoUnavailable(f"WLT library {self.path}: {self.function} returned {result}")
        return dst.raw


def decoder_for(path: str | None) -> WltDecoder:
    """The decoder configured for this counter: a vendor library path, or none."""
    return VendorLibraryDecoder(path) if path else NoWltDecoder()


def photo_png(wlt: bytes, decoder: WltDecoder) -> bytes:
    """The photo as PNG for the UI; PhotoUnavailable when it cannot be decoded."""
    from PIL import Image, UnidentifiedImageError

    image_bytes = decoder.decode(wlt)
    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, "PNG")
    except (UnidentifiedImageError, OSError) as exc:
        raise PhotoUnavailable(f"decoder output is not an image: {exc}") from exc
    return out.getvalue()
