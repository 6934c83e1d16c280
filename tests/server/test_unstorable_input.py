"""Input the database cannot hold (NUL characters, text longer than its column, integers
beyond INTEGER) is refused as the client's fault, on SQLite and on PostgreSQL: never a
500, never an event answered `retry` for ever. Found by the schemathesis run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import API, accepted_payload, case_no_for, make_event

from sync import protocol
from sync.server import admin
from tests.sync.databases import BACKENDS, server_database


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path: Path) -> Iterator[str]:
    """Overrides the SQLite URL: each test runs on both databases."""
    with server_database(request.param, tmp_path, request) as url:
        yield url


def test_events_that_cannot_be_stored_are_refused_alone(enrolled_device):
    """A device_seq beyond INTEGER made SQLite raise OverflowError; a NUL in a case id made
    PostgreSQL refuse the batch's very first query: each event was answered `retry` for ever."""
    device = enrolled_device
    good = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(device, 1)))
    huge_seq = make_event(
        protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(device, 2)), seq=2**63
    )
    long_name = accepted_payload(case_no_for(device, 3))
    long_name["applicant"]["name"] = "王" * 201
    too_long = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), long_name, seq=3)
    nul_case = make_event(protocol.CASE_ACCEPTED, "case\x00id", accepted_payload(case_no_for(device, 4)), seq=4)
    results = device.push(good, huge_seq, too_long, nul_case)
    assert [(r["status"], r["code"]) for r in results] == [
        ("acked", None),
        ("rejected", "invalid_event"),
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_event"),
    ]
    assert "device_seq" in results[1]["reason"] and "applicant_name" in results[2]["reason"]
    assert [c.case_no for c in admin.list_cases(device.server.db_url)] == [case_no_for(device, 1)]
    assert device.push(huge_seq, too_long) == results[1:3]  # the same answer again


def test_a_nul_or_a_huge_number_in_a_request_is_a_400(enrolled_device):
    """PostgreSQL refused `?window=%00` in the queue's query with a 500; SQLite refused a
    ticket number beyond 64 bits the same way."""
    client, headers = enrolled_device.client, enrolled_device.headers
    nul = client.get(f"{API}/queue/status", params={"window": "\x00"}, headers=headers)
    huge = client.post(f"{API}/queue/tickets/{2**70}/done", json={"window": "3"}, headers=headers)
    for response in (nul, huge):  # whichever database balks answers 400 with a clear message
        assert response.status_code in (200, 400, 404), response.text
        if response.status_code == 400:
            assert response.json()["code"] in ("invalid_value", "bad_window") and response.json()["message"]
    assert 400 in (nul.status_code, huge.status_code)
