"""Characters outside GBK are drawn with a TrueType font and sent as GS v 0."""

from __future__ import annotations

import pytest

from client.domain.paper import ReceiptLayout, TextLine
from devices.escpos import encode_receipt, in_printer_rom
from devices.escpos_decode import decode
from devices.raster import TextRasterizer

RARE = ["\u4dae", "\U0002020c", "\U0002c317"]  # 䶮 𠈌 𬌗


@pytest.mark.parametrize("ch", RARE)
def test_rare_characters_are_outside_gbk(ch):
    with pytest.raises(UnicodeEncodeError):
        ch.encode("gbk")
    assert not in_printer_rom(ch)


@pytest.mark.parametrize("ch", RARE)
def test_rare_char_line_becomes_a_raster_image(ch, cjk_font):
    layout = ReceiptLayout(80, 48, (TextLine("受理"), TextLine(f"申请人：王{ch}"), TextLine("完")))
    data = encode_receipt(layout, raster_font_path=cjk_font)
    assert b"\x1dv0\x00" in data
    decoded = decode(data)
    assert [line.text for line in decoded.lines] == ["受理", "完"]
    (image,) = decoded.images
    assert (image.width, image.height) == (576, 30)
    assert len(image.bitmap) == 72 * 30
    assert not image.is_blank()


def test_raster_width_follows_58mm_paper(cjk_font):
    data = encode_receipt(ReceiptLayout(58, 32, (TextLine("王\u4dae"),)), raster_font_path=cjk_font)
    assert decode(data).images[0].width == 384


def test_without_any_font_the_char_is_replaced_not_crashing():
    layout = ReceiptLayout(80, 48, (TextLine("申请人：王\u4dae"),))
    data = encode_receipt(layout, rasterizer=TextRasterizer(()))
    assert b"\x1dv0" not in data
    assert decode(data).text == "申请人：王□"


def test_font_chain_reports_glyph_coverage(cjk_font):
    rasterizer = TextRasterizer([cjk_font])
    assert rasterizer.available
    assert rasterizer.has_all_glyphs("王\u4dae")  # Ext-A is in WenQuanYi Zen Hei
    assert not rasterizer.has_all_glyphs("\U0002020c")  # Ext-B is not
