"""The intake decision engine: one test per rule, each named for its legal source."""

from __future__ import annotations

import datetime as dt

import pytest

from client.domain.catalog import load_sample_catalog
from client.domain.decisions import (
    ACCEPT,
    ACCEPT_TOLERANT,
    CONCLUDE,
    DEFECTIVE,
    ELICENSE,
    NOTIFY_MISSING,
    PAPER_COPY,
    PAPER_ORIGINAL,
    PLEDGE,
    PLEDGED,
    REFUSE,
    SCANNED,
    Facts,
    MaterialStatus,
    decide,
)

CATALOG = load_sample_catalog()
SHOP = CATALOG.get("370702-XK-0001")  # 个体工商户设立登记, M03 经营场所使用证明 tolerable + pledgeable
FOOD = CATALOG.get("370702-XK-0002")
PENSION_CHECK = CATALOG.get("370702-GG-0003")  # 即办件
DUE = dt.date(2026, 11, 25)


def complete(matter, **override):
    states = {s.code: MaterialStatus(s.code, PAPER_ORIGINAL) for s in matter.materials}
    states.update({code: MaterialStatus(code, state) for code, state in override.items()})
    return states


def test_xzxkf_32_1_5_complete_application_is_accepted():
    decision = decide(SHOP, complete(SHOP))
    assert decision.outcome == ACCEPT and "第三十二条第一款第（五）项" in decision.basis


def test_xzxkf_32_1_4_one_notice_lists_everything_missing_or_defective():
    states = complete(FOOD)
    del states["M02"]
    states["M03"] = MaterialStatus("M03", DEFECTIVE, "营业执照已过期")
    states["M04"] = MaterialStatus("M04", "missing")
    decision = decide(FOOD, states)
    assert decision.outcome == NOTIFY_MISSING and "第（四）项" in decision.basis
    assert [(s.code, s.problem) for s in decision.shortfalls] == [
        ("M02", "未提交"),
        ("M03", "营业执照已过期"),
        ("M04", "未提交"),
    ]
    assert not decision.accepted


def test_xzxkf_32_1_4_the_list_is_complete_even_when_many_are_missing():
    decision = decide(FOOD, {})
    required = [s.code for s in FOOD.materials_for({}) if s.necessity == "required"]
    assert [s.code for s in decision.shortfalls] == required


def test_situation_answer_makes_the_power_of_attorney_required():
    decision = decide(SHOP, complete(SHOP, M04="missing"), Facts(answers={"S01": "agent"}))
    assert decision.outcome == NOTIFY_MISSING and [s.code for s in decision.shortfalls] == ["M04"]
    assert decide(SHOP, complete(SHOP, M04="missing")).outcome == ACCEPT


def test_xzxkf_32_1_1_2_refusal_carries_reasons_and_the_competent_office():
    decision = decide(
        SHOP,
        complete(SHOP),
        Facts(
            refusal="not_competent", refusal_text="申请在外省经营", competent_office="经营场所所在地市场监督管理部门"
        ),
    )
    assert decision.outcome == REFUSE and "第（一）（二）项" in decision.basis
    assert decision.reasons == ("申请事项不属于本机关职权范围", "申请在外省经营")
    assert decision.competent_office == "经营场所所在地市场监督管理部门"


def test_xzxkf_32_1_2_refusing_as_not_competent_requires_naming_the_office():
    with pytest.raises(ValueError, match="向哪个机关申请"):
        decide(SHOP, complete(SHOP), Facts(refusal="not_competent"))


def test_xzxkf_34_2_immediate_matter_is_concluded_on_the_spot():
    decision = decide(PENSION_CHECK, complete(PENSION_CHECK))
    # A 公共服务 concluded on the spot cites its own basis, not the licensing law's §34 (issue 21, point 4).
    assert decision.outcome == CONCLUDE and decision.accepted
    assert "人社厅发〔2019〕35号" in decision.basis and "行政许可法" not in decision.basis


def test_rongque_only_tolerable_missing_with_deadline_inside_promised_limit():
    facts = Facts(supplement_by=dt.date(2026, 11, 20), promised_due=DUE)
    decision = decide(SHOP, complete(SHOP, M03="missing"), facts)
    assert decision.outcome == ACCEPT_TOLERANT and decision.supplement_by == dt.date(2026, 11, 20)
    assert [s.code for s in decision.shortfalls] == ["M03"]


@pytest.mark.parametrize(
    "facts, why",
    [
        (Facts(supplement_by=DUE, promised_due=DUE, bad_credit=True), "失信"),
        (Facts(supplement_by=DUE, promised_due=DUE, false_pledge_before=True), "虚假承诺"),
        (Facts(supplement_by=DUE + dt.timedelta(days=1), promised_due=DUE), "不得晚于承诺办结期限"),
        (Facts(promised_due=DUE), "补交期限"),
    ],
)
def test_rongque_refused_for_bad_credit_false_pledge_or_late_deadline(facts, why):
    decision = decide(SHOP, complete(SHOP, M03="missing"), facts)
    assert decision.outcome == NOTIFY_MISSING and any(why in r for r in decision.reasons)


def test_rongque_not_for_key_materials():
    facts = Facts(supplement_by=DUE, promised_due=DUE)
    decision = decide(SHOP, complete(SHOP, M02="missing", M03="missing"), facts)
    assert decision.outcome == NOTIFY_MISSING
    assert [s.code for s in decision.shortfalls] == ["M02", "M03"]
    assert any("核心材料" in r and "申请书" in r for r in decision.reasons)


def test_guobanfa_2020_42_pledge_replaces_a_pledgeable_proof():
    decision = decide(SHOP, complete(SHOP, M03=PLEDGED))
    assert decision.outcome == PLEDGE and "国办发〔2020〕42号" in decision.basis
    assert decision.pledged == ("经营场所使用证明",)


def test_guobanfa_2020_42_pledge_not_for_materials_that_do_not_allow_it():
    decision = decide(SHOP, complete(SHOP, M02=PLEDGED))
    assert decision.outcome == NOTIFY_MISSING and decision.shortfalls[0].problem == "该材料不适用告知承诺"


def test_online_service_rules_11_elicense_replaces_paper_only_where_one_exists():
    assert decide(SHOP, complete(SHOP, M01=ELICENSE)).outcome == ACCEPT
    decision = decide(SHOP, complete(SHOP, M02=ELICENSE))
    assert decision.outcome == NOTIFY_MISSING and "电子证照" in decision.shortfalls[0].problem


def test_copy_or_scan_is_enough_only_where_a_copy_is_asked():
    assert decide(FOOD, complete(FOOD, M03=PAPER_COPY)).outcome == ACCEPT
    assert decide(FOOD, complete(FOOD, M03=SCANNED)).outcome == ACCEPT
    decision = decide(FOOD, complete(FOOD, M02=SCANNED))
    assert decision.outcome == NOTIFY_MISSING and decision.shortfalls[0].problem == "须提交原件"
