"""办结通知书: approved with the result to collect, or denied with reasons and appeal rights."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from reports.conclusion import ConclusionNotice, render_conclusion_notice
from reports.templates import default_templates


@pytest.fixture
def licence_approved() -> ConclusionNotice:
    t = default_templates()
    return ConclusionNotice(
        office_name=t.office.name,
        doc_no=t.doc_number("conclusion", 2026, 88),
        applicant_name="张三",
        applicant_id_number="11010519491231002X",
        matter_name="食品经营许可（新办）",
        case_no="37070200000020261122A1B20007",
        received_on=dt.date(2026, 11, 22),
        concluded_on=dt.date(2026, 12, 3),
        approved=True,
        result_name="食品经营许可证",
        result_no="JY13707020012345",
        query_url="https://zwfw.example.gov.cn/q?c=1",
    )


def test_approval_says_what_to_collect_and_where(licence_approved, pdf_text):
    flat = pdf_text(render_conclusion_notice(licence_approved)).replace("\n", "")
    assert "办结通知书" in flat
    assert "潍城审结字〔2026〕第000088号" in flat
    assert "已于2026年12月3日办结，准予办理" in flat
    assert "食品经营许可证" in flat and "JY13707020012345" in flat
    assert "政务服务中心一楼综合受理窗口领取" in flat
    assert "好差评" in flat
    assert "行政复议" not in flat


def test_denial_gives_reasons_and_appeal_rights(licence_approved, pdf_text):
    denied = dataclasses.replace(
        licence_approved, approved=False, result_name="", result_no="", reasons=("现场核查经营场所与申请材料不符。",)
    )
    flat = pdf_text(render_conclusion_notice(denied)).replace("\n", "")
    assert "决定不予批准" in flat
    assert "现场核查经营场所与申请材料不符。" in flat
    assert "六十日内向潍坊市潍城区人民政府申请行政复议" in flat
    assert "潍坊市潍城区人民法院提起行政诉讼" in flat
