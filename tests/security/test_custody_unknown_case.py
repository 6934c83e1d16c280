"""Issue #19, point 4: a hand-over of originals for a case the back office does not have yet.

Before the fix such an event was acked on its word and applied when the case arrived, so
any window could move a proxy case's originals "to the hall". Now it is held, checked when
the case arrives, and refused then if the sender could not have made it: stored as
rejected, logged with codes and ids, and its window told in its own feed. The attacks run
over real HTTP against a real back office (SQLite and PostgreSQL) with windows enrolled in
the station's own unit, its county hall and an unrelated county.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sync import protocol
from sync.server import admin
from sync.server.demo import DEMO_VILLAGE_CODE
from tests.security import test_case_ownership
from tests.security.test_case_ownership import OTHER_ORG, BackOffice, Window, enrol, intake, stored_event
from tests.server.server_helpers import make_event

SLIP = "LZ370702101201-0001"
back_office = test_case_ownership.back_office  # the same real back office (a fixture)


def proxy_intake(case_id: str, case_no: str) -> dict:
    event = intake(case_no, case_id=case_id)
    event["payload"]["proxy"] = {
        "agent_username": "worker02",
        "agent_name": "刘社工",
        "relation": "帮办代办",
        "station": "东村便民服务站",
        "forward_to": "潍坊市潍城区行政审批服务局",
        "forward_level": "county",
        "slip_no": SLIP,
    }
    return event


def hand_over(kind: str, case_id: str, case_no: str, seq: int = 2) -> dict:
    at = dt.datetime.now(protocol.CST).replace(microsecond=0).isoformat()
    payload = {"case_no": case_no, "slip_no": SLIP, "clerk": "clerk01", "at": at, "office": "窗口"}
    return make_event(kind, case_id, payload, seq)


def custody(office: BackOffice, case_no: str) -> str | None:
    return next(c.custody for c in admin.list_cases(office.db_url) if c.case_no == case_no)


def holders(window: Window) -> list[str]:
    return [c["data"]["holder"] for c in window.pull() if c["kind"] == protocol.CHANGE_CUSTODY]


def outcomes(window: Window) -> list[dict]:
    return [c["data"] for c in window.pull() if c["kind"] == protocol.CHANGE_EVENT_OUTCOME]


def units(office: BackOffice) -> tuple[Window, Window, Window]:
    """The village station, its county hall, and a hall of an unrelated county (with a town
    below it, so that it could receive originals from a station of its own)."""
    station = enrol(office, office.village_code, "东村服务站")
    hall = enrol(office, office.demo_code, "潍城1号窗口")
    intruder = enrol(office, admin.issue_enrol_code(office.db_url, OTHER_ORG), "寒亭1号窗口")
    return station, hall, intruder


def test_a_scan_held_for_an_unknown_case_from_an_unrelated_unit_is_refused_when_the_case_comes(back_office, caplog):
    caplog.set_level(logging.INFO, logger="sync.server")
    station, hall, intruder = units(back_office)
    case_id, case_no = str(uuid.uuid4()), station.case_no(1)

    early = hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no)
    [held] = intruder.push(early)
    assert (held["status"], held["code"]) == ("acked", "held_for_case")  # the window need not send it again
    assert stored_event(back_office, early["event_id"]) == ("held", "held_for_case")

    [accepted] = station.push(proxy_intake(case_id, case_no))
    assert accepted["status"] == "acked"
    # Checked on arrival: refused, stored so, and never applied.
    assert stored_event(back_office, early["event_id"]) == ("rejected", "not_competent")
    assert custody(back_office, case_no) == "station" and holders(station) == ["station"]
    [replayed] = intruder.push(early)  # a retry gets the stored, final answer
    assert (replayed["event_id"], replayed["status"], replayed["code"]) == (
        early["event_id"],
        "rejected",
        "not_competent",
    )
    [told] = outcomes(intruder)
    assert (told["event_id"], told["status"], told["code"]) == (early["event_id"], "rejected", "not_competent")
    assert outcomes(station) == [] and outcomes(hall) == []
    [line] = [
        r.getMessage() for r in caplog.records if early["event_id"] in r.getMessage() and "rejected" in r.getMessage()
    ]
    assert "not_competent" in line and intruder.device_id in line and case_id in line
    assert "王小二" not in caplog.text and "刘社工" not in caplog.text  # codes and ids, no personal data

    # The station's and the hall's real hand-overs still go through.
    [sent] = station.push(hand_over(protocol.ORIGINALS_DISPATCHED, case_id, case_no, seq=2))
    [received] = hall.push(hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no, seq=1))
    assert (sent["status"], received["status"]) == ("acked", "acked")
    assert custody(back_office, case_no) == "hall" and holders(station) == ["station", "in_transit", "hall"]


def test_the_halls_own_early_scan_is_applied_and_a_foreign_one_beside_it_is_not(back_office):
    station, hall, intruder = units(back_office)
    case_id, case_no = str(uuid.uuid4()), station.case_no(1)
    by_hall = hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no, seq=1)
    by_intruder = hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no, seq=1)
    assert hall.push(by_hall)[0]["code"] == intruder.push(by_intruder)[0]["code"] == "held_for_case"

    assert station.push(proxy_intake(case_id, case_no))[0]["status"] == "acked"
    assert stored_event(back_office, by_hall["event_id"]) == ("acked", None)
    assert stored_event(back_office, by_intruder["event_id"]) == ("rejected", "not_competent")
    assert custody(back_office, case_no) == "hall" and holders(station) == ["hall"]
    assert outcomes(hall) == [] and [o["event_id"] for o in outcomes(intruder)] == [by_intruder["event_id"]]


def test_a_second_window_of_the_station_cannot_hand_over_a_case_it_did_not_take_in(back_office):
    station, hall, _intruder = units(back_office)
    neighbour = enrol(back_office, admin.issue_enrol_code(back_office.db_url, DEMO_VILLAGE_CODE), "东村2号机")
    case_id, case_no = str(uuid.uuid4()), station.case_no(1)

    # Before the case is here: a unit with nothing below it can never receive; a dispatch needs the case.
    early = [
        hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no, seq=1),
        hand_over(protocol.ORIGINALS_DISPATCHED, case_id, case_no, seq=2),
    ]
    answers = neighbour.push(*early)
    assert [(a["status"], a["code"]) for a in answers] == [("rejected", "not_competent"), ("rejected", "unknown_case")]

    assert station.push(proxy_intake(case_id, case_no))[0]["status"] == "acked"
    [after] = neighbour.push(hand_over(protocol.ORIGINALS_DISPATCHED, case_id, case_no, seq=3))
    assert (after["status"], after["code"]) == ("rejected", "case_not_yours")
    assert custody(back_office, case_no) == "station"

    # The station's own dispatch and the hall's receipt still go through.
    assert station.push(hand_over(protocol.ORIGINALS_DISPATCHED, case_id, case_no))[0]["status"] == "acked"
    assert hall.push(hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no, seq=1))[0]["status"] == "acked"
    assert custody(back_office, case_no) == "hall"
