"""The decoder reads back everything the encoder writes, and survives garbage."""

from __future__ import annotations

import io

from PIL import Image

from client.domain.paper import Cut, ReceiptLayout, TextLine
from devices.escpos import encode_receipt
from devices.escpos_decode import DecodedLine, decode, render_png, split_jobs


def test_full_layout_round_trip(acceptance_receipt):
    decoded = decode(encode_receipt(acceptance_receipt))
    assert [line.text for line in decoded.lines] == [
        "某某县政务服务中心",
        "受理回执",
        "-" * 48,
        "办件编号：3401022024110100010001",
        "事项：城乡居民基本养老保险参保登记",
        "申请人：王秀英（110105********002X）",
        "承诺时限：5个工作日",
        "=" * 48,
        "请妥善保管本回执",
    ]
    assert decoded.lines[0] == DecodedLine("某某县政务服务中心", "center", True, 2)
    assert decoded.lines[6].align == "right"
    assert decoded.qr_codes == ("https://zwfw.example.gov.cn/q?no=3401022024110100010001",)
    assert decoded.barcodes == ("3401022024110100010001",)
    assert decoded.cuts == 1
    assert decoded.images == ()


def test_barcode_escapes_round_trip():
    from client.domain.paper import Barcode

    decoded = decode(encode_receipt(ReceiptLayout(80, 48, (Barcode("a{b}{{c"),))))
    assert decoded.barcodes == ("a{b}{{c",)


def test_split_jobs_at_cuts_keeps_unfinished_tail():
    one = encode_receipt(ReceiptLayout(80, 48, (TextLine("第一张"), Cut())))
    two = encode_receipt(ReceiptLayout(80, 48, (TextLine("第二张"), Cut())))
    tail = b"\x1b@\x1c&" + "未完".encode("gb18030")
    jobs, rest = split_jobs(one + two + tail)
    assert jobs == (one, two)
    assert rest == tail
    assert decode(jobs[1]).text == "第二张"


def test_unknown_and_truncated_bytes_never_raise():
    junk = bytes(range(256)) * 3 + b"\x1d(k\xff\xff" + b"\x1dv0\x00\x10\x00\x10"
    decoded = decode(b"\x1b@abc\n" + junk)
    assert decoded.lines[0].text == "abc"


def test_python_escpos_style_status_and_cut_modes():
    decoded = decode(b"\x10\x04\x01hi\n\x1dV\x00\x1dVA\x03")
    assert decoded.text == "hi"
    assert decoded.cuts == 2


def test_render_png_draws_the_receipt(acceptance_receipt, cjk_font, tmp_path):
    png = render_png(decode(encode_receipt(acceptance_receipt)), 576, font_path=cjk_font)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 576
    assert image.height > 500  # title, nine lines, QR and barcode
    dark = sum(image.convert("L").histogram()[:128])
    assert dark > 10_000
    (tmp_path / "receipt.png").write_bytes(png)
