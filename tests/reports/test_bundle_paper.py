"""A 一件事's paper: its number, promise and member matters on the receipt and on every notice kind."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest

from client.domain.bundles import format_bundle_no, mint_bundle_no
from client.domain.case_numbers import format_case_no, mint_case_no
from client.domain.paper import TextLine
from reports.bundle import BundleMember, BundlePaper, bundle_receipt_layout, bundle_receipt_pdf, render_bundle_sheet
from reports.columns import display_width
from reports.notices import AcceptanceNotice, acceptance_sheet
from reports.receipt import ReceiptData, ReceiptMaterial

DAY = dt.date(2026, 12, 2)
BUNDLE_NO = mint_bundle_no("370702000000", DAY, "A1B2", 3)
MEMBERS = tuple(
    BundleMember(name, dept, mint_case_no("370702000000", DAY, "A1B2", i))
    for i, (name, dept) in enumerate(
        (
            ("民办幼儿园设立审批", "社会事务科"),
            ("民办非企业单位成立登记", "社会事务科"),
            ("食品经营许可", "社会事务科"),
            ("公众聚集场所投入使用、营业前消防安全检查", "城建交通科"),
        ),
        1,
    )
)
PAPER = BundlePaper(BUNDLE_NO, "幼儿园设立一件事", MEMBERS, dt.date(2027, 1, 6))
RECEIPT = ReceiptData(
    office_name="潍坊市潍城区行政审批服务局",
    case_no=BUNDLE_NO,
    applicant_name="王秀兰",
    applicant_id_number="34052419800101001X",
    matter_name="幼儿园设立一件事",
    materials=(ReceiptMaterial("举办者身份证", "original", 1, "received"),),
    received_at=dt.datetime(2026, 12, 2, 9, 30),
    promised_by=dt.date(2027, 1, 6),
    clerk="张敏",
)


# Ruled lines only: the embedded CJK glyphs' strokes must not be taken for a table's borders.
TIGHT = {"snap_tolerance": 1, "join_tolerance": 1, "intersection_tolerance": 1}


def _cells(pdf: bytes) -> set[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return {
            (cell or "").replace("\n", "")
            for page in doc.pages
            for table in page.extract_tables(TIGHT)
            for row in table
            for cell in row
        }


@pytest.mark.parametrize("width_mm", [80, 58])
def test_the_receipt_names_the_bundle_and_every_member_case_within_the_paper_width(width_mm):
    layout = bundle_receipt_layout(RECEIPT, PAPER, width_mm)
    lines = [e for e in layout.elements if isinstance(e, TextLine)]
    assert all(display_width(line.text) * line.size <= layout.width_chars for line in lines)
    text = "\n".join(line.text for line in lines)
    assert "一件事编号：" in text and "受理编号" not in text
    assert format_bundle_no(BUNDLE_NO) in text.replace("\n", "").replace(" ", "")
    assert all(format_case_no(m.case_no) in text for m in MEMBERS)
    assert text.index("举办者身份证") < text.index("包含事项及办件编号") < text.index("收件时间")


def test_a_notice_lists_the_members_with_their_departments_and_cases():
    sheet = acceptance_sheet(
        AcceptanceNotice(
            office_name="潍坊市潍城区行政审批服务局",
            doc_no="潍城审受字〔2026〕第000001号",
            applicant_name="王秀兰",
            applicant_id_number="34052419800101001X",
            matter_name="幼儿园设立一件事",
            case_no=BUNDLE_NO,
            received_on=DAY,
            decide_by=dt.date(2027, 1, 6),
        )
    )
    cells = _cells(render_bundle_sheet(sheet, PAPER))
    assert {"幼儿园设立一件事", format_bundle_no(BUNDLE_NO), "2027年1月6日"} <= cells
    for m in MEMBERS:
        assert {m.matter_name, m.department, format_case_no(m.case_no)} <= cells


def test_the_a4_receipt_carries_the_same_members():
    cells = _cells(bundle_receipt_pdf(RECEIPT, PAPER))
    assert all(format_case_no(m.case_no) in cells for m in MEMBERS)
    assert "举办者身份证" in cells
