"""流转单: the slip that travels with a proxy case's originals — fits the paper, its code scans back."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest

from client.domain.paper import Barcode, Cut, QRCode, TextLine
from reports.columns import display_width
from reports.receipt import ReceiptMaterial
from reports.transfer import TransferSlipData, read_slip_code, slip_code, transfer_layout, transfer_pdf

FULL_ID = "11010519491231002X"
CASE_ID = "5b0c2f7e-1d2a-4c53-9a57-2f0d3c1b9e11"


@pytest.fixture
def notarial_slip() -> TransferSlipData:
    return TransferSlipData(
        slip_no="LZK7Q220261122001",
        case_id=CASE_ID,
        case_no="370702101201-20261122-K7Q2-0003",
        station="于河街道东村便民服务站",
        forward_to="潍坊市潍城区行政审批服务局",
        agent_name="刘社工",
        relation="帮办代办",
        applicant_name="王秀英",
        applicant_id_number=FULL_ID,
        applicant_phone="13800000000",
        matter_name="公证（亲属关系、出生、学历等证明）",
        materials=(
            ReceiptMaterial("居民身份证", "original", 1, "received"),
            ReceiptMaterial("户口簿及与被证明人关系的证明材料", "copy", 2, "received"),
        ),
        issued_at=dt.datetime(2026, 11, 22, 10, 30),
    )


@pytest.mark.parametrize(("width_mm", "columns"), [(58, 32), (80, 48)])
def test_thermal_slip_fits_the_paper_and_carries_its_code(notarial_slip, width_mm, columns):
    layout = transfer_layout(notarial_slip, width_mm)
    assert layout.width_chars == columns
    for line in (e for e in layout.elements if isinstance(e, TextLine)):
        assert display_width(line.text) * line.size <= columns, line
    text = "".join(e.text for e in layout.elements if isinstance(e, TextLine))
    assert "帮办代办流转单" in text and "刘社工（帮办代办）" in text and "110105********002X" in text
    assert FULL_ID not in text
    [qr] = [e for e in layout.elements if isinstance(e, QRCode)]
    assert read_slip_code(qr.data) == read_slip_code(notarial_slip.code)
    assert qr.data.isascii()  # a keyboard-wedge scanner types it into the search box as it is
    assert Barcode(notarial_slip.slip_no) in layout.elements and isinstance(layout.elements[-1], Cut)


def test_slip_code_names_the_slip_the_case_number_and_the_case():
    code = slip_code("LZK7Q220261122001", "370702101201-20261122-K7Q2-0003", CASE_ID)
    read = read_slip_code(code)
    assert (read.slip_no, read.case_no, read.case_id) == ("LZK7Q220261122001", "37070210120120261122K7Q20003", CASE_ID)
    assert read_slip_code(" " + code.lower() + "\n").slip_no == "LZK7Q220261122001"  # scanners vary
    for not_a_slip in ("", "370702101201-20261122-K7Q2-0003", "LZ1|only|two", "XX1|a|b|c", "LZ1||b|c"):
        assert read_slip_code(not_a_slip) is None


def test_a4_slip_lists_the_originals_with_room_to_sign(notarial_slip):
    with pdfplumber.open(io.BytesIO(transfer_pdf(notarial_slip))) as pdf:
        assert len(pdf.pages) == 1
        text = pdf.pages[0].extract_text()
    for expected in (
        "帮办代办流转单",
        "LZK7Q220261122001",
        "公证",
        "潍坊市潍城区行政审批服务局",
        "居民身份证",
        "交件人（代办人）",
        "收件人（窗口）",
        "收件窗口扫码登记原件送达",
    ):
        assert expected in text, expected
    assert FULL_ID not in text and "查询网址" not in text
