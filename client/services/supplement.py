"""补正: the applicant comes back with what the one-time notice (or 容缺, or the back
office) asked for.

After a one-time notice the case is accepted only when nothing required is missing any
more; the acceptance notice is issued then. Under 容缺 or a back-office request the case
keeps its place and the materials are completed.

A back-office request (后台要求补正, supplement_requested) names materials the window
received complete: the form offers exactly those (plus any still missing locally), the
补正材料通知书 lists them with the approver as the one who asked, and the supplement is
recorded only when every one of them came in.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from sqlalchemy.orm import Session

from client.domain.catalog import Catalog, MaterialSpec, Matter
from client.domain.decisions import ACCEPT, BASIS_ACCEPT
from client.domain.states import CaseState, check_transition
from client.store.db import Store
from client.store.journal import append_event, next_value
from client.store.models import BlobEntry, Case, Material
from client.store.settings import DeviceIdentity, get_setting, put_setting
from reports.correction import CorrectionNotice, DefectiveMaterial, correction_sheet
from reports.sheet import render_sheet
from sync import protocol

from .auth import Clerk
from .bundle_intake import PAPER_KEY, BundleIntakeService, BundleRecord, stored_record
from .errors import ServiceError
from .intake import RECEIVED_STATES, MaterialInput, RecordedStatus
from .paperwork import Paperwork, acting_of
from .supplement_request import RequestedMaterial, SupplementRequest, supplement_request

log = logging.getLogger(__name__)

LACKING = ("missing", "defective", "tolerated")
SUPPLEMENTABLE = (
    CaseState.PENDING_SUPPLEMENT,
    CaseState.ACCEPTED_TOLERANT,
    CaseState.SUPPLEMENT_REQUESTED,
    CaseState.SUBMITTED,
    CaseState.IN_REVIEW,
)


@dataclass(frozen=True)
class SupplementForm:
    case_id: str
    case_no: str
    applicant_name: str
    matter_name: str
    status: str
    lacking: tuple[MaterialSpec, ...]  # what is still to be brought, as the guide describes it
    problems: tuple[str, ...]  # what was wrong with each, in the same order
    pledge_allowed: bool
    # 一件事: the whole bundle's shortfalls in one screen, each shared paper once (rows are
    # keyed by share key); the supplement goes to every member case that needs it.
    bundle_no: str = ""
    bundle_name: str = ""
    members: tuple[str, ...] = ()  # matter names of the member cases this supplement completes
    request: SupplementRequest | None = None  # the back office's list this supplement answers


@dataclass(frozen=True)
class RequestNotice:
    """The 补正材料通知书 of a back-office request: numbered once, the same number on a reprint."""

    case_no: str
    doc_no: str
    pdf: Path
    items: int


@dataclass(frozen=True)
class SupplementResult:
    case_no: str
    accepted_now: bool  # a one-time notice answered in full: the case is accepted
    still_lacking: tuple[str, ...]
    notice_pdf: Path | None
    printed: bool
    paper_error: str
    supplemented: tuple[str, ...] = ()  # 一件事: the member case numbers that recorded it


@dataclass
class _Row:
    """One paper a bundle still owes, and each member case's own material it stands for."""

    spec: MaterialSpec  # code = the share key
    problem: str
    users: list[tuple[Case, Material]]


class SupplementService:
    def __init__(
        self,
        store: Store,
        catalog: Callable[[], Catalog],
        identity: Callable[[], DeviceIdentity],
        paperwork: Paperwork,
        on_new_event: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        bundles: BundleIntakeService | None = None,
    ):
        self.store, self.catalog, self.identity, self.paperwork = store, catalog, identity, paperwork
        self.on_new_event, self.clock = on_new_event, clock
        self.bundles = bundles  # prints a 一件事's one paper after its supplement

    def form(self, case_id: str) -> SupplementForm:
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            if CaseState(case.status) not in SUPPLEMENTABLE:
                raise ServiceError("该办件当前状态不能补正")
            request = _open_request(s, case)
            if request is not None:  # even a 一件事's member: the approver asked this case's papers
                return self._request_form(case, request)
            record = stored_record(s, case_id) if self.bundles is not None else None
            if record is not None:
                return self._bundle_form(s, case, record)
            lacking = [m for m in case.materials if m.status in LACKING]
            matter = _matter(self.catalog(), case.matter_code)
            specs = tuple(_spec(matter, m.code, m.name, m.form, m.copies) for m in lacking)
            problems = tuple(_problem(case, m.code) for m in lacking)
            return SupplementForm(
                case.id,
                case.case_no,
                case.applicant_name,
                case.matter_name,
                case.status,
                specs,
                problems,
                bool(matter and matter.pledge),
            )

    def _request_form(self, case: Case, request: SupplementRequest) -> SupplementForm:
        """The approver's materials first, as the request lists them, then what the window still
        owes of its own; an approver's request is answered with the paper, never a pledge."""
        matter = _matter(self.catalog(), case.matter_code)
        own = {m.code: m for m in case.materials}
        specs: list[MaterialSpec] = []
        problems: list[str] = []
        for item in request.items:
            m = own.get(item.code)
            spec = _spec(matter, m.code, m.name, m.form, m.copies) if m else MaterialSpec(item.code, item.name)
            specs.append(replace(spec, pledgeable=False, elicense="", tolerable=False))
            problems.append(item.problem)
        asked = {item.code for item in request.items}
        for m in case.materials:
            if m.status in LACKING and m.code not in asked:
                specs.append(_spec(matter, m.code, m.name, m.form, m.copies))
                problems.append(_problem(case, m.code))
        return SupplementForm(
            case.id,
            case.case_no,
            case.applicant_name,
            case.matter_name,
            case.status,
            tuple(specs),
            tuple(problems),
            bool(matter and matter.pledge),
            request=request,
        )

    def request_notice(self, case_id: str) -> RequestNotice:
        """The 补正材料通知书 for a back-office request (§32: everything at once), for the applicant
        who comes or phones. Its number is taken on the first print and kept for reprints."""
        with self.store.sessions.begin() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            request = supplement_request(s, case)
            if request is None or case.status != CaseState.SUPPLEMENT_REQUESTED.value:
                raise ServiceError("该办件没有待答复的后台补正要求，无需打印补正材料通知书")
            key = f"supplement_notice:{case.id}:{request.requested_at.isoformat()}"
            kept = json.loads(get_setting(s, key, "{}"))
            if not kept.get("doc_no"):
                today = self.clock().date()
                seq = next_value(s, self.paperwork.counter_name("correction", today.year))
                kept = {"doc_no": self.paperwork.document_number("correction", today.year, seq)}
                kept["issued_on"] = today.isoformat()
                put_setting(s, key, json.dumps(kept, ensure_ascii=False))
            own = {m.code: m for m in case.materials}
            first = case.events[0].payload if case.events else {}
            templates = self.paperwork.templates()
            notice = CorrectionNotice(
                office_name=self.paperwork.office.name,
                doc_no=kept["doc_no"],
                applicant_name=case.applicant_name,
                applicant_id_number=case.applicant_id_number,
                applicant_phone=case.applicant_phone,
                matter_name=case.matter_name,
                case_no=case.case_no,
                received_on=case.received_at.date(),
                materials=tuple(
                    DefectiveMaterial(item.name, item.problem, _requirement(own.get(item.code)))
                    for item in request.items
                ),
                contact_person=request.requested_by,  # the approver who asked answers the applicant's questions
                contact_phone=self.paperwork.office_phone,
                issued_on=dt.date.fromisoformat(kept["issued_on"]),
                query_url=templates.query_url(case.public_token or ""),
                acting=acting_of(case.applicant_id_type, dict(first or {})),
                stage="review",
            )
        try:
            pdf = render_sheet(correction_sheet(notice, templates))
            path = self.paperwork.write_document(
                f"{notice.case_no}-{templates.kind('correction').title}（审查补正）.pdf", pdf
            )
        except Exception as exc:  # font missing, disk full: nothing of the case depends on it
            log.exception("supplement notice for %s failed", notice.case_no)
            raise ServiceError("补正材料通知书生成失败，请检查磁盘和字体后重试") from exc
        log.info("supplement notice %s for case %s", notice.doc_no, notice.case_no)
        return RequestNotice(notice.case_no, notice.doc_no, path, len(notice.materials))

    def _bundle_rows(self, s: Session, record: BundleRecord) -> tuple[list[Case], dict[str, _Row]]:
        """The bundle's member cases open to 补正, and what they still owe merged by paper."""
        catalog = self.catalog()
        members: list[Case] = []
        rows: dict[str, _Row] = {}
        for member_id in record.member_ids:
            member = s.get(Case, member_id)
            if member is None or CaseState(member.status) not in SUPPLEMENTABLE:
                continue
            members.append(member)
            matter = _matter(catalog, member.matter_code)
            for m in member.materials:
                if m.status not in LACKING:
                    continue
                spec = _spec(matter, m.code, m.name, m.form, m.copies)
                row = rows.get(spec.share_key)
                if row is None:
                    rows[spec.share_key] = _Row(replace(spec, code=spec.share_key), _problem(member, m.code), [])
                    row = rows[spec.share_key]
                else:  # the strictest of its users, as the bundle's checklist asked it
                    strict = row.spec
                    row.spec = replace(
                        strict,
                        form="original" if "original" in (strict.form, spec.form) else strict.form,
                        copies=max(strict.copies, spec.copies),
                        pledgeable=strict.pledgeable and spec.pledgeable,
                    )
                row.users.append((member, m))
        for row in rows.values():  # named as the bundle's checklist named it: brought once for all
            shared = len({c.id for c, _m in row.users})
            if shared > 1:
                row.spec = replace(row.spec, name=f"{row.spec.name}（{shared}个事项共用）")
        return members, rows

    def _bundle_form(self, s: Session, case: Case, record: BundleRecord) -> SupplementForm:
        members, rows = self._bundle_rows(s, record)
        catalog = self.catalog()
        owing = [c for c in members if any(m.status in LACKING for m in c.materials)]
        matters = [_matter(catalog, c.matter_code) for c in owing]
        return SupplementForm(
            case.id,
            record.bundle_no,
            case.applicant_name,
            record.bundle_name,
            case.status,
            tuple(row.spec for row in rows.values()),
            tuple(row.problem for row in rows.values()),
            bool(matters) and all(m is not None and m.pledge for m in matters),
            record.bundle_no,
            record.bundle_name,
            tuple(c.matter_name for c in members if c in owing or c.status == CaseState.PENDING_SUPPLEMENT.value),
        )

    def submit(self, case_id: str, inputs: tuple[MaterialInput, ...], clerk: Clerk) -> SupplementResult:
        if self.bundles is not None:
            with self.store.sessions() as s:
                case = s.get(Case, case_id)
                requested = case is not None and _open_request(s, case) is not None
                record = None if requested else stored_record(s, case_id)
            if record is not None:
                return self._submit_bundle(record, inputs, clerk)
        now = self.clock().replace(microsecond=0)
        given = {i.code: i for i in inputs}
        with self.store.sessions.begin() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            request = _open_request(s, case)
            asked = {item.code: item for item in (request.items if request else ())}
            owed = [item.name for code, item in asked.items() if not _brought(given.get(code))]
            if owed:
                # Nothing is stored: what the approver asked for comes in whole (§32), or not yet.
                raise ServiceError(
                    "后台要求补正的以下材料尚未收取：" + "、".join(owed) + "。请逐项按 1 已收或 S 扫描后再确认"
                )
            for m in case.materials:
                _take(s, m, given.get(m.code), m.code in asked)
            _add_outside(
                s, case, [item for code, item in asked.items() if code not in {m.code for m in case.materials}], given
            )
            lacking = tuple(m.name for m in case.materials if m.status in LACKING)
            status = CaseState(case.status)
            accepted_now = status == CaseState.PENDING_SUPPLEMENT
            if accepted_now and lacking:
                # Nothing is stored: the clerk may issue a refusal or wait for the rest.
                raise ServiceError("补正后仍缺少以下材料，不能受理：" + "、".join(lacking))
            notice_no = ""
            if accepted_now:
                case.status = check_transition(status, CaseState.ACCEPTED).value
                notice_no = self.paperwork.document_number(
                    "acceptance", now.year, next_value(s, self.paperwork.counter_name("acceptance", now.year))
                )
                case.notice_no = notice_no
            case.updated_at = now
            s.flush()
            extra = {"request": list(request.lines)} if request is not None else {}  # which request it answers
            self._record(s, case, now, clerk, notice_no, not lacking, **extra)
            case_no = case.case_no
        log.info("case %s supplemented by %s (accepted now: %s)", case_no, clerk.username, accepted_now)
        self.on_new_event()
        paper = self.paperwork.supplemented(case_id, with_notice=accepted_now)
        return SupplementResult(case_no, accepted_now, lacking, paper.notice_pdf, paper.printed, paper.error)

    def _record(
        self, s: Session, case: Case, now: dt.datetime, clerk: Clerk, notice_no: str, complete: bool, **extra
    ) -> None:
        """The case.supplemented event: the case's whole material list after the supplement."""
        payload = protocol.CaseSupplementedPayload(
            case_no=case.case_no,
            supplemented_at=now,
            complete=complete,
            clerk=clerk.username,
            notice_no=notice_no,
            materials=[
                protocol.MaterialPayload(
                    code=m.code,
                    name=m.name,
                    status=cast(RecordedStatus, m.status),  # as intake recorded it, or received since
                    form=m.form,
                    copies=m.copies,
                    blobs=list(m.pages or []),
                )
                for m in case.materials
            ],
        ).model_dump(mode="json")
        append_event(
            s,
            case_id=case.id,
            type_=protocol.CASE_SUPPLEMENTED,
            payload={**payload, **extra},
            clerk=clerk.username,
            device_id=self.identity().device_id,
            now=now,
        )

    def _submit_bundle(self, record: BundleRecord, inputs: tuple[MaterialInput, ...], clerk: Clerk) -> SupplementResult:
        """One supplement for a whole 一件事: each shared paper taken once and recorded on every
        member case that owed it; after a one-time notice the bundle is accepted as a whole,
        with one acceptance notice and one receipt."""
        assert self.bundles is not None  # only called with a bundle printer
        now = self.clock().replace(microsecond=0)
        given = {i.code: i for i in inputs}
        with self.store.sessions.begin() as s:
            members, rows = self._bundle_rows(s, record)
            if not members:
                raise ServiceError("该一件事当前没有可补正的办件")
            owed = {c.id for row in rows.values() for c, _m in row.users}
            for key, row in rows.items():
                for _case, material in row.users:
                    _take(s, material, given.get(key))
            lacking = tuple(dict.fromkeys(m.name for c in members for m in c.materials if m.status in LACKING))
            pending = [c for c in members if c.status == CaseState.PENDING_SUPPLEMENT.value]
            accepted_now = bool(pending)
            if accepted_now and lacking:
                # The bundle is accepted as a whole or not at all; nothing is stored.
                raise ServiceError("补正后仍缺少以下材料，一件事不能受理：" + "、".join(lacking))
            notice_no = ""
            if accepted_now:
                notice_no = self.paperwork.document_number(
                    "acceptance", now.year, next_value(s, self.paperwork.counter_name("acceptance", now.year))
                )
            statuses = _merged_statuses(self.catalog(), members)
            paper = replace(
                record,
                materials=tuple(replace(m, status=statuses.get(m.key, m.status)) for m in record.materials),
            )
            if accepted_now:
                paper = replace(paper, outcome=ACCEPT, basis=BASIS_ACCEPT, shortfalls=(), accepted_on=now.date())
            touched = []
            for case in members:
                if case.id not in owed and case not in pending:
                    continue
                if case in pending:
                    case.status = check_transition(CaseState(case.status), CaseState.ACCEPTED).value
                    case.notice_no = notice_no
                case.updated_at = now
                s.flush()
                extra = {PAPER_KEY: paper.to_json()}  # a reprint from any member: the bundle's paper as now
                complete = not any(m.status in LACKING for m in case.materials)
                self._record(s, case, now, clerk, notice_no if case in pending else "", complete, **extra)
                touched.append(case.case_no)
        log.info(
            "bundle %s supplemented by %s on %d cases (accepted now: %s)",
            record.bundle_no,
            clerk.username,
            len(touched),
            accepted_now,
        )
        self.on_new_event()
        printed = self.bundles.issue(paper, notices=accepted_now)
        return SupplementResult(
            record.bundle_no,
            accepted_now,
            lacking,
            printed.notice_pdf,
            printed.printed,
            printed.error,
            tuple(touched),
        )


def _open_request(s: Session, case: Case) -> SupplementRequest | None:
    """The back office's request this case is waiting on at the window, if any."""
    if case.status != CaseState.SUPPLEMENT_REQUESTED.value:
        return None
    request = supplement_request(s, case)
    return request if request is not None and not request.answered else None


def _brought(item: MaterialInput | None) -> bool:
    return item is not None and (item.state in RECEIVED_STATES or (not item.state and item.received))


def _requirement(m: Material | None) -> str:
    if m is None:  # a paper outside the case's list: the approver's words say what
        return ""
    return f"{'原件' if m.form == 'original' else '复印件'}{m.copies}份"


def _add_outside(s: Session, case: Case, items: list[RequestedMaterial], given: dict[str, MaterialInput]) -> None:
    """Papers the approver asked for beyond the case's list join it, so they travel up with it."""
    position = max((m.position for m in case.materials), default=0)
    for item in items:
        position += 1
        material = Material(
            code=item.code, name=item.name, form="original", copies=1, status="missing", pages=[], position=position
        )
        case.materials.append(material)
        _take(s, material, given.get(item.code))


def _take(s: Session, m: Material, item: MaterialInput | None, asked: bool = False) -> None:
    """A material the case still owed, or one the back office asked for again, as the clerk
    marked it now (pages added, never replaced)."""
    if item is None or (m.status not in LACKING and not asked):
        return
    if item.state in RECEIVED_STATES or (not item.state and item.received):
        m.status = "received"
    elif item.state == "pledged":
        m.status = "pledged"
    elif item.state == "elicense":
        m.status = "waived"
    if item.pages:
        m.pages = [*(m.pages or []), *(pg.sha256 for pg in item.pages)]
        for pg in item.pages:
            if s.get(BlobEntry, pg.sha256) is None:
                s.add(BlobEntry(sha256=pg.sha256, size=pg.size))


def _merged_statuses(catalog: Catalog, members: list[Case]) -> dict[str, str]:
    """Each paper's status on the bundle's receipt now: still owed if any member still owes it."""
    out: dict[str, str] = {}
    for case in members:
        matter = _matter(catalog, case.matter_code)
        for m in case.materials:
            key = _spec(matter, m.code, m.name, m.form, m.copies).share_key
            if key not in out or m.status in LACKING:
                out[key] = m.status
    return out


def _matter(catalog: Catalog, code: str) -> Matter | None:
    try:
        return catalog.get(code)
    except KeyError:  # the catalog changed since: the case keeps what it recorded
        return None


def _spec(matter: Matter | None, code: str, name: str, form: str, copies: int) -> MaterialSpec:
    if matter is not None:
        try:
            return matter.material(code)
        except KeyError:
            pass
    return MaterialSpec(code, name, "required", form, copies)


def _problem(case: Case, code: str) -> str:
    first = case.events[0].payload if case.events else {}
    for m in first.get("materials", []):
        if m.get("code") == code:
            return m.get("problem") or ("容缺，待补齐" if m.get("status") == "tolerated" else "未提交")
    return "未提交"
