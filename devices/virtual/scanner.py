"""A virtual scanner / 高拍仪 producing realistic page images for tests, demo and training.

Pages are A4 at the device's resolution on slightly off-white, noisy paper, with a
heading, body text, a table rule and a red seal; it can also deliver a blank page,
a blurred page (camera moved) or a scan at a low resolution.
"""

from __future__ import annotations

import enum
import threading

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from devices.raster import find_cjk_fonts
from devices.scanners import AdapterStatus, RawPage

A4_MM = (210, 297)


class PageKind(str, enum.Enum):
    TEXT = "text"
    BLANK = "blank"
    BLURRED = "blurred"


def _font(size: int, path: str | None):
    fonts = find_cjk_fonts(path)
    if fonts:
        return ImageFont.truetype(fonts[0], size)
    return ImageFont.load_default(size)


def render_page(
    kind: PageKind, dpi: int = 200, *, title: str = "居民户口簿", number: int = 1, font_path: str | None = None
) -> Image.Image:
    """One A4 page image as a scanner would deliver it."""
    px = lambda mm: round(mm / 25.4 * dpi)  # noqa: E731
    size = (px(A4_MM[0]), px(A4_MM[1]))
    paper = Image.new("RGB", size, (246, 244, 238))
    grain = Image.effect_noise((size[0] // 4 + 1, size[1] // 4 + 1), 6)
    noise = grain.resize(size, Image.Resampling.NEAREST).convert("RGB")
    page = Image.blend(paper, noise, 0.04)
    if kind is PageKind.BLANK:
        return page
    draw = ImageDraw.Draw(page)
    ink = (30, 30, 36)
    draw.text((px(105), px(30)), title, fill=ink, font=_font(px(9), font_path), anchor="mm")
    body = _font(px(4.2), font_path)
    lines = (
        f"第{number}页",
        "户主姓名：王秀英　与户主关系：户主",
        "住址：北京市朝阳区建国门外大街甲12号",
        "公民身份号码：11010519491231002X",
        "登记日期：2015年03月15日",
        "承办人签章：",
    )
    for i, line in enumerate(lines):
        draw.text((px(25), px(50 + i * 10)), line, fill=ink, font=body)
    draw.rectangle((px(22), px(46), px(188), px(112)), outline=ink, width=max(1, px(0.4)))
    seal = (px(140), px(120), px(180), px(160))
    draw.ellipse(seal, outline=(200, 30, 40), width=max(2, px(1)))
    draw.text((px(160), px(140)), "★", fill=(200, 30, 40), font=_font(px(8), font_path), anchor="mm")
    if kind is PageKind.BLURRED:
        page = page.filter(ImageFilter.GaussianBlur(dpi / 40))
    return page


class VirtualScanner:
    """Delivers the queued pages (one text page when nothing is queued) at `dpi`."""

    name = "虚拟高拍仪"

    def __init__(self, *, dpi: int = 200, font_path: str | None = None) -> None:
        self.dpi = dpi
        self.font_path = font_path
        self.present = True
        self._lock = threading.Lock()
        self._queue: list[PageKind] = []
        self._count = 0

    def feed(self, *kinds: PageKind | str) -> None:
        """Queue the pages the next `acquire` returns (like sheets in the feeder)."""
        with self._lock:
            self._queue.extend(PageKind(k) for k in kinds)

    def status(self) -> AdapterStatus:
        if not self.present:
            return AdapterStatus(False, "未检测到虚拟高拍仪")
        return AdapterStatus(True, "虚拟高拍仪已就绪")

    def acquire(self) -> list[RawPage]:
        from devices.errors import DeviceNotFound

        if not self.present:
            raise DeviceNotFound("高拍仪", "virtual scanner unplugged")
        with self._lock:
            kinds, self._queue = (self._queue or [PageKind.TEXT]), []
        pages = []
        for kind in kinds:
            self._count += 1
            image = render_page(kind, self.dpi, number=self._count, font_path=self.font_path)
            pages.append(RawPage(image, float(self.dpi), f"virtual:{self._count}"))
        return pages
