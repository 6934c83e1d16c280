"""补正: the applicant comes back with what the one-time notice (or 容缺, or the back
office) asked for.

After a one-time notice the case is accepted only when nothing required is missing any
more; the acceptance notice is issued then. Under 容缺 or a back-office request the case
keeps its place and the materials are completed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from client.domain.catalog import Catalog, MaterialSpec, Matter
from client.domain.states import CaseState, check_transition
from client.store.db import Store
from client.store.journal import append_event, next_value
from client.store.models import BlobEntry, Case
from client.store.settings import DeviceIdentity
from sync import protocol

from .auth import Clerk
from .errors import ServiceError
from .intake import RECEIVED_STATES, MaterialInput, RecordedStatus
from .paperwork import Paperwork

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


@dataclass(frozen=True)
class SupplementResult:
    case_no: str
    accepted_now: bool  # a one-time notice answered in full: the case is accepted
    still_lacking: tuple[str, ...]
    notice_pdf: Path | None
    printed: bool
    paper_error: str


class SupplementService:
    def __init__(
        self,
        store: Store,
        catalog: Callable[[], Catalog],
        identity: Callable[[], DeviceIdentity],
        paperwork: Paperwork,
        on_new_event: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ):
        self.store, self.catalog, self.identity, self.paperwork = store, catalog, identity, paperwork
        self.on_new_event, self.clock = on_new_event, clock

    def form(self, case_id: str) -> SupplementForm:
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            if CaseState(case.status) not in SUPPLEMENTABLE:
                raise ServiceError("该办件当前状态不能补正")
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

    def submit(self, case_id: str, inputs: tuple[MaterialInput, ...], clerk: Clerk) -> SupplementResult:
        now = self.clock().replace(microsecond=0)
        given = {i.code: i for i in inputs}
        with self.store.sessions.begin() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            for m in case.materials:
                item = given.get(m.code)
                if item is None or m.status not in LACKING:
                    continue
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
            payload = protocol.CaseSupplementedPayload(
                case_no=case.case_no,
                supplemented_at=now,
                complete=not lacking,
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
            s.flush()
            append_event(
                s,
                case_id=case_id,
                type_=protocol.CASE_SUPPLEMENTED,
                payload=payload,
                clerk=clerk.username,
                device_id=self.identity().device_id,
                now=now,
            )
            case_no = case.case_no
        log.info("case %s supplemented by %s (accepted now: %s)", case_no, clerk.username, accepted_now)
        self.on_new_event()
        paper = self.paperwork.supplemented(case_id, with_notice=accepted_now)
        return SupplementResult(case_no, accepted_now, lacking, paper.notice_pdf, paper.printed, paper.error)


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
