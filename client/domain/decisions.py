"""The intake decision: what the window may do with this application, and why.

Pure: matter + situation answers + the state of each material (+ a few facts about the
applicant) in, a `Decision` out. Each rule names its legal source; the window turns the
decision into 受理通知书 / 容缺受理通知书 / 一次性告知书 / 不予受理决定书.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from .catalog import MaterialSpec, Matter
from .legal_framing import MatterFraming, frame

# State of one material at the counter.
PAPER_ORIGINAL, PAPER_COPY, SCANNED, ELICENSE = "paper_original", "paper_copy", "scanned", "elicense"
PLEDGED, MISSING, DEFECTIVE = "pledged", "missing", "defective"
STATES = (PAPER_ORIGINAL, PAPER_COPY, SCANNED, ELICENSE, PLEDGED, MISSING, DEFECTIVE)

# Outcomes.
ACCEPT, ACCEPT_TOLERANT, PLEDGE, NOTIFY_MISSING, REFUSE, CONCLUDE = (
    "accept",
    "accept_tolerant",
    "pledge",
    "notify_missing",
    "refuse",
    "conclude",
)

# 不予受理 reasons of a licence (行政许可法 §32(1)(1)(2) and the matter's 受理条件). Other kinds
# offer their own (client.domain.legal_framing, `refusal_reasons`); this is the licensing set.
REFUSAL_REASONS = {
    "no_permit_needed": "申请事项依法不需要取得行政许可",
    "not_competent": "申请事项不属于本机关职权范围",
    "not_eligible": "申请人不符合受理条件",
    "duplicate": "同一事项已在办理中，不得重复申请",
    "other": "其他依法不予受理的情形",
}

# The licensing law's articles: a 行政许可's framing (data/legal_framing.json) cites the same.
BASIS_ACCEPT = "《中华人民共和国行政许可法》第三十二条第一款第（五）项"
BASIS_NOTIFY = "《中华人民共和国行政许可法》第三十二条第一款第（四）项"
BASIS_REFUSE = "《中华人民共和国行政许可法》第三十二条第一款第（一）（二）项"
BASIS_CONCLUDE = "《中华人民共和国行政许可法》第三十四条第二款"
BASIS_PLEDGE = "《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》（国办发〔2020〕42号）"
# [I] No national statute defines 容缺受理; it rests on local rules (provincial/county 容缺受理
# measures). The office configures the exact title; this is the generic wording.
BASIS_TOLERANT = "本级政务服务容缺受理工作制度"
BASIS_ELICENSE = "《国务院关于在线政务服务的若干规定》第十一条"


@dataclass(frozen=True)
class MaterialStatus:
    code: str
    state: str = MISSING
    reason: str = ""  # what is wrong, for DEFECTIVE


@dataclass(frozen=True)
class Shortfall:
    """One line of a 一次性告知书: the material and what the applicant must do."""

    code: str
    name: str
    problem: str  # Chinese
    tolerable: bool


@dataclass(frozen=True)
class Facts:
    """What the counter knows beyond the materials."""

    answers: Mapping[str, str] = field(default_factory=dict)  # situation answers
    bad_credit: bool = False  # on the 失信 list
    false_pledge_before: bool = False  # an earlier pledge proved false
    supplement_by: dt.date | None = None  # 容缺 supplement deadline offered
    promised_due: dt.date | None = None  # the case's promised date (承诺时限)
    refusal: str = ""  # a key of the matter's refusal reasons (refusal_reasons) chosen by the clerk, "" when none
    refusal_text: str = ""  # free text added to the reason
    competent_office: str = ""  # where the applicant should go instead
    # Materials the representation adds (授权委托书, 监护关系证明: client.domain.parties).
    extra_materials: tuple[MaterialSpec, ...] = ()
    # Share keys an earlier member of the 一件事 produces (Bundle.supplied_by_chain): not asked.
    supplied_by_chain: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    outcome: str
    basis: str  # the legal source, printed on the notice
    shortfalls: tuple[Shortfall, ...] = ()  # complete, for notify_missing and accept_tolerant
    reasons: tuple[str, ...] = ()  # for refuse, and why 容缺 was not possible
    competent_office: str = ""
    supplement_by: dt.date | None = None
    pledged: tuple[str, ...] = ()  # material names replaced by a pledge

    @property
    def accepted(self) -> bool:
        return self.outcome in (ACCEPT, ACCEPT_TOLERANT, PLEDGE, CONCLUDE)


def _problem(spec: MaterialSpec, status: MaterialStatus, matter: Matter) -> str:
    """Empty when the material is satisfied, else what is wrong (Chinese)."""
    state = status.state
    if state == PAPER_ORIGINAL:
        return ""
    if state == PAPER_COPY:
        return "" if spec.form == "copy" else "须提交原件"
    if state == SCANNED:
        # An electronic material or a copy may arrive as a scan; an original may not.
        return "" if spec.medium != "paper" or spec.form == "copy" else "须提交原件"
    if state == ELICENSE:
        # 免提交: a fetched e-licence replaces the paper (国务院关于在线政务服务的若干规定 §11).
        return "" if spec.elicense else "该材料无可调用的电子证照"
    if state == PLEDGED:
        # 告知承诺 only where both the matter and the material allow it (国办发〔2020〕42号).
        return "" if (spec.pledgeable and matter.pledge) else "该材料不适用告知承诺"
    if state == DEFECTIVE:
        return status.reason or "材料不符合要求"
    return "未提交"


def refusal_reasons(matter: Matter, framing: MatterFraming | None = None) -> dict[str, str]:
    """The refusal reasons the counter offers for this matter's kind (key -> text, in order)."""
    return (framing or frame(matter)).reasons


def decide(
    matter: Matter,
    materials: Mapping[str, MaterialStatus],
    facts: Facts = Facts(),
    framing: MatterFraming | None = None,
) -> Decision:
    """Decide at the counter. Rules, in the order the law applies them (the articles cited are
    the matter kind's, `framing`: the catalog's, else the built-in table):

    1. refuse — the clerk chose a refusal reason (行政许可法 §32(1)(1)(2)); a matter outside
       this office's powers must name the competent office (§32(1)(2)).
    2. notify_missing — anything missing or defective: ONE notice listing ALL of it
       (§32(1)(4)), unless rule 3 applies. A partial list is never produced: the law deems
       the application accepted if it is not told everything in time.
    3. accept_tolerant (容缺) — only materials flagged tolerable are short, the applicant is
       not on the 失信 list and has no false pledge, and the supplement deadline is no later
       than the promised date (容缺 supplement time counts inside the 承诺时限).
    4. conclude — complete and 即办件: decided on the spot (§34(2)).
    5. pledge — complete with some proofs replaced by 告知承诺 (国办发〔2020〕42号).
    6. accept — complete (§32(1)(5)).
    """
    framing = framing or frame(matter)
    if facts.refusal:
        offered = framing.reasons
        reason = offered.get(facts.refusal) or offered.get("other") or list(offered.values())[-1]
        reasons = tuple(r for r in (reason, facts.refusal_text.strip()) if r)
        if facts.refusal == "not_competent" and not facts.competent_office.strip():
            raise ValueError("不属于本机关职权范围的，须告知申请人向哪个机关申请")
        return Decision(REFUSE, framing.refuse, reasons=reasons, competent_office=facts.competent_office.strip())

    shortfalls, pledged = [], []
    for spec in matter.materials_for(facts.answers) + tuple(facts.extra_materials):
        if spec.necessity != "required" or spec.share_key in facts.supplied_by_chain:
            continue
        status = materials.get(spec.code, MaterialStatus(spec.code))
        problem = _problem(spec, status, matter)
        if problem:
            shortfalls.append(Shortfall(spec.code, spec.name, problem, spec.tolerable))
        elif status.state == PLEDGED:
            pledged.append(spec.name)

    if shortfalls:
        blockers = _tolerance_blockers(shortfalls, facts)
        if not blockers:
            return Decision(
                ACCEPT_TOLERANT,
                BASIS_TOLERANT,
                tuple(shortfalls),
                supplement_by=facts.supplement_by,
                pledged=tuple(pledged),
            )
        return Decision(NOTIFY_MISSING, framing.notify, tuple(shortfalls), reasons=blockers)
    if matter.handling == "immediate":
        return Decision(CONCLUDE, framing.conclude, pledged=tuple(pledged))
    if pledged:
        return Decision(PLEDGE, BASIS_PLEDGE, pledged=tuple(pledged))
    return Decision(ACCEPT, framing.accept)


def _tolerance_blockers(shortfalls: list[Shortfall], facts: Facts) -> tuple[str, ...]:
    """Why 容缺 is not possible here (empty when it is)."""
    out = []
    key = [s.name for s in shortfalls if not s.tolerable]
    if key:
        out.append("以下材料为核心材料，不适用容缺受理：" + "、".join(key))
    if facts.bad_credit:
        out.append("申请人被列入失信名单，不适用容缺受理")
    if facts.false_pledge_before:
        out.append("申请人曾有虚假承诺记录，不适用容缺受理")
    if facts.supplement_by is None:
        out.append("未约定容缺材料补交期限")
    elif facts.promised_due is not None and facts.supplement_by > facts.promised_due:
        out.append("容缺材料补交期限不得晚于承诺办结期限")
    return tuple(out)
