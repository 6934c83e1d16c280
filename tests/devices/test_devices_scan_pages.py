"""Pages normalised to 300 dpi colour JPEG and one PDF per material."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from devices.scan_pages import TARGET_DPI, material_pdf, normalise
from devices.virtual.scanner import VirtualScanner


@pytest.fixture
def scanner_with_three_sheets() -> VirtualScanner:
    scanner = VirtualScanner(dpi=100)
    scanner.feed("text", "blank", "blurred")
    return scanner


def test_pages_become_300_dpi_colour_jpeg(scanner_with_three_sheets):
    raw = scanner_with_three_sheets.acquire()
    page = normalise(raw[0])
    with Image.open(io.BytesIO(page.jpeg)) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert round(image.info["dpi"][0]) == TARGET_DPI
        assert image.size == (page.width, page.height)
    assert abs(page.width - 2480) <= 3 and abs(page.height - 3508) <= 3  # A4 at 300 dpi


def test_red_seal_stays_colour(scanner_with_three_sheets):
    page = normalise(scanner_with_three_sheets.acquire()[0])
    with Image.open(io.BytesIO(page.jpeg)) as image:
        raw = image.resize((248, 351)).convert("RGB").tobytes()
    reds = [raw[i : i + 3] for i in range(0, len(raw), 3) if raw[i] > 150 and raw[i + 1] < 90]
    assert reds, "the seal's red must survive normalisation"


def test_warnings_travel_with_the_pages(scanner_with_three_sheets):
    pages = [normalise(p) for p in scanner_with_three_sheets.acquire()]
    assert [bool(p.warnings) for p in pages] == [False, True, True]
    assert [p.source for p in pages] == ["virtual:1", "virtual:2", "virtual:3"]


def test_one_pdf_per_material_with_a4_pages(scanner_with_three_sheets):
    pages = [normalise(p) for p in scanner_with_three_sheets.acquire()]
    pdf = material_pdf(pages)
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 3
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    assert abs(float(box[1]) - 595.3) < 2 and abs(float(box[2]) - 841.9) < 2


def test_empty_material_is_refused():
    with pytest.raises(ValueError):
        material_pdf([])
