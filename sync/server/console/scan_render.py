"""Showing a stored scan in a browser: which kind of file it is, and a PDF page (or an image
format browsers cannot show, such as TIFF) turned into a PNG.

Rendering runs in a child process with a time limit and a memory limit. A scan's file comes
from outside (a scanner's driver, a citizen's PDF), and pdfium can neither be interrupted nor
shared between threads, so a broken or hostile file costs one child, never the back office.
This file is also the child's program: run as a script, it imports nothing of the project.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

# What a browser shows as it is, by the file's first bytes.
_BROWSER_IMAGES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
PDF = "application/pdf"
OTHER = "other"  # anything else: the child tries it as an image (TIFF, BMP)

MAX_SIDE = 2000  # pixels of a rendered page's longer side: enough to read a stamp at full zoom
MAX_PAGES = 500  # pages of one file the viewer offers
TIME_LIMIT_S = 20.0
MEMORY_LIMIT = 1536 * 1024 * 1024  # the child's address space
_CHILDREN = threading.BoundedSemaphore(2)  # renders at once in this process (two cores on a hall's server)

_BAD_PAGE, _UNREADABLE = 3, 4  # the child's exit codes


class RenderError(Exception):
    """A page that cannot be shown; `message` is for the approver."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class ScanKind:
    media_type: str  # image/jpeg …, PDF, or OTHER

    @property
    def as_is(self) -> bool:
        """Sent to the browser unchanged."""
        return self.media_type not in (PDF, OTHER)


def scan_kind(path: Path) -> ScanKind:
    with open(path, "rb") as fh:
        head = fh.read(1024)
    for magic, media_type in _BROWSER_IMAGES:
        if head.startswith(magic):
            return ScanKind(media_type)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return ScanKind("image/webp")
    if b"%PDF-" in head:  # the format allows junk before the header
        return ScanKind(PDF)
    return ScanKind(OTHER)


def page_count(path: Path, kind: ScanKind) -> int:
    """Pages of a PDF (frames of a TIFF); 1 for a plain image."""
    if kind.as_is:
        return 1
    return min(int(_child("count", path, kind, 1).decode("ascii")), MAX_PAGES)


def render_png(path: Path, kind: ScanKind, page: int, max_side: int = MAX_SIDE) -> bytes:
    """Page `page` (from 1) of a PDF or an odd image format, as PNG bytes."""
    if not 1 <= page <= MAX_PAGES:
        raise RenderError(404, "没有这一页。")
    return _child("render", path, kind, page, max_side)


def _child(mode: str, path: Path, kind: ScanKind, page: int, max_side: int = MAX_SIDE) -> bytes:
    if not _CHILDREN.acquire(timeout=TIME_LIMIT_S):
        raise RenderError(503, "服务器正忙于显示其他扫描件，请稍后再试。")
    try:
        done = subprocess.run(
            [sys.executable, "-I", __file__, mode, str(path), "pdf" if kind.media_type == PDF else "image"]
            + [str(page), str(max_side), str(MEMORY_LIMIT)],
            capture_output=True,
            timeout=TIME_LIMIT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(504, "该扫描件过于复杂，无法在限定时间内显示。") from None
    finally:
        _CHILDREN.release()
    if done.returncode == _BAD_PAGE:
        raise RenderError(404, "没有这一页。")
    if done.returncode != 0 or not done.stdout:
        raise RenderError(422, "该扫描件无法显示：文件已损坏或格式不受支持。")
    return done.stdout


# ---- the child ----------------------------------------------------------------------------


def _main(argv: list[str]) -> int:  # pragma: no cover - runs in the child process
    import io

    mode, path, what, page, max_side, memory = argv[0], argv[1], argv[2], int(argv[3]), int(argv[4]), int(argv[5])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass  # no such limit on this system: the time limit still holds
    out = io.BytesIO()
    try:
        if what == "pdf":
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(path)
            if mode == "count":
                sys.stdout.write(str(len(pdf)))
                return 0
            if page > len(pdf):
                return _BAD_PAGE
            sheet = pdf[page - 1]
            width, height = sheet.get_size()
            image = sheet.render(scale=min(max_side / max(width, height, 1.0), 8.0)).to_pil()
        else:
            from PIL import Image

            image = Image.open(path)
            frames = getattr(image, "n_frames", 1)
            if mode == "count":
                sys.stdout.write(str(frames))
                return 0
            if page > frames:
                return _BAD_PAGE
            image.seek(page - 1)
            image.thumbnail((max_side, max_side))
            if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGB")
        image.save(out, "PNG", compress_level=3)
    except Exception:  # noqa: BLE001 - any failure of a foreign file is "unreadable"
        return _UNREADABLE
    sys.stdout.buffer.write(out.getvalue())
    return 0


if __name__ == "__main__":  # pragma: no cover - the child
    sys.exit(_main(sys.argv[1:]))
