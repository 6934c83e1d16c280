"""Blank-page and blur checks on virtual scanner pages, and Otsu on known histograms."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from devices import page_quality
from devices.virtual.scanner import PageKind, render_page


@pytest.fixture(scope="module")
def pages() -> dict:
    return {kind: render_page(kind, 100) for kind in PageKind}


def test_otsu_splits_a_two_level_histogram():
    histogram = [0] * 256
    histogram[30], histogram[220] = 100, 900
    threshold, dark, light = page_quality.otsu_threshold(histogram)
    assert 30 <= threshold < 220 and (dark, light) == (30, 220)


def test_text_page_is_neither_blank_nor_blurred(pages):
    quality = page_quality.check_page(pages[PageKind.TEXT], 100)
    assert not quality.blank and not quality.blurry
    assert quality.warnings == ()
    assert quality.ink_ratio > 0.005


def test_blank_page_warns(pages):
    quality = page_quality.check_page(pages[PageKind.BLANK], 100)
    assert quality.blank and not quality.blurry
    assert quality.warnings == ("疑似空白页，请确认是否扫描了正确的一面",)


def test_blurred_page_warns(pages):
    quality = page_quality.check_page(pages[PageKind.BLURRED], 100)
    assert quality.blurry and not quality.blank
    assert "图像模糊" in quality.warnings[0]


def test_dark_margin_shadow_alone_is_still_blank():
    """A scanner-lid shadow along the edge is cropped away with the margins."""
    image = Image.new("L", (850, 1100), 245)
    ImageDraw.Draw(image).rectangle((0, 0, 20, 1100), fill=40)
    assert page_quality.check_page(image, 100).blank


def test_one_short_line_is_not_blank():
    image = Image.new("L", (850, 1100), 245)
    ImageDraw.Draw(image).rectangle((300, 500, 520, 512), fill=20)
    assert not page_quality.check_page(image, 100).blank
