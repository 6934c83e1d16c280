"""Organisations and agents: who may act, and the paper an agent brings into the checklist."""

from __future__ import annotations

import datetime as dt

from client.domain.catalog import load_sample_catalog
from client.domain.decisions import PAPER_ORIGINAL, Facts, MaterialStatus, decide
from client.domain.identity import ENTRUSTED, ID_USCC, ORGANISATION, PROXY, STAFF, STATUTORY, Agent, Applicant
from client.domain.parties import (
    answered_by_applicant,
    case_materials,
    check_applicant,
    normalised,
    representation_materials,
)

TODAY = dt.date(2026, 11, 22)
ADULT, OTHER_ADULT = "11010519491231002X", "34052419800101001X"
CHILD = "110105201501010017"  # born 2015: a minor in 2026
USCC = "91350100M000100Y43"
CATALOG = load_sample_catalog()
GETIHU = CATALOG.get("370702-XK-0001")  # asks "是否委托他人代为办理？" and lists its own 委托书
SEAL = CATALOG.get("370702-GG-0008")  # 公章刻制备案: no letter of its own


def _person(number=ADULT, agent=None):
    return Applicant("王秀英", "身份证", number, agent=agent)


def _org(agent=Agent("李建国", OTHER_ADULT, STAFF), **kw):
    return Applicant(
        kw.pop("name", "潍坊市某某餐饮有限公司"),
        ID_USCC,
        kw.pop("uscc", USCC),
        kind=ORGANISATION,
        legal_rep=kw.pop("legal_rep", "张三"),
        agent=agent,
        **kw,
    )


def test_an_agent_acting_by_mandate_brings_an_authorisation_letter():
    for relation in (ENTRUSTED, PROXY):
        specs = representation_materials(_person(agent=Agent("李建国", OTHER_ADULT, relation)), TODAY)
        assert [(s.name, s.necessity, s.form) for s in specs] == [("授权委托书", "required", "original")]
    assert [s.name for s in representation_materials(_org(), TODAY)] == ["授权委托书"]
    assert representation_materials(_person(), TODAY) == ()


def test_a_guardian_brings_proof_of_guardianship_not_a_letter():
    minor = representation_materials(_person(CHILD, Agent("李建国", OTHER_ADULT, STATUTORY)), TODAY)
    adult = representation_materials(_person(ADULT, Agent("李建国", OTHER_ADULT, STATUTORY)), TODAY)
    assert [s.name for s in minor] == [s.name for s in adult] == ["监护关系证明"]
    assert "户口簿" in minor[0].standard and "法院" in adult[0].standard


def test_the_guides_own_letter_question_is_answered_by_the_applicant_panel():
    assert answered_by_applicant(GETIHU) == ("S01",)
    entrusted = _person(agent=Agent("李建国", OTHER_ADULT, ENTRUSTED))
    answers, specs, extra = case_materials(GETIHU, {"S01": "self"}, entrusted, TODAY)
    assert answers["S01"] == "agent" and extra == ()  # the guide's own 委托书, not a second one
    assert sum(s.share_key == "WTS" for s in specs) == 1
    answers, specs, _ = case_materials(GETIHU, {"S01": "agent"}, _person(), TODAY)
    assert answers["S01"] == "self" and not any(s.share_key == "WTS" for s in specs)


def test_a_missing_letter_is_in_the_one_time_notice():
    _, specs, extra = case_materials(SEAL, {}, _org(), TODAY)
    received = {s.code: MaterialStatus(s.code, PAPER_ORIGINAL) for s in specs if s.code != "DL-WTS"}
    decision = decide(SEAL, received, Facts(extra_materials=extra))
    assert decision.outcome == "notify_missing"
    assert [(sf.name, sf.problem) for sf in decision.shortfalls] == [("授权委托书", "未提交")]
    received["DL-WTS"] = MaterialStatus("DL-WTS", PAPER_ORIGINAL)
    assert decide(SEAL, received, Facts(extra_materials=extra)).accepted


def test_who_may_act_for_whom():
    assert check_applicant(_org(), TODAY) == ""
    assert check_applicant(_org(agent=None), TODAY).startswith("单位申请须登记到场经办人")
    assert "校验位" in check_applicant(_org(uscc="91350100M000100Y44"), TODAY)
    assert check_applicant(_org(legal_rep=""), TODAY) == "请填写法定代表人（负责人）"
    assert "只能选择" in check_applicant(_org(agent=Agent("李建国", OTHER_ADULT, STATUTORY)), TODAY)
    assert "只能选择" in check_applicant(_person(agent=Agent("李建国", OTHER_ADULT, STAFF)), TODAY)
    assert check_applicant(_person(agent=Agent("王秀英", ADULT, ENTRUSTED)), TODAY).startswith("代理人不能是申请人本人")
    assert check_applicant(_person(agent=Agent("小明", CHILD, ENTRUSTED)), TODAY) == "代理人未满18周岁，不能代为办理"
    assert "代理人身份证号码校验位错误" in check_applicant(_person(agent=Agent("李", OTHER_ADULT[:-1] + "1")), TODAY)
    assert check_applicant(_person(CHILD, Agent("李建国", OTHER_ADULT, STATUTORY)), TODAY) == ""


def test_numbers_are_recorded_in_canonical_form():
    org = normalised(_org(uscc=" 91350100m000100y43 ", agent=Agent(" 李建国 ", "34052419800101001x", STAFF)), TODAY)
    assert (org.id_number, org.id_type, org.agent.id_number, org.agent.name) == (USCC, ID_USCC, OTHER_ADULT, "李建国")
