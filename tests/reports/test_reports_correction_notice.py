"""补正材料通知书（一次性告知书）: every defect listed at once, with the five-day rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from reports.correction import CorrectionNotice, DefectiveMaterial, render_correction_notice
from reports.templates import default_templates


@pytest.fixture
def three_defects() -> CorrectionNotice:
    t = default_templates()
    return CorrectionNotice(
        office_name=t.office.name,
        doc_no=t.doc_number("correction", 2026, 45),
        applicant_name="王䶮",
        applicant_id_number="11010519491231002X",
        applicant_phone="13800000000",
        matter_name="食品经营许可（新办）",
        case_no="37070200000020261122A1B20007",
        received_on=dt.date(2026, 11, 22),
        materials=(
            DefectiveMaterial("食品经营许可申请书", "缺少法定代表人签字", "签字后提交原件1份"),
            DefectiveMaterial("食品安全管理制度文本", "未提交"),
            DefectiveMaterial("经营场所平面图", "未标明各功能区面积"),
        ),
        contact_person="赵六",
        contact_phone="0536-8230000",
        issued_on=dt.date(2026, 11, 23),
        supplement_by=dt.date(2026, 12, 22),
        query_url="https://zwfw.example.gov.cn/q?c=1",
    )


def test_every_defect_appears_with_what_is_wrong(three_defects, pdf_text):
    text = pdf_text(render_correction_notice(three_defects))
    assert "补正材料通知书" in text and "（一次性告知书）" in text
    assert "潍城审补字〔2026〕第000045号" in text
    for m in three_defects.materials:
        assert m.name in text
        assert m.problem in text
    assert "签字后提交原件1份" in text


def test_applicant_contact_deadline_and_five_day_note(three_defects, pdf_text):
    flat = pdf_text(render_correction_notice(three_defects)).replace("\n", "")
    assert "王䶮（证件号码：110105********002X）" in flat
    assert "11010519491231002X" not in flat
    assert "13800000000" in flat
    assert "联系人：赵六" in flat and "0536-8230000" in flat
    assert "请于2026年12月22日前补正" in flat
    assert "五日内一次性告知" in flat
    assert "即为受理" in flat
    assert "2026年11月23日" in flat  # issued on
    assert "370702000000-20261122-A1B2-0007" in flat


def test_a_supplement_asked_during_review_speaks_of_review_not_of_acceptance(three_defects, pdf_text):
    """The back office asks an accepted case to be completed: the notice says it was accepted
    and that review goes on, and the §32 five-day rule about acceptance is not printed."""
    flat = pdf_text(render_correction_notice(replace(three_defects, stage="review"))).replace("\n", "")
    assert "本机关已依法受理" in flat and "将继续审查" in flat
    assert "将予以受理" not in flat and "五日内一次性告知" not in flat
    for m in three_defects.materials:
        assert m.name in flat and m.problem in flat
