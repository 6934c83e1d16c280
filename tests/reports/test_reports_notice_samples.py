"""Every notice kind renders from demo data: one A4 page, fonts embedded, codes present."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from reports.errors import ReportError
from reports.samples import render_sample, sample_kinds

TITLES = {
    "receipt": "收件凭证",
    "acceptance": "受理通知书",
    "correction": "补正材料通知书",
    "refusal": "不予受理通知书",
    "tolerant-notice": "容缺受理通知书",
    "tolerant-pledge": "容缺受理承诺书",
    "pledge": "告知承诺书",
    "service-proof": "送达回证",
    "authorization-blank": "授权委托书",
    "authorization": "授权委托书",
    "conclusion": "办结通知书",
    "licence-approved": "准予行政许可决定书",
    "licence-denied": "不予行政许可决定书",
}


def test_every_kind_has_a_sample():
    assert set(sample_kinds()) == set(TITLES)


@pytest.mark.parametrize("kind", sorted(TITLES))
def test_sample_is_one_a4_page_with_title_office_and_date(kind, pdf_text):
    pdf = render_sample(kind)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1, kind
        assert (round(doc.pages[0].width), round(doc.pages[0].height)) == (595, 842)
    text = pdf_text(pdf)
    assert TITLES[kind] in text
    assert "潍坊市潍城区行政审批服务局" in text
    if kind != "authorization-blank":
        assert "370702000000-20261122-A1B2-0007" in text.replace("\n", "")  # tracking row
        assert "2026年" in text
    assert b"/FontFile2" in pdf


def test_rare_name_prints_on_every_addressed_notice(installed_fonts, pdf_text):
    if not installed_fonts.covers("䶮"):
        pytest.skip("no installed font has U+4DAE")
    for kind in ("acceptance", "correction", "refusal", "tolerant-notice", "conclusion"):
        assert "王䶮（证件号码：110105********002X）" in pdf_text(render_sample(kind)), kind


def test_unknown_kind_lists_the_choices():
    with pytest.raises(ReportError) as err:
        render_sample("licence")
    assert "refusal" in err.value.message
