"""Who applies and who acts: the rules for organisations and agents at the counter.

An organisation (法人/其他组织) is known by its 统一社会信用代码 and always comes through a
person (单位经办人); a person may be represented (委托代理, 法定代理, 帮办代办). Whoever acts
for someone else proves the power to do so on paper, so the representation adds a
material to the checklist: a 授权委托书 — or, for a statutory agent (a guardian, who acts by
law and not by mandate), proof of guardianship. The material then goes through the same
received/missing/scan logic as any other, so a missing letter ends up in the one-time notice.
Pure: the window calls these on every keystroke and the back office re-checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from .catalog import MaterialSpec, Matter
from .identity import (
    ID_RESIDENT,
    ID_USCC,
    ORGANISATION,
    PERSON,
    RELATIONS,
    RELATIONS_FOR,
    STATUTORY,
    Agent,
    Applicant,
    check_id_number,
)
from .validators import check_uscc

LETTER_KEY = "WTS"  # MaterialSpec.shared_as of a 授权委托书 (the catalog uses it too)
GUARDIAN_KEY = "JHGX"
ADULT_AGE = 18

AUTHORISATION_LETTER = MaterialSpec(
    code="DL-WTS",
    name="授权委托书",
    necessity="required",
    form="original",
    copies=1,
    medium="paper",
    standard="写明委托人和受托人姓名（名称）、证件号码，委托事项、权限和期限；委托人签字，单位委托加盖公章",
    basis="《中华人民共和国民法典》第一百六十五条",
    shared_as=LETTER_KEY,
)
GUARDIANSHIP_MINOR = MaterialSpec(
    code="DL-JHGX",
    name="监护关系证明",
    necessity="required",
    form="copy",
    copies=1,
    medium="either",
    standard="未成年人提交户口簿或出生医学证明，载明监护人与被监护人的关系",
    basis="《中华人民共和国民法典》第二十三条、第二十七条",
    shared_as=GUARDIAN_KEY,
)
GUARDIANSHIP_ADULT = MaterialSpec(
    code="DL-JHGX",
    name="监护关系证明",
    necessity="required",
    form="copy",
    copies=1,
    medium="either",
    standard="无民事行为能力或限制民事行为能力的成年人，提交法院判决书或居（村）民委员会、民政部门的监护人指定文书",
    basis="《中华人民共和国民法典》第二十八条、第三十一条",
    shared_as=GUARDIAN_KEY,
)


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def is_minor(id_number: str, today: dt.date) -> bool:
    """True when a valid resident ID number belongs to someone under 18 on `today`."""
    check = check_id_number(id_number, today)
    return bool(check.ok and check.birth_date and age_on(check.birth_date, today) < ADULT_AGE)


def check_agent(agent: Agent, applicant_kind: str, applicant_id: str, today: dt.date) -> str:
    """Why this agent cannot act (Chinese, for the clerk), or "" when they can."""
    if agent.relation not in RELATIONS:
        return "请选择代理关系"
    if agent.relation not in RELATIONS_FOR.get(applicant_kind, ()):
        allowed = "、".join(RELATIONS[r] for r in RELATIONS_FOR.get(applicant_kind, ()))
        return f"{'单位' if applicant_kind == ORGANISATION else '个人'}申请只能选择：{allowed}"
    check = check_id_number(agent.id_number, today)
    if not check.ok:
        return "代理人" + check.message
    if not agent.name.strip():
        return "请填写代理人姓名"
    if check.number == applicant_id.strip().upper():
        return "代理人不能是申请人本人；本人办理请取消代理人"
    if check.birth_date and age_on(check.birth_date, today) < ADULT_AGE:
        return "代理人未满18周岁，不能代为办理"
    return ""


def check_applicant(applicant: Applicant, today: dt.date) -> str:
    """Why the applicant panel cannot be recorded yet (Chinese), or "" when it can."""
    if applicant.is_organisation:
        uscc = check_uscc(applicant.id_number)
        if not uscc.ok:
            return uscc.message
        if not applicant.name.strip():
            return "请填写单位名称"
        if not applicant.legal_rep.strip():
            return "请填写法定代表人（负责人）"
        if applicant.agent is None:
            return "单位申请须登记到场经办人：请读取经办人身份证（Shift+F3）"
    else:
        check = check_id_number(applicant.id_number, today)
        if not check.ok:
            return check.message
        if not applicant.name.strip():
            return "请填写申请人姓名"
    if applicant.agent is not None:
        return check_agent(applicant.agent, applicant.kind, applicant.id_number, today)
    return ""


def normalised(applicant: Applicant, today: dt.date) -> Applicant:
    """The applicant with its numbers in canonical form (upper case, full-width folded)."""
    if applicant.is_organisation:
        number, id_type = check_uscc(applicant.id_number).value, ID_USCC
    else:
        number, id_type = check_id_number(applicant.id_number, today).number, applicant.id_type or ID_RESIDENT
    agent = applicant.agent
    if agent is not None:
        agent = replace(agent, id_number=check_id_number(agent.id_number, today).number, name=agent.name.strip())
    return replace(
        applicant,
        id_number=number,
        id_type=id_type,
        name=applicant.name.strip(),
        legal_rep=applicant.legal_rep.strip(),
        agent=agent,
    )


def needs_letter(applicant: Applicant) -> bool:
    return applicant.agent is not None and applicant.agent.relation != STATUTORY


def representation_materials(applicant: Applicant, today: dt.date) -> tuple[MaterialSpec, ...]:
    """What the representation itself requires, whatever the matter asks."""
    agent = applicant.agent
    if agent is None:
        return ()
    if agent.relation == STATUTORY:
        minor = applicant.kind == PERSON and is_minor(applicant.id_number, today)
        return (GUARDIANSHIP_MINOR if minor else GUARDIANSHIP_ADULT,)
    return (AUTHORISATION_LETTER,)


def _letter_options(matter: Matter) -> dict[str, tuple[str, str]]:
    """Situations asking "does someone act for you?": code -> (option with letter, option without)."""
    letters = {spec.code for spec in matter.materials if spec.share_key == LETTER_KEY}
    out = {}
    for situation in matter.situations:
        with_letter = next((o.code for o in situation.options if letters & set(o.adds)), "")
        without = next((o.code for o in situation.options if not letters & set(o.adds)), "")
        if with_letter and without:
            out[situation.code] = (with_letter, without)
    return out


def answered_by_applicant(matter: Matter) -> tuple[str, ...]:
    """Situation codes the applicant panel answers (the clerk is not asked them twice)."""
    return tuple(_letter_options(matter))


def party_answers(matter: Matter, answers: Mapping[str, str], applicant: Applicant) -> dict[str, str]:
    """The situation answers with "who acts" taken from the applicant panel."""
    out = dict(answers)
    letter = needs_letter(applicant)
    for code, (with_letter, without) in _letter_options(matter).items():
        out[code] = with_letter if letter else without
    return out


def case_materials(
    matter: Matter, answers: Mapping[str, str], applicant: Applicant, today: dt.date
) -> tuple[dict[str, str], tuple[MaterialSpec, ...], tuple[MaterialSpec, ...]]:
    """(answers, the whole checklist, the materials the representation added to the matter's own).

    A matter that already lists its own 委托书 keeps it (answered through its situation);
    the generic one is added only where the guide has none.
    """
    resolved = party_answers(matter, answers, applicant)
    specs = matter.materials_for(resolved)
    present = {spec.share_key for spec in specs}
    extra = tuple(spec for spec in representation_materials(applicant, today) if spec.share_key not in present)
    return resolved, specs + extra, extra
