"""Shared states for the reports tests: the fonts on this machine and sample cases."""
from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest

from reports.fonts import FontSet, default_font_set
from reports.notices import AcceptanceNotice, DeliveryNotice

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
