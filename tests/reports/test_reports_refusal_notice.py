"""不予受理通知书: reasons, the competent office, and the appeal rights with named bodies."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from reports.refusal import RefusalNotice, render_refusal_notice
from reports.templates import default_templates


@pytest.fixture
def refused_elsewhere() -> RefusalNotice:
    t = default_templates()
    return RefusalNotice(
        office_name=t.office.name,
        doc_no=t.doc_number("refusal", 2026, 7),
        applicant_name="张三",
        applicant_id_number="11010519491231002X",
        matter_name="药品零售企业许可",
        received_on=dt.date(2026, 11, 22),
        reasons=("申请事项依法不属于本机关职权范围。", "申请人未取得执业药师资格。"),
        issued_on=dt.date(2026, 11, 22),
        competent_office="潍坊市市场监督管理局",
    )


def test_refusal_states_reasons_and_where_to_apply(refused_elsewhere, pdf_text):
    flat = pdf_text(render_refusal_notice(refused_elsewhere)).replace("\n", "")
    assert "不予受理通知书" in flat
    assert "潍城审不受字〔2026〕第000007号" in flat
    assert "1. 申请事项依法不属于本机关职权范围。" in flat
    assert "2. 申请人未取得执业药师资格。" in flat
    assert "请向潍坊市市场监督管理局提出申请" in flat
    assert "110105********002X" in flat


def test_refusal_names_review_body_within_60_days_and_court_within_6_months(refused_elsewhere, pdf_text):
    flat = pdf_text(render_refusal_notice(refused_elsewhere)).replace("\n", "")
    assert "六十日内向潍坊市潍城区人民政府申请行政复议" in flat
    assert "六个月内依法向潍坊市潍城区人民法院提起行政诉讼" in flat


def test_bodies_named_on_the_notice_override_the_template(refused_elsewhere, pdf_text):
    notice = dataclasses.replace(
        refused_elsewhere, competent_office="", review_body="潍坊市人民政府", court="潍坊市中级人民法院"
    )
    flat = pdf_text(render_refusal_notice(notice)).replace("\n", "")
    assert "向潍坊市人民政府申请行政复议" in flat
    assert "向潍坊市中级人民法院提起行政诉讼" in flat
    assert "提出申请。" not in flat  # no competent-office sentence when the matter is ours
