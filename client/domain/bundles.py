"""一件事 taken in as one application: one merged checklist and one verdict for all its matters.

"The same material" across member matters: two catalog rows are one paper when they carry
the same `shared_as` code (SFZ 身份证, CSZM 场所证明, YYZZ 营业执照, WTS 委托书 …), or, when
neither has one, exactly the same name (`MaterialSpec.share_key`). The catalog names the
same paper differently per matter (举办者身份证 / 法定代表人身份证 / 申请人身份证), so the
code is the rule and the name only a fallback. A shared row is asked and scanned once and
its state and pages go to every member case that lists it.

A merged row asks the strictest of its users: required if any member requires it, the
original if any wants the original, the most copies; 容缺, 告知承诺 and 免提交 only where
every member allows them. The bundle's verdict follows the same law as one matter's: a
refusal refuses the bundle; anything short that one member cannot tolerate gives one
one-time notice listing every shortfall of every member; otherwise short but tolerable
materials give one 容缺 with one deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from .case_numbers import format_case_no, mint_case_no
from .catalog import Bundle, MaterialSpec, Matter, Situation
from .deadlines import Deadline, WorkCalendar, add_limit
from .decisions import (
    ACCEPT,
    ACCEPT_TOLERANT,
    BASIS_ACCEPT,
    BASIS_NOTIFY,
    BASIS_PLEDGE,
    BASIS_TOLERANT,
    CONCLUDE,
    MISSING,
    NOTIFY_MISSING,
    PLEDGE,
    REFUSE,
    Decision,
    MaterialStatus,
    Shortfall,
)

BUNDLE_PREFIX = "Y"  # 一件事编号: Y + a case-number-shaped body from its own daily series
NOT_ALONE = "一件事须一并受理：其他事项的材料尚未齐全"


@dataclass(frozen=True)
class MemberMaterial:
    """One member matter's own catalog row behind a merged checklist row."""

    matter_code: str
    code: str  # the material's code within that matter
    name: str


@dataclass(frozen=True)
class BundleItem:
    """A row of the merged checklist: one paper, used by every member listed in `users`."""

    key: str  # the row's identity: the materials' share key
    spec: MaterialSpec  # merged requirements; spec.code == key
    users: tuple[MemberMaterial, ...]

    @property
    def matter_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(u.matter_code for u in self.users))

    @property
    def shared(self) -> bool:
        return len(self.matter_codes) > 1


@dataclass(frozen=True)
class BundleQuestion:
    """A situation question asked once for every member that asks it in the same words."""

    key: str  # "<first matter code>:<situation code>"
    situation: Situation  # as the first member asks it
    asked_by: tuple[tuple[str, str], ...]  # (matter code, that matter's situation code)


@dataclass(frozen=True)
class BundleDecision:
    """The bundle's one verdict, and the decision each member case records."""

    decision: Decision  # shortfalls are keyed by BundleItem.key, each listed once
    members: tuple[tuple[str, Decision], ...]  # (matter code, decision), in working order

    def member(self, matter_code: str) -> Decision:
        return dict(self.members)[matter_code]


def same_material(a: MaterialSpec, b: MaterialSpec) -> bool:
    return a.share_key == b.share_key


def merge_materials(members: Sequence[tuple[Matter, Sequence[MaterialSpec]]]) -> tuple[BundleItem, ...]:
    """The merged checklist of (matter, its checklist for this applicant) pairs, first-seen order."""
    rows: dict[str, list[tuple[Matter, MaterialSpec]]] = {}
    for matter, specs in members:
        for spec in specs:
            rows.setdefault(spec.share_key, []).append((matter, spec))
    return tuple(_item(key, uses) for key, uses in rows.items())


def _item(key: str, uses: list[tuple[Matter, MaterialSpec]]) -> BundleItem:
    specs = [spec for _m, spec in uses]
    first = specs[0]
    necessities = {s.necessity for s in specs}
    necessity = "required" if "required" in necessities else "optional" if "optional" in necessities else "conditional"
    mediums = {s.medium for s in specs}
    medium = "paper" if "paper" in mediums else "electronic" if mediums == {"electronic"} else "either"
    licences = {s.elicense for s in specs}
    merged = replace(
        first,
        code=key,
        necessity=necessity,
        form="original" if any(s.form == "original" for s in specs) else "copy",
        copies=max(s.copies for s in specs),
        tolerable=all(s.tolerable for s in specs),
        pledgeable=all(s.pledgeable and m.pledge for m, s in uses),
        elicense=first.elicense if len(licences) == 1 else "",
        medium=medium,
        standard="；".join(dict.fromkeys(s.standard for s in specs if s.standard)),
    )
    users = tuple(MemberMaterial(m.code, s.code, s.name) for m, s in uses)
    return BundleItem(key, merged, users)


def merge_questions(
    matters: Sequence[Matter], skip: Mapping[str, Iterable[str]] | None = None
) -> tuple[BundleQuestion, ...]:
    """Every member's situation questions, those asked in the same words with the same choices once.

    `skip` lists per matter the situation codes answered elsewhere (who acts: the applicant column).
    """
    skip = skip or {}
    merged: dict[tuple[str, tuple[str, ...]], BundleQuestion] = {}
    for matter in matters:
        skipped = set(skip.get(matter.code, ()))
        for sit in matter.situations:
            if sit.code in skipped:
                continue
            ident = (sit.question.strip(), tuple(o.label for o in sit.options))
            found = merged.get(ident)
            if found is None:
                merged[ident] = BundleQuestion(f"{matter.code}:{sit.code}", sit, ((matter.code, sit.code),))
            else:
                merged[ident] = replace(found, asked_by=found.asked_by + ((matter.code, sit.code),))
    return tuple(merged.values())


def member_answers(
    questions: Sequence[BundleQuestion], answers: Mapping[str, str], matters: Sequence[Matter]
) -> dict[str, dict[str, str]]:
    """Bundle answers (question key -> option code of its first asker) as each member's own answers."""
    by_code = {m.code: m for m in matters}
    out: dict[str, dict[str, str]] = {m.code: {} for m in matters}
    for q in questions:
        chosen = q.situation.option(answers.get(q.key))
        position = q.situation.options.index(chosen)
        for matter_code, sit_code in q.asked_by:
            sit = next(s for s in by_code[matter_code].situations if s.code == sit_code)
            out[matter_code][sit_code] = sit.options[position].code
    return out


def member_statuses(
    items: Sequence[BundleItem], statuses: Mapping[str, MaterialStatus]
) -> dict[str, dict[str, MaterialStatus]]:
    """The merged rows' states handed to each member's own material codes."""
    out: dict[str, dict[str, MaterialStatus]] = {}
    for item in items:
        given = statuses.get(item.key, MaterialStatus(item.key, MISSING))
        for user in item.users:
            out.setdefault(user.matter_code, {})[user.code] = replace(given, code=user.code)
    return out


def combine(items: Sequence[BundleItem], members: Sequence[tuple[str, Decision]]) -> BundleDecision:
    """One verdict from the members' own decisions (each taken with the bundle's deadline)."""
    decisions = [d for _code, d in members]
    refused = next((d for d in decisions if d.outcome == REFUSE), None)
    if refused is not None:
        return BundleDecision(refused, tuple((code, refused) for code, _d in members))
    row = {(u.matter_code, u.code): item for item in items for u in item.users}
    shortfalls: dict[str, Shortfall] = {}
    for code, decision in members:
        for sf in decision.shortfalls:
            item = row.get((code, sf.code))
            if item is None:  # a material outside the merged list: keep it under its own name
                shortfalls.setdefault(f"{code}:{sf.code}", sf)
            elif item.key not in shortfalls:
                shortfalls[item.key] = Shortfall(item.key, item.spec.name, sf.problem, item.spec.tolerable)
    reasons = tuple(dict.fromkeys(r for d in decisions for r in d.reasons))
    pledged = tuple(dict.fromkeys(p for d in decisions for p in d.pledged))
    if any(d.outcome == NOTIFY_MISSING for d in decisions) or any(not sf.tolerable for sf in shortfalls.values()):
        basis = _members_basis(decisions, NOTIFY_MISSING, BASIS_NOTIFY)
        notice = Decision(NOTIFY_MISSING, basis, tuple(shortfalls.values()), reasons=reasons)
        held = tuple(
            (
                code,
                d
                if d.outcome == NOTIFY_MISSING
                else Decision(NOTIFY_MISSING, BASIS_NOTIFY, d.shortfalls, (NOT_ALONE,)),
            )
            for code, d in members
        )
        return BundleDecision(notice, held)
    if shortfalls:
        supplement_by = next((d.supplement_by for d in decisions if d.supplement_by), None)
        return BundleDecision(
            Decision(
                ACCEPT_TOLERANT,
                BASIS_TOLERANT,
                tuple(shortfalls.values()),
                supplement_by=supplement_by,
                pledged=pledged,
            ),
            tuple(members),
        )
    if all(d.outcome == CONCLUDE for d in decisions):
        return BundleDecision(decisions[0], tuple(members))
    if pledged:
        return BundleDecision(Decision(PLEDGE, BASIS_PLEDGE, pledged=pledged), tuple(members))
    return BundleDecision(Decision(ACCEPT, _members_basis(decisions, ACCEPT, BASIS_ACCEPT)), tuple(members))


def _members_basis(decisions: Sequence[Decision], outcome: str, fallback: str) -> str:
    """The bundle's basis: each member's own for that outcome (its kind's law, legal_framing), once
    each in working order; a 新生儿 chain of public services cites no licensing law."""
    bases = dict.fromkeys(d.basis for d in decisions if d.outcome == outcome and d.basis)
    return "、".join(bases) or fallback


def bundle_deadline(bundle: Bundle, matters: Sequence[Matter], day: dt.date, calendar: WorkCalendar) -> Deadline:
    """The bundle's promised limit (一件事承诺时限); without one, the latest of its members'."""
    if bundle.promised_limit:
        return add_limit(day, bundle.promised_limit, bundle.promised_unit, calendar)
    deadlines = [
        add_limit(
            day, m.promised_limit or m.legal_limit, m.promised_unit if m.promised_limit else m.legal_unit, calendar
        )
        for m in matters
    ]
    return max(deadlines, key=lambda d: d.due)


def mint_bundle_no(region_code: str, day: dt.date, device_code: str, seq: int) -> str:
    """A bundle number minted offline like a case number, from its own daily series."""
    return BUNDLE_PREFIX + mint_case_no(region_code, day, device_code, seq)


def format_bundle_no(bundle_no: str) -> str:
    """Y-370702000000-20261122-A1B2-0007; anything else is returned as it is."""
    return format_case_no(bundle_no) if bundle_no.startswith(BUNDLE_PREFIX) else bundle_no
