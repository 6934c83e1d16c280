"""一件事 as one application: the merged checklist, the shared-material rule and the one verdict."""

from __future__ import annotations

import datetime as dt

from client.domain.bundles import (
    combine,
    format_bundle_no,
    member_answers,
    member_statuses,
    merge_materials,
    merge_questions,
    mint_bundle_no,
    same_material,
)
from client.domain.case_numbers import mint_case_no
from client.domain.catalog import load_sample_catalog
from client.domain.decisions import (
    ACCEPT,
    ACCEPT_TOLERANT,
    MISSING,
    NOTIFY_MISSING,
    PAPER_ORIGINAL,
    REFUSE,
    Facts,
    MaterialStatus,
    decide,
)

CATALOG = load_sample_catalog()
KINDERGARTEN = CATALOG.bundle("370702-YJS-02")  # 幼儿园设立一件事
MATTERS = tuple(CATALOG.get(code) for code in KINDERGARTEN.matters)
DUE = dt.date(2027, 1, 15)


def _items():
    return merge_materials([(m, m.materials_for()) for m in MATTERS])


def _decide(states, **facts):
    items = _items()
    statuses = {i.key: MaterialStatus(i.key, states.get(i.key, PAPER_ORIGINAL)) for i in items}
    per = member_statuses(items, statuses)
    kw = {"supplement_by": DUE, "promised_due": DUE} | facts
    return items, combine(items, [(m.code, decide(m, per[m.code], Facts(**kw))) for m in MATTERS])


def test_the_id_card_is_asked_once_for_the_three_matters_that_need_it():
    items = {i.key: i for i in _items()}
    card = items["SFZ"]
    assert card.matter_codes == ("370702-XK-0012", "370702-QR-0033", "370702-XK-0002")
    assert [u.name for u in card.users] == ["举办者身份证", "法定代表人身份证", "申请人身份证"]
    # Same code, different names: the catalog's shared_as decides, not the wording.
    specs = {(u.matter_code, u.code): CATALOG.get(u.matter_code).material(u.code) for u in card.users}
    assert all(same_material(a, b) for a in specs.values() for b in specs.values())
    # The subject document (营业执照或其他主体资格证明文件, ZTZG: a kindergarten's is its 民办非企业单位
    # 登记证书) is shared by the canteen licence and the fire check; 场所证明 by the permit and the registration.
    assert items["ZTZG"].matter_codes == ("370702-XK-0002", "370702-XK-0016")
    assert items["CSZM"].matter_codes == ("370702-XK-0012", "370702-QR-0033")
    every_row = sum(len(m.materials_for()) for m in MATTERS)
    assert len(items) == every_row - 2 - 1 - 1  # three ID cards become one, two licences one, two premises proofs one


def test_a_merged_row_asks_the_strictest_of_its_users():
    items = {i.key: i for i in _items()}
    premises = items["CSZM"].spec  # 园舍产权证明 (not tolerable, not pledgeable) + 住所使用证明 (pledgeable)
    assert premises.code == "CSZM" and premises.necessity == "required"
    assert not premises.tolerable and not premises.pledgeable
    own = items["食品安全管理制度"]  # only the canteen licence asks it: its own rules stand
    assert own.spec.tolerable and not own.shared


def test_materials_with_the_same_name_and_no_code_are_one_paper():
    catalog = load_sample_catalog()
    # 我要开餐馆: both member matters ask 营业执照 under the same code and the ID card under SFZ.
    restaurant = catalog.bundle("370702-YJS-01")
    matters = [catalog.get(c) for c in restaurant.matters]
    items = merge_materials([(m, m.materials_for()) for m in matters])
    keys = [i.key for i in items]
    assert len(keys) == len(set(keys))
    names = [i.spec.name for i in items]
    assert names.count("申请人身份证") == 1


def test_everything_received_is_one_acceptance_for_every_member():
    _items_, verdict = _decide({})
    assert verdict.decision.outcome == ACCEPT
    assert {d.outcome for _c, d in verdict.members} == {ACCEPT}


def test_a_missing_shared_key_material_gives_one_notice_listing_it_once_for_all_members():
    _items_, verdict = _decide({"SFZ": MISSING, "验资报告": MISSING})
    notice = verdict.decision
    assert notice.outcome == NOTIFY_MISSING
    assert [s.code for s in notice.shortfalls] == ["SFZ", "验资报告"]  # the ID card listed once
    # Every member waits for the bundle: the fire check lacks nothing of its own yet is held too.
    fire = verdict.member("370702-XK-0016")
    assert fire.outcome == NOTIFY_MISSING and fire.shortfalls == ()
    assert [s.code for s in verdict.member("370702-XK-0012").shortfalls] == ["M02"]


def test_rongque_only_where_every_member_allows_it():
    # Only tolerable papers short: one 容缺 with one deadline for the whole bundle.
    _items_, verdict = _decide({"资产来源、资金数额及有效证明文件": MISSING, "食品安全管理制度": MISSING})
    assert verdict.decision.outcome == ACCEPT_TOLERANT and verdict.decision.supplement_by == DUE
    assert len(verdict.decision.shortfalls) == 2
    assert verdict.member("370702-XK-0012").outcome == ACCEPT_TOLERANT
    assert verdict.member("370702-QR-0033").outcome == ACCEPT  # complete on its own
    # 场所证明 is tolerable nowhere in this bundle: the same shortfall turns into a one-time notice.
    _items_, verdict = _decide({"CSZM": MISSING, "食品安全管理制度": MISSING})
    assert verdict.decision.outcome == NOTIFY_MISSING
    assert {s.code for s in verdict.decision.shortfalls} == {"CSZM", "食品安全管理制度"}


def test_a_refusal_refuses_the_whole_bundle():
    _items_, verdict = _decide({}, refusal="duplicate")
    assert verdict.decision.outcome == REFUSE
    assert {d.outcome for _c, d in verdict.members} == {REFUSE}


def test_a_row_state_reaches_each_member_under_its_own_code():
    items = _items()
    per = member_statuses(items, {"SFZ": MaterialStatus("SFZ", MISSING)})
    assert per["370702-XK-0012"]["M02"].state == MISSING
    assert per["370702-QR-0033"]["M02"].state == MISSING
    assert per["370702-XK-0002"]["M01"].state == MISSING
    assert per["370702-XK-0016"]["M01"].state == MISSING  # never given: missing, never ticked by position


def test_questions_asked_in_the_same_words_are_asked_once():
    restaurant = [CATALOG.get(c) for c in CATALOG.bundle("370702-YJS-01").matters]
    asked = [m.code for m in restaurant if any(s.question == "是否委托他人代为办理？" for s in m.situations)]
    questions = merge_questions(restaurant)
    agent = [q for q in questions if q.situation.question == "是否委托他人代为办理？"]
    assert len(agent) == 1 and [c for c, _s in agent[0].asked_by] == asked
    answers = member_answers(questions, {agent[0].key: "agent"}, restaurant)
    assert all(answers[code][sit] == "agent" for code, sit in agent[0].asked_by)
    # Answered by the applicant column instead: not asked at all.
    skipped = merge_questions(restaurant, {m.code: [s.code for s in m.situations] for m in restaurant})
    assert skipped == ()


def test_bundle_numbers_are_minted_like_case_numbers_and_never_look_like_one():
    day = dt.date(2026, 12, 2)
    number = mint_bundle_no("370702000000", day, "A1B2", 7)
    assert number == "Y" + mint_case_no("370702000000", day, "A1B2", 7)
    assert format_bundle_no(number) == "Y-370702000000-20261202-A1B2-0007"


def test_every_bundle_of_the_catalog_merges_and_is_accepted_when_complete():
    for bundle in CATALOG.bundles:
        matters = [CATALOG.get(code) for code in bundle.matters]
        items = merge_materials([(m, m.materials_for()) for m in matters])
        assert len({i.key for i in items}) == len(items)
        assert {u.matter_code for i in items for u in i.users} == set(bundle.matters)
        received = {i.key: MaterialStatus(i.key, PAPER_ORIGINAL) for i in items}
        per = member_statuses(items, received)
        facts = Facts(supplement_by=DUE, promised_due=DUE)
        verdict = combine(items, [(m.code, decide(m, per.get(m.code, {}), facts)) for m in matters])
        assert verdict.decision.accepted and verdict.decision.shortfalls == (), bundle.name
