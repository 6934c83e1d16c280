"""Byte-exact ESC/POS output of the receipt encoder."""

from __future__ import annotations

from client.domain.paper import Barcode, Cut, Feed, QRCode, ReceiptLayout, Rule, TextLine
from devices.escpos import encode_receipt, encode_text, printer_columns, wrap_columns

INIT = b"\x1b@"
LEFT_PLAIN = b"\x1ba\x00\x1bE\x00\x1d!\x00"


def layout(*elements, width_chars=48):
    return ReceiptLayout(80 if width_chars == 48 else 58, width_chars, tuple(elements))


def test_empty_layout_is_just_init():
    assert encode_receipt(layout()) == INIT


def test_ascii_line_has_no_chinese_mode():
    assert encode_receipt(layout(TextLine("Total 12"))) == INIT + LEFT_PLAIN + b"Total 12\n"


def test_chinese_line_is_gb18030_inside_fs_and():
    data = encode_receipt(layout(TextLine("受理回执", align="center", bold=True, size=2)))
    assert data == (INIT + b"\x1ba\x01\x1bE\x01\x1d!\x11" + b"\x1c&" + "受理回执".encode("gb18030") + b"\x1c." + b"\n")


def test_fullwidth_punctuation_only_is_not_question_marks():
    data = encode_receipt(layout(TextLine("：（）")))
    assert data == INIT + LEFT_PLAIN + b"\x1c&\xa3\xba\xa3\xa8\xa3\xa9\x1c.\n"
    assert b"?" not in data


def test_yen_sign_becomes_fullwidth_yuan():
    assert encode_text("¥5".replace("¥", "￥")) == b"\x1c&\xa3\xa45\x1c."
    data = encode_receipt(layout(TextLine("¥5")))
    assert b"\x1c&\xa3\xa45\x1c." in data


def test_right_alignment_byte():
    assert encode_receipt(layout(TextLine("x", align="right")))[2:5] == b"\x1ba\x02"


def test_rule_spans_width_in_columns():
    data = encode_receipt(layout(Rule(), width_chars=32))
    assert data == INIT + LEFT_PLAIN + b"-" * 32 + b"\n"
    wide = encode_receipt(layout(Rule("═"), width_chars=32))
    assert wide == INIT + LEFT_PLAIN + b"\x1c&" + "═".encode("gb18030") * 16 + b"\x1c.\n"


def test_feed_and_cut():
    assert encode_receipt(layout(Feed(4), Cut())) == INIT + b"\x1bd\x04" + b"\x1dVB\x00"


def test_native_qr_functions_165_167_169_180_181():
    data = encode_receipt(layout(QRCode("AB", size=5)))
    assert data == (
        INIT
        + b"\x1ba\x01\x1bE\x00\x1d!\x00"
        + b"\x1d(k\x04\x001A2\x00"  # fn 65: model 2
        + b"\x1d(k\x03\x001C\x05"  # fn 67: module size 5
        + b"\x1d(k\x03\x001E1"  # fn 69: error correction M
        + b"\x1d(k\x05\x001P0AB"  # fn 80: store "AB"
        + b"\x1d(k\x03\x001Q0"
    )  # fn 81: print


def test_code128_set_b_with_escaped_brace():
    data = encode_receipt(layout(Barcode("A{1")))
    assert data.endswith(b"\x1dk\x49\x06{BA{{1")
    assert b"\x1dh\x50" in data and b"\x1dH\x02" in data


def test_long_line_wraps_by_printer_columns():
    text = "办" * 30  # 60 columns on a 48-column line
    assert wrap_columns(text, 48) == ["办" * 24, "办" * 6]
    assert printer_columns("办件A") == 5
    assert wrap_columns("abcd efgh", 4) == ["abcd", "efgh"]
    data = encode_receipt(layout(TextLine(text)))
    assert data.count(b"\n") == 2


def test_double_size_halves_the_columns():
    data = encode_receipt(layout(TextLine("办" * 13, size=2)))
    assert data.count(b"\n") == 2  # 24 columns at double width, 26 needed
