"""Text to 1-bit bitmaps with a CJK TrueType font chain.

The printer ROM only knows GBK, so a line with a rarer character (CJK Ext-A/B names)
is drawn here and sent as a `GS v 0` image. The decoder's PNG preview uses the same
drawing so what a test "sees" matches what the printer would print.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from client.font_lookup import FontLookup

log = logging.getLogger(__name__)

DOT_FONT_PX = 24  # ESC/POS font A: 12x24 dots a half-width column
_MISSING_PROBE = "\U0010fffd"  # private use: every font draws its .notdef box


@dataclass(frozen=True)
class RasterImage:
    """A packed 1-bit image as `GS v 0` carries it: rows MSB first, 1 = black dot."""

    width: int  # dots, a multiple of 8
    height: int
    bitmap: bytes = field(repr=False)
    align: str = "left"

    @property
    def width_bytes(self) -> int:
        return self.width // 8

    def is_blank(self) -> bool:
        return not any(self.bitmap)

    def to_image(self) -> Image.Image:
        """A Pillow 'L' image (black on white) for previews."""
        inverted = bytes(b ^ 0xFF for b in self.bitmap)  # Pillow's mode '1': 1 = white
        return Image.frombytes("1", (self.width, self.height), inverted).convert("L")


def find_cjk_fonts(preferred: str | None = None, lookup: FontLookup | None = None) -> tuple[str, ...]:
    """Font files with Han characters, `preferred` first, then what fontconfig finds.

    fontconfig sees the user's folder (~/.local/share/fonts) and fonts that cover only
    the rare planes; without its tools (Windows) known files in the font folders are used.
    """
    found = [preferred] if preferred and os.path.isfile(preferred) else []
    found += _han_font_paths(lookup or FontLookup())
    return tuple(dict.fromkeys(found))


@functools.lru_cache(maxsize=8)
def _han_font_paths(lookup: FontLookup) -> list[str]:
    """Asked once per lookup and process (nine fc-list calls); fonts installed later need a restart."""
    return [f.path for f in lookup.han_fonts()]


def pack(image: Image.Image, align: str = "left") -> RasterImage:
    """Threshold an image to dots and pack it for `GS v 0`."""
    gray = image.convert("L")
    width = (gray.width + 7) // 8 * 8
    if width != gray.width:
        padded = Image.new("L", (width, gray.height), 255)
        padded.paste(gray, (0, 0))
        gray = padded
    dots = gray.point(lambda v: 255 if v < 128 else 0).convert("1")  # black -> bit 1
    return RasterImage(width, gray.height, dots.tobytes(), align)


class TextRasterizer:
    """Draws text with the first font of the chain that has each character."""

    def __init__(self, font_paths: Sequence[str]) -> None:
        self.font_paths = tuple(font_paths)
        self._fonts: dict[int, list[ImageFont.FreeTypeFont]] = {}
        self._missing: dict[tuple[float, int], bytes] = {}  # by (font size, font index)

    @classmethod
    def from_system(cls, preferred: str | None = None, lookup: FontLookup | None = None) -> TextRasterizer:
        return cls(find_cjk_fonts(preferred, lookup))

    @property
    def available(self) -> bool:
        return bool(self._chain(DOT_FONT_PX))

    def _chain(self, px: int) -> list[ImageFont.FreeTypeFont]:
        if px not in self._fonts:
            fonts = []
            for path in self.font_paths:
                try:
                    fonts.append(ImageFont.truetype(path, px, index=0))
                except OSError:
                    continue
            self._fonts[px] = fonts
        return self._fonts[px]

    def _has_glyph(self, font: ImageFont.FreeTypeFont, index: int, ch: str) -> bool:
        key = (font.size, index)
        if key not in self._missing:
            self._missing[key] = bytes(font.getmask(_MISSING_PROBE)) + repr(font.getmask(_MISSING_PROBE).size).encode()
        probe = bytes(font.getmask(ch)) + repr(font.getmask(ch).size).encode()
        return ch.isspace() or probe != self._missing[key]

    def _font_for(self, ch: str, px: int) -> ImageFont.FreeTypeFont | None:
        """The first font of the chain that draws `ch` (per character), None if none does."""
        for i, font in enumerate(self._chain(px)):
            if self._has_glyph(font, i, ch):
                return font
        return None

    def has_all_glyphs(self, text: str) -> bool:
        return bool(self._chain(DOT_FONT_PX)) and not self.missing(text)

    def missing(self, text: str) -> tuple[str, ...]:
        """Characters of `text` no font of the chain has, in order of first appearance."""
        return tuple(dict.fromkeys(c for c in text if self._font_for(c, DOT_FONT_PX) is None))

    def render(self, text: str, width: int, *, align: str = "left", size: int = 1, bold: bool = False) -> Image.Image:
        """One printed line as a white 'L' image `width` dots wide.

        Characters sit in printer cells (ASCII 12 dots, others 24, times `size`) so a
        drawn line takes the same columns as the ROM font would.
        """
        px = DOT_FONT_PX * size
        height = px + 6 * size
        image = Image.new("L", (width, height), 255)
        if not self._chain(px):
            return image
        chain = self._chain(px)
        cells = []
        for c in text:
            font = self._font_for(c, px)
            if font is None:
                # The receipt will show the first font's box: say so, with the code point only (no name).
                log.warning("receipt: no installed font has U+%04X; printed as a box", ord(c))
                font = chain[0]
            cells.append((c, font, px // 2 if ord(c) < 0x80 else px))
        total = sum(cell for _, _, cell in cells)
        x = {"center": (width - total) // 2, "right": width - total}.get(align, 0)
        x = max(0, x)
        draw = ImageDraw.Draw(image)
        y = 3 * size
        for c, font, cell in cells:
            offset = max(0.0, (cell - font.getlength(c)) / 2)
            draw.text((x + offset, y), c, font=font, fill=0)
            if bold:
                draw.text((x + offset + 1, y), c, font=font, fill=0)
            x += cell
        return image
