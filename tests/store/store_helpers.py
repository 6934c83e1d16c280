"""Putting real cases into a store through the real intake service (paper stubbed out)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import func, select

from client.domain.catalog import load_sample_catalog
from client.domain.deadlines import load_builtin_calendar
from client.domain.identity import Applicant
from client.services.auth import Clerk
from client.services.intake import IntakeDraft, IntakeService, MaterialInput
from client.services.paperwork import PaperResult
from client.store.db import Store
from client.store.models import BlobEntry, Case, CaseEvent, Material, OutboxEntry
from client.store.settings import DeviceIdentity, save_identity

IDENTITY = DeviceIdentity("dev-0001", "K7Q2", "370702", "潍城区行政审批服务局", "370702000000", "http://127.0.0.1:9")
CLERK = Clerk("clerk01", "王窗口", "clerk", offline=False)
APPLICANT = Applicant("王秀英", "身份证", "11010519491231002X")


class NoPaper:
    """Paperwork stand-in: numbers the notices, prints nothing."""

    def numbered_kinds(self, outcome: str) -> tuple[str, ...]:
        return ("acceptance",)

    def counter_name(self, kind: str, year: int) -> str:
        return f"doc:test-{kind}:{year}"

    def document_number(self, kind: str, year: int, seq: int) -> str:
        return f"测试受字〔{year}〕{seq}号"

    def issue(self, case_id: str) -> PaperResult:
        return PaperResult(None, False, "")


def intake_for(store: Store, catalog=None, enrol: bool = True) -> IntakeService:
    if enrol:
        with store.sessions.begin() as s:
            save_identity(s, IDENTITY)
    catalog = catalog or load_sample_catalog()
    return IntakeService(
        store,
        lambda: catalog,
        lambda: IDENTITY,
        load_builtin_calendar(),
        NoPaper(),
        clock=lambda: dt.datetime(2025, 11, 20, 10, 30),
    )


def draft_for(intake: IntakeService, page: bytes | None = None, scan_dir: Path | None = None) -> IntakeDraft:
    """Every material of the first catalog matter received; one scanned page on the first."""
    matter = next(m for m in intake.catalog().matters if m.materials)
    pages = ()
    if page is not None:
        scan = Path(scan_dir) / f"scan-{os.getpid()}.png"
        scan.write_bytes(page)
        pages = (intake.import_page(scan),)
    materials = tuple(
        MaterialInput(spec.code, True, pages if i == 0 else ()) for i, spec in enumerate(matter.materials)
    )
    return IntakeDraft(APPLICANT, matter.code, materials, phone="13800000000")


def case_is_whole(s, case: Case) -> bool:
    """Case row, its materials, its accepted event, that event's outbox entry, its pages' blob rows."""
    materials = s.scalars(select(Material).where(Material.case_id == case.id)).all()
    events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    if not materials or len(events) != 1 or events[0].type != "case.accepted":
        return False
    if len(events[0].payload["materials"]) != len(materials):
        return False
    if s.get(OutboxEntry, events[0].event_id) is None:
        return False
    shas = {sha for m in materials for sha in (m.pages or ())}
    return all(s.get(BlobEntry, sha) is not None for sha in shas)


def count(s, model) -> int:
    return s.scalar(select(func.count()).select_from(model))
