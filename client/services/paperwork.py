"""Paper for a case: the receipt on the thermal printer and the legal notices as PDFs.

Built from what the store holds (the case and its first event), so a reprint gives
exactly the first print. Which notices a case gets follows the counter's decision.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypedDict

from sqlalchemy import select

from client.domain.deadlines import WorkCalendar, load_builtin_calendar, provisional_note, provisional_years
from client.domain.decisions import ACCEPT, ACCEPT_TOLERANT, CONCLUDE, NOTIFY_MISSING, PLEDGE, REFUSE
from client.domain.identity import RELATIONS, STATUTORY
from client.domain.legal_framing import kind_framing
from client.domain.paper import ReceiptLayout
from client.domain.parties import AUTHORISATION_LETTER
from client.store.db import Store
from client.store.models import Case, CaseEvent, ServerChange
from reports.authorization import Party, PowerOfAttorney, render_power_of_attorney
from reports.conclusion import ConclusionNotice, render_conclusion_notice
from reports.correction import CorrectionNotice, DefectiveMaterial, correction_sheet
from reports.extension_notice import TITLE as EXTENSION_TITLE
from reports.extension_notice import ExtensionNotice, render_extension_notice
from reports.licence_decision import LicenceDecision, render_licence_decision
from reports.notices import (
    AcceptanceNotice,
    DeliveryNotice,
    acceptance_sheet,
    render_acceptance_notice,
    render_delivery_receipt,
)
from reports.parties import Acting
from reports.pledge import PledgedRequirement, PledgeForm, pledge_sheet
from reports.preview import pdf_page_png, pdf_pages_png
from reports.receipt import ReceiptData, ReceiptMaterial, receipt_layout, receipt_pdf
from reports.refusal import RefusalNotice, refusal_sheet
from reports.sheet import NoticeSheet, render_sheet
from reports.templates import NoticeTemplates, default_templates
from reports.tolerance import PendingMaterial, TolerantAcceptance, tolerant_notice_sheet, tolerant_pledge_sheet
from sync import protocol

from .errors import ServiceError, clerk_message
from .extension import granted_extension
from .notice_files import NoticeFiles, notice_key

log = logging.getLogger(__name__)

# The notices each outcome produces, main one first (its number is the case's notice_no).
OUTCOME_DOCUMENTS: dict[str, tuple[str, ...]] = {
    ACCEPT: ("acceptance",),
    PLEDGE: ("acceptance", "pledge"),
    ACCEPT_TOLERANT: ("tolerant_notice", "tolerant_pledge"),
    CONCLUDE: ("conclusion",),
    NOTIFY_MISSING: ("correction",),
    REFUSE: ("refusal",),
}
NO_RECEIPT = {REFUSE}  # materials go back to the applicant; nothing was received


class PrinterPort(Protocol):
    def print_layout(self, layout: ReceiptLayout) -> None: ...


@dataclass(frozen=True)
class PaperResult:
    notice_pdf: Path | None
    printed: bool
    error: str
    documents: tuple[Path, ...] = ()


@dataclass(frozen=True)
class OfficeInfo:
    """The office as this machine is enrolled; its phone and query address are in the templates."""

    name: str
    notice_prefix: str = ""  # kept for old configs; numbering now follows the templates


def acting_of(id_type: str, first: dict) -> Acting:
    """Who applied as what and who acted, from the case's first event (revision 2 payloads)."""
    agent = first.get("agent") or {}
    relation = agent.get("relation", "")
    return Acting(
        applicant_id_type=id_type,
        agent_name=agent.get("name", ""),
        agent_id_number=agent.get("id_number", ""),
        agent_relation=RELATIONS.get(relation, relation),
    )


class NoticeParties(TypedDict):
    """The fields every notice shares: the office, the applicant and the matter (a case's, or a
    一件事's as a whole)."""

    office_name: str
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    acting: Acting


class _NoticeHead(NoticeParties):
    """What heads every notice of a decision: who it is for, its number and where to follow the case."""

    doc_no: str
    case_no: str
    query_url: str


@dataclass(frozen=True)
class NoticeFacts:
    """What a decision's notices say beyond who they are for: one case's, or a whole 一件事's
    (one set of notices for all its members), so both are worded by one builder."""

    case_no: str  # a case's number, or the bundle's
    received_on: dt.date
    accepted_on: dt.date  # the acceptance notice's date: a bundle accepted by its 补正 says that day
    decide_by: dt.date
    query_url: str
    contact_phone: str
    contact_person: str  # the clerk the applicant asks about a one-time notice
    applicant_phone: str
    legal_basis: str
    received: tuple[str, ...]  # materials taken in (received, waived or pledged)
    pledged: tuple[str, ...]  # conditions the applicant pledges (告知承诺)
    supplement_by: dt.date  # the 容缺 deadline
    pending: tuple[PendingMaterial, ...]  # materials owed under 容缺
    defective: tuple[DefectiveMaterial, ...]  # what the one-time notice asks for
    reasons: tuple[str, ...]  # of a refusal
    competent_office: str
    decide_note: str = ""  # the date's provisional note (client.domain.deadlines.Deadline.note)
    # The matter's kind (its notices' legal framing, client.domain.legal_framing) and its legal
    # date (法定办结期限); "" / None from an older window's case: printed as it always was.
    matter_kind: str = ""
    legal_by: dt.date | None = None


def notice_sheet(
    kind: str, doc_no: str, common: NoticeParties, facts: NoticeFacts, templates: NoticeTemplates
) -> NoticeSheet:
    """The sheet of one notice of a decision (acceptance, pledge, 容缺, one-time notice, refusal)."""
    head = _NoticeHead(**common, doc_no=doc_no, case_no=facts.case_no, query_url=facts.query_url)
    framing = kind_framing(facts.matter_kind) if facts.matter_kind else None
    if framing is not None:
        templates = templates.framed(framing.wording_update())
    if kind == "acceptance":
        return acceptance_sheet(
            AcceptanceNotice(
                **head,
                received_on=facts.accepted_on,
                decide_by=facts.decide_by,
                decide_note=facts.decide_note,
                contact_phone=facts.contact_phone,
                legal_basis=facts.legal_basis,
                materials=facts.received,
                legal_by=facts.legal_by,
            ),
            templates,
        )
    if kind == "pledge":
        return pledge_sheet(
            PledgeForm(
                **head,
                issued_on=facts.received_on,
                applicant_phone=facts.applicant_phone,
                requirements=tuple(
                    PledgedRequirement(name, f"本人承诺已具备“{name}”所证明的条件，内容真实") for name in facts.pledged
                ),
            ),
            templates,
        )
    if kind in ("tolerant_notice", "tolerant_pledge"):
        notice = TolerantAcceptance(
            **head,
            received_on=facts.received_on,
            issued_on=facts.received_on,
            supplement_by=facts.supplement_by,
            applicant_phone=facts.applicant_phone,
            pending=facts.pending,
        )
        return (tolerant_notice_sheet if kind == "tolerant_notice" else tolerant_pledge_sheet)(notice, templates)
    if kind == "correction":
        return correction_sheet(
            CorrectionNotice(
                **head,
                applicant_phone=facts.applicant_phone,
                received_on=facts.received_on,
                contact_person=facts.contact_person,
                contact_phone=facts.contact_phone,
                issued_on=facts.received_on,
                materials=facts.defective,
                legal_basis=facts.legal_basis,  # a 一件事's: each member's own (an older case's is the template's)
                five_days=framing.licensing if framing is not None else True,
            ),
            templates,
        )
    if kind == "refusal":
        return refusal_sheet(
            RefusalNotice(
                **head,
                received_on=facts.received_on,
                issued_on=facts.received_on,
                reasons=facts.reasons,
                competent_office=facts.competent_office,
                legal_basis=facts.legal_basis if framing is not None else "",
            ),
            templates,
        )
    raise ValueError(f"no notice sheet for {kind!r}")


@dataclass(frozen=True)
class _CaseRecord:
    case: Case
    first: dict  # payload of the case's first event (the counter's decision)


class Paperwork:
    def __init__(
        self,
        store: Store,
        printer: PrinterPort | None,
        out_dir: Path,
        office: OfficeInfo,
        receipt_format: str = "80",
        templates: Callable[[], NoticeTemplates] = default_templates,
        seal_key: bytes | None = None,  # the store's page key: notices are sealed at rest with it
        calendar: Callable[[], WorkCalendar] = load_builtin_calendar,  # the one in force (Published.calendar)
    ):
        self.store, self.printer, self.out_dir, self.office = store, printer, out_dir, office
        self.calendar = calendar
        self.files = NoticeFiles(out_dir, notice_key(seal_key) if seal_key is not None else None)
        self.receipt_format = receipt_format  # "80" / "58" mm thermal, or "A4" for offices without one
        self.templates = templates

    # numbering: one series per document kind and year, counted in the store
    def numbered_kinds(self, outcome: str) -> tuple[str, ...]:
        return OUTCOME_DOCUMENTS[outcome]

    def counter_name(self, kind: str, year: int) -> str:
        return f"doc:{self.templates().doc_prefix(kind)}:{year}"

    def document_number(self, kind: str, year: int, seq: int) -> str:
        return self.templates().doc_number(kind, year, seq)

    def _query(self, case: Case) -> str:
        """The address of the case's public page (progress and rating), from the office
        templates in force and the case's token; none for a case taken before tokens."""
        return self.templates().query_url(case.public_token or "")

    @property
    def office_phone(self) -> str:
        """The office's phone as the templates in force give it (published, else office.toml)."""
        return self.templates().office.phone

    def _load(self, case_id: str) -> _CaseRecord:
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            _ = list(case.materials)
            first = s.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq).limit(1)
            ).first()
            return _CaseRecord(case, dict(first.payload) if first else {})

    def due_note(self, case: Case) -> str:
        """What the paper prints next to the promised date: the screen's wording, from the
        calendar in force (empty once every schedule the period crosses is published)."""
        return self.note_for(case.received_at.date() if case.received_at else None, case.promised_by)

    def note_for(self, start: dt.date | None, due: dt.date | None) -> str:
        """The provisional note of a date promised on `start` (empty for none, or a firm one)."""
        if start is None or due is None:
            return ""
        return provisional_note(provisional_years(start, due, self.calendar()))

    def receipt_data(self, case: Case, first: dict | None = None) -> ReceiptData:
        materials = tuple(ReceiptMaterial(m.name, m.form, m.copies, m.status) for m in case.materials)
        return ReceiptData(
            office_name=self.office.name,
            case_no=case.case_no,
            applicant_name=case.applicant_name,
            applicant_id_number=case.applicant_id_number,
            matter_name=case.matter_name,
            materials=materials,
            received_at=case.received_at,
            promised_by=None if case.status == "pending_supplement" else case.promised_by,
            clerk=case.clerk,
            query_url=self._query(case),
            phone=self.office_phone,
            acting=acting_of(case.applicant_id_type, first or {}),
            concluded=(first or {}).get("outcome") == CONCLUDE,
            promised_note=self.due_note(case),
            legal_by=_day((first or {}).get("legal_by")),
        )

    def _documents(self, record: _CaseRecord) -> list[tuple[str, bytes]]:
        """(title, PDF bytes) for every notice the case's decision calls for."""
        case, first = record.case, record.first
        outcome = first.get("outcome", ACCEPT)
        numbers = first.get("documents") or {OUTCOME_DOCUMENTS[outcome][0]: case.notice_no}
        templates = self.templates()
        common = NoticeParties(
            office_name=self.office.name,
            applicant_name=case.applicant_name,
            applicant_id_number=case.applicant_id_number,
            matter_name=case.matter_name,
            acting=acting_of(case.applicant_id_type, first),
        )
        received = case.received_at.date()
        query = self._query(case)
        materials = first.get("materials", [])
        facts = NoticeFacts(
            case_no=case.case_no,
            received_on=received,
            accepted_on=received,
            decide_by=case.promised_by,
            decide_note=self.due_note(case),
            matter_kind=str(first.get("matter_kind") or ""),
            legal_by=_day(first.get("legal_by")),
            query_url=query,
            contact_phone=self.office_phone,
            contact_person=case.clerk,
            applicant_phone=case.applicant_phone,
            legal_basis=first.get("basis", ""),
            received=tuple(m.name for m in case.materials if m.status in ("received", "waived", "pledged")),
            pledged=tuple(first.get("pledged", [])),
            supplement_by=dt.date.fromisoformat(first["supplement_by"])
            if first.get("supplement_by")
            else case.promised_by,
            pending=tuple(
                PendingMaterial(m["name"], m.get("form", "original"), m.get("copies", 1))
                for m in materials
                if m.get("status") == "tolerated"
            ),
            defective=tuple(
                DefectiveMaterial(
                    m["name"],
                    m.get("problem") or "未提交",
                    f"{'原件' if m.get('form') == 'original' else '复印件'}{m.get('copies', 1)}份",
                )
                for m in materials
                if m.get("status") in ("missing", "defective")
            ),
            reasons=tuple(first.get("reasons", [])) or (case.reason,),
            competent_office=first.get("competent_office", ""),
        )
        out = []
        for kind in OUTCOME_DOCUMENTS[outcome]:
            no = numbers.get(kind, "")
            title = templates.kind(kind).title
            if kind != "conclusion":
                pdf = render_sheet(notice_sheet(kind, no, common, facts, templates))
            else:  # conclusion: an immediate matter decided on the spot
                pdf = render_conclusion_notice(
                    ConclusionNotice(
                        **common,
                        doc_no=no,
                        case_no=case.case_no,
                        received_on=received,
                        concluded_on=received,
                        approved=True,
                        result_name=case.result_name,
                        result_no=case.result_no,
                        query_url=query,
                        handed_over=True,  # 即办件: recorded as 出件 with the intake (IntakeService.submit)
                    ),
                    templates=templates,
                )
            out.append((title, pdf))
        letter = self._letter_to_sign(record)
        if letter is not None:
            out.append((templates.kind("authorization").title, render_power_of_attorney(letter, templates=templates)))
        return out

    def _letter_to_sign(self, record: _CaseRecord) -> PowerOfAttorney | None:
        """A 授权委托书 filled from the case when an agent came without a valid one.

        The principal signs it (an organisation also seals it) and the agent brings it back
        with the 补正; nobody copies names and numbers by hand. A guardian needs none.
        """
        case, first = record.case, record.first
        agent = first.get("agent") or {}
        if not agent or agent.get("relation") == STATUTORY:
            return None
        lacking = [
            m
            for m in first.get("materials", [])
            if m.get("status") in ("missing", "defective", "tolerated")
            and (m.get("code") == AUTHORISATION_LETTER.code or "委托" in m.get("name", ""))
        ]
        if not lacking:
            return None
        applicant = first.get("applicant") or {}
        principal = Party(
            case.applicant_name, case.applicant_id_number, case.applicant_phone, applicant.get("address", "")
        )
        return PowerOfAttorney(
            office_name=self.office.name,
            principal=principal,
            agent=Party(agent.get("name", ""), agent.get("id_number", ""), agent.get("phone", "")),
            matter_name=case.matter_name,
            case_no=case.case_no,
            query_url=self._query(case),
        )

    def render_first(self, case: Case, first: dict) -> tuple[str, bytes]:
        """The main notice for a case not yet stored (the intake preview)."""
        return self._documents(_CaseRecord(case, first))[0]

    def preview_pdf(self, pdf: bytes) -> bytes:
        return pdf_page_png(pdf, dpi=60)

    def issue(self, case_id: str) -> PaperResult:
        """Write the notices and print the receipt; failures are reported, not raised."""
        record = self._load(case_id)
        case = record.case
        errors, paths = [], []
        try:
            for title, pdf in self._documents(record):
                paths.append(self._write(f"{case.case_no}-{title}.pdf", pdf))
        except Exception as exc:  # font missing, disk full: the case itself is safe
            log.exception("notices for %s failed", case.case_no)
            errors.append(clerk_message(exc, "文书生成失败，可在办件详情中重新打印"))
        printed = False
        if record.first.get("outcome", ACCEPT) not in NO_RECEIPT:
            printed, err = self.print_receipt(case, record.first)
            if err:
                errors.append(err)
        return PaperResult(paths[0] if paths else None, printed, "；".join(errors), tuple(paths))

    accepted = issue
    reprint = issue

    def supplemented(self, case_id: str, with_notice: bool) -> PaperResult:
        """After 补正: a receipt for what came in, and the 受理通知书 when the case is now accepted."""
        record = self._load(case_id)
        case, errors, paths = record.case, [], []
        if with_notice:
            try:
                templates = self.templates()
                pdf = render_acceptance_notice(
                    AcceptanceNotice(
                        office_name=self.office.name,
                        applicant_name=case.applicant_name,
                        applicant_id_number=case.applicant_id_number,
                        matter_name=case.matter_name,
                        acting=acting_of(case.applicant_id_type, record.first),
                        doc_no=case.notice_no,
                        case_no=case.case_no,
                        received_on=case.updated_at.date(),
                        decide_by=case.promised_by,
                        decide_note=self.due_note(case),
                        query_url=self._query(case),
                        contact_phone=self.office_phone,
                        materials=tuple(
                            m.name for m in case.materials if m.status in ("received", "waived", "pledged")
                        ),
                    ),
                    templates=templates,
                )
                paths.append(self._write(f"{case.case_no}-{templates.kind('acceptance').title}.pdf", pdf))
            except Exception as exc:
                log.exception("acceptance notice after supplement of %s failed", case.case_no)
                errors.append(clerk_message(exc, "受理通知书生成失败，可在办件详情中重新打印"))
        printed, err = self.print_receipt(case, record.first)
        if err:
            errors.append(err)
        return PaperResult(paths[0] if paths else None, printed, "；".join(errors), tuple(paths))

    def print_receipt(self, case: Case, first: dict | None = None) -> tuple[bool, str]:
        if self.receipt_format == "A4":
            try:
                self._write(f"{case.case_no}-收件凭证.pdf", receipt_pdf(self.receipt_data(case, first)))
            except Exception as exc:
                log.exception("A4 receipt for %s failed", case.case_no)
                return False, clerk_message(exc, "A4收件凭证生成失败，可在办件详情中重新打印")
            return True, ""
        if self.printer is None:
            return False, "未配置小票打印机，请在设置中选择打印机或打印A4回执"
        try:
            self.printer.print_layout(receipt_layout(self.receipt_data(case, first), width_mm=int(self.receipt_format)))
            return True, ""
        except Exception as exc:
            log.warning("receipt for %s not printed: %s", case.case_no, exc)
            return False, clerk_message(exc, "小票打印失败，请检查打印机后重新打印")

    def delivery_receipt(
        self, case: Case, recipient_name: str, recipient_id: str, delivered_at: dt.datetime
    ) -> Path | None:
        notice = DeliveryNotice(
            office_name=self.office.name,
            case_no=case.case_no,
            matter_name=case.matter_name,
            result_name=case.result_name,
            result_no=case.result_no,
            recipient_name=recipient_name,
            recipient_id_number=recipient_id,
            delivered_at=delivered_at,
            clerk=case.clerk,
        )
        return self._write(f"{case.case_no}-出件回执.pdf", render_delivery_receipt(notice))

    def decision_document(self, case_id: str) -> Path | None:
        """The back office's 准予 / 不予行政许可决定书 of the case, printed from the facts that came
        down with its decision (the same `reports` sheet the console shows); None when the case
        has no such decision (a 即办件, or a back office too old to send the facts)."""
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            facts, denied = _decision_facts(s, case_id)
            if facts is None:
                return None
            first = s.scalars(
                select(CaseEvent.payload).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq).limit(1)
            ).first()
            templates = self.templates()
            reasons = str(facts.get("reason") or case.reason or "")
            decision = LicenceDecision(
                office_name=str(facts.get("office_name") or self.office.name),
                doc_no=str(facts.get("doc_no") or ""),
                applicant_name=case.applicant_name,
                applicant_id_number=case.applicant_id_number,
                matter_name=case.matter_name,
                case_no=case.case_no,
                received_on=_day(facts.get("received_on")) or case.received_at.date(),
                decided_on=_decided_on(facts.get("decided_at")) or case.updated_at.date(),
                approved=not denied,
                legal_basis=str(facts.get("legal_basis") or ""),
                reasons=tuple(line.strip() for line in reasons.splitlines() if line.strip()),
                result_name=str(facts.get("result_name") or case.result_name or ""),
                result_no=str(facts.get("result_no") or case.result_no or ""),
                e_licence=bool(facts.get("e_licence")),
                review_body=str(facts.get("review_body") or ""),
                court=str(facts.get("court") or ""),
                approver=str(facts.get("decided_by_name") or ""),
                query_url=self._query(case),
                acting=acting_of(case.applicant_id_type, dict(first or {})),
                matter_kind=str((first or {}).get("matter_kind") or ""),
            )
            case_no = case.case_no
        pdf = render_licence_decision(decision, templates=templates)
        title = decision.title  # 准予 / 不予行政许可决定书, or the kind's own (不予给付决定书 …)
        return self._write(f"{case_no}-{title}.pdf", pdf)

    def extension_notice(self, case_id: str) -> Path:
        """The 延长审批期限告知书 of the case's head-approved extension, for the applicant at the
        counter: the same `reports` sheet, number and facts the console serves."""
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            granted = granted_extension(s, case_id)
            if granted is None:
                raise ServiceError("该办件没有经批准的延长审批期限，无需打印告知书")
            first = s.scalars(
                select(CaseEvent.payload).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq).limit(1)
            ).first()
            notice = ExtensionNotice(
                office_name=granted.office_name or self.office.name,
                doc_no=granted.doc_no,
                applicant_name=case.applicant_name,
                applicant_id_number=case.applicant_id_number,
                matter_name=case.matter_name,
                received_on=case.received_at.date(),
                reason=granted.reason,
                due_before=granted.due_before,
                due_after=granted.due_after,
                issued_on=granted.approved_on or case.updated_at.date(),
                days=granted.days,
                case_no=case.case_no,
                query_url=self._query(case),
                acting=acting_of(case.applicant_id_type, dict(first or {})),
            )
        try:
            path = self._write(f"{notice.case_no}-{EXTENSION_TITLE}.pdf", render_extension_notice(notice))
        except Exception as exc:  # font missing, disk full: nothing of the case depends on it
            log.exception("extension notice for %s failed", notice.case_no)
            raise ServiceError(clerk_message(exc, "延长审批期限告知书生成失败，请检查磁盘和字体后重试")) from exc
        log.info("extension notice %s for case %s", notice.doc_no, notice.case_no)
        return path

    def preview_png(self, pdf_path: Path) -> bytes:
        return pdf_page_png(self.read_document(pdf_path), dpi=60)

    def page_pngs(self, pdf_path: Path, dpi: int = 100) -> tuple[bytes, ...]:
        """Every page of a notice as PNG, for reading it full-size on screen before handing it over."""
        return pdf_pages_png(self.read_document(pdf_path), dpi=dpi)

    def read_document(self, pdf_path: Path) -> bytes:
        """A kept notice's PDF (opened here when it is sealed at rest)."""
        return self.files.read(Path(pdf_path))

    def write_document(self, name: str, data: bytes) -> Path:
        """Keep a finished PDF with the office's other documents."""
        return self._write(name, data)

    def print_layout(self, layout: ReceiptLayout) -> None:
        """Print another thermal layout (e.g. a transfer slip) on the receipt printer."""
        if self.printer is None:
            raise ServiceError("未配置小票打印机，请在设置中选择打印机或打印A4回执")
        self.printer.print_layout(layout)

    def _write(self, name: str, data: bytes) -> Path:
        return self.files.write(name, data)  # sealed in production, 0600 in a 0700 folder always


_DECIDED = {"server.approved": False, "server.denied": True}


def _decision_facts(s, case_id: str) -> tuple[dict | None, bool]:
    """The newest approve/deny decision of the case with its document facts (its number), and
    whether it was a denial: from the journal, else from the pulled feed (a status held back
    for a local step and settled later is journaled only as its newest state)."""
    events = s.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.type.in_(tuple(_DECIDED)))
        .order_by(CaseEvent.seq.desc())
    )
    for event in events:
        if isinstance(event.payload, dict) and event.payload.get("doc_no"):
            return dict(event.payload), _DECIDED[event.type]
    changes = s.scalars(
        select(ServerChange.data)
        .where(ServerChange.case_id == case_id, ServerChange.kind == protocol.CHANGE_CASE_STATUS)
        .order_by(ServerChange.seq.desc())
    )
    for data in changes:
        if isinstance(data, dict) and data.get("doc_no") and data.get("status") in ("approved", "denied"):
            return dict(data), data["status"] == "denied"
    return None, False


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _decided_on(value: object) -> dt.date | None:
    """The decision's day in China (where the paper is dated), from its UTC stamp."""
    try:
        moment = dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
