"""The back office records every counter outcome, and refuses an event that contradicts itself."""

from __future__ import annotations

import datetime as dt
import uuid

from sync import protocol


def _payload(case_no: str, outcome: str) -> dict:
    return protocol.CaseAcceptedPayload(
        case_no=case_no,
        matter_code="370702-XK-0001",
        matter_name="个体工商户设立登记",
        catalog_version="t",
        applicant=protocol.ApplicantPayload(name="李建国", id_number="34052419800101001X"),
        materials=[],
        received_at=dt.datetime(2026, 11, 20, 9, 0),
        promised_by=dt.date(2026, 11, 25),
        clerk="clerk01",
        outcome=outcome,
    ).model_dump(mode="json")


def _event(case_no: str, type_: str, outcome: str, seq: int) -> dict:
    return protocol.Event(
        event_id=str(uuid.uuid4()),
        device_seq=seq,
        case_id=str(uuid.uuid4()),
        type=type_,
        payload=_payload(case_no, outcome),
        device_time=dt.datetime(2026, 11, 20, 9, 0),
    ).model_dump(mode="json")


def test_outcomes_and_a_contradiction(tmp_path):
    from fastapi.testclient import TestClient

    from sync.server.app import create_app
    from sync.server.demo import ensure_demo

    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    code = ensure_demo(db).enrol_code
    with TestClient(create_app(db, tmp_path / "blobs")) as client:
        enrolled = client.post("/api/v1/enrol", json={"code": code, "device_name": "t"}).json()
        token, device = enrolled["token"], enrolled["device_code"]  # a case number carries its window's code
        auth = {"Authorization": f"Bearer {token}"}
        events = [
            _event(f"37070200000020261120{device}0001", protocol.CASE_NOTIFIED, "notify_missing", 1),
            _event(f"37070200000020261120{device}0002", protocol.CASE_REFUSED, "refuse", 2),
            _event(f"37070200000020261120{device}0003", protocol.CASE_ACCEPTED, "conclude", 3),
            _event(f"37070200000020261120{device}0004", protocol.CASE_ACCEPTED, "refuse", 4),
        ]
        answers = client.post("/api/v1/events", json={"events": events}, headers=auth).json()["results"]
        assert [a["status"] for a in answers] == ["acked", "acked", "acked", "rejected"]
        assert answers[3]["code"] == "invalid_payload" and "不一致" in answers[3]["reason"]
        changes = client.get("/api/v1/changes", params={"cursor": 0}, headers=auth).json()["changes"]
        statuses = {c["case_no"]: c["data"]["status"] for c in changes if c["kind"] == protocol.CHANGE_CASE_STATUS}
        assert statuses == {
            f"37070200000020261120{device}0001": "pending_supplement",
            f"37070200000020261120{device}0002": "refused",
            f"37070200000020261120{device}0003": "concluded",
        }
