"""In-process preview of a notice page as PNG."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from reports.errors import ReportError
from reports.notices import render_acceptance_notice
from reports.preview import pdf_page_png


@pytest.fixture
def acceptance_pdf(accepted_food_licence) -> bytes:
    return render_acceptance_notice(accepted_food_licence)


def test_preview_is_a_png_of_a4_at_the_asked_dpi(acceptance_pdf):
    png = pdf_page_png(acceptance_pdf, dpi=50)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    assert abs(width - 413) <= 1 and abs(height - 585) <= 1  # 210 x 297 mm at 50 dpi


def test_preview_shows_ink_not_a_blank_page(acceptance_pdf):
    image = Image.open(io.BytesIO(pdf_page_png(acceptance_pdf, dpi=40))).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height


def test_preview_of_missing_page_is_a_clerk_error(acceptance_pdf):
    with pytest.raises(ReportError) as err:
        pdf_page_png(acceptance_pdf, page=3)
    assert "预览页码超出范围" in err.value.message


def test_preview_of_garbage_is_a_clerk_error():
    with pytest.raises(ReportError) as err:
        pdf_page_png(b"not a pdf")
    assert "无法预览" in err.value.message
