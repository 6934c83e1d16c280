"""Is a scanned page blank or blurred? Pure Pillow (no numpy); see docs/devices.md, protocol notes §4.

Blank: ink coverage after an Otsu threshold, margins cropped (scanner shadows and punch
holes live there); 0.05 % is the common default. Blur: variance of the Laplacian, taken
over the inked tiles only, because a sharp page with one line of text is mostly white
paper and a whole-page variance would call it blurred.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageMath

BLANK_INK_RATIO = 0.0005  # 0.05 % of the cropped page
MIN_CONTRAST = 48  # grey levels between paper and ink classes; less is noise
BLUR_VARIANCE = 100.0  # Laplacian variance of the sharpest tiles; less is blurred
MARGIN = 0.05  # cropped from each side before the blank check
WORK_DPI = 100  # both checks run on a copy at this resolution
TILE_PX = 32

_LAPLACE = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128)


@dataclass(frozen=True)
class PageQuality:
    """Measurements and the clerk-facing warnings they lead to."""

    ink_ratio: float
    sharpness: float
    blank: bool
    blurry: bool

    @property
    def warnings(self) -> tuple[str, ...]:
        out = []
        if self.blank:
            out.append("疑似空白页，请确认是否扫描了正确的一面")
        if self.blurry:
            out.append("图像模糊，请重新扫描或保持高拍仪稳定")
        return tuple(out)


def otsu_threshold(histogram: Sequence[int]) -> tuple[int, float, float]:
    """Otsu's threshold of a 256-bin histogram, with the mean of each class."""
    total = sum(histogram)
    weighted = sum(i * h for i, h in enumerate(histogram))
    best, best_t, dark_sum, dark_n = -1.0, 0, 0.0, 0
    means = (0.0, 0.0)
    for t in range(256):
        dark_n += histogram[t]
        if dark_n == 0:
            continue
        light_n = total - dark_n
        if light_n == 0:
            break
        dark_sum += t * histogram[t]
        m_dark = dark_sum / dark_n
        m_light = (weighted - dark_sum) / light_n
        between = dark_n * light_n * (m_dark - m_light) ** 2
        if between > best:
            best, best_t, means = between, t, (m_dark, m_light)
    return best_t, means[0], means[1]


def _working_copy(image: Image.Image, dpi: float) -> Image.Image:
    gray = image.convert("L")
    scale = min(1.0, WORK_DPI / dpi) if dpi else 1.0
    if scale < 1.0:
        gray = gray.resize(
            (max(1, round(gray.width * scale)), max(1, round(gray.height * scale))), Image.Resampling.BOX
        )
    return gray


def ink_ratio(gray: Image.Image, margin: float = MARGIN) -> float:
    """Share of dark pixels inside the margins; 0 when the page holds only paper noise."""
    w, h = gray.size
    box = (round(w * margin), round(h * margin), round(w * (1 - margin)), round(h * (1 - margin)))
    inner = gray.crop(box)
    histogram = inner.histogram()
    threshold, dark_mean, light_mean = otsu_threshold(histogram)
    if light_mean - dark_mean < MIN_CONTRAST:
        return 0.0
    return sum(histogram[: threshold + 1]) / max(1, inner.width * inner.height)


def _values(image: Image.Image) -> list:
    """Pixel values in row order (Pillow 12 renamed getdata)."""
    return list(getattr(image, "get_flattened_data", image.getdata)())


def sharpness(gray: Image.Image) -> float:
    """Mean Laplacian variance of the top tenth of tiles (the inked ones)."""
    lap = gray.filter(_LAPLACE)
    lap = lap.crop((2, 2, lap.width - 2, lap.height - 2)).convert("F")  # Pillow leaves edges unfiltered
    centred = lap.point(lambda v: v - 128)
    squared = ImageMath.lambda_eval(lambda a: a["c"] * a["c"], c=centred)
    grid = (max(1, lap.width // TILE_PX), max(1, lap.height // TILE_PX))
    mean = _values(centred.resize(grid, Image.Resampling.BOX))
    mean_sq = _values(squared.resize(grid, Image.Resampling.BOX))
    variances = sorted((sq - m * m for m, sq in zip(mean, mean_sq)), reverse=True)
    top = variances[: max(1, len(variances) // 10)]
    return sum(top) / len(top)


def check_page(image: Image.Image, dpi: float = 300) -> PageQuality:
    """Blank and blur verdicts for one page; a blank page is never also called blurred."""
    gray = _working_copy(image, dpi)
    ink = ink_ratio(gray)
    blank = ink < BLANK_INK_RATIO
    sharp = sharpness(gray)
    return PageQuality(ink, sharp, blank, not blank and sharp < BLUR_VARIANCE)
