"""ESC/POS encoder: a `ReceiptLayout` in, printer bytes out; no I/O.

Chinese text is sent as GB18030 inside `FS &` … `FS .` (python-escpos's MagicEncode
prints `???` for fullwidth punctuation). Characters outside GBK are missing from the
printer ROM, so such a line is drawn with a CJK TrueType font and sent as `GS v 0`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from client.domain.paper import Barcode, Cut, Feed, QRCode, ReceiptLayout, Rule, TextLine
from devices.raster import RasterImage, TextRasterizer, pack

log = logging.getLogger(__name__)

ESC, GS, FS, DLE, LF = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
CUT = GS + b"V" + bytes([66, 0])
DOTS_PER_COLUMN = 12  # font A on 203 dpi heads: 48 columns = 576 dots, 32 = 384
MISSING_CHAR = "□"
_ALIGN = {"left": 0, "center": 1, "right": 2}
_QR_EC_M = 49
_CODE128 = 73

# Status request numbers (DLE EOT n)
STATUS_PRINTER, STATUS_OFFLINE, STATUS_ERROR, STATUS_PAPER = 1, 2, 3, 4


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer answered to DLE EOT; `ready` means a job may be sent."""

    online: bool = True
    paper_out: bool = False
    cover_open: bool = False
    paper_near_end: bool = False

    @property
    def ready(self) -> bool:
        return self.online and not self.paper_out and not self.cover_open


def status_request(n: int) -> bytes:
    """DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error cause, 4 paper)."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT n must be 1..4, got {n}")
    return DLE + b"\x04" + bytes([n])


def parse_status(n: int, byte: int) -> PrinterStatus:
    """Decode one DLE EOT reply byte; fields the request `n` cannot tell stay at defaults."""
    if byte & 0x93 != 0x12:
        raise ValueError(f"not a DLE EOT status byte: 0x{byte:02X}")
    if n == STATUS_PRINTER:
        return PrinterStatus(online=not byte & 0x08)
    if n == STATUS_OFFLINE:
        return PrinterStatus(online=not byte & 0x2C, cover_open=bool(byte & 0x04), paper_out=bool(byte & 0x20))
    if n == STATUS_ERROR:
        return PrinterStatus(online=not byte & 0x68)
    if n == STATUS_PAPER:
        return PrinterStatus(paper_out=bool(byte & 0x60), paper_near_end=bool(byte & 0x0C))
    raise ValueError(f"DLE EOT n must be 1..4, got {n}")


def in_printer_rom(ch: str) -> bool:
    """True when the character exists in GBK, i.e. in the printer's font ROM."""
    try:
        ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def normalize_text(text: str) -> str:
    """Receipt-safe text: `¥` becomes `￥` (GBK has only the fullwidth one), tabs become spaces."""
    return text.replace("\u00a5", "\uffe5").replace("\t", " ").replace("\r", "")


def printer_columns(text: str) -> int:
    """Half-width columns on the printer: in Chinese mode every non-ASCII char is 2 wide."""
    return sum(1 if ord(c) < 0x80 else 2 for c in text)


def wrap_columns(text: str, columns: int) -> list[str]:
    """Split a line so each piece fits `columns` half-width columns; CJK never split."""
    columns = max(columns, 2)
    pieces, current, used = [], "", 0
    for ch in text:
        w = printer_columns(ch)
        if used + w > columns and current:
            pieces.append(current)
            current, used = "", 0
            if ch == " ":
                continue  # the break eats one space
        current += ch
        used += w
    pieces.append(current)
    return pieces


def encode_text(text: str) -> bytes:
    """GB18030 inside Chinese mode when needed; plain ASCII otherwise."""
    if text.isascii():
        return text.encode("ascii")
    return CHINESE_ON + text.encode("gb18030") + CHINESE_OFF


def raster_command(image: RasterImage) -> bytes:
    """GS v 0 m xL xH yL yH d…"""
    xb, h = image.width_bytes, image.height
    return GS + b"v0" + bytes([0, xb & 0xFF, xb >> 8, h & 0xFF, h >> 8]) + image.bitmap


def qr_commands(data: str, module: int) -> bytes:
    """Native QR: model 2 (fn 65), module size (67), EC level M (69), store (80), print (81)."""
    payload = data.encode("utf-8")

    def fn(code: int, body: bytes) -> bytes:
        n = len(body) + 2
        return GS + b"(k" + bytes([n & 0xFF, n >> 8, 49, code]) + body

    return (
        fn(65, bytes([50, 0]))
        + fn(67, bytes([max(1, min(16, module))]))
        + fn(69, bytes([_QR_EC_M]))
        + fn(80, b"0" + payload)
        + fn(81, b"0")
    )


def barcode_commands(data: str, width_dots: int) -> bytes:
    """Code128 set B via GS k 73, HRI text below; `{` is escaped as `{{`."""
    if not data.isascii() or not data.isprintable():
        raise ValueError(f"Code128 data must be printable ASCII: {data!r}")
    body = b"{B" + data.replace("{", "{{").encode("ascii")
    if len(body) > 255:
        raise ValueError("Code128 data too long")
    modules = (len(data) + 3) * 11 + 2 + 20
    module_width = 2 if modules * 2 <= width_dots else 1
    return (
        GS
        + b"h"
        + bytes([80])
        + GS
        + b"w"
        + bytes([module_width])
        + GS
        + b"H"
        + bytes([2])
        + GS
        + b"k"
        + bytes([_CODE128, len(body)])
        + body
    )


def _style(align: str, bold: bool, size: int) -> bytes:
    s = max(1, min(8, size)) - 1
    return (
        ESC
        + b"a"
        + bytes([_ALIGN.get(align, 0)])
        + ESC
        + b"E"
        + bytes([1 if bold else 0])
        + GS
        + b"!"
        + bytes([s << 4 | s])
    )


class _Encoder:
    """Holds the per-receipt font chain so fonts are looked up only if a rare char shows up."""

    def __init__(self, layout: ReceiptLayout, raster_font_path: str | None, rasterizer: TextRasterizer | None) -> None:
        self.layout = layout
        self.width_dots = layout.width_chars * DOTS_PER_COLUMN
        self._font_path = raster_font_path
        self._rasterizer = rasterizer

    @property
    def rasterizer(self) -> TextRasterizer:
        if self._rasterizer is None:
            self._rasterizer = TextRasterizer.from_system(self._font_path)
        return self._rasterizer

    def text_line(self, text: str, align: str, bold: bool, size: int) -> bytes:
        size = max(1, min(8, size))
        out = bytearray()
        for raw in normalize_text(text).split("\n") or [""]:
            for piece in wrap_columns(raw, self.layout.width_chars // size):
                if all(in_printer_rom(c) for c in piece):
                    out += _style(align, bold, size) + encode_text(piece) + LF
                elif self.rasterizer.available:
                    image = self.rasterizer.render(piece, self.width_dots, align=align, size=size, bold=bold)
                    out += _style("left", False, 1) + raster_command(pack(image, align))
                else:
                    for c in dict.fromkeys(c for c in piece if not in_printer_rom(c)):
                        log.warning("receipt: no font to draw U+%04X; printed as %s", ord(c), MISSING_CHAR)
                    safe = "".join(c if in_printer_rom(c) else MISSING_CHAR for c in piece)
                    out += _style(align, bold, size) + encode_text(safe) + LF
        return bytes(out)

    def element(self, el) -> bytes:
        if isinstance(el, TextLine):
            return self.text_line(el.text, el.align, el.bold, el.size)
        if isinstance(el, Rule):
            char = normalize_text(el.char)[:1] or "-"
            count = max(1, self.layout.width_chars // printer_columns(char))
            return self.text_line(char * count, "left", False, 1)
        if isinstance(el, QRCode):
            return _style("center", False, 1) + qr_commands(el.data, el.size)
        if isinstance(el, Barcode):
            return _style("center", False, 1) + barcode_commands(el.data, self.width_dots)
        if isinstance(el, Feed):
            return ESC + b"d" + bytes([max(0, min(255, el.lines))])
        if isinstance(el, Cut):
            return CUT
        raise TypeError(f"unknown receipt element: {el!r}")


def encode_receipt(
    layout: ReceiptLayout, *, raster_font_path: str | None = None, rasterizer: TextRasterizer | None = None
) -> bytes:
    """The whole job: ESC @, then each element; pass `rasterizer` to reuse loaded fonts."""
    encoder = _Encoder(layout, raster_font_path, rasterizer)
    return INIT + b"".join(encoder.element(el) for el in layout.elements)
