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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

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
from client.store.journal import next_value
from client.store.models import Case, CaseEvent
from reports.bundle import BundleMember, BundlePaper, bundle_receipt_layout, bundle_receipt_pdf, render_bundle_sheet
from reports.correction import DefectiveMaterial
from reports.receipt import ReceiptData, ReceiptMaterial
from reports.tolerance import PendingMaterial

from .auth import Clerk
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
    add_composed,
    material_state,
    record_composed,
)
from .paperwork import OUTCOME_DOCUMENTS, NoticeFacts, NoticeParties, PaperResult, acting_of, notice_sheet

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
            # What an earlier member produces (its 营业执照, its 出生医学证明) is handed on, never asked.
            supplied = bundle.supplied_by_chain(catalog, matter.code)
            specs = tuple(spec for spec in specs if spec.share_key not in supplied)
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
                decision = decide(
                    matter,
                    statuses,
                    replace(
                        facts_common,
                        answers=resolved,
                        extra_materials=extra,
                        supplied_by_chain=bundle.supplied_by_chain(catalog, matter.code),
                    ),
                    catalog.framing(matter),
                )
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
                # Every member's number first: each member's first event keeps the bundle's paper,
                # which lists them all (a reprint from any member gives the bundle's paper).
                minted = [
                    (
                        str(uuid.uuid4()),
                        mint_case_no(
                            identity.region_code,
                            now.date(),
                            identity.device_code,
                            next_value(s, f"case_no:{now:%Y%m%d}"),
                        ),
                    )
                    for _m in plan.matters
                ]
                planned = [
                    MemberCase(case_id, case_no, format_case_no(case_no), m.code, m.name, m.department, "", "")
                    for (case_id, case_no), m in zip(minted, plan.matters, strict=True)
                ]
                record = _record(plan, bundle_no, planned)
                for matter, member_draft, (case_id, case_no) in zip(plan.matters, plan.drafts, minted, strict=True):
                    link = BundleLink(
                        bundle_no,
                        plan.bundle.code,
                        plan.bundle.name,
                        plan.verdict.member(matter.code),
                        plan.deadline,
                        plan.bundle.supplied_by_chain(self.intake.catalog(), matter.code),
                    )
                    composed = self.intake._compose(
                        member_draft, clerk, case_id, case_no, now, lambda kind: numbers.get(kind, main), bundle=link
                    )
                    add_composed(s, composed)
                    # One applicant and one draft: the lead member remembers the one and closes
                    # the other (with the bundle's outcome); a 即办件 member's result leaves now.
                    first = not members
                    record_composed(
                        s,
                        composed,
                        clerk,
                        identity,
                        now,
                        paper={PAPER_KEY: record.to_json()},
                        remember=first,
                        within=within if first else None,
                        within_outcome=outcome,
                    )
                    d = composed.decision
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
        except (OSError, SQLAlchemyError) as exc:
            log.error("storing bundle failed: %s", exc)
            raise ServiceError("本机数据库写入失败，办件未保存，请检查磁盘空间后重试", str(exc)) from exc
        log.info(
            "bundle %s (%s, %d cases) %s by %s", bundle_no, plan.bundle.code, len(members), outcome, clerk.username
        )
        self.intake.on_new_event()
        paths, printed, error = self._issue(record)
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
        lead_draft = plan.drafts[0]
        link = BundleLink(
            "预览",
            plan.bundle.code,
            plan.bundle.name,
            plan.verdict.member(plan.matters[0].code),
            plan.deadline,
            plan.bundle.supplied_by_chain(self.intake.catalog(), plan.matters[0].code),
        )
        composed = self.intake._compose(
            lead_draft, clerk, "preview", "预览", now, lambda _k: "（预览，受理后编号）", bundle=link
        )
        members = tuple(
            MemberCase("", "（受理后编号）", "（受理后编号）", m.code, m.name, m.department, "", "")
            for m in plan.matters
        )
        record = _record(plan, "（预览）", members)
        title, pdf = self._documents(record, composed.case, composed.payload, "（预览，受理后编号）")[0]
        return title, self.intake.paperwork.preview_pdf(pdf)

    def reprint(self, case_id: str) -> PaperResult:
        """Reprint from any case: a member of a 一件事 gets the bundle's one receipt and notice
        again (exactly as first printed), any other case its own paper."""
        with self.intake.store.sessions() as s:
            record = stored_record(s, case_id)
        if record is None:
            return self.intake.paperwork.reprint(case_id)
        return self.issue(record)

    def issue(self, record: BundleRecord, notices: bool = True) -> PaperResult:
        """The bundle's paper as `record` says: its notices (unless `notices` is False) and one receipt."""
        paths, printed, error = self._issue(record, notices)
        return PaperResult(paths[0] if paths else None, printed, error, tuple(paths))

    # paper
    def _issue(self, record: BundleRecord, notices: bool = True) -> tuple[list, bool, str]:
        """One set of notices and one receipt for the bundle; failures are reported, not raised."""
        paperwork = self.intake.paperwork
        lead_id = record.member_ids[0]
        with self.intake.store.sessions() as s:
            case = s.get(Case, lead_id)
            if case is None:
                raise ServiceError("未找到该一件事的办件，无法打印")
            _ = list(case.materials)
            s.expunge(case)
        with self.intake.store.sessions() as s:
            first = s.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq).limit(1)
            ).first()
            payload = dict(first.payload) if first else {}
        bundle_no = record.bundle_no
        errors, paths = [], []
        try:
            for title, pdf in self._documents(record, case, payload, case.notice_no) if notices else ():
                paths.append(paperwork.write_document(f"{bundle_no}-{title}.pdf", pdf))
        except Exception as exc:  # font missing, disk full: the cases themselves are safe
            log.exception("notices for bundle %s failed", bundle_no)
            errors.append(clerk_message(exc, "文书生成失败，可在办件详情中重新打印"))
        printed = False
        if record.outcome != REFUSE:  # a refusal hands the materials back: nothing was received
            data, paper = self._receipt(record, case, payload)
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

    def _query_url(self, case: Case) -> str:
        """The bundle's public page: the page of the case its paper is printed for (the first
        member's), built as a case's is (Paperwork); never the bare bundle number."""
        return self.intake.paperwork.templates().query_url(case.public_token or "")

    def _receipt(self, record: BundleRecord, case: Case, payload: dict) -> tuple[ReceiptData, BundlePaper]:
        base = self.intake.paperwork.receipt_data(case, payload)
        materials = tuple(ReceiptMaterial(m.name, m.form, m.copies, m.status) for m in record.materials if m.on_receipt)
        data = replace(
            base,
            case_no=record.bundle_no,
            matter_name=record.bundle_name,
            materials=materials,
            promised_by=record.paper.promised_by,
            promised_note=self.intake.paperwork.note_for(case.received_at.date(), record.paper.promised_by),
            query_url=self._query_url(case),
            concluded=record.outcome == CONCLUDE,
        )
        return data, replace(record.paper, promised_note=data.promised_note)

    def _documents(self, record: BundleRecord, case: Case, payload: dict, doc_no: str) -> list[tuple[str, bytes]]:
        """(title, PDF) for every notice the bundle's verdict calls for, main one first."""
        paperwork = self.intake.paperwork
        templates = paperwork.templates()
        base = paperwork.receipt_data(case, payload)
        numbers = payload.get("documents") or {}
        received = case.received_at.date()
        acting = acting_of(case.applicant_id_type, payload)
        paper = replace(record.paper, promised_note=paperwork.note_for(received, record.paper.promised_by))
        common = NoticeParties(
            office_name=base.office_name,
            applicant_name=case.applicant_name,
            applicant_id_number=case.applicant_id_number,
            matter_name=record.bundle_name,
            acting=acting,
        )
        # One set of notices for the whole bundle: its number, its materials, its one deadline.
        facts = NoticeFacts(
            case_no=record.bundle_no,
            received_on=received,
            accepted_on=record.accepted_on or received,
            decide_by=record.promised_by,
            decide_note=paperwork.note_for(received, record.promised_by),
            query_url=self._query_url(case),
            contact_phone=base.phone,
            contact_person=case.clerk,
            applicant_phone=case.applicant_phone,
            legal_basis=record.basis,
            received=tuple(m.name for m in record.materials if m.status in ("received", "waived", "pledged")),
            pledged=record.pledged,
            supplement_by=record.supplement_by or record.promised_by,
            pending=tuple(PendingMaterial(sf.name, sf.form, sf.copies) for sf in record.shortfalls if sf.listed),
            defective=tuple(DefectiveMaterial(sf.name, sf.problem, sf.requirement) for sf in record.shortfalls),
            reasons=record.reasons,
            competent_office=record.competent_office,
        )
        out: list[tuple[str, bytes]] = []
        for kind in OUTCOME_DOCUMENTS[_paper_outcome(record.outcome)]:
            sheet = notice_sheet(kind, numbers.get(kind, doc_no), common, facts, templates)
            out.append((templates.kind(kind).title, render_bundle_sheet(sheet, paper)))
        return out


PAPER_KEY = "bundle_paper"  # where each member's events keep the bundle's paper (BundleRecord)


def stored_record(s: Session, case_id: str) -> BundleRecord | None:
    """The bundle's paper as last issued for a member case (intake, or the 补正 that accepted it);
    None for a case taken in alone."""
    for event in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq.desc())):
        stored = (event.payload or {}).get(PAPER_KEY)
        if stored:
            try:
                return BundleRecord.from_json(stored)
            except (KeyError, TypeError, ValueError) as exc:
                log.error("bundle paper record of %s unreadable: %s", case_id, exc)
                raise ServiceError("该一件事的文书记录已损坏，无法重新打印，请联系管理员") from exc
    return None


@dataclass(frozen=True)
class PaperMaterial:
    """A merged checklist row as the bundle's paper shows it."""

    key: str  # the row's share key (BundleItem.key): the same paper on every member case
    name: str
    form: str
    copies: int
    status: str  # reports.receipt status: received / missing / tolerated / pledged / waived / defective
    on_receipt: bool  # optional papers not brought are left off the receipt


@dataclass(frozen=True)
class PaperShortfall:
    """A shortfall of the bundle's one verdict, listed once however many members need the paper."""

    name: str
    problem: str
    requirement: str  # what to bring, and which member matters share it
    form: str = "original"
    copies: int = 1
    listed: bool = True  # a row of the merged checklist (False: a member's own extra material)


@dataclass(frozen=True)
class BundleRecord:
    """What the bundle's paper says, kept on every member's first event.

    The bundle's receipt and notice are made from the merged checklist and the one verdict,
    which no single member case holds; keeping them lets a reprint from any member's detail
    give the bundle's paper exactly as first printed, whatever the catalog says later.
    """

    bundle_no: str
    bundle_code: str
    bundle_name: str
    outcome: str
    basis: str
    promised_by: dt.date
    members: tuple[BundleMember, ...]
    member_ids: tuple[str, ...]
    concluded: tuple[str, ...]
    materials: tuple[PaperMaterial, ...]
    shortfalls: tuple[PaperShortfall, ...] = ()
    reasons: tuple[str, ...] = ()
    competent_office: str = ""
    supplement_by: dt.date | None = None
    pledged: tuple[str, ...] = ()
    accepted_on: dt.date | None = None  # accepted after a one-time notice was answered (补正)

    @property
    def paper(self) -> BundlePaper:
        promised = None if self.outcome in (NOTIFY_MISSING, REFUSE) else self.promised_by
        return BundlePaper(self.bundle_no, self.bundle_name, self.members, promised, self.concluded)

    def to_json(self) -> dict:
        return {
            "bundle_no": self.bundle_no,
            "bundle_code": self.bundle_code,
            "bundle_name": self.bundle_name,
            "outcome": self.outcome,
            "basis": self.basis,
            "promised_by": self.promised_by.isoformat(),
            "members": [[m.matter_name, m.department, m.case_no] for m in self.members],
            "member_ids": list(self.member_ids),
            "concluded": list(self.concluded),
            "materials": [[m.key, m.name, m.form, m.copies, m.status, m.on_receipt] for m in self.materials],
            "shortfalls": [
                [sf.name, sf.problem, sf.requirement, sf.form, sf.copies, sf.listed] for sf in self.shortfalls
            ],
            "reasons": list(self.reasons),
            "competent_office": self.competent_office,
            "supplement_by": self.supplement_by.isoformat() if self.supplement_by else None,
            "pledged": list(self.pledged),
            "accepted_on": self.accepted_on.isoformat() if self.accepted_on else None,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> BundleRecord:
        return cls(
            data["bundle_no"],
            data["bundle_code"],
            data["bundle_name"],
            data["outcome"],
            data["basis"],
            dt.date.fromisoformat(data["promised_by"]),
            tuple(BundleMember(*m) for m in data["members"]),
            tuple(data["member_ids"]),
            tuple(data["concluded"]),
            tuple(PaperMaterial(*m) for m in data["materials"]),
            tuple(PaperShortfall(*sf) for sf in data["shortfalls"]),
            tuple(data["reasons"]),
            data["competent_office"],
            dt.date.fromisoformat(data["supplement_by"]) if data["supplement_by"] else None,
            tuple(data["pledged"]),
            dt.date.fromisoformat(data["accepted_on"]) if data.get("accepted_on") else None,
        )


def _record(plan: _Plan, bundle_no: str, members: Sequence[MemberCase]) -> BundleRecord:
    """The bundle's paper from the plan it was taken in with."""
    verdict = plan.verdict.decision
    outcome = verdict.outcome
    short = {sf.code for sf in verdict.shortfalls}
    by_key = {item.key: item for item in plan.items}
    materials = []
    for item in plan.items:
        status = _item_status(item, short, outcome, plan)
        on_receipt = item.spec.necessity == "required" or status != "missing"
        materials.append(PaperMaterial(item.key, item.spec.name, item.spec.form, item.spec.copies, status, on_receipt))
    shortfalls = tuple(
        PaperShortfall(
            sf.name,
            sf.problem,
            _requirement(by_key.get(sf.code), plan),
            by_key[sf.code].spec.form if sf.code in by_key else "original",
            by_key[sf.code].spec.copies if sf.code in by_key else 1,
            sf.code in by_key,
        )
        for sf in verdict.shortfalls
    )
    return BundleRecord(
        bundle_no,
        plan.bundle.code,
        plan.bundle.name,
        outcome,
        verdict.basis,
        plan.deadline.due,
        tuple(BundleMember(m.matter_name, m.department, m.case_no) for m in members),
        tuple(m.case_id for m in members),
        _concluded(plan),
        tuple(materials),
        shortfalls,
        tuple(verdict.reasons),
        verdict.competent_office,
        verdict.supplement_by,
        tuple(verdict.pledged),
    )


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
