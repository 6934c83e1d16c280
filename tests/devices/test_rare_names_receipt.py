"""Rare names on the thermal receipt: the raster line draws real glyphs, not the .notdef box (issue #21, point 5).

The ESC/POS bytes are decoded back to the `GS v 0` image; each character's cell is
compared with the same font drawing that character and with the font's .notdef box.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from client.domain.paper import ReceiptLayout, TextLine
from client.font_lookup import FontLookup
from devices.escpos import encode_receipt
from devices.escpos_decode import decode
from devices.raster import DOT_FONT_PX, TextRasterizer, pack

NAMES = ("吉𠮷祥", "郭𡒄", "王𬌗", "刘䶮")
NOTDEF = "\U0010fffd"  # private use: no font has it, every font draws its box


@pytest.fixture(scope="module")
def rasterizer():
    r = TextRasterizer.from_system()
    assert r.available and not r.missing("".join(NAMES)), "run scripts/system-deps.sh"
    return r


def _cells(image: Image.Image, text: str) -> list[Image.Image]:
    """The 24-dot cell of each character of a left-aligned line."""
    return [image.crop((i * DOT_FONT_PX, 0, (i + 1) * DOT_FONT_PX, image.height)) for i in range(len(text))]


def _same(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


@pytest.mark.parametrize("name", NAMES)
def test_raster_line_of_a_rare_name_draws_each_glyph(rasterizer, name):
    data = encode_receipt(ReceiptLayout(80, 48, (TextLine(name),)), rasterizer=rasterizer)
    (raster,) = decode(data).images  # the whole line went out as one GS v 0 image
    printed = raster.to_image()
    for ch, cell in zip(name, _cells(printed, name), strict=True):
        font = rasterizer._font_for(ch, DOT_FONT_PX)
        assert font is not None
        alone = pack(rasterizer.render(ch, printed.width), "left").to_image()
        box = Image.new("L", alone.size, 255)
        box.paste(_draw(font, NOTDEF, printed.width), (0, 0))
        assert _same(cell, _cells(alone, ch)[0]), f"U+{ord(ch):04X} is not the glyph its font draws"
        assert not _same(cell, _cells(box, ch)[0]), f"U+{ord(ch):04X} printed as the .notdef box"
        assert ImageChops.invert(cell).getbbox() is not None, f"U+{ord(ch):04X} printed blank"


def _draw(font, ch: str, width: int) -> Image.Image:
    """`ch` in `font` in a printer cell, as the rasterizer lays it out, packed to dots."""
    image = Image.new("L", (width, DOT_FONT_PX + 6), 255)
    ImageDraw.Draw(image).text((max(0.0, (DOT_FONT_PX - font.getlength(ch)) / 2), 3), ch, font=font, fill=0)
    return pack(image).to_image()


def test_a_font_in_the_users_own_folder_draws_the_receipt(tmp_path, rasterizer):
    """fontconfig sees the user's folder; a font copied there serves the receipt."""
    user = tmp_path / "fonts"
    user.mkdir()
    extb = next(p for p in rasterizer.font_paths if Path(p).name in ("HanaMinB.ttf", "BabelStoneHan.ttf"))
    shutil.copy(extb, user / Path(extb).name)
    mine = TextRasterizer.from_system(lookup=FontLookup.only([str(user)], tmp_path / "cache"))
    assert [Path(p).parent for p in mine.font_paths] == [user]
    assert not mine.missing("𠮷𡒄𬌗")


def test_a_character_no_font_has_is_logged_by_code_point_only(tmp_path, rasterizer, caplog):
    only_common = tmp_path / "fonts"
    only_common.mkdir()
    shutil.copy(rasterizer.font_paths[0], only_common / Path(rasterizer.font_paths[0]).name)
    common = TextRasterizer.from_system(lookup=FontLookup.only([str(only_common)], tmp_path / "cache"))
    assert common.missing("吉𠮷祥") == ("𠮷",)
    with caplog.at_level(logging.WARNING, logger="devices.raster"):
        data = encode_receipt(ReceiptLayout(80, 48, (TextLine("申请人：吉𠮷祥"),)), rasterizer=common)
    assert decode(data).images
    assert "U+20BB7" in caplog.text
    assert "吉" not in caplog.text and "𠮷" not in caplog.text  # no part of the name in the log
