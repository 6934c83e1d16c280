"""Notice templates are data: built-in defaults, updates merged from the back office."""

from __future__ import annotations

import json

import pytest

from reports.errors import ReportError
from reports.notices import render_acceptance_notice
from reports.refusal import RefusalNotice, render_refusal_notice
from reports.templates import (
    PLACEHOLDERS,
    builtin_templates_dict,
    default_templates,
    merge_templates,
    templates_from_dict,
)


@pytest.fixture
def county_update() -> dict:
    """What a back office sends when another county takes over the templates."""
    return {
        "version": "2026-11-30",
        "office": {
            "name": "德州市德城区行政审批服务局",
            "short_name": "德城审",
            "review_body": "德州市德城区人民政府",
            "court": "德州市德城区人民法院",
        },
        "kinds": {"acceptance": {"text": {"deadline": "我局将于{decide_by}前作出决定。{contact}"}}},
    }


def test_builtin_templates_cover_every_kind_with_numbered_series():
    t = default_templates()
    assert {k.kind for k in t.kinds} == set(PLACEHOLDERS)
    assert t.doc_prefix("acceptance") == "潍城审受字"
    assert t.doc_prefix("refusal") == "潍城审不受字"
    assert t.doc_number("correction", 2026, 45) == "潍城审补字〔2026〕第000045号"
    prefixes = [t.doc_prefix(k.kind) for k in t.kinds if k.code]
    assert len(prefixes) == len(set(prefixes))  # each kind its own series


def test_unnumbered_kind_has_no_prefix():
    with pytest.raises(ReportError) as err:
        default_templates().doc_prefix("authorization")
    assert "不编号" in err.value.message


def test_templates_round_trip_through_json():
    t = default_templates()
    assert templates_from_dict(json.loads(json.dumps(t.to_dict(), ensure_ascii=False))) == t


def test_update_replaces_office_bodies_and_wording(county_update, accepted_food_licence, pdf_text):
    t = merge_templates(default_templates(), county_update)
    assert t.version == "2026-11-30"
    assert t.doc_prefix("acceptance") == "德城审受字"
    assert t.office.phone == default_templates().office.phone  # untouched fields stay
    text = pdf_text(render_acceptance_notice(accepted_food_licence, templates=t))
    assert "我局将于2026年12月11日前作出决定" in text
    refusal = RefusalNotice(
        office_name=t.office.name,
        doc_no=t.doc_number("refusal", 2026, 1),
        applicant_name="张三",
        applicant_id_number="11010519491231002X",
        matter_name="食品经营许可（新办）",
        received_on=accepted_food_licence.received_on,
        reasons=("申请人不具备主体资格。",),
        issued_on=accepted_food_licence.received_on,
    )
    flat = pdf_text(render_refusal_notice(refusal, templates=t)).replace("\n", "")
    assert "德州市德城区人民政府申请行政复议" in flat
    assert "向德州市德城区人民法院提起行政诉讼" in flat


def test_update_does_not_change_the_builtin_set(county_update):
    merge_templates(default_templates(), county_update)
    assert default_templates().office.short_name == "潍城审"
    assert builtin_templates_dict()["office"]["short_name"] == "潍城审"


@pytest.mark.parametrize(
    ("update", "fragment"),
    [
        ({"kinds": {"acceptance": {"text": {"deadline": "将于{deadline_date}前决定"}}}}, "未知占位符"),
        ({"kinds": {"acceptance": {"text": {"footer": "谢谢"}}}}, "措辞项未知"),
        ({"kinds": {"licence": {"title": "许可证"}}}, "种类未知"),
        ({"office": {"mayor": "某某"}}, "机关字段未知"),
        ({"kinds": {"refusal": {"text": {"appeal": "{review_body"}}}}, "格式不正确"),
    ],
)
def test_bad_update_is_rejected_when_it_arrives(update, fragment):
    with pytest.raises(ReportError) as err:
        merge_templates(default_templates(), update)
    assert fragment in err.value.message


def test_incomplete_template_set_names_what_is_missing():
    data = builtin_templates_dict()
    del data["kinds"]["refusal"]
    with pytest.raises(ReportError) as err:
        templates_from_dict(data)
    assert "refusal" in err.value.message
