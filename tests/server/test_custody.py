"""原件持有 on the back office: hand-overs of a proxy case's originals, in whatever order they arrive."""

from __future__ import annotations

import datetime as dt
import uuid

from server_helpers import accepted_payload, case_no_for, enrol, make_event

from sync import protocol
from sync.server import admin
from sync.server.demo import ensure_demo

SLIP = "LZTEST20261122001"


def proxy_payload(case_no: str) -> dict:
    return {
        **accepted_payload(case_no),
        "proxy": {
            "agent_username": "worker02",
            "agent_name": "刘社工",
            "relation": "帮办代办",
            "station": "东村便民服务站",
            "forward_to": "潍坊市潍城区行政审批服务局",
            "forward_level": "county",
            "slip_no": SLIP,
        },
    }


def hand_over(kind: str, case_id: str, case_no: str, slip_no: str = SLIP, seq: int = 2) -> dict:
    return make_event(
        kind,
        case_id,
        {
            "case_no": case_no,
            "slip_no": slip_no,
            "clerk": "someone",
            "at": dt.datetime.now().replace(microsecond=0).isoformat(),
            "office": "某窗口",
        },
        seq,
    )


def custody_of(server, case_no: str) -> str | None:
    return next(c.custody for c in admin.list_cases(server.db_url) if c.case_no == case_no)


def test_the_hall_may_scan_before_the_station_syncs_and_custody_still_ends_at_the_hall(fresh_server):
    village_code = ensure_demo(fresh_server.db_url).village_enrol_code
    station = enrol(fresh_server.client, fresh_server, village_code, "东村服务站")
    hall = enrol(fresh_server.client, fresh_server, fresh_server.demo.enrol_code, "县1号窗口")
    case_id, case_no = str(uuid.uuid4()), case_no_for(station, 1)

    [early] = hall.push(hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no))
    assert early["status"] == "acked"  # kept: the station's case is still on its way
    [accepted] = station.push(make_event(protocol.CASE_ACCEPTED, case_id, proxy_payload(case_no)))
    assert accepted["status"] == "acked"
    assert custody_of(fresh_server, case_no) == "hall"
    # The station's own dispatch comes in last; custody never moves back.
    [late] = station.push(hand_over(protocol.ORIGINALS_DISPATCHED, case_id, case_no, seq=3))
    assert late["status"] == "acked" and custody_of(fresh_server, case_no) == "hall"
    changes = [c for c in station.pull(0)["changes"] if c["kind"] == protocol.CHANGE_CUSTODY]
    assert [c["data"]["holder"] for c in changes] == ["hall"] and changes[0]["case_id"] == case_id


def test_hand_overs_follow_the_slip_and_the_org_tree(fresh_server):
    village_code = ensure_demo(fresh_server.db_url).village_enrol_code
    station = enrol(fresh_server.client, fresh_server, village_code, "东村服务站")
    hall = enrol(fresh_server.client, fresh_server, fresh_server.demo.enrol_code, "县1号窗口")
    case_id, case_no = str(uuid.uuid4()), case_no_for(station, 1)
    station.push(make_event(protocol.CASE_ACCEPTED, case_id, proxy_payload(case_no)))
    assert custody_of(fresh_server, case_no) == "station"

    [by_hall] = hall.push(hand_over(protocol.ORIGINALS_DISPATCHED, case_id, case_no))
    assert (by_hall["status"], by_hall["code"]) == ("rejected", "not_station")
    [wrong_slip] = hall.push(hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no, slip_no="LZOTHER"))
    assert wrong_slip["code"] == "slip_conflict"
    [sent] = station.push(hand_over(protocol.ORIGINALS_DISPATCHED, case_id, case_no))
    assert sent["status"] == "acked" and custody_of(fresh_server, case_no) == "in_transit"
    [received] = hall.push(hand_over(protocol.ORIGINALS_RECEIVED, case_id, case_no, seq=3))
    assert received["status"] == "acked" and custody_of(fresh_server, case_no) == "hall"
    holders = [c["data"]["holder"] for c in station.pull(0)["changes"] if c["kind"] == protocol.CHANGE_CUSTODY]
    assert holders == ["station", "in_transit", "hall"]
    assert [c for c in hall.pull(0)["changes"] if c["kind"] == protocol.CHANGE_CUSTODY] == []  # the station's feed
