"""Put a window's store in a state: enrolled, with accepted cases queued for the back office.

Cases are written the way intake writes them (case row, materials' pages, journal event
and outbox entry in one transaction) without the intake screen's rules.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from client.domain.case_numbers import mint_case_no
from client.domain.identity import id_check_char
from client.store.db import Store
from client.store.journal import append_event, next_value
from client.store.models import BlobEntry, Case
from client.store.settings import DeviceIdentity, save_identity
from sync import protocol
from sync.api import BackOfficeApi

REGION = "370702000000"
MATTER_CODE = "370702-XK-0001"


def valid_id(first17: str = "37070219850312001") -> str:
    return first17 + id_check_char(first17)


def enrol_store(store: Store, server_url: str, code: str) -> tuple[str, str]:
    answer = BackOfficeApi(server_url).enrol(code, "测试窗口")
    with store.sessions.begin() as s:
        save_identity(s, DeviceIdentity(answer.device_id, answer.device_code, answer.org_unit.code,
                                        answer.org_unit.name, answer.org_unit.region_code, server_url))
    return answer.token, answer.device_code


def queue_case(store: Store, device_code: str, *, pages: tuple[bytes, ...] = (), id_number: str | None = None,
               device_time: dt.datetime | None = None) -> tuple[str, str]:
    """One accepted case with its event queued; returns (case_id, case_no)."""
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
        s.add(Case(id=case_id, case_no=case_no, matter_code=MATTER_CODE, matter_name="个体工商户设立登记",
                   catalog_version="2026.11-1", applicant_name="王小二", applicant_id_type="身份证",
                   applicant_id_number=id_number or valid_id(), status="accepted", received_at=now,
                   promised_by=now.date() + dt.timedelta(days=5), clerk="clerk01", updated_at=now))
        s.flush()
        payload = protocol.CaseAcceptedPayload(
            case_no=case_no, matter_code=MATTER_CODE, matter_name="个体工商户设立登记",
            catalog_version="2026.11-1",
            applicant=protocol.ApplicantPayload(name="王小二", id_number=id_number or valid_id()),
            materials=[protocol.MaterialPayload(code="M01", name="申请人身份证", blobs=shas)],
            received_at=now, promised_by=now.date() + dt.timedelta(days=5), clerk="clerk01")
        append_event(s, case_id=case_id, type_=protocol.CASE_ACCEPTED, payload=payload.model_dump(mode="json"),
                     clerk="clerk01", device_id="", now=now)
    return case_id, case_no


def page_bytes(size: int, seed: int = 1) -> bytes:
    """Incompressible bytes of a given size (a scan is already compressed)."""
    out, block = bytearray(), hashlib.sha256(str(seed).encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])
