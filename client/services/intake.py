"""Taking in a case at the counter: applicant, matter, materials, accept.

The case, its materials, its first audit event and its outbox entry are written in
one transaction before any paper is produced: a printer jam never loses a case.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, cast

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no, mint_case_no
from client.domain.catalog import Bundle, Catalog, MaterialSpec, Matter
from client.domain.deadlines import Deadline, WorkCalendar, add_limit
from client.domain.decisions import (
    ACCEPT,
    ACCEPT_TOLERANT,
    CONCLUDE,
    ELICENSE,
    MISSING,
    NOTIFY_MISSING,
    PAPER_COPY,
    PAPER_ORIGINAL,
    PLEDGE,
    PLEDGED,
    REFUSE,
    SCANNED,
    Decision,
    Facts,
    MaterialStatus,
    decide,
)
from client.domain.identity import ID_RESIDENT, ID_USCC, PROXY, Agent, Applicant, IdCheck, check_id_number
from client.domain.legal_framing import legal_due
from client.domain.parties import case_materials, check_applicant, normalised
from client.domain.states import CaseState, check_transition
from client.store import parties
from client.store.db import Store
from client.store.journal import append_event, next_value
from client.store.models import BlobEntry, Case, Material
from client.store.pages import PageRef
from client.store.settings import DeviceIdentity
from sync import protocol

from . import applicants
from .applicants import KnownApplicant
from .auth import Clerk
from .delivery import record_handover
from .errors import ServiceError
from .paperwork import Paperwork
from .syncing import ClockReading
from .transfer import ProxyRecorder, proxy_scope_region

log = logging.getLogger(__name__)

# The wire's names for values the domain keeps as plain strings; sync.protocol's payload models
# list the same ones and validate them again when a payload is built.
ApplicantKind = Literal["person", "organisation"]
AgentRelation = Literal["entrusted", "statutory", "staff", "proxy"]
Outcome = Literal["accept", "accept_tolerant", "pledge", "conclude", "notify_missing", "refuse"]
RecordedStatus = Literal["received", "missing", "tolerated", "pledged", "waived", "defective"]

MAX_PAGE_BYTES = 50 * 1024 * 1024
PUBLIC_TOKEN_BYTES = 16  # the QR's token: 128 random bits, 22 URL-safe characters
PAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf", ".tif", ".tiff"}


@dataclass(frozen=True)
class MaterialInput:
    """One checklist row as the clerk left it.

    `state` is one of client.domain.decisions.STATES; when empty it is derived: ticked →
    paper original (or copy, if a copy is what the guide asks), scanned pages only →
    scanned, otherwise missing.
    """

    code: str
    received: bool = False
    pages: tuple[PageRef, ...] = ()
    state: str = ""
    reason: str = ""  # what is wrong, for a defective material


@dataclass(frozen=True)
class IntakeDraft:
    applicant: Applicant
    matter_code: str
    materials: tuple[MaterialInput, ...]
    phone: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)  # situation answers
    refusal: str = ""  # a decisions.REFUSAL_REASONS key, "" unless the clerk refuses
    refusal_text: str = ""
    competent_office: str = ""
    supplement_by: dt.date | None = None  # 容缺 deadline; default: the promised date
    bad_credit: bool = False
    ticket_no: str = ""  # the queue ticket the applicant was called with (叫号), if any
    proxy: bool = False  # 帮办代办: forwarded to the competent office with a transfer slip (流转单)


@dataclass(frozen=True)
class IntakePreview:
    """The engine's verdict before anything is stored: what F9 would do now."""

    decision: Decision
    outcome_label: str
    promised_by: dt.date
    deadline_warning: str
    materials: tuple[MaterialSpec, ...]  # for the applicant's situation


@dataclass(frozen=True)
class AcceptResult:
    case_id: str
    case_no: str
    case_no_display: str
    promised_by: dt.date
    deadline_approximate: bool
    notice_no: str
    notice_pdf: Path | None
    printed: bool
    paper_error: str  # Chinese; empty when receipt and notice both came out
    outcome: str = ACCEPT
    outcome_label: str = "受理"
    documents: tuple[Path, ...] = ()
    deadline_warning: str = ""
    slip_no: str = ""  # 帮办代办: the transfer slip that goes with the originals


OUTCOME_LABELS = {
    ACCEPT: "受理",
    PLEDGE: "告知承诺受理",
    ACCEPT_TOLERANT: "容缺受理",
    CONCLUDE: "当场办结",
    NOTIFY_MISSING: "一次性告知",
    REFUSE: "不予受理",
}
OUTCOME_STATES = {
    ACCEPT: CaseState.ACCEPTED,
    PLEDGE: CaseState.ACCEPTED,
    ACCEPT_TOLERANT: CaseState.ACCEPTED_TOLERANT,
    CONCLUDE: CaseState.CONCLUDED,
    NOTIFY_MISSING: CaseState.PENDING_SUPPLEMENT,
    REFUSE: CaseState.REFUSED,
}
OUTCOME_EVENTS = {NOTIFY_MISSING: protocol.CASE_NOTIFIED, REFUSE: protocol.CASE_REFUSED}
RECEIVED_STATES = {PAPER_ORIGINAL, PAPER_COPY, SCANNED}


def material_state(spec: MaterialSpec, given: MaterialInput | None) -> str:
    if given is None:
        return MISSING
    if given.state:
        return given.state
    if given.received:
        return PAPER_COPY if spec.form == "copy" else PAPER_ORIGINAL
    return SCANNED if given.pages else MISSING


class IntakeService:
    def __init__(
        self,
        store: Store,
        catalog: Callable[[], Catalog],
        identity: Callable[[], DeviceIdentity],
        calendar: WorkCalendar | Callable[[], WorkCalendar],
        paperwork: Paperwork,
        on_new_event: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        gate: Callable[[], str] = lambda: "",
        proxy: ProxyRecorder | None = None,
        clocks: Callable[[], ClockReading | None] = lambda: None,
    ):
        self.store, self.catalog, self.identity = store, catalog, identity
        self.proxy = proxy or ProxyRecorder()
        self.gate = gate  # a reason to refuse all new intake (the device was revoked), or ""
        self.clocks = clocks  # the device's clock against the back office's (SyncService.clock_reading)
        # A fixed calendar or a provider (the back office may send a newer one while we run).
        self.calendar = calendar if callable(calendar) else (lambda: calendar)
        self.paperwork, self.on_new_event, self.clock = paperwork, on_new_event, clock
        self.pages = store.pages  # sealed with the store key when the store is encrypted

    def check_id(self, number: str) -> IdCheck:
        return check_id_number(number, today=self.clock().date())

    def search(
        self, text: str, *, bundles: bool = False, limit: int = 20, proxy: bool = False
    ) -> tuple[Matter | Bundle, ...]:
        """Ranked matters (and, with `bundles`, 一件事) this device may take in.

        Scoped by the level and region of the enrolled org unit; an unenrolled device
        (demo before enrolment) searches the whole catalog. With `proxy` (帮办代办) a
        station searches its county's matters, which it forwards.
        """
        from client.domain.search import CatalogIndex, Scope

        try:
            region = self.identity().region_code
            scope = Scope.for_region(proxy_scope_region(region) if proxy else region)
        except ServiceError:
            scope = None
        hits = CatalogIndex.for_catalog(self.catalog()).search(text, scope, limit=limit, bundles=bundles)
        return tuple(hit.item for hit in hits)

    def matter(self, code: str) -> Matter:
        return self.catalog().get(code)

    def import_page(self, path: Path) -> PageRef:
        """Copy a scanned file into the page store; bad files get a clear message."""
        path = Path(path)
        if path.suffix.lower() not in PAGE_SUFFIXES:
            raise ServiceError(f"不支持的文件类型“{path.suffix or '无扩展名'}”，请选择 JPG、PNG、TIFF 或 PDF 扫描件")
        try:
            size = path.stat().st_size
            if size == 0:
                raise ServiceError(f"文件“{path.name}”是空文件，请重新扫描")
            if size > MAX_PAGE_BYTES:
                raise ServiceError(f"文件“{path.name}”超过50MB，请降低扫描分辨率后重试")
            data = path.read_bytes()
        except OSError as exc:
            raise ServiceError(f"无法读取文件“{path.name}”：{exc.strerror or exc}", str(exc)) from exc
        try:
            return self.pages.put(data, path.name)
        except OSError as exc:
            raise ServiceError("保存扫描件失败，磁盘可能已满，请联系管理员", str(exc)) from exc

    def store_scanned(self, pages: tuple[bytes, ...], label: str) -> tuple[PageRef, ...]:
        """Keep pages that came from the scanner, named for the material they belong to."""
        try:
            return tuple(self.pages.put(jpeg, f"{label}-{i}.jpg") for i, jpeg in enumerate(pages, 1))
        except OSError as exc:
            raise ServiceError("保存扫描件失败，磁盘可能已满，请联系管理员", str(exc)) from exc

    def missing_required(self, draft: IntakeDraft) -> tuple[str, ...]:
        return tuple(sf.name for sf in self.preview(draft).decision.shortfalls)

    def _deadline(self, matter: Matter, day: dt.date) -> Deadline:
        limit, unit = (
            (matter.promised_limit, matter.promised_unit)
            if matter.promised_limit
            else (matter.legal_limit, matter.legal_unit)
        )
        return add_limit(day, limit, unit, self.calendar())

    def preview(self, draft: IntakeDraft) -> IntakePreview:
        """Run the decision engine on the draft; cheap enough for every checklist change."""
        try:
            matter = self.catalog().get(draft.matter_code)
        except KeyError:
            raise ServiceError("请选择要办理的事项") from None
        today = self.clock().date()
        deadline = self._deadline(matter, today)
        # Who acts decides part of the checklist: an agent brings a 授权委托书 (or a guardian
        # proof of guardianship), and the guide's "委托他人办理？" question is answered by it.
        answers, specs, extra = case_materials(matter, draft.answers, draft.applicant, today)
        inputs = {m.code: m for m in draft.materials}
        statuses = {
            spec.code: MaterialStatus(
                spec.code,
                material_state(spec, inputs.get(spec.code)),
                inputs[spec.code].reason if spec.code in inputs else "",
            )
            for spec in specs
        }
        facts = Facts(
            answers=answers,
            extra_materials=extra,
            bad_credit=draft.bad_credit,
            supplement_by=draft.supplement_by or deadline.due,
            promised_due=deadline.due,
            refusal=draft.refusal,
            refusal_text=draft.refusal_text,
            competent_office=draft.competent_office,
        )
        try:
            decision = decide(matter, statuses, facts, self.catalog().framing(matter))
        except ValueError as exc:  # e.g. "not competent" without naming the competent office
            raise ServiceError(str(exc)) from exc
        return IntakePreview(decision, OUTCOME_LABELS[decision.outcome], deadline.due, deadline.warning, specs)

    def accept(self, draft: IntakeDraft, clerk: Clerk) -> AcceptResult:
        """Accept or refuse to act: used where only an acceptance makes sense."""
        preview = self.preview(draft)
        if not preview.decision.accepted:
            names = "、".join(sf.name for sf in preview.decision.shortfalls) or "；".join(preview.decision.reasons)
            raise ServiceError("以下必要材料尚未收取，不能受理：" + names)
        return self.submit(draft, clerk)

    def submit(
        self,
        draft: IntakeDraft,
        clerk: Clerk,
        within: Callable[[Session, str, str, str, dt.datetime], None] | None = None,
        signature: str = "",
    ) -> AcceptResult:
        """Record the counter's decision, whatever it is, then produce its paper.

        Every outcome is a case: a one-time notice or a refusal must be on record too
        (行政许可法 §32: the notice's date decides whether the office met the 5-day rule).
        `within(session, case_id, case_no, outcome, now)` adds to the same transaction (an
        outreach visit is recorded with its case or not at all). A case concluded on the spot
        (即办件) leaves with its result, so its 出件 is recorded at once, to the person who came;
        `signature` is the sealed page they signed on a pad, if any.
        """
        refusal = self.gate()
        if refusal:
            raise ServiceError(refusal)
        identity = self.identity()
        now = self.clock().replace(microsecond=0)
        case_id = str(uuid.uuid4())
        try:
            with self.store.sessions.begin() as s:
                seq = next_value(s, f"case_no:{now:%Y%m%d}")
                case_no = mint_case_no(identity.region_code, now.date(), identity.device_code, seq)

                def number(kind: str) -> str:
                    counter = next_value(s, self.paperwork.counter_name(kind, now.year))
                    return self.paperwork.document_number(kind, now.year, counter)

                composed = self._compose(draft, clerk, case_id, case_no, now, number)
                add_composed(s, composed)
                if draft.proxy and composed.decision.accepted and composed.decision.outcome != CONCLUDE:
                    agent = composed.applicant.agent
                    assert agent is not None  # _compose refuses a 帮办代办 draft without its agent
                    composed.payload["proxy"] = self.proxy.record(
                        s,
                        case=composed.case,
                        catalog=self.catalog(),
                        matter=self.catalog().get(draft.matter_code),
                        clerk=clerk,
                        identity=identity,
                        now=now,
                        agent_id=agent.id_number,
                    )
                record_composed(s, composed, clerk, identity, now, within=within, signature=signature)
        except (OSError, SQLAlchemyError) as exc:
            log.error("storing case failed: %s", exc)
            raise ServiceError("本机数据库写入失败，办件未保存，请检查磁盘空间后重试", str(exc)) from exc
        decision, deadline = composed.decision, composed.deadline
        log.info("case %s (%s) %s by %s", case_no, draft.matter_code, decision.outcome, clerk.username)
        self.on_new_event()
        paper = self.paperwork.issue(case_id)
        return AcceptResult(
            case_id,
            case_no,
            format_case_no(case_no),
            deadline.due,
            deadline.approximate,
            composed.case.notice_no,
            paper.notice_pdf,
            paper.printed,
            paper.error,
            decision.outcome,
            OUTCOME_LABELS[decision.outcome],
            paper.documents,
            deadline.warning,
            (composed.payload.get("proxy") or {}).get("slip_no", ""),
        )

    def preview_notice(self, draft: IntakeDraft, clerk: Clerk) -> tuple[str, bytes]:
        """The main notice as it would print now (title, PNG), nothing stored or numbered."""
        composed = self._compose(
            draft, clerk, "preview", "预览", self.clock().replace(microsecond=0), lambda _kind: "（预览，受理后编号）"
        )
        title, pdf = self.paperwork.render_first(composed.case, composed.payload)
        return title, self.paperwork.preview_pdf(pdf)

    def _compose(
        self,
        draft: IntakeDraft,
        clerk: Clerk,
        case_id: str,
        case_no: str,
        now: dt.datetime,
        number: Callable[[str], str],
        bundle: BundleLink | None = None,
    ) -> _Composed:
        """The case row, its materials and its first event's payload for this draft (not stored).

        A member of a 一件事 (`bundle`) records the bundle's verdict and promised date, not its own.
        """
        today = now.date()
        if draft.proxy and (draft.applicant.agent is None or draft.applicant.agent.relation != PROXY):
            raise ServiceError("帮办代办须登记代办人（社工本人）的身份证号码")
        problem = check_applicant(draft.applicant, today)
        if problem:
            raise ServiceError(problem)
        applicant = normalised(draft.applicant, today)
        if draft.phone:
            applicant = replace(applicant, phone=draft.phone.strip())
        catalog = self.catalog()
        preview = self.preview(draft)
        matter = catalog.get(draft.matter_code)
        decision = preview.decision if bundle is None else bundle.decision
        deadline = self._deadline(matter, now.date()) if bundle is None else bundle.deadline
        inputs = {m.code: m for m in draft.materials}
        short = {sf.code: sf for sf in decision.shortfalls}
        documents = {kind: number(kind) for kind in self.paperwork.numbered_kinds(decision.outcome)}
        clocks = self.clocks()  # both clocks on the case: a wrong date is found again from the record
        clock_offset_s = clocks.offset_s if clocks is not None else None
        # The public page's token, printed in the QR offline (the back office learns its digest).
        public_token = secrets.token_urlsafe(PUBLIC_TOKEN_BYTES)
        case = Case(
            id=case_id,
            case_no=case_no,
            matter_code=matter.code,
            matter_name=matter.name,
            catalog_version=catalog.version,
            applicant_name=applicant.name,
            applicant_id_type=applicant.id_type,
            applicant_id_number=applicant.id_number,
            applicant_phone=applicant.phone,
            status=check_transition(CaseState.DRAFT, OUTCOME_STATES[decision.outcome]).value,
            received_at=now,
            promised_by=deadline.due,
            clock_offset_s=clock_offset_s,
            public_token=public_token,
            clerk=clerk.display_name,
            notice_no=next(iter(documents.values()), ""),
            updated_at=now,
            reason="；".join(decision.reasons) if decision.outcome == REFUSE else "",
        )
        materials: list[Material] = []
        payload_materials: list[protocol.MaterialPayload] = []
        blobs: list[tuple[str, int]] = []
        for pos, spec in enumerate(preview.materials):
            if bundle is not None and spec.share_key in bundle.supplied_by_chain:
                continue  # the chain's own result (an earlier member's licence): nobody brings it
            given = inputs.get(spec.code)
            status = _material_status(material_state(spec, given), spec.code in short, decision.outcome)
            pages = [pg.sha256 for pg in given.pages] if given else []
            if status == "missing" and spec.necessity != "required":
                continue
            materials.append(
                Material(
                    case_id=case_id,
                    position=pos,
                    code=spec.code,
                    name=spec.name,
                    form=spec.form,
                    copies=spec.copies,
                    status=status,
                    pages=pages,
                )
            )
            blobs.extend((pg.sha256, pg.size) for pg in (given.pages if given else ()))
            payload_materials.append(
                protocol.MaterialPayload(
                    code=spec.code,
                    name=spec.name,
                    status=status,
                    form=spec.form,
                    copies=spec.copies,
                    blobs=pages,
                    problem=short[spec.code].problem if spec.code in short else "",
                )
            )
        case.materials = materials
        payload = protocol.CaseAcceptedPayload(
            case_no=case_no,
            matter_code=matter.code,
            matter_name=matter.name,
            catalog_version=catalog.version,
            applicant=protocol.ApplicantPayload(
                name=applicant.name,
                id_type=applicant.id_type,
                id_number=applicant.id_number,
                phone=applicant.phone,
                address=applicant.address.strip(),
                kind=cast(ApplicantKind, applicant.kind),
                legal_rep=applicant.legal_rep,
            ),
            revision=protocol.PAYLOAD_REVISION,
            agent=None
            if applicant.agent is None
            else protocol.AgentPayload(
                name=applicant.agent.name,
                id_type=applicant.agent.id_type,
                id_number=applicant.agent.id_number,
                relation=cast(AgentRelation, applicant.agent.relation),
                phone=applicant.agent.phone.strip(),
            ),
            materials=payload_materials,
            received_at=now,
            promised_by=deadline.due,
            clerk=clerk.username,
            notice_no=case.notice_no,
            outcome=cast(Outcome, decision.outcome),
            basis=decision.basis,
            reasons=list(decision.reasons),
            competent_office=decision.competent_office,
            supplement_by=decision.supplement_by if decision.outcome == ACCEPT_TOLERANT else None,
            pledged=list(decision.pledged),
            documents=documents,
            ticket_no=draft.ticket_no,
            answers=dict(case_materials(matter, draft.answers, applicant, today)[0]),
            bundle_no=bundle.bundle_no if bundle else None,
            bundle_code=bundle.bundle_code if bundle else None,
            bundle_name=bundle.bundle_name if bundle else None,
            clock_offset_s=clock_offset_s,
            clock_accepted_by=clocks.accepted_by or None if clocks is not None and clocks.far_off else None,
            matter_kind=matter.kind[:16],
            public_token=public_token,
            legal_by=legal_due(matter, now.date(), self.calendar(), catalog.framings()).due
            if decision.accepted and decision.outcome != CONCLUDE
            else None,
        ).model_dump(mode="json")
        return _Composed(
            case,
            tuple(materials),
            tuple(blobs),
            payload,
            OUTCOME_EVENTS.get(decision.outcome, protocol.CASE_ACCEPTED),
            decision,
            deadline,
            applicant,
        )

    def proxy_agent(self, clerk: Clerk, id_number: str = "") -> Agent:
        """The social worker as the agent of a 帮办代办 case (relation 帮办代办); their ID number
        is remembered from their last proxy case when not given."""
        return Agent(
            clerk.display_name, id_number or self.proxy.known_agent_id(self.store, clerk.username), relation=PROXY
        )

    def returning_applicant(self, id_number: str) -> KnownApplicant | None:
        """What earlier visits know about this person, so the clerk types nothing twice."""
        with self.store.sessions() as s:
            return applicants.find(s, id_number, ID_RESIDENT)

    def returning_organisation(self, uscc: str) -> KnownApplicant | None:
        """An organisation found again by its 统一社会信用代码, with the 经办人 it sent last time."""
        with self.store.sessions() as s:
            return applicants.find(s, uscc, ID_USCC)


@dataclass(frozen=True)
class BundleLink:
    """What a 一件事 member case takes from its bundle (client.services.bundle_intake)."""

    bundle_no: str
    bundle_code: str
    bundle_name: str
    decision: Decision  # the member's decision under the bundle's one verdict
    deadline: Deadline  # the bundle's promised date
    # Share keys an earlier member produces (Bundle.supplied_by_chain): not the case's materials.
    supplied_by_chain: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Composed:
    case: Case
    materials: tuple[Material, ...]
    blobs: tuple[tuple[str, int], ...]
    payload: dict
    event_type: str
    decision: Decision
    deadline: Deadline
    applicant: Applicant  # normalised, as recorded


def add_composed(s: Session, composed: _Composed) -> None:
    """Put a composed case, its materials and any page not stored yet in the session.

    A page shared by several cases (a 一件事's common material) is one blob entry."""
    s.add(composed.case)
    s.add_all(composed.materials)
    for sha, size in composed.blobs:
        if s.get(BlobEntry, sha) is None:
            s.add(BlobEntry(sha256=sha, size=size))
    s.flush()


def record_composed(
    s: Session,
    composed: _Composed,
    clerk: Clerk,
    identity: DeviceIdentity,
    now: dt.datetime,
    *,
    paper: Mapping[str, object] | None = None,
    remember: bool = True,
    within: Callable[[Session, str, str, str, dt.datetime], None] | None = None,
    within_outcome: str = "",
    signature: str = "",
) -> None:
    """The first event of an added case, in the caller's transaction; the one way a single
    intake and each member of a 一件事 are recorded, so both keep the same rules.

    `paper` joins the event's payload (a bundle's shared paper); `remember` keeps the applicant
    for the next visit; `within(session, case_id, case_no, outcome, now)` joins the
    transaction (with `within_outcome` when the outcome to report is not this case's own).
    A case concluded on the spot (即办件) leaves with its result, so its 出件 is recorded at
    once, to the person who came; `signature` is the sealed page they signed, if any.
    """
    case = composed.case
    append_event(
        s,
        case_id=case.id,
        type_=composed.event_type,
        payload={**composed.payload, **paper} if paper else composed.payload,
        clerk=clerk.username,
        device_id=identity.device_id,
        now=now,
    )
    if remember:
        parties.remember(s, composed.applicant, case.id, now)
    if within is not None:
        within(s, case.id, case.case_no, within_outcome or composed.decision.outcome, now)
    if composed.decision.outcome == CONCLUDE:
        receiver = composed.applicant.agent or composed.applicant
        record_handover(
            s,
            case,
            receiver.name,
            receiver.id_number,
            clerk.username,
            identity.device_id,
            now,
            signature=signature,
            on_the_spot=True,
        )


def _material_status(state: str, short: bool, outcome: str) -> RecordedStatus:
    """The material's status on the case record (protocol.MaterialPayload.status)."""
    if state in RECEIVED_STATES and not short:
        return "received"
    if state == ELICENSE and not short:
        return "waived"
    if state == PLEDGED and not short:
        return "pledged"
    if short and outcome == ACCEPT_TOLERANT:
        return "tolerated"
    if short and state not in (MISSING,):
        return "defective"
    return "missing"
