"""Taking in a case at the counter: applicant, matter, materials, accept.

The case, its materials, its first audit event and its outbox entry are written in
one transaction before any paper is produced: a printer jam never loses a case.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from client.domain.case_numbers import format_case_no, mint_case_no
from client.domain.catalog import Catalog, Matter
from client.domain.deadlines import WorkCalendar, add_limit
from client.domain.identity import Applicant, IdCheck, check_id_number
from client.domain.states import CaseState
from client.store.db import Store
from client.store.journal import append_event, next_value
from client.store.models import BlobEntry, Case, Material
from client.store.pages import PageRef
from client.store.settings import DeviceIdentity
from sync import protocol

from .auth import Clerk
from .errors import ServiceError
from .paperwork import Paperwork

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 50 * 1024 * 1024
PAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf", ".tif", ".tiff"}


@dataclass(frozen=True)
class MaterialInput:
    code: str
    received: bool
    pages: tuple[PageRef, ...] = ()


@dataclass(frozen=True)
class IntakeDraft:
    applicant: Applicant
    matter_code: str
    materials: tuple[MaterialInput, ...]
    phone: str = ""


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


class IntakeService:
    def __init__(self, store: Store, catalog: Callable[[], Catalog], identity: Callable[[], DeviceIdentity],
                 calendar: WorkCalendar, paperwork: Paperwork, on_new_event: Callable[[], None] = lambda: None,
                 clock: Callable[[], dt.datetime] = dt.datetime.now):
        self.store, self.catalog, self.identity = store, catalog, identity
        self.calendar, self.paperwork, self.on_new_event, self.clock = calendar, paperwork, on_new_event, clock
        self.pages = store.pages  # sealed with the store key when the store is encrypted

    def check_id(self, number: str) -> IdCheck:
        return check_id_number(number, today=self.clock().date())

    def search(self, text: str, *, bundles: bool = False, limit: int = 20) -> tuple:
        """Ranked matters (and, with `bundles`, 一件事) this device may take in.

        Scoped by the level and region of the enrolled org unit; an unenrolled device
        (demo before enrolment) searches the whole catalog.
        """
        from client.domain.search import CatalogIndex, Scope

        try:
            scope = Scope.for_region(self.identity().region_code)
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
        matter = self.matter(draft.matter_code)
        got = {m.code for m in draft.materials if m.received}
        return tuple(spec.name for spec in matter.required_materials() if spec.code not in got)

    def accept(self, draft: IntakeDraft, clerk: Clerk) -> AcceptResult:
        check = self.check_id(draft.applicant.id_number)
        if not check.ok:
            raise ServiceError(check.message)
        if not draft.applicant.name.strip():
            raise ServiceError("请填写申请人姓名")
        catalog = self.catalog()
        try:
            matter = catalog.get(draft.matter_code)
        except KeyError:
            raise ServiceError("请选择要办理的事项") from None
        missing = self.missing_required(draft)
        if missing:
            raise ServiceError("以下必要材料尚未收取，不能受理：" + "、".join(missing))
        identity = self.identity()
        now = self.clock().replace(microsecond=0)
        limit, unit = (matter.promised_limit, matter.promised_unit) if matter.promised_limit else (
            matter.legal_limit, matter.legal_unit)
        deadline = add_limit(now.date(), limit, unit, self.calendar)
        inputs = {m.code: m for m in draft.materials}
        case_id = str(uuid.uuid4())
        try:
            with self.store.sessions.begin() as s:
                seq = next_value(s, f"case_no:{now:%Y%m%d}")
                case_no = mint_case_no(identity.region_code, now.date(), identity.device_code, seq)
                notice_seq = next_value(s, f"notice:accept:{now.year}")
                notice_no = self.paperwork.notice_number(now.year, notice_seq)
                case = Case(id=case_id, case_no=case_no, matter_code=matter.code, matter_name=matter.name,
                            catalog_version=catalog.version, applicant_name=draft.applicant.name.strip(),
                            applicant_id_type=draft.applicant.id_type, applicant_id_number=check.number,
                            applicant_phone=draft.phone or draft.applicant.phone, status=CaseState.ACCEPTED.value,
                            received_at=now, promised_by=deadline.due, clerk=clerk.display_name,
                            notice_no=notice_no, updated_at=now)
                s.add(case)
                payload_materials = []
                for pos, spec in enumerate(matter.materials):
                    given = inputs.get(spec.code)
                    status = "received" if given and given.received else "missing"
                    pages = [pg.sha256 for pg in given.pages] if given else []
                    if status == "missing" and spec.necessity != "required":
                        continue
                    s.add(Material(case_id=case_id, position=pos, code=spec.code, name=spec.name,
                                   form=spec.form, copies=spec.copies, status=status, pages=pages))
                    for pg in given.pages if given else ():
                        if s.get(BlobEntry, pg.sha256) is None:
                            s.add(BlobEntry(sha256=pg.sha256, size=pg.size))
                    payload_materials.append(protocol.MaterialPayload(
                        code=spec.code, name=spec.name, status=status, form=spec.form,
                        copies=spec.copies, blobs=pages))
                payload = protocol.CaseAcceptedPayload(
                    case_no=case_no, matter_code=matter.code, matter_name=matter.name,
                    catalog_version=catalog.version,
                    applicant=protocol.ApplicantPayload(name=case.applicant_name, id_type=case.applicant_id_type,
                                                        id_number=check.number, phone=case.applicant_phone),
                    materials=payload_materials, received_at=now, promised_by=deadline.due,
                    clerk=clerk.username, notice_no=notice_no,
                ).model_dump(mode="json")
                s.flush()
                append_event(s, case_id=case_id, type_=protocol.CASE_ACCEPTED, payload=payload,
                             clerk=clerk.username, device_id=identity.device_id, now=now)
        except (OSError, SQLAlchemyError) as exc:
            log.error("storing case failed: %s", exc)
            raise ServiceError("本机数据库写入失败，办件未保存，请检查磁盘空间后重试", str(exc)) from exc
        log.info("accepted case %s (%s) for %s", case_no, matter.code, clerk.username)
        self.on_new_event()
        paper = self.paperwork.accepted(case_id)
        return AcceptResult(case_id, case_no, format_case_no(case_no), deadline.due, deadline.approximate,
                            notice_no, paper.notice_pdf, paper.printed, paper.error)

    def returning_applicant(self, id_number: str) -> "KnownApplicant | None":
        """What earlier cases know about this person, so the clerk types nothing twice."""
        with self.store.sessions() as s:
            rows = s.execute(select(Case.applicant_name, Case.applicant_phone, Case.received_at, Case.matter_name)
                             .where(Case.applicant_id_number == id_number)
                             .order_by(Case.received_at.desc())).all()
        if not rows:
            return None
        phone = next((r.applicant_phone for r in rows if r.applicant_phone), "")
        last = rows[0]
        return KnownApplicant(id_number, last.applicant_name, phone, last.received_at, last.matter_name, len(rows))


@dataclass(frozen=True)
class KnownApplicant:
    id_number: str
    name: str
    phone: str
    last_seen: dt.datetime
    last_matter: str
    cases: int
