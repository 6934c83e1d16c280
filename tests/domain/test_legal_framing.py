"""Each kind of matter has its own legal framing, taken from the catalog (issue 21, point 4).

The counter's decision cites the law of the matter's kind, the refusal reasons offered are the
kind's, a matter may name its own basis, a catalog may re-frame a kind, and a licence's legal
limit defaults to §42 (20 working days + 10; 45 + 15 when handled jointly).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from client.domain.catalog import catalog_from_dict, check_catalog, load_sample_catalog
from client.domain.deadlines import WorkCalendar, add_limit
from client.domain.decisions import (
    ACCEPT,
    CONCLUDE,
    NOTIFY_MISSING,
    PAPER_ORIGINAL,
    REFUSE,
    Facts,
    MaterialStatus,
    decide,
    refusal_reasons,
)
from client.domain.legal_framing import builtin_framings, extended_legal_due, frame, framings_from_dict, legal_due
from sync.server.deadlines import extension_days

CATALOG = load_sample_catalog()
FOOD = CATALOG.get("370702-XK-0002")  # 行政许可
ALLOWANCE = CATALOG.get("370702-GG-0005")  # 行政给付
ID_CARD = CATALOG.get("370702-GG-0025")  # 行政确认
PENSION_CHECK = CATALOG.get("370702-GG-0003")  # 公共服务, 即办件
# A calendar that knows 2027 with nothing published: July and August 2027 hold no statutory
# day off (端午 is 9 June, 中秋 15 September), so the counts below are whole weeks by hand.
PLAIN = WorkCalendar(known_years=frozenset({2027}))
LICENSING_REFUSAL = "申请事项依法不需要取得行政许可"


def _complete(matter):
    return {s.code: MaterialStatus(s.code, PAPER_ORIGINAL) for s in matter.materials_for()}


@pytest.mark.parametrize(
    ("matter", "law"),
    [
        (FOOD, "《中华人民共和国行政许可法》第三十二条第一款第（五）项"),
        (ALLOWANCE, "《社会救助暂行办法》第十一条"),
        (ID_CARD, "《中华人民共和国居民身份证法》第十一条"),
    ],
    ids=["licence", "allowance", "id-card"],
)
def test_an_acceptance_cites_the_law_of_the_matters_kind(matter, law):
    decision = decide(matter, _complete(matter), Facts(), CATALOG.framing(matter))
    assert decision.outcome == ACCEPT and decision.basis == law


def test_only_a_licence_offers_the_licensing_laws_refusal_reason():
    assert next(iter(refusal_reasons(FOOD).values())) == LICENSING_REFUSAL
    for matter in (ALLOWANCE, ID_CARD, PENSION_CHECK):
        offered = CATALOG.framing(matter).reasons
        assert LICENSING_REFUSAL not in offered.values(), matter.name
        assert "not_competent" in offered and "other" in offered
    # A key the kind does not offer (a draft saved under a licence) falls back to "other".
    refused = decide(ALLOWANCE, {}, Facts(refusal="no_permit_needed"))
    assert refused.outcome == REFUSE and refused.reasons == ("其他依法不予受理的情形",)
    assert refused.basis == "《社会救助暂行办法》第十一条"


def test_a_one_time_notice_and_a_conclusion_cite_the_kinds_law():
    notice = decide(ALLOWANCE, {}, Facts())
    assert notice.outcome == NOTIFY_MISSING and "行政许可法" not in notice.basis
    assert notice.basis.startswith("《社会救助暂行办法》第十一条")
    concluded = decide(PENSION_CHECK, _complete(PENSION_CHECK))
    assert concluded.outcome == CONCLUDE and "行政许可法" not in concluded.basis
    assert decide(FOOD, {}, Facts()).basis == "《中华人民共和国行政许可法》第三十二条第一款第（四）项"


def test_a_kind_the_table_lacks_gets_the_generic_framing_and_a_matter_may_name_its_own_basis():
    odd = replace(ID_CARD, kind="行政裁决", legal_basis="《某某条例》第三条")
    framing = frame(odd)
    assert not framing.licensing and framing.accept == "《某某条例》第三条"
    assert set(framing.reasons) == {"not_competent", "not_eligible", "duplicate", "other"}


def test_a_catalog_may_reframe_a_kind_and_a_bad_framing_is_reported():
    data = CATALOG.to_dict()
    allowance = builtin_framings().for_kind("行政给付")
    data["legal_framing"] = {
        "kinds": {
            "行政给付": {
                "licensing": False,
                "default_basis": "《社会救助暂行办法》",
                "basis": {stage: "{basis}（本省实施办法）" for stage, _t in allowance.basis},
                "refusal_reasons": [["not_competent", "不属于本镇（街道）受理范围"], ["other", "其他情形"]],
            }
        }
    }
    published = catalog_from_dict(data)
    assert check_catalog(published) == ()
    framing = published.framing(published.get(ALLOWANCE.code))
    assert framing.accept == "《社会救助暂行办法》第十一条（本省实施办法）"
    assert list(framing.reasons.values()) == ["不属于本镇（街道）受理范围", "其他情形"]
    assert published.framing(published.get(FOOD.code)).licensing  # the other kinds stay built in
    assert catalog_from_dict(published.to_dict()).to_dict()["legal_framing"] == data["legal_framing"]
    data["legal_framing"]["kinds"]["行政给付"]["refusal_reasons"] = [["other", "其他情形"]]
    assert any("不属于本机关职权范围" in p for p in check_catalog(catalog_from_dict(data)))
    with pytest.raises(ValueError, match="法律依据缺少"):
        framings_from_dict({"kinds": {"其他": {"basis": {}, "refusal_reasons": [["not_competent", "x"]]}}})


def test_section_42_is_a_licences_default_legal_limit_with_its_extension():
    no_limit = replace(FOOD, legal_limit=0)
    limit = frame(no_limit).limit
    assert (limit.days, limit.unit, limit.extension) == (20, "WD", 10)
    assert "第四十二条" in limit.basis
    start = dt.date(2027, 7, 5)  # a Monday
    due = legal_due(no_limit, start, PLAIN).due
    assert due == dt.date(2027, 8, 2)  # 4 weeks of 5 working days
    assert extended_legal_due(due, limit.extension, PLAIN) == dt.date(2027, 8, 16)  # 2 more weeks
    joint = replace(no_limit, joint_handling=True)
    assert (frame(joint).limit.days, frame(joint).limit.extension) == (45, 15)
    assert legal_due(joint, start, PLAIN).due == dt.date(2027, 9, 6)  # 9 weeks
    # A limit the catalog sets (a special law's, here 20 WD as the catalog gives it) wins.
    assert frame(FOOD).limit.days == FOOD.legal_limit
    # Kinds without an extension in law get none.
    assert frame(ALLOWANCE).limit.extension == 0 and frame(ALLOWANCE).limit.days == ALLOWANCE.legal_limit


def test_the_legal_date_is_counted_like_every_other_deadline():
    """The same counting as the promise (client.domain.deadlines.add_limit), only longer."""
    start = dt.date(2027, 7, 5)
    assert legal_due(ID_CARD, start, PLAIN).due == add_limit(start, 60, "ND", PLAIN).due
    assert legal_due(ID_CARD, start, PLAIN).due == dt.date(2027, 9, 3)  # 60 natural days


def test_the_back_office_extends_a_joint_licence_by_15_working_days():
    """sync.server.deadlines.extension_days reads the published catalog's framing."""
    data = CATALOG.to_dict()
    for raw in data["matters"]:
        if raw["code"] == FOOD.code:
            raw["joint_handling"] = True
    joint = catalog_from_dict(data)
    assert extension_days(joint, FOOD.code) == 15
    assert extension_days(CATALOG, FOOD.code) == 10
    assert extension_days(CATALOG, ALLOWANCE.code) == 10  # no extension in its law: the console's default
    assert extension_days(CATALOG, "no-such-matter") == 10
