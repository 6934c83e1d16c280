"""Shared states for the reports tests: the fonts on this machine and sample cases."""

from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path

import pdfplumber
import pytest
from reportlab.pdfbase.ttfonts import TTFontFile, TTFontMaker

from reports.fonts import FontSet, default_font_set
from reports.notices import AcceptanceNotice, DeliveryNotice
from reports.receipt import ReceiptData, ReceiptMaterial

FULL_ID = "11010519491231002X"
MASKED_ID = "110105********002X"
CASE_NO = "37070200000020261122A1B20007"


@pytest.fixture(scope="session")
def installed_fonts() -> FontSet:
    return default_font_set()


@pytest.fixture
def accepted_food_licence() -> AcceptanceNotice:
    return AcceptanceNotice(
        office_name="潍坊市潍城区行政审批服务局",
        doc_no="潍城审受字〔2026〕第000123号",
        applicant_name="张三",
        applicant_id_number=FULL_ID,
        matter_name="食品经营许可（新办）",
        case_no=CASE_NO,
        received_on=dt.date(2026, 11, 22),
        decide_by=dt.date(2026, 12, 11),
        query_url="https://zwfw.example.gov.cn/q?c=" + CASE_NO,
        contact_phone="0536-8230000",
        materials=("食品经营许可申请书", "营业执照复印件", "法定代表人（负责人）身份证明"),
    )


@pytest.fixture
def collected_licence() -> DeliveryNotice:
    return DeliveryNotice(
        office_name="潍坊市潍城区行政审批服务局",
        case_no=CASE_NO,
        matter_name="食品经营许可（新办）",
        result_name="食品经营许可证",
        result_no="JY13707020012345",
        recipient_name="李四",
        recipient_id_number="440524188001010014",
        delivered_at=dt.datetime(2026, 12, 3, 14, 5),
        clerk="赵六",
    )


def _pdf_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def _pdf_fontnames(pdf: bytes) -> set[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return {c["fontname"] for page in doc.pages for c in page.chars}


@pytest.fixture
def pdf_text():
    """Text of every page as pdfplumber extracts it."""
    return _pdf_text


@pytest.fixture
def pdf_fontnames():
    """Font names of every character drawn."""
    return _pdf_fontnames


def _table_dir(data: bytes) -> dict[str, bytes]:
    count = struct.unpack(">H", data[4:6])[0]
    tables = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack(">4sLLL", data[12 + 16 * i : 28 + 16 * i])
        tables[tag.decode("latin-1")] = data[offset : offset + length]
    return tables


def _cmap_format12(mapping: dict[int, int]) -> bytes:
    groups = b"".join(struct.pack(">LLL", cp, cp, gid) for cp, gid in sorted(mapping.items()))
    length = 16 + len(groups)
    sub = struct.pack(">HHLLL", 12, 0, length, 0, len(mapping)) + groups
    return struct.pack(">HHHHL", 0, 1, 3, 10, 12) + sub


def _name_table(ps_name: str) -> bytes:
    text = ps_name.encode("utf-16-be")
    ids = (1, 2, 4, 6)
    records = b"".join(struct.pack(">HHHHHH", 3, 1, 0x409, nid, len(text), 0) for nid in ids)
    return struct.pack(">HHH", 0, len(ids), 6 + 12 * len(ids)) + records + text


@pytest.fixture(scope="session")
def extb_fallback_font(installed_fonts, tmp_path_factory) -> Path:
    """A real TrueType file that has glyphs only for 𠈌 (U+2020C) and 𬌗 (U+2C317).

    Built from two glyphs of the installed CJK font with a format-12 cmap, so the
    fallback chain can be exercised on machines without an Ext-B font.
    """
    primary = installed_fonts.fonts[0]
    source = TTFontFile(primary.path, subfontIndex=primary.subfont_index)
    subset = [0x20, ord("中"), ord("国")]
    tables = _table_dir(source.makeSubset(subset))
    maker = TTFontMaker()
    for tag, data in tables.items():
        if tag == "cmap":
            data = _cmap_format12({0x20: 1, 0x2020C: 2, 0x2C317: 3})
        elif tag == "name":
            data = _name_table("OneWindowTestExtB")
        maker.add(tag, data)
    path = tmp_path_factory.mktemp("fonts") / "onewindow-test-extb.ttf"
    path.write_bytes(maker.makeStream())
    return path


@pytest.fixture
def received_materials() -> ReceiptData:
    return ReceiptData(
        office_name="潍坊市潍城区行政审批服务局政务服务中心综合受理窗口",
        case_no=CASE_NO,
        applicant_name="王䶮",
        applicant_id_number=FULL_ID,
        matter_name="食品经营许可（新办）——仅销售预包装食品的备案除外，含网络经营",
        materials=(
            ReceiptMaterial("食品经营许可申请书", "original", 1, "received"),
            ReceiptMaterial("营业执照复印件", "copy", 2, "received"),
            ReceiptMaterial("与食品经营相适应的主要设备设施布局、操作流程等文件", "copy", 1, "missing"),
        ),
        received_at=dt.datetime(2026, 11, 22, 9, 5),
        promised_by=dt.date(2026, 12, 11),
        clerk="赵六",
        query_url="https://zwfw.example.gov.cn/q?c=" + CASE_NO,
        phone="0536-8230000",
    )
