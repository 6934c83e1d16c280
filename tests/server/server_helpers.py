"""Shared helpers for the server tests: wire-format builders and small test clients."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from client.domain.case_numbers import mint_case_no
from client.domain.identity import id_check_char
from sync import protocol
from sync.server import admin
from sync.server.auth import DeviceIdentity
from sync.server.demo import DemoInfo
from sync.server.events import push_event

API = protocol.API
MATTER_CODE = "370702-XK-0001"  # 个体工商户设立登记 -> 营业执照
REGION = "370702000000"


def valid_id(first17: str = "37070219850312001") -> str:
    return first17 + id_check_char(first17)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Server:
    client: TestClient
    db_url: str
    blob_dir: Path
    demo: DemoInfo


@dataclass(frozen=True)
class EnrolledDevice:
    server: Server
    device_id: str
    device_code: str
    token: str
    region_code: str = REGION  # the region of the device's org unit: its case numbers carry it

    @property
    def client(self) -> TestClient:
        return self.server.client

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def push(self, *events: dict) -> list[dict]:
        response = self.client.post(f"{API}/events", json={"events": list(events)}, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def pull(self, cursor: int = 0, **params) -> dict:
        response = self.client.get(f"{API}/changes", params={"cursor": cursor, **params}, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def put_blob(self, digest: str, data: bytes, offset: int, total: int):
        return self.client.put(
            f"{API}/blobs/{digest}",
            params={"offset": offset},
            content=data,
            headers={**self.headers, "X-Blob-Length": str(total)},
        )

    def head_blob(self, digest: str):
        return self.client.head(f"{API}/blobs/{digest}", headers=self.headers)


@dataclass(frozen=True)
class AcceptedCase:
    device: EnrolledDevice
    case_id: str
    case_no: str
    blobs: dict[str, bytes]


def make_event(event_type: str, case_id: str, payload: dict, seq: int = 1) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "device_seq": seq,
        "case_id": case_id,
        "type": event_type,
        "payload": payload,
        "device_time": dt.datetime.now(protocol.CST).isoformat(),  # a counter's clock: China time, with its offset
    }


def accepted_payload(
    case_no: str, blobs: list[str] = (), *, id_number: str | None = None, matter_code: str = MATTER_CODE
) -> dict:
    return {
        "case_no": case_no,
        "matter_code": matter_code,
        "matter_name": "个体工商户设立登记",
        "catalog_version": "2026.11-1",
        "applicant": {"name": "王小二", "id_number": id_number or valid_id()},
        "materials": [
            {"code": "M01", "name": "申请人身份证", "blobs": list(blobs)},
            {"code": "M02", "name": "个体工商户登记（备案）申请书"},
        ],
        "received_at": dt.datetime.now(protocol.CST).isoformat(),
        "promised_by": (dt.date.today() + dt.timedelta(days=5)).isoformat(),
        "clerk": "clerk01",
    }


def delivered_payload(case_no: str) -> dict:
    return {
        "case_no": case_no,
        "delivered_at": dt.datetime.now(dt.UTC).isoformat(),
        "recipient_name": "王小二",
        "recipient_id_number": valid_id(),
        "clerk": "clerk01",
    }


def case_no_for(device: EnrolledDevice, seq: int) -> str:
    return mint_case_no(device.region_code, dt.date.today(), device.device_code, seq)


def enrol(client: TestClient, server: Server, code: str, name: str = "一号窗口") -> EnrolledDevice:
    response = client.post(f"{API}/enrol", json={"code": code, "device_name": name})
    assert response.status_code == 200, response.text
    body = protocol.EnrolResponse.model_validate(response.json())
    return EnrolledDevice(server, body.device_id, body.device_code, body.token, body.org_unit.region_code or REGION)


def concurrent_push_scenario(device: EnrolledDevice) -> None:
    """Two senders at once: one case per event, one answer, a gap-free ordered feed."""
    ctx = device.client.app.state.ctx
    identity = DeviceIdentity(device.device_id, device.device_code, "一号窗口", "370702")

    def event(seq: int) -> protocol.Event:
        return protocol.Event.model_validate(
            make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(device, seq)), seq)
        )

    same, others = event(1), [event(n) for n in range(2, 8)]
    with ThreadPoolExecutor(8) as pool:
        repeats = list(pool.map(lambda _: push_event(ctx, identity, same), range(8)))
        different = list(pool.map(lambda e: push_event(ctx, identity, e), others))
    assert len({r.model_dump_json() for r in repeats}) == 1 and repeats[0].status == "acked"
    assert all(r.status == "acked" for r in different)
    assert len(admin.list_cases(device.server.db_url)) == 7
    seqs = [c["seq"] for c in device.pull(0)["changes"]]
    assert seqs == list(range(seqs[0], seqs[0] + 7))


def one_batch_scenario(device: EnrolledDevice) -> None:
    """One batch accepts a case, replaces its data, withdraws it; the refused events in
    between change nothing, and the feed and the expected scans follow the acked ones."""
    case_id, case_no = str(uuid.uuid4()), case_no_for(device, 1)
    first_scan, second_scan = b"first scan" * 100, b"second scan" * 100
    version_2 = accepted_payload(case_no, [sha(second_scan)])
    version_2["applicant"]["name"] = "王晓二"
    bad_version = accepted_payload(case_no, id_number=valid_id()[:-1] + ("0" if valid_id()[-1] != "0" else "1"))
    now = dt.datetime.now(dt.UTC).isoformat()
    withdrawn = {"case_no": case_no, "withdrawn_at": now, "reason": "申请人撤回申请", "clerk": "clerk01"}
    events = [
        make_event(protocol.CASE_ACCEPTED, case_id, accepted_payload(case_no, [sha(first_scan)]), 1),
        make_event(protocol.CASE_ACCEPTED, case_id, version_2, 2),
        make_event(protocol.CASE_ACCEPTED, case_id, bad_version, 3),
        make_event(protocol.CASE_WITHDRAWN, case_id, withdrawn, 4),
        make_event(protocol.CASE_DELIVERED, case_id, delivered_payload(case_no), 5),
    ]
    results = device.push(*events)
    assert [r["status"] for r in results] == ["acked", "acked", "rejected", "acked", "rejected"]
    assert [results[2]["code"], results[4]["code"]] == ["invalid_id_number", "illegal_transition"]
    [row] = admin.list_cases(device.server.db_url)
    assert (row.applicant_name, row.status, row.complete) == ("王晓二", "withdrawn", False)
    changes = device.pull()["changes"]
    assert [c["data"]["status"] for c in changes] == ["submitted", "submitted", "withdrawn"]
    assert [c["seq"] for c in changes] == list(range(changes[0]["seq"], changes[0]["seq"] + 3))
    # Only version 2's scan is expected: the first one no longer counts for the case.
    assert device.put_blob(sha(first_scan), first_scan, 0, len(first_scan)).status_code == 200
    assert admin.list_cases(device.server.db_url)[0].complete is False
    assert device.put_blob(sha(second_scan), second_scan, 0, len(second_scan)).status_code == 200
    assert admin.list_cases(device.server.db_url)[0].complete is True
    # The whole batch again: every answer is the stored one, nothing is applied twice.
    assert device.push(*events) == results
    assert len(device.pull()["changes"]) == 4  # the three above and the completion
