"""ESC/POS decoder: printer bytes back to what would be on the paper.

Tests assert on the decoded receipt instead of raw bytes, the virtual printer splits
jobs with it, and demo mode shows `render_png` of the last job. Unknown bytes are
skipped and a truncated command ends the parse: it never raises on bad input.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageDraw

from devices.raster import RasterImage, TextRasterizer

_ALIGN_NAMES = ("left", "center", "right")
# Commands that carry a fixed number of parameter bytes, by introducer and letter.
_ESC_ARGS = {
    0x21: 1,
    0x2D: 1,
    0x32: 0,
    0x33: 1,
    0x40: 0,
    0x45: 1,
    0x47: 1,
    0x4A: 1,
    0x4D: 1,
    0x52: 1,
    0x56: 1,
    0x61: 1,
    0x64: 1,
    0x72: 1,
    0x74: 1,
    0x7B: 1,
    0x20: 1,
    0x24: 2,
    0x5C: 2,
    0x42: 2,
    0x70: 3,
    0x55: 1,
    0x53: 0,
    0x4C: 0,
    0x54: 1,
    0x57: 8,
    0x63: 2,
    0x69: 0,
    0x6D: 0,
    0x25: 1,
    0x3F: 1,
    0x3D: 1,
}
_GS_ARGS = {
    0x21: 1,
    0x42: 1,
    0x48: 1,
    0x49: 1,
    0x4C: 2,
    0x50: 2,
    0x57: 2,
    0x61: 1,
    0x62: 1,
    0x66: 1,
    0x68: 1,
    0x72: 1,
    0x77: 1,
    0x24: 2,
    0x5C: 2,
    0x2F: 1,
    0x3A: 0,
    0x54: 1,
    0x5E: 3,
}
_FS_ARGS = {0x26: 0, 0x2E: 0, 0x21: 1, 0x2D: 1, 0x43: 1, 0x57: 1, 0x53: 2, 0x70: 2}
_CUT_MODES_SHORT = {0, 1, 48, 49}
_CUT_MODES_LONG = {65, 66, 97, 98, 103, 104}


@dataclass(frozen=True)
class DecodedLine:
    text: str
    align: str = "left"
    bold: bool = False
    size: int = 1


@dataclass(frozen=True)
class DecodedQR:
    data: str
    size: int = 3


@dataclass(frozen=True)
class DecodedBarcode:
    data: str
    symbology: int = 73  # GS k m


@dataclass(frozen=True)
class DecodedFeed:
    lines: int = 1


@dataclass(frozen=True)
class DecodedCut:
    pass


Block = DecodedLine | DecodedQR | DecodedBarcode | RasterImage | DecodedFeed | DecodedCut


@dataclass(frozen=True)
class DecodedReceipt:
    """Everything that reached the paper, in print order (`blocks`) and by kind."""

    blocks: tuple[Block, ...]

    @property
    def lines(self) -> tuple[DecodedLine, ...]:
        return tuple(b for b in self.blocks if isinstance(b, DecodedLine))

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def qr_codes(self) -> tuple[str, ...]:
        return tuple(b.data for b in self.blocks if isinstance(b, DecodedQR))

    @property
    def barcodes(self) -> tuple[str, ...]:
        return tuple(b.data for b in self.blocks if isinstance(b, DecodedBarcode))

    @property
    def images(self) -> tuple[RasterImage, ...]:
        return tuple(b for b in self.blocks if isinstance(b, RasterImage))

    @property
    def cuts(self) -> int:
        return sum(1 for b in self.blocks if isinstance(b, DecodedCut))


def _code128_text(body: bytes) -> str:
    """Undo the `{A`/`{B`/`{C` code-set switches and `{{` escapes of GS k 73."""
    out, code_set, i = [], "B", 0
    while i < len(body):
        b = body[i]
        if b == 0x7B and i + 1 < len(body):
            nxt = chr(body[i + 1])
            if nxt in "ABC":
                code_set = nxt
            elif nxt == "{":
                out.append("{")
            i += 2
            continue
        out.append(f"{b:02d}" if code_set == "C" else chr(b))
        i += 1
    return "".join(out)


# An event's argument: text bytes, a command's byte, (function or mode, body) of a QR code or barcode, a raster image.
_Arg = bytes | int | tuple[int, bytes] | RasterImage | None


def _commands(data: bytes) -> Iterator[tuple[str, _Arg, int]]:
    """Yield (event, argument, end offset); stops quietly at a truncated command."""
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x0A:
            i += 1
            yield "lf", None, i
        elif b in (0x1B, 0x1D, 0x1C, 0x10):
            if i + 1 >= n:
                return
            c = data[i + 1]
            result = _special(data, i, b, c)
            if result is None:
                return
            event, arg, i = result
            if event:
                yield event, arg, i
        elif b < 0x20 or b == 0x7F:
            i += 1
        else:
            j = i
            while j < n and data[j] >= 0x20 and data[j] != 0x7F:
                j += 1
            yield "text", data[i:j], j
            i = j


def _special(data: bytes, i: int, b: int, c: int) -> tuple[str, _Arg, int] | None:
    """One ESC/GS/FS/DLE command at `i`; None if the bytes end before it does."""
    n = len(data)

    def need(k: int) -> bool:
        return i + k <= n

    if b == 0x10:  # DLE: real-time commands
        size = {0x04: 3, 0x05: 3, 0x14: 5}.get(c, 2)
        return ("status", data[i + 2] if size == 3 and need(3) else None, i + size) if need(size) else None
    if b == 0x1B:
        if c == 0x2A:  # ESC * m nL nH d… (bit image)
            if not need(5):
                return None
            count = data[i + 3] + data[i + 4] * 256
            size = 5 + count * (1 if data[i + 2] in (0, 1) else 3)
            return ("", None, i + size) if need(size) else None
        if c == 0x44:  # ESC D tab stops … NUL
            end = data.find(b"\x00", i + 2)
            return ("", None, end + 1) if end >= 0 else None
        args = _ESC_ARGS.get(c, 0)
        if not need(2 + args):
            return None
        arg = data[i + 2] if args else None
        event = {0x40: "init", 0x61: "align", 0x45: "bold", 0x64: "feed", 0x21: "mode"}.get(c, "")
        return event, arg, i + 2 + args
    if b == 0x1C:
        args = _FS_ARGS.get(c, 0)
        if not need(2 + args):
            return None
        return "", None, i + 2 + args
    # GS
    if c == 0x56:  # GS V m [n]
        if not need(3):
            return None
        m = data[i + 2]
        if m in _CUT_MODES_LONG:
            return ("cut", m, i + 4) if need(4) else None
        return ("cut" if m in _CUT_MODES_SHORT else "", m, i + 3)
    if c == 0x6B:  # GS k m …
        if not need(3):
            return None
        m = data[i + 2]
        if m <= 6:
            end = data.find(b"\x00", i + 3)
            return ("barcode", (m, data[i + 3 : end]), end + 1) if end >= 0 else None
        if not need(4):
            return None
        size = data[i + 3]
        return ("barcode", (m, data[i + 4 : i + 4 + size]), i + 4 + size) if need(4 + size) else None
    if c == 0x28:  # GS ( x pL pH …
        if not need(5):
            return None
        length = data[i + 3] + data[i + 4] * 256
        if not need(5 + length):
            return None
        body = data[i + 5 : i + 5 + length]
        if data[i + 2] == 0x6B and len(body) >= 2 and body[0] == 49:
            return "qr", (body[1], body[2:]), i + 5 + length
        return "", None, i + 5 + length
    if c == 0x76:  # GS v 0 m xL xH yL yH d…
        if not need(8):
            return None
        xb = data[i + 4] + data[i + 5] * 256
        h = data[i + 6] + data[i + 7] * 256
        if not need(8 + xb * h):
            return None
        return "raster", RasterImage(xb * 8, h, bytes(data[i + 8 : i + 8 + xb * h])), i + 8 + xb * h
    if c == 0x2A:  # GS * x y d… (downloaded bit image)
        if not need(4):
            return None
        size = 4 + data[i + 2] * data[i + 3] * 8
        return ("", None, i + size) if need(size) else None
    args = _GS_ARGS.get(c, 0)
    if not need(2 + args):
        return None
    return ("size", data[i + 2], i + 3) if c == 0x21 else ("", None, i + 2 + args)


def decode(data: bytes) -> DecodedReceipt:
    """Replay the printer's state machine over `data`; text is read as GB18030."""
    blocks: list[Block] = []
    buffer = bytearray()
    align, bold, size = "left", False, 1
    qr_data, qr_size = b"", 3

    def flush() -> None:
        if buffer:
            text = bytes(buffer).decode("gb18030", errors="replace")
            blocks.append(DecodedLine(text, align, bold, size))
            buffer.clear()

    for event, arg, _ in _commands(bytes(data)):
        if event == "text":
            assert isinstance(arg, bytes)
            buffer += arg
        elif event == "lf":
            if buffer:
                flush()
            else:
                blocks.append(DecodedFeed(1))
        elif event == "init":
            flush()
            align, bold, size = "left", False, 1
        elif event == "align":
            assert isinstance(arg, int)
            align = _ALIGN_NAMES[arg % 48] if arg % 48 < 3 else "left"
        elif event == "bold":
            assert isinstance(arg, int)
            bold = bool(arg & 1)
        elif event == "mode":
            assert isinstance(arg, int)
            bold, size = bool(arg & 0x08), 2 if arg & 0x30 else 1
        elif event == "size":
            assert isinstance(arg, int)
            size = max((arg >> 4) + 1, (arg & 0x0F) + 1)
        elif event == "feed":
            assert isinstance(arg, int)
            flush()
            if arg:
                blocks.append(DecodedFeed(arg))
        elif event == "cut":
            flush()
            blocks.append(DecodedCut())
        elif event == "qr":
            assert isinstance(arg, tuple)
            fn, body = arg
            if fn == 67 and body:
                qr_size = body[0]
            elif fn == 80:
                qr_data = body[1:]
            elif fn == 81:
                flush()
                blocks.append(DecodedQR(qr_data.decode("utf-8", errors="replace"), qr_size))
        elif event == "barcode":
            flush()
            assert isinstance(arg, tuple)
            m, body = arg
            text = _code128_text(body) if m == 73 else body.decode("ascii", errors="replace")
            blocks.append(DecodedBarcode(text, m))
        elif event == "raster":
            assert isinstance(arg, RasterImage)
            flush()
            blocks.append(arg)
    flush()
    return DecodedReceipt(tuple(blocks))


def split_jobs(data: bytes) -> tuple[tuple[bytes, ...], bytes]:
    """Cut the byte stream after each paper cut: (finished jobs, bytes still pending)."""
    jobs, start = [], 0
    for event, _, end in _commands(bytes(data)):
        if event == "cut":
            jobs.append(bytes(data[start:end]))
            start = end
    return tuple(jobs), bytes(data[start:])


# ---- preview -------------------------------------------------------------------


def _paste_aligned(canvas: Image.Image, image: Image.Image, y: int, align: str) -> None:
    x = {"center": (canvas.width - image.width) // 2, "right": canvas.width - image.width}.get(align, 0)
    canvas.paste(image, (max(0, x), y))


def _qr_image(data: str, module: int) -> Image.Image:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=max(1, module), border=0)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("L")


def _barcode_image(data: str, width: int, rasterizer: TextRasterizer) -> Image.Image:
    try:
        import barcode  # python-barcode (setup.cfg): draws the Code 128 the printer was sent

        modules = barcode.Code128(data).build()[0]
    except Exception:  # noqa: BLE001 - preview only: fall back to a plain box
        modules = "1" * 11 * (len(data) + 3)
    module_w = 2 if len(modules) * 2 <= width else 1
    bars = Image.new("L", (len(modules) * module_w, 80), 255)
    draw = ImageDraw.Draw(bars)
    for k, bit in enumerate(modules):
        if bit == "1":
            draw.rectangle([k * module_w, 0, (k + 1) * module_w - 1, 79], fill=0)
    hri = rasterizer.render(data, width, align="center")
    image = Image.new("L", (width, bars.height + hri.height), 255)
    _paste_aligned(image, bars, 0, "center")
    image.paste(hri, (0, bars.height))
    return image


def render_png(decoded: DecodedReceipt, width_px: int = 576, *, font_path: str | None = None) -> bytes:
    """Draw the receipt as the printer would (PNG bytes), for tests and demo mode."""
    rasterizer = TextRasterizer.from_system(font_path)
    pieces: list[tuple[Image.Image | int, str]] = []
    for block in decoded.blocks:
        if isinstance(block, DecodedLine):
            pieces.append(
                (rasterizer.render(block.text, width_px, align=block.align, size=block.size, bold=block.bold), "left")
            )
        elif isinstance(block, DecodedQR):
            pieces += [(8, ""), (_qr_image(block.data, block.size), "center"), (8, "")]
        elif isinstance(block, DecodedBarcode):
            pieces += [(8, ""), (_barcode_image(block.data, width_px, rasterizer), "left")]
        elif isinstance(block, RasterImage):
            pieces.append((block.to_image(), block.align if block.width < width_px else "left"))
        elif isinstance(block, DecodedFeed):
            pieces.append((30 * block.lines, ""))
        elif isinstance(block, DecodedCut):
            pieces.append((-24, ""))
    margin = 12
    height = margin * 2 + sum(abs(p) if isinstance(p, int) else p.height for p, _ in pieces)
    canvas = Image.new("L", (width_px, max(height, 2 * margin)), 255)
    draw = ImageDraw.Draw(canvas)
    y = margin
    for piece, align in pieces:
        if isinstance(piece, int):
            if piece < 0:  # a cut: dashed line across the paper
                for x in range(0, width_px, 16):
                    draw.line([(x, y + 12), (x + 8, y + 12)], fill=0, width=2)
            y += abs(piece)
        else:
            _paste_aligned(canvas, piece, y, align)
            y += piece.height
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()
