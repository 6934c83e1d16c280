"""容缺受理通知书 and 容缺受理承诺书: same pending materials, same deadline, two copies."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.templates import default_templates
from reports.tolerance import PendingMaterial, TolerantAcceptance, render_tolerant_notice, render_tolerant_pledge


@pytest.fixture
def two_materials_pending() -> TolerantAcceptance:
    t = default_templates()
    return TolerantAcceptance(
        office_name=t.office.name,
        doc_no=t.doc_number("tolerant_notice", 2026, 12),
        applicant_name="王𠈌",
        applicant_id_number="11010519491231002X",
        matter_name="食品经营许可（新办）",
        case_no="37070200000020261122A1B20007",
        received_on=dt.date(2026, 11, 22),
        pending=(PendingMaterial("食品安全管理制度文本", "copy"), PendingMaterial("从业人员健康证明", "original", 2)),
        supplement_by=dt.date(2026, 12, 4),
        issued_on=dt.date(2026, 11, 22),
        applicant_phone="13800000000",
    )


def test_notice_lists_pending_materials_deadline_and_consequence(two_materials_pending, pdf_text):
    flat = pdf_text(render_tolerant_notice(two_materials_pending)).replace("\n", "")
    assert "容缺受理通知书" in flat
    assert "潍城审容字〔2026〕第000012号" in flat
    assert "请于2026年12月4日前补齐" in flat
    assert "食品安全管理制度文本" in flat and "复印件" in flat
    assert "从业人员健康证明" in flat and "原件" in flat
    assert "终止办理" in flat
    assert "一式两份" in flat
    assert "（受理专用章）" in flat


def test_pledge_is_signed_by_applicant_and_clerk(two_materials_pending, pdf_text):
    flat = pdf_text(render_tolerant_pledge(two_materials_pending)).replace("\n", "")
    assert "容缺受理承诺书" in flat
    assert "将于2026年12月4日前按要求补齐" in flat
    assert "承诺人（签字或盖章）" in flat and "受理人（签字）" in flat
    assert "失信" in flat and "虚假承诺" in flat
    assert "一式两份" in flat
    assert "110105********002X" in flat and "11010519491231002X" not in flat
    assert "受理专用章" not in flat  # the applicant's document carries no office seal
