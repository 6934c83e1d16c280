"""A 一件事 taken in as one application, then recorded as one linked case per member matter.

One applicant, one merged checklist (client.domain.bundles), one verdict, one receipt and one
notice for the applicant; behind them one case per member, each routed to its own
department, all carrying the bundle's number. A shared material's pages are the same page
records on every member case, so each page is stored and uploaded once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from client.domain.bundles import (
    BundleDecision,
    BundleItem,
    BundleQuestion,
    bundle_deadline,
    combine,
    format_bundle_no,
    member_answers,
    member_statuses,
    merge_materials,
    merge_questions,
    mint_bundle_no,
)
from client.domain.case_numbers import format_case_no, mint_case_no
from client.domain.catalog import Bundle, MaterialSpec, Matter
from client.domain.deadlines import Deadline
from client.domain.decisions import (
    ACCEPT,
    CONCLUDE,
    MISSING,
    NOTIFY_MISSING,
    REFUSE,
    Decision,
    Facts,
    MaterialStatus,
    decide,
)
from client.domain.identity import Applicant
from client.domain.parties import answered_by_applicant, case_materials
from client.store import parties
from client.store.journal import append_event, next_value
from client.store.models import BlobEntry, Case, CaseEvent
from reports.bundle import BundleMember, BundlePaper, bundle_receipt_layout, bundle_receipt_pdf, render_bundle_sheet
from reports.correction import CorrectionNotice, DefectiveMaterial, correction_sheet
from reports.notices import AcceptanceNotice, acceptance_sheet
from reports.parties import Acting
from reports.pledge import PledgedRequirement, PledgeForm, pledge_sheet
from reports.receipt import ReceiptData, ReceiptMaterial
from reports.refusal import RefusalNotice, refusal_sheet
from reports.sheet import NoticeSheet
from reports.tolerance import PendingMaterial, TolerantAcceptance, tolerant_notice_sheet, tolerant_pledge_sheet

from .auth import Clerk
from .delivery import record_handover
from .errors import ServiceError, clerk_message
from .intake import (
    OUTCOME_LABELS,
    AcceptResult,
    BundleLink,
    IntakeDraft,
    IntakePreview,
    IntakeService,
    MaterialInput,
    _material_status,
    material_state,
)
from .paperwork import OUTCOME_DOCUMENTS, acting_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundleDraft:
    """The bundle intake as the clerk left it; `materials` are keyed by BundleItem.key."""

    applicant: Applicant
    bundle_code: str
    materials: tuple[MaterialInput, ...]
    phone: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)  # BundleQuestion.key -> option code
    refusal: str = ""
    refusal_text: str = ""
    competent_office: str = ""
    supplement_by: dt.date | None = None  # the one 容缺 deadline; default: the bundle's promised date
    bad_credit: bool = False
    ticket_no: str = ""


@dataclass(frozen=True)
class MemberVerdict:
    matter_code: str
    matter_name: str
    department: str
    decision: Decision
    outcome_label: str


@dataclass(frozen=True)
class BundlePreview(IntakePreview):
    """The bundle's verdict (the IntakePreview fields) plus what it is made of."""

    bundle_code: str = ""
    bundle_name: str = ""
    items: tuple[BundleItem, ...] = ()
    questions: tuple[BundleQuestion, ...] = ()
    members: tuple[MemberVerdict, ...] = ()


@dataclass(frozen=True)
class MemberCase:
    case_id: str
    case_no: str
    case_no_display: str
    matter_code: str
    matter_name: str
    department: str
    outcome: str
    outcome_label: str


@dataclass(frozen=True)
class BundleResult(AcceptResult):
    """An AcceptResult for the whole bundle (case_id is the first member's), with its members."""

    bundle_no: str = ""
    bundle_no_display: str = ""
    bundle_name: str = ""
    members: tuple[MemberCase, ...] = ()


@dataclass(frozen=True)
class _Plan:
    bundle: Bundle
    matters: tuple[Matter, ...]
    questions: tuple[BundleQuestion, ...]
    items: tuple[BundleItem, ...]
    drafts: tuple[IntakeDraft, ...]  # one per member, materials under the member's own codes
    verdict: BundleDecision
    deadline: Deadline
    states: Mapping[str, MaterialStatus]  # the merged rows' states, by BundleItem.key


class _Parties(TypedDict):
    """The fields every notice of the bundle shares."""

    office_name: str
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    acting: Acting


class BundleIntakeService:
    def __init__(self, intake: IntakeService):
        self.intake = intake

    def bundle(self, code: str) -> Bundle:
        try:
            return self.intake.catalog().bundle(code)
        except KeyError:
            raise ServiceError("目录中没有这个一件事，请重新搜索") from None

    def checklist(self, code: str, applicant: Applicant, answers: Mapping[str, str] | None = None) -> BundlePreview:
        """The merged checklist and questions before any material is marked (no verdict needed)."""
        return self.preview(BundleDraft(applicant, code, (), answers=dict(answers or {})))

    def _plan(self, draft: BundleDraft) -> _Plan:
        catalog = self.intake.catalog()
        bundle = self.bundle(draft.bundle_code)
        matters = tuple(catalog.get(code) for code in bundle.matters)
        today = self.intake.clock().date()
        deadline = bundle_deadline(bundle, matters, today, self.intake.calendar())
        questions = merge_questions(matters, {m.code: answered_by_applicant(m) for m in matters})
        answers = member_answers(questions, draft.answers, matters)
        checklists = []
        for matter in matters:
            resolved, specs, extra = case_materials(matter, answers[matter.code], draft.applicant, today)
            checklists.append((matter, resolved, specs, extra))
        items = merge_materials([(m, specs) for m, _a, specs, _e in checklists])
        inputs = {m.code: m for m in draft.materials}
        merged_status = {
            item.key: MaterialStatus(item.key, _state(item.spec, inputs.get(item.key)), _reason(inputs.get(item.key)))
            for item in items
        }
        per_member = member_statuses(items, merged_status)
        facts_common = Facts(
            bad_credit=draft.bad_credit,
            supplement_by=draft.supplement_by or deadline.due,
            promised_due=deadline.due,
            refusal=draft.refusal,
            refusal_text=draft.refusal_text,
            competent_office=draft.competent_office,
        )
        decisions, drafts = [], []
        for matter, resolved, specs, extra in checklists:
            statuses = per_member.get(matter.code, {})
            try:
                decision = decide(matter, statuses, replace(facts_common, answers=resolved, extra_materials=extra))
            except ValueError as exc:
                raise ServiceError(str(exc)) from exc
            decisions.append((matter.code, decision))
            pages = {
                u.code: inputs[i.key].pages
                for i in items
                for u in i.users
                if u.matter_code == matter.code and i.key in inputs
            }
            drafts.append(
                IntakeDraft(
                    draft.applicant,
                    matter.code,
                    tuple(
                        MaterialInput(
                            spec.code,
                            statuses[spec.code].state not in ("missing", "defective"),
                            tuple(pages.get(spec.code, ())),
                            statuses[spec.code].state,
                            statuses[spec.code].reason,
                        )
                        for spec in specs
                        if spec.code in statuses
                    ),
                    draft.phone,
                    answers=answers[matter.code],
                    refusal=draft.refusal,
                    refusal_text=draft.refusal_text,
                    competent_office=draft.competent_office,
                    supplement_by=draft.supplement_by or deadline.due,
                    bad_credit=draft.bad_credit,
                    ticket_no=draft.ticket_no,
                )
            )
        return _Plan(
            bundle, matters, questions, items, tuple(drafts), combine(items, decisions), deadline, merged_status
        )

    def preview(self, draft: BundleDraft) -> BundlePreview:
        """The bundle's one verdict on the merged checklist; cheap enough for every change."""
        plan = self._plan(draft)
        decision = plan.verdict.decision
        members = tuple(
            MemberVerdict(
                m.code,
                m.name,
                m.department,
                plan.verdict.member(m.code),
                OUTCOME_LABELS[plan.verdict.member(m.code).outcome],
            )
            for m in plan.matters
        )
        return BundlePreview(
            decision,
            OUTCOME_LABELS[decision.outcome],
            plan.deadline.due,
            plan.deadline.warning,
            tuple(item.spec for item in plan.items),
            plan.bundle.code,
            plan.bundle.name,
            plan.items,
            plan.questions,
            members,
        )

    def submit(
        self,
        draft: BundleDraft,
        clerk: Clerk,
        within: Callable[[Session, str, str, str, dt.datetime], None] | None = None,
    ) -> BundleResult:
        """Record one case per member under one bundle number in one transaction, then the paper.

        `within(session, case_id, case_no, outcome, now)` joins the transaction once, with the
        first member's case (the intake draft leaves the store with the bundle).
        """
        refusal = self.intake.gate()
        if refusal:
            raise ServiceError(refusal)
        plan = self._plan(draft)
        identity = self.intake.identity()
        paperwork = self.intake.paperwork
        now = self.intake.clock().replace(microsecond=0)
        outcome = plan.verdict.decision.outcome
        members: list[MemberCase] = []
        try:
            with self.intake.store.sessions.begin() as s:
                bundle_no = mint_bundle_no(
                    identity.region_code, now.date(), identity.device_code, next_value(s, f"bundle_no:{now:%Y%m%d}")
                )
                # One notice for the bundle: its numbers are minted once and recorded on every member.
                numbers = {
                    kind: paperwork.document_number(
                        kind, now.year, next_value(s, paperwork.counter_name(kind, now.year))
                    )
                    for kind in OUTCOME_DOCUMENTS[_paper_outcome(outcome)]
                }
                main = next(iter(numbers.values()), "")
                for matter, member_draft in zip(plan.matters, plan.drafts, strict=True):
                    case_id = str(uuid.uuid4())
                    case_no = mint_case_no(
                        identity.region_code, now.date(), identity.device_code, next_value(s, f"case_no:{now:%Y%m%d}")
                    )
                    link = BundleLink(
                        bundle_no, plan.bundle.code, plan.bundle.name, plan.verdict.member(matter.code), plan.deadline
                    )
                    composed = self.intake._compose(
                        member_draft, clerk, case_id, case_no, now, lambda kind: numbers.get(kind, main), bundle=link
                    )
                    s.add(composed.case)
                    s.add_all(composed.materials)
                    for sha, size in composed.blobs:
                        if s.get(BlobEntry, sha) is None:
                            s.add(BlobEntry(sha256=sha, size=size))
                    s.flush()
                    append_event(
                        s,
                        case_id=case_id,
                        type_=composed.event_type,
                        payload=composed.payload,
                        clerk=clerk.username,
                        device_id=identity.device_id,
                        now=now,
                    )
                    if not members:
                        parties.remember(s, composed.applicant, case_id, now)
                    d = composed.decision
                    if d.outcome == CONCLUDE:
                        # A 即办件 of the bundle is decided here: its result leaves with the applicant now.
                        receiver = composed.applicant.agent or composed.applicant
                        record_handover(
                            s,
                            composed.case,
                            receiver.name,
                            receiver.id_number,
                            clerk.username,
                            identity.device_id,
                            now,
                            on_the_spot=True,
                        )
                    members.append(
                        MemberCase(
                            case_id,
                            case_no,
                            format_case_no(case_no),
                            matter.code,
                            matter.name,
                            matter.department,
                            d.outcome,
                            OUTCOME_LABELS[d.outcome],
                        )
                    )
                if within is not None:
                    within(s, members[0].case_id, members[0].case_no, outcome, now)
        except (OSError, SQLAlchemyError) as exc:
            log.error("storing bundle failed: %s", exc)
            raise ServiceError("本机数据库写入失败，办件未保存，请检查磁盘空间后重试", str(exc)) from exc
        log.info(
            "bundle %s (%s, %d cases) %s by %s", bundle_no, plan.bundle.code, len(members), outcome, clerk.username
        )
        self.intake.on_new_event()
        paths, printed, error = self._issue(plan, bundle_no, members)
        lead = members[0]
        return BundleResult(
            lead.case_id,
            lead.case_no,
            format_bundle_no(bundle_no),
            plan.deadline.due,
            plan.deadline.approximate,
            main,
            paths[0] if paths else None,
            printed,
            error,
            outcome,
            OUTCOME_LABELS[outcome],
            tuple(paths),
            plan.deadline.warning,
            "",
            bundle_no,
            format_bundle_no(bundle_no),
            plan.bundle.name,
            tuple(members),
        )

    def preview_notice(self, draft: BundleDraft, clerk: Clerk) -> tuple[str, bytes]:
        """The bundle's main notice as it would print now (title, PNG); nothing stored or numbered."""
        plan = self._plan(draft)
        now = self.intake.clock().replace(microsecond=0)
        outcome = plan.verdict.decision.outcome
        lead_draft = plan.drafts[0]
        link = BundleLink(
            "预览", plan.bundle.code, plan.bundle.name, plan.verdict.member(plan.matters[0].code), plan.deadline
        )
        composed = self.intake._compose(
            lead_draft, clerk, "preview", "预览", now, lambda _k: "（预览，受理后编号）", bundle=link
        )
        members = tuple(BundleMember(m.name, m.department, "（受理后编号）") for m in plan.matters)
        title, pdf = self._documents(
            plan, composed.case, composed.payload, "（预览）", members, "（预览，受理后编号）", outcome
        )[0]
        return title, self.intake.paperwork.preview_pdf(pdf)

    # paper
    def _issue(self, plan: _Plan, bundle_no: str, members: list[MemberCase]) -> tuple[list, bool, str]:
        """One set of notices and one receipt for the bundle; failures are reported, not raised."""
        paperwork = self.intake.paperwork
        with self.intake.store.sessions() as s:
            case = s.get(Case, members[0].case_id)
            assert case is not None  # stored in the transaction above
            _ = list(case.materials)
            s.expunge(case)
        with self.intake.store.sessions() as s:
            first = s.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq).limit(1)
            ).first()
            payload = dict(first.payload) if first else {}
        outcome = plan.verdict.decision.outcome
        listed = tuple(BundleMember(m.matter_name, m.department, m.case_no) for m in members)
        errors, paths = [], []
        try:
            for title, pdf in self._documents(plan, case, payload, bundle_no, listed, case.notice_no, outcome):
                paths.append(paperwork.write_document(f"{bundle_no}-{title}.pdf", pdf))
        except Exception as exc:  # font missing, disk full: the cases themselves are safe
            log.exception("notices for bundle %s failed", bundle_no)
            errors.append(clerk_message(exc, "文书生成失败，可在办件详情中重新打印"))
        printed = False
        if outcome != REFUSE:  # a refusal hands the materials back: nothing was received
            data, paper = self._receipt(plan, case, payload, bundle_no, listed, outcome)
            try:
                if paperwork.receipt_format == "A4":
                    paperwork.write_document(f"{bundle_no}-收件凭证.pdf", bundle_receipt_pdf(data, paper))
                else:
                    paperwork.print_layout(bundle_receipt_layout(data, paper, int(paperwork.receipt_format)))
                printed = True
            except Exception as exc:
                log.warning("receipt for bundle %s not printed: %s", bundle_no, exc)
                errors.append(clerk_message(exc, "小票打印失败，请检查打印机后重新打印"))
        return paths, printed, "；".join(errors)

    def _receipt(
        self, plan: _Plan, case: Case, payload: dict, bundle_no: str, listed: tuple[BundleMember, ...], outcome: str
    ) -> tuple[ReceiptData, BundlePaper]:
        base = self.intake.paperwork.receipt_data(case, payload)
        verdict = plan.verdict.decision
        short = {sf.code for sf in verdict.shortfalls}
        materials = tuple(
            ReceiptMaterial(item.spec.name, item.spec.form, item.spec.copies, _item_status(item, short, outcome, plan))
            for item in plan.items
            if item.spec.necessity == "required" or _item_status(item, short, outcome, plan) != "missing"
        )
        promised = None if outcome == NOTIFY_MISSING else plan.deadline.due
        data = replace(base, case_no=bundle_no, matter_name=plan.bundle.name, materials=materials, promised_by=promised)
        return data, BundlePaper(bundle_no, plan.bundle.name, listed, promised, _concluded(plan))

    def _documents(
        self,
        plan: _Plan,
        case: Case,
        payload: dict,
        bundle_no: str,
        listed: tuple[BundleMember, ...],
        doc_no: str,
        outcome: str,
    ) -> list[tuple[str, bytes]]:
        """(title, PDF) for every notice the bundle's verdict calls for, main one first."""
        paperwork = self.intake.paperwork
        templates = paperwork.templates()
        base = paperwork.receipt_data(case, payload)
        verdict = plan.verdict.decision
        numbers = payload.get("documents") or {}
        received = case.received_at.date()
        acting = acting_of(case.applicant_id_type, payload)
        promised = None if outcome in (NOTIFY_MISSING, REFUSE) else plan.deadline.due
        paper = BundlePaper(bundle_no, plan.bundle.name, listed, promised, _concluded(plan))
        common = _Parties(
            office_name=base.office_name,
            applicant_name=case.applicant_name,
            applicant_id_number=case.applicant_id_number,
            matter_name=plan.bundle.name,
            acting=acting,
        )
        short = {sf.code: sf for sf in verdict.shortfalls}
        by_key = {item.key: item for item in plan.items}
        out: list[tuple[str, bytes]] = []
        for kind in OUTCOME_DOCUMENTS[_paper_outcome(outcome)]:
            no = numbers.get(kind, doc_no)
            sheet: NoticeSheet
            if kind == "acceptance":
                sheet = acceptance_sheet(
                    AcceptanceNotice(
                        **common,
                        doc_no=no,
                        case_no=bundle_no,
                        received_on=received,
                        decide_by=plan.deadline.due,
                        query_url=base.query_url,
                        contact_phone=base.phone,
                        legal_basis=verdict.basis,
                        materials=tuple(
                            i.spec.name
                            for i in plan.items
                            if _item_status(i, set(short), outcome, plan) in ("received", "waived", "pledged")
                        ),
                    ),
                    templates,
                )
            elif kind == "pledge":
                sheet = pledge_sheet(
                    PledgeForm(
                        **common,
                        doc_no=no,
                        issued_on=received,
                        case_no=bundle_no,
                        query_url=base.query_url,
                        applicant_phone=case.applicant_phone,
                        requirements=tuple(
                            PledgedRequirement(name, f"本人承诺已具备“{name}”所证明的条件，内容真实")
                            for name in verdict.pledged
                        ),
                    ),
                    templates,
                )
            elif kind in ("tolerant_notice", "tolerant_pledge"):
                notice = TolerantAcceptance(
                    **common,
                    doc_no=no,
                    case_no=bundle_no,
                    received_on=received,
                    issued_on=received,
                    supplement_by=verdict.supplement_by or plan.deadline.due,
                    applicant_phone=case.applicant_phone,
                    query_url=base.query_url,
                    pending=tuple(
                        PendingMaterial(by_key[k].spec.name, by_key[k].spec.form, by_key[k].spec.copies)
                        for k in short
                        if k in by_key
                    ),
                )
                sheet = (tolerant_notice_sheet if kind == "tolerant_notice" else tolerant_pledge_sheet)(
                    notice, templates
                )
            elif kind == "correction":
                sheet = correction_sheet(
                    CorrectionNotice(
                        **common,
                        doc_no=no,
                        applicant_phone=case.applicant_phone,
                        case_no=bundle_no,
                        received_on=received,
                        contact_person=case.clerk,
                        contact_phone=base.phone,
                        issued_on=received,
                        query_url=base.query_url,
                        materials=tuple(
                            DefectiveMaterial(sf.name, sf.problem, _requirement(by_key.get(sf.code), plan))
                            for sf in verdict.shortfalls
                        ),
                    ),
                    templates,
                )
            else:  # refusal: the bundle is refused as a whole
                sheet = refusal_sheet(
                    RefusalNotice(
                        **common,
                        doc_no=no,
                        received_on=received,
                        issued_on=received,
                        case_no=bundle_no,
                        reasons=verdict.reasons,
                        competent_office=verdict.competent_office,
                        query_url=base.query_url,
                    ),
                    templates,
                )
            out.append((templates.kind(kind).title, render_bundle_sheet(sheet, paper)))
        return out


def _concluded(plan: _Plan) -> tuple[str, ...]:
    return tuple(m.name for m in plan.matters if plan.verdict.member(m.code).outcome == CONCLUDE)


def _paper_outcome(outcome: str) -> str:
    """The bundle's paper: one acceptance notice even when some or all members concluded on the spot
    (those are named on it as concluded and handed over)."""
    return ACCEPT if outcome == CONCLUDE else outcome


def _state(spec: MaterialSpec, given: MaterialInput | None) -> str:
    return material_state(spec, given)


def _reason(given: MaterialInput | None) -> str:
    return given.reason if given is not None else ""


def _item_status(item: BundleItem, short: set[str], outcome: str, plan: _Plan) -> str:
    """The merged row's status on the bundle's paper, as a member case would record it."""
    state = plan.states[item.key].state if item.key in plan.states else MISSING
    return _material_status(state, item.key in short, outcome)


def _requirement(item: BundleItem | None, plan: _Plan) -> str:
    """What to bring, and which member matters share the paper (it is brought once)."""
    if item is None:
        return ""
    form = "原件" if item.spec.form == "original" else "复印件"
    text = f"{form}{item.spec.copies}份"
    if item.shared:
        names = {m.code: m.name for m in plan.matters}
        text += "（" + "、".join(names[c] for c in item.matter_codes) + "共用，提交一份）"
    return text
