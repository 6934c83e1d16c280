"""Scanned pages as intake stores them: 300 dpi colour JPEG, one PDF per material.

Colour always (red letterheads, seals and photos must stay colour, DA/T 31-2017);
300 dpi so small print stays legible. Quality warnings travel with each page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from devices.page_quality import PageQuality, check_page
from devices.scanners import RawPage

TARGET_DPI = 300
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ScannedPage:
    jpeg: bytes
    width: int
    height: int
    quality: PageQuality
    source: str = ""
    dpi: int = TARGET_DPI

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.quality.warnings


def normalise(page: RawPage) -> ScannedPage:
    """Resample to 300 dpi, colour, JPEG; measure blank/blur on the way."""
    image = page.image.convert("RGB")
    quality = check_page(image, page.dpi)
    if abs(page.dpi - TARGET_DPI) > 1:
        scale = TARGET_DPI / page.dpi
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)),
            Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC,
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, dpi=(TARGET_DPI, TARGET_DPI))
    return ScannedPage(out.getvalue(), image.width, image.height, quality, page.source)


def material_pdf(pages: Sequence[ScannedPage]) -> bytes:
    """All pages of one material as one PDF, each page sized by its 300 dpi pixels."""
    if not pages:
        raise ValueError("a material PDF needs at least one page")
    images = [Image.open(io.BytesIO(p.jpeg)) for p in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=TARGET_DPI)
    for image in images:
        image.close()
    return out.getvalue()
