"""Push: idempotent on event_id, one bad event never blocks the batch."""

from __future__ import annotations

import uuid

from server_helpers import (
    accepted_payload,
    case_no_for,
    concurrent_push_scenario,
    make_event,
    one_batch_scenario,
    valid_id,
)

from sync import protocol
from sync.server import admin


def test_same_event_three_times_makes_one_case(enrolled_device):
    event = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(enrolled_device, 1)))
    answers = [enrolled_device.push(event) for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0]["status"] == "acked" and answers[0][0]["server_time"]
    assert len(admin.list_cases(enrolled_device.server.db_url)) == 1
    assert len(enrolled_device.pull()["changes"]) == 1


def test_same_event_twice_in_one_batch(enrolled_device):
    event = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(enrolled_device, 1)))
    first, second = enrolled_device.push(event, event)
    assert first == second
    assert len(admin.list_cases(enrolled_device.server.db_url)) == 1


def test_bad_event_in_the_middle_does_not_block_the_others(enrolled_device):
    bad_id = valid_id()[:-1] + ("0" if valid_id()[-1] != "0" else "1")
    events = [
        make_event(
            protocol.CASE_ACCEPTED,
            str(uuid.uuid4()),
            accepted_payload(case_no_for(enrolled_device, seq), id_number=bad_id if seq == 2 else None),
            seq,
        )
        for seq in (1, 2, 3)
    ]
    results = enrolled_device.push(*events)
    assert [r["status"] for r in results] == ["acked", "rejected", "acked"]
    assert results[1]["code"] == "invalid_id_number"
    assert "身份证号码" in results[1]["reason"] and "校验位" in results[1]["reason"]
    assert [r["event_id"] for r in results] == [e["event_id"] for e in events]
    assert len(admin.list_cases(enrolled_device.server.db_url)) == 2
    # The rejection is stored: a retry gets the same answer.
    assert enrolled_device.push(events[1]) == [results[1]]


def test_unknown_matter_and_unknown_type_are_rejected(enrolled_device):
    unknown_matter = make_event(
        protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(enrolled_device, 1), matter_code="NOPE")
    )
    unknown_type = make_event("case.teleported", str(uuid.uuid4()), {})
    garbage = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), {"case_no": "1"})
    results = enrolled_device.push(unknown_matter, unknown_type, garbage)
    assert [r["code"] for r in results] == ["unknown_matter", "unknown_event_type", "invalid_payload"]
    assert all(r["status"] == "rejected" and r["reason"] for r in results)


def test_case_number_taken_by_another_case_is_rejected(accepted_case):
    device = accepted_case.device
    clash = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(accepted_case.case_no))
    [result] = device.push(clash)
    assert result["status"] == "rejected" and result["code"] == "duplicate_case_no"
    assert "已被其他办件使用" in result["reason"]


def test_case_is_submitted_and_published(accepted_case):
    [change] = accepted_case.device.pull()["changes"]
    assert change["kind"] == protocol.CHANGE_CASE_STATUS
    assert change["case_id"] == accepted_case.case_id and change["case_no"] == accepted_case.case_no
    assert {k: change["data"][k] for k in ("status", "complete")} == {"status": "submitted", "complete": False}
    assert change["data"]["due"]  # the server computes the deadline
    [row] = admin.list_cases(accepted_case.device.server.db_url, status="submitted")
    assert row.case_no == accepted_case.case_no and row.applicant_name == "王小二"


def test_concurrent_pushes_of_one_event_make_one_case(enrolled_device):
    concurrent_push_scenario(enrolled_device)


def test_new_version_of_a_submitted_case_replaces_the_intake_data(accepted_case):
    device = accepted_case.device
    payload = accepted_payload(accepted_case.case_no)
    payload["applicant"]["name"] = "王晓二"
    [result] = device.push(make_event(protocol.CASE_ACCEPTED, accepted_case.case_id, payload, seq=2))
    assert result["status"] == "acked"
    [row] = admin.list_cases(device.server.db_url)
    assert row.applicant_name == "王晓二" and row.complete is True  # version 2 names no scans


def test_one_batch_can_accept_change_and_withdraw_a_case_and_refusals_change_nothing(enrolled_device):
    one_batch_scenario(enrolled_device)
