"""The same push / pull / decide scenario against a real PostgreSQL.

On the session's PostgreSQL (ONEWINDOW_TEST_PG_URL, or a throw-away cluster started for
the first test that needs it); each test works in a schema that is dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from server_helpers import (
    accepted_payload,
    case_no_for,
    concurrent_push_scenario,
    delivered_payload,
    enrol,
    make_event,
    one_batch_scenario,
    valid_id,
)

from sync import protocol
from sync.server import admin
from tests.sync.databases import pg_schema_url


@pytest.fixture
def db_url(postgres_url) -> Iterator[str]:
    """Overrides the SQLite URL: every server fixture then runs on PostgreSQL."""
    with pg_schema_url(postgres_url) as url:
        yield url


def test_push_pull_decide_deliver(enrolled_device, blob_pages):
    device, db = enrolled_device, enrolled_device.server.db_url
    assert db.startswith("postgresql")
    case_id = str(uuid.uuid4())
    case_no = case_no_for(device, 1)
    accepted = make_event(protocol.CASE_ACCEPTED, case_id, accepted_payload(case_no, list(blob_pages)))
    answers = [device.push(accepted) for _ in range(3)]
    assert answers[0] == answers[1] == answers[2] and answers[0][0]["status"] == "acked"

    bad = make_event(
        protocol.CASE_ACCEPTED,
        str(uuid.uuid4()),
        accepted_payload(case_no_for(device, 2), id_number=valid_id()[:-1] + "Y"),
    )
    good = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(device, 3)))
    early = make_event(protocol.CASE_DELIVERED, case_id, delivered_payload(case_no))
    results = device.push(bad, good, early)
    assert [r["status"] for r in results] == ["rejected", "acked", "rejected"]
    assert [r["code"] for r in results] == ["invalid_id_number", None, "illegal_transition"]

    for digest, data in blob_pages.items():
        half = len(data) // 2
        device.put_blob(digest, data[:half], 0, len(data))
        head = device.head_blob(digest)
        offset = int(head.headers["X-Blob-Size"])
        assert device.put_blob(digest, data[offset:], offset, len(data)).json()["complete"] is True

    decision = admin.decide(db, case_no, "approve", by="approver01")
    assert decision.result_name == "营业执照"
    [delivered] = device.push(make_event(protocol.CASE_DELIVERED, case_id, delivered_payload(case_no)))
    assert delivered["status"] == "acked"

    feed = device.pull(0)
    mine = [c["data"] for c in feed["changes"] if c["case_id"] == case_id]
    assert [(d["status"], d["complete"]) for d in mine] == [
        ("submitted", False),
        ("submitted", True),
        ("approved", True),
        ("delivered", True),
    ]
    seqs = [c["seq"] for c in feed["changes"]]
    assert seqs == sorted(seqs)

    admin.create_org_unit(db, "370703", "潍坊市寒亭区政务服务中心", "370703000000")
    other = enrol(device.client, device.server, admin.issue_enrol_code(db, "370703"))
    assert other.pull(0)["changes"] == []


def test_concurrent_pushes_of_one_event_make_one_case(enrolled_device):
    concurrent_push_scenario(enrolled_device)


def test_one_batch_accepts_changes_and_withdraws_a_case(enrolled_device):
    one_batch_scenario(enrolled_device)
