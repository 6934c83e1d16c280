"""Issue #19 point 10 (the log part): the server log never records rejected field values.

A window pushes intakes the server refuses: an ID number of the wrong type, one with a
wrong check digit, an applicant without an ID number (pydantic's own message would quote
the whole applicant, name included), and a push whose envelope fails validation. The
server's log, captured at DEBUG from every logger, must hold neither the ID number nor the
name, while still saying what was wrong (field paths and error types).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
import requests

from client.domain.case_numbers import mint_case_no
from sync import protocol
from tests.server.server_helpers import accepted_payload
from tests.sync import conftest as sync_fixtures
from tests.sync.conftest import RunningBackOffice

API = protocol.API
# The back office per backend (SQLite, PostgreSQL) of the fault tests.
backend = sync_fixtures.backend
running_back_office = sync_fixtures.running_back_office
NAME = "欧阳秘密"
ID_NUMBER = "370702198503120010"  # wrong check digit (the right one is 9)


def event(case_id: str, payload: dict, seq: int, **envelope) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "device_seq": seq,
        "case_id": case_id,
        "type": protocol.CASE_ACCEPTED,
        "payload": payload,
        "device_time": dt.datetime.now(protocol.CST).isoformat(),
        **envelope,
    }


def test_rejected_values_stay_out_of_the_server_log(
    running_back_office: RunningBackOffice, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    enrolled = requests.post(
        f"{running_back_office.url}{API}/enrol",
        json={"code": running_back_office.enrol_code, "device_name": "安全测试"},
        timeout=30,
    ).json()
    headers = {"Authorization": f"Bearer {enrolled['token']}"}

    def payload(seq: int, applicant: dict) -> dict:
        region, code = enrolled["org_unit"]["region_code"], enrolled["device_code"]
        body = accepted_payload(mint_case_no(region, dt.date.today(), code, seq))
        body["applicant"] = applicant
        return body

    events = [
        event(str(uuid.uuid4()), payload(1, {"name": NAME, "id_number": int(ID_NUMBER)}), 1),  # wrong type
        event(str(uuid.uuid4()), payload(2, {"name": NAME, "id_number": ID_NUMBER}), 2),  # wrong check digit
        event(str(uuid.uuid4()), payload(3, {"name": NAME}), 3),  # no ID number
        event(str(uuid.uuid4()), {"case_no": 1, "recipient_name": NAME, "recipient_id_number": ID_NUMBER}, 4),
    ]
    events[3]["type"] = protocol.CASE_DELIVERED
    response = requests.post(f"{running_back_office.url}{API}/events", json={"events": events}, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4, results

    # A push the request validation refuses, the values in the envelope.
    invalid = requests.post(
        f"{running_back_office.url}{API}/events",
        json={"events": [{**event(NAME, {}, 5), "device_seq": f"号{ID_NUMBER}", "device_time": NAME}]},
        headers=headers,
    )
    assert invalid.status_code == 422, invalid.text

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "invalid request" in logged and "payload" in logged, "the refusals were not logged at all"
    assert NAME not in logged
    assert ID_NUMBER not in logged
    assert ID_NUMBER[:14] not in logged  # nor a shortened or reformatted ID number
