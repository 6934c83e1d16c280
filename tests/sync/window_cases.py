"""Put a window's store in a state: enrolled, with accepted cases queued for the back office.

Cases are written the way intake writes them (case row, materials' pages, journal event
and outbox entry in one transaction) without the intake screen's rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from client.domain.case_numbers import mint_case_no
from client.domain.catalog import load_sample_catalog
from client.domain.deadlines import load_builtin_calendar
from client.domain.identity import Applicant, id_check_char
from client.services.auth import Clerk
from client.services.delivery import DeliveryService
from client.services.intake import IntakeDraft, IntakeService, MaterialInput
from client.services.paperwork import PaperResult
from client.services.supplement import SupplementService
from client.store.db import Store
from client.store.journal import append_event, next_value
from client.store.models import BlobEntry, Case, Material
from client.store.settings import DeviceIdentity, load_identity, save_identity
from sync import protocol
from sync.api import BackOfficeApi

REGION = "370702000000"
MATTER_CODE = "370702-XK-0001"


def valid_id(first17: str = "37070219850312001") -> str:
    return first17 + id_check_char(first17)


def enrol_store(store: Store, server_url: str, code: str) -> tuple[str, str]:
    answer = BackOfficeApi(server_url).enrol(code, "测试窗口")
    with store.sessions.begin() as s:
        save_identity(
            s,
            DeviceIdentity(
                answer.device_id,
                answer.device_code,
                answer.org_unit.code,
                answer.org_unit.name,
                answer.org_unit.region_code,
                server_url,
            ),
        )
    return answer.token, answer.device_code


CLERK = Clerk("clerk01", "王窗口", "clerk", offline=False)


def queue_case(
    store: Store,
    device_code: str,
    *,
    pages: tuple[bytes, ...] = (),
    id_number: str | None = None,
    device_time: dt.datetime | None = None,
    tolerated: bool = False,
    phone: str = "",
    address: str = "",
    agent: protocol.AgentPayload | None = None,
) -> tuple[str, str]:
    """One accepted case with its event queued; returns (case_id, case_no).

    `tolerated`: 容缺受理, a second material (the business premises proof) still to come.
    """
    now = device_time or dt.datetime.now()
    shas = []
    for page in pages:
        ref = store.pages.put(page, "scan.jpg")
        shas.append(ref.sha256)
    with store.sessions.begin() as s:
        seq = next_value(s, f"case_seq:{now:%Y%m%d}")
        case_no = mint_case_no(REGION, now.date(), device_code, seq)
        case_id = str(uuid.uuid4())
        for sha, page in zip(shas, pages):
            if s.get(BlobEntry, sha) is None:
                s.add(BlobEntry(sha256=sha, size=len(page), state="pending"))
        s.add(
            Case(
                id=case_id,
                case_no=case_no,
                matter_code=MATTER_CODE,
                matter_name="个体工商户设立登记",
                catalog_version="2026.11-1",
                applicant_name="王小二",
                applicant_id_type="身份证",
                applicant_id_number=id_number or valid_id(),
                status="accepted_tolerant" if tolerated else "accepted",
                received_at=now,
                promised_by=now.date() + dt.timedelta(days=5),
                clerk="clerk01",
                updated_at=now,
            )
        )
        materials = [protocol.MaterialPayload(code="M01", name="申请人身份证", blobs=shas)]
        if tolerated:
            materials.append(protocol.MaterialPayload(code="M02", name="经营场所证明", status="tolerated"))
        s.add_all(
            Material(
                case_id=case_id,
                position=n,
                code=m.code,
                name=m.name,
                form=m.form,
                copies=m.copies,
                status=m.status,
                pages=list(m.blobs),
            )
            for n, m in enumerate(materials)
        )
        s.flush()
        payload = protocol.CaseAcceptedPayload(
            case_no=case_no,
            matter_code=MATTER_CODE,
            matter_name="个体工商户设立登记",
            catalog_version="2026.11-1",
            applicant=protocol.ApplicantPayload(
                name="王小二", id_number=id_number or valid_id(), phone=phone, address=address
            ),
            agent=agent,
            revision=protocol.PAYLOAD_REVISION if agent else 1,
            materials=materials,
            outcome="accept_tolerant" if tolerated else "accept",
            received_at=now,
            promised_by=now.date() + dt.timedelta(days=5),
            clerk="clerk01",
        )
        append_event(
            s,
            case_id=case_id,
            type_=protocol.CASE_ACCEPTED,
            payload=payload.model_dump(mode="json"),
            clerk="clerk01",
            device_id="",
            now=now,
        )
    return case_id, case_no


class NoPaper:
    """Paperwork stand-in for the counter's services: numbers notices, prints nothing."""

    def numbered_kinds(self, outcome: str) -> tuple[str, ...]:
        return ("acceptance",)

    def issue(self, case_id: str) -> PaperResult:
        return PaperResult(None, False, "")

    def counter_name(self, kind: str, year: int) -> str:
        return f"doc:test-{kind}:{year}"

    def document_number(self, kind: str, year: int, seq: int) -> str:
        return f"测试受字〔{year}〕{seq}号"

    def supplemented(self, case_id: str, with_notice: bool) -> PaperResult:
        return PaperResult(None, False, "")


def _identity(store: Store):
    def identity():
        with store.sessions() as s:
            return load_identity(s)

    return identity


def counter_steps(store: Store) -> tuple[DeliveryService, SupplementService]:
    """The real services a clerk uses for later steps on a case (撤件, 邮寄, 出件, 补正)."""
    return (
        DeliveryService(store, _identity(store), NoPaper()),
        SupplementService(store, lambda: None, _identity(store), NoPaper()),
    )


def counter_intake(store: Store, catalog=None) -> IntakeService:
    """The real intake service on an enrolled store, paper left out."""
    catalog = catalog or load_sample_catalog()
    return IntakeService(store, lambda: catalog, _identity(store), load_builtin_calendar(), NoPaper())


def accept_with_scan(intake: IntakeService, scan: bytes) -> str:
    """Take in 个体工商户设立登记 with every material received, `scan` on the first; the case id."""
    matter = intake.matter(MATTER_CODE)
    pages = intake.store_scanned((scan,), "申请人身份证")
    materials = tuple(
        MaterialInput(spec.code, True, pages if n == 0 else ()) for n, spec in enumerate(matter.materials)
    )
    return intake.accept(
        IntakeDraft(Applicant("王秀英", "身份证", "11010519491231002X"), MATTER_CODE, materials), CLERK
    ).case_id


def page_bytes(size: int, seed: int = 1) -> bytes:
    """Incompressible bytes of a given size (a scan is already compressed)."""
    out, block = bytearray(), hashlib.sha256(str(seed).encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])
