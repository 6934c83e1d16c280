"""帮办代办 with a transfer slip (流转单): a village station forwards a county matter.

The social worker takes the matter in on the citizen's behalf; the case is recorded as
forwarded to the competent office (from the matter's level) and a transfer slip goes with
the paper originals. Who holds the originals (原件持有) moves with two hand-overs: the
station dispatches them (在途), and the hall scans the slip's code at its window (县政务服务中心).
Each hand-over is an ordinary case event in the hash chain and the outbox, so it syncs
exactly once whenever the device finds a network; the server derives the same holder.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.catalog import Catalog, Matter
from client.domain.regions import ancestors, level_of_region
from client.store.db import Store
from client.store.journal import append_event, next_value
from client.store.models import Case, TransferSlip
from client.store.settings import DeviceIdentity, get_setting, put_setting
from reports.receipt import ReceiptMaterial
from reports.transfer import TransferSlipData, read_slip_code, transfer_layout, transfer_pdf
from sync import protocol

from .auth import Clerk
from .cases import CUSTODY_LABELS as HOLDER_LABELS
from .errors import ServiceError, clerk_message
from .paperwork import Paperwork

log = logging.getLogger(__name__)

RELATION = "帮办代办"
_RANK = {h: i for i, h in enumerate(protocol.HOLDERS)}
ForwardLevel = Literal["county", "town"]
LEVEL_OFFICES: dict[ForwardLevel, str] = {"county": "县政务服务中心", "town": "乡镇（街道）便民服务中心"}
STUB_MATTER = "帮办代办流转件（随单原件已收）"
AGENT_ID_KEY = "proxy.agent_id:"


@dataclass(frozen=True)
class ForwardTarget:
    office: str
    level: ForwardLevel


@dataclass(frozen=True)
class Custody:
    """原件持有 as the case detail shows it."""

    slip_no: str
    holder: str  # protocol.HOLDERS
    forward_to: str
    dispatched_at: dt.datetime | None
    received_at: dt.datetime | None
    received_by: str

    @property
    def label(self) -> str:
        return HOLDER_LABELS.get(self.holder, self.holder)

    @property
    def can_dispatch(self) -> bool:
        return self.holder == protocol.HOLDER_STATION


@dataclass(frozen=True)
class SlipPrint:
    slip_no: str
    pdf: Path | None
    printed: bool
    error: str  # Chinese; empty when both came out


@dataclass(frozen=True)
class Received:
    case_id: str
    case_no_display: str
    slip_no: str
    known_case: bool  # the case was already on this machine (else a placeholder was made)


def forward_target(catalog: Catalog, matter: Matter) -> ForwardTarget:
    """The competent office for a matter the station cannot conclude itself."""
    level = matter.level if matter.level in LEVEL_OFFICES else "county"
    if level == "county":
        return ForwardTarget(catalog.office_name or LEVEL_OFFICES["county"], "county")
    return ForwardTarget(LEVEL_OFFICES["town"], "town")


def proxy_scope_region(region_code: str) -> str:
    """The county a village station forwards to: matters are searched in its scope."""
    return ancestors(region_code)[-1]


class ProxyRecorder:
    """Called by the intake inside the case's transaction: the slip exists exactly when the case does."""

    @staticmethod
    def known_agent_id(store: Store, username: str) -> str:
        """The social worker's ID number from their last proxy case (it goes on the 授权委托书)."""
        with store.sessions() as s:
            return get_setting(s, AGENT_ID_KEY + username, "") or ""

    def record(
        self,
        s: Session,
        *,
        case: Case,
        catalog: Catalog,
        matter: Matter,
        clerk: Clerk,
        identity: DeviceIdentity,
        now: dt.datetime,
        agent_id: str = "",
    ) -> dict:
        if agent_id:
            put_setting(s, AGENT_ID_KEY + clerk.username, agent_id)
        seq = next_value(s, f"slip:{now:%Y%m%d}")
        slip_no = f"LZ{identity.device_code}{now:%Y%m%d}{seq:03d}"
        target = forward_target(catalog, matter)
        s.add(
            TransferSlip(
                slip_no=slip_no,
                case_id=case.id,
                case_no=case.case_no,
                forward_to=target.office,
                holder=protocol.HOLDER_STATION,
                created_at=now,
                received_by="",
            )
        )
        return protocol.ProxyPayload(
            agent_username=clerk.username,
            agent_name=clerk.display_name,
            relation=RELATION,
            station=identity.org_name,
            forward_to=target.office,
            forward_level=target.level,
            slip_no=slip_no,
        ).model_dump(mode="json")


class TransferService:
    def __init__(
        self,
        store: Store,
        identity: Callable[[], DeviceIdentity],
        paperwork: Paperwork,
        on_new_event: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ):
        self.store, self.identity, self.paperwork = store, identity, paperwork
        self.on_new_event, self.clock = on_new_event, clock
        self._receives: bool | None = None

    @property
    def receives_slips(self) -> bool:
        """A hall above the stations scans slips in; a village station only sends them."""
        if self._receives is None:
            try:
                self._receives = level_of_region(self.identity().region_code) != "village"
            except ServiceError:
                return False  # not enrolled yet: ask again later
        return self._receives

    def custody(self, case_id: str) -> Custody | None:
        with self.store.sessions() as s:
            slip = s.scalar(select(TransferSlip).where(TransferSlip.case_id == case_id))
            return _custody(slip) if slip is not None else None

    def slip_data(self, case_id: str) -> TransferSlipData:
        with self.store.sessions() as s:
            slip = s.scalar(select(TransferSlip).where(TransferSlip.case_id == case_id))
            case = s.get(Case, case_id)
            if slip is None or case is None:
                raise ServiceError("该办件不是帮办代办件，没有流转单")
            first = case.events[0].payload if case.events else {}
            proxy = first.get("proxy") or {}
            return TransferSlipData(
                slip_no=slip.slip_no,
                case_id=case.id,
                case_no=case.case_no,
                station=proxy.get("station", ""),
                forward_to=slip.forward_to,
                agent_name=proxy.get("agent_name", case.clerk),
                relation=proxy.get("relation", RELATION),
                applicant_name=case.applicant_name,
                applicant_id_number=case.applicant_id_number,
                applicant_phone=case.applicant_phone,
                matter_name=case.matter_name,
                materials=tuple(
                    ReceiptMaterial(m.name, m.form, m.copies, m.status)
                    for m in case.materials
                    if m.status == "received"
                ),
                issued_at=slip.created_at,
            )

    def print_slip(self, case_id: str) -> SlipPrint:
        """The A4 slip as a PDF and the thermal slip on the receipt printer; failures reported, not raised."""
        data = self.slip_data(case_id)
        errors, pdf = [], None
        try:
            pdf = self.paperwork.write_document(f"{data.case_no}-流转单.pdf", transfer_pdf(data))
        except Exception as exc:  # font missing, disk full: the case and its slip are stored
            log.exception("transfer slip PDF for %s failed", data.case_no)
            errors.append(clerk_message(exc, "流转单生成失败，可在办件详情中重新打印"))
        printed = False
        width = self.paperwork.receipt_format
        if width in ("58", "80"):
            try:
                self.paperwork.print_layout(transfer_layout(data, int(width)))
                printed = True
            except Exception as exc:
                log.warning("transfer slip for %s not printed: %s", data.case_no, exc)
                errors.append(clerk_message(exc, "流转单小票打印失败，请检查打印机后重新打印"))
        return SlipPrint(data.slip_no, pdf, printed, "；".join(errors))

    def dispatch(self, case_id: str, clerk: Clerk, note: str = "") -> Custody:
        """The station hands the originals with their slip to the courier or carries them itself (在途)."""
        identity = self.identity()
        now = self.clock().replace(microsecond=0)
        try:
            with self.store.sessions.begin() as s:
                slip = s.scalar(select(TransferSlip).where(TransferSlip.case_id == case_id))
                if slip is None:
                    raise ServiceError("该办件不是帮办代办件，没有流转单")
                if slip.holder != protocol.HOLDER_STATION:
                    raise ServiceError(f"原件现在“{HOLDER_LABELS[slip.holder]}”，不能重复登记寄出")
                slip.holder, slip.dispatched_at = protocol.HOLDER_IN_TRANSIT, now
                payload = protocol.OriginalsPayload(
                    case_no=slip.case_no,
                    slip_no=slip.slip_no,
                    at=now,
                    clerk=clerk.username,
                    office=identity.org_name,
                    note=note,
                )
                append_event(
                    s,
                    case_id=case_id,
                    type_=protocol.ORIGINALS_DISPATCHED,
                    payload=payload.model_dump(mode="json"),
                    clerk=clerk.username,
                    device_id=identity.device_id,
                    now=now,
                )
                custody = _custody(slip)
        except SQLAlchemyError as exc:
            log.error("dispatching originals failed: %s", exc)
            raise ServiceError("本机数据库写入失败，请重试", str(exc)) from exc
        log.info("originals dispatched by %s with slip %s", clerk.username, custody.slip_no)
        self.on_new_event()
        return custody

    def receive(self, code: str, clerk: Clerk) -> Received:
        """The hall scanned a slip's code: the originals are here. Works offline; syncs later."""
        slip_code = read_slip_code(code)
        if slip_code is None:
            raise ServiceError("不是有效的流转单二维码，请重新扫描流转单上的二维码")
        identity = self.identity()
        now = self.clock().replace(microsecond=0)
        try:
            with self.store.sessions.begin() as s:
                slip = s.get(TransferSlip, slip_code.slip_no)
                if slip is not None and slip.holder == protocol.HOLDER_HALL:
                    raise ServiceError(f"流转单{slip.slip_no}已于{slip.received_at:%Y-%m-%d %H:%M}登记收件")
                if slip is not None:
                    raise ServiceError("这是本站开出的流转单，请由送达机构的收件窗口扫码登记")
                case = s.get(Case, slip_code.case_id)
                known = case is not None
                if case is None:  # the station's case has not reached this machine: keep a placeholder
                    case = Case(
                        id=slip_code.case_id,
                        case_no=slip_code.case_no,
                        matter_code="",
                        matter_name=STUB_MATTER,
                        catalog_version="",
                        applicant_name="（见随单原件）",
                        applicant_id_type="身份证",
                        applicant_id_number="",
                        status="submitted",
                        received_at=now,
                        promised_by=now.date(),
                        clerk=clerk.display_name,
                        updated_at=now,
                    )
                    s.add(case)
                    s.flush()
                elif case.case_no != slip_code.case_no:
                    raise ServiceError("流转单上的办件编号与本机办件不一致，请核对后联系发件站点")
                s.add(
                    TransferSlip(
                        slip_no=slip_code.slip_no,
                        case_id=case.id,
                        case_no=case.case_no,
                        forward_to=identity.org_name,
                        holder=protocol.HOLDER_HALL,
                        created_at=now,
                        received_at=now,
                        received_by=clerk.display_name,
                    )
                )
                payload = protocol.OriginalsPayload(
                    case_no=case.case_no,
                    slip_no=slip_code.slip_no,
                    at=now,
                    clerk=clerk.username,
                    office=identity.org_name,
                )
                append_event(
                    s,
                    case_id=case.id,
                    type_=protocol.ORIGINALS_RECEIVED,
                    payload=payload.model_dump(mode="json"),
                    clerk=clerk.username,
                    device_id=identity.device_id,
                    now=now,
                )
        except SQLAlchemyError as exc:
            log.error("receiving originals failed: %s", exc)
            raise ServiceError("本机数据库写入失败，请重试", str(exc)) from exc
        log.info(
            "originals of case %s received with slip %s by %s", slip_code.case_no, slip_code.slip_no, clerk.username
        )
        self.on_new_event()
        return Received(slip_code.case_id, format_case_no(slip_code.case_no), slip_code.slip_no, known)

    @staticmethod
    def is_slip_code(text: str) -> bool:
        return read_slip_code(text) is not None


def _custody(slip: TransferSlip) -> Custody:
    return Custody(slip.slip_no, slip.holder, slip.forward_to, slip.dispatched_at, slip.received_at, slip.received_by)
