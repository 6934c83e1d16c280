"""Outreach runs in the back office: planning rules, who may load a run, and how the
bus's outreach.visited / outreach.missed events are checked and applied."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from server_helpers import accepted_payload, case_no_for, enrol, make_event

from sync import protocol
from sync.server import admin, outreach
from sync.server.admin import AdminError

API = protocol.API
DAY = dt.date(2026, 11, 28)


@pytest.fixture
def planned_run(fresh_server):
    """A run of the demo org unit with two appointments."""
    db = fresh_server.db_url
    run = outreach.plan_run(db, "370702", DAY, "370702103000", ["clerk01"], area_name="乐埠山生态发展区")
    for name in ("王秀英", "李建国"):
        outreach.add_appointment(db, run.id[:8], name=name, address="乐埠山东村3排5号", matter_code="370702-GG-0038")
    return outreach.show_run(db, run.id)


def _visited(run, appt, case_no, outcome="concluded", signature=""):
    return {
        "run_id": run.id,
        "appointment_id": appt.id,
        "case_no": case_no,
        "outcome": outcome,
        "visited_at": dt.datetime.now(dt.UTC).isoformat(),
        "clerk": "clerk01",
        "signature": signature,
    }


def _missed(run, appt, code="not_home", reason=""):
    return {
        "run_id": run.id,
        "appointment_id": appt.id,
        "reason_code": code,
        "reason": reason,
        "visited_at": dt.datetime.now(dt.UTC).isoformat(),
        "clerk": "clerk01",
    }


def test_planning_refuses_what_the_bus_could_not_use(fresh_server, planned_run):
    db = fresh_server.db_url
    with pytest.raises(AdminError, match="不在事项清单中"):
        outreach.add_appointment(db, planned_run.id, name="王秀英", address="乐埠山东村", matter_code="X-1")
    with pytest.raises(AdminError, match="身份证号码有误"):
        outreach.add_appointment(
            db, planned_run.id, name="王秀英", address="乐埠山东村", id_number="123", matter_code="370702-GG-0038"
        )
    with pytest.raises(AdminError, match="12位区划代码"):
        outreach.plan_run(db, "370702", DAY, "nowhere", ["clerk01"])
    with pytest.raises(AdminError, match="用户 nobody 不存在"):
        outreach.plan_run(db, "370702", DAY, "370702103000", ["nobody"], area_name="乐埠山")
    with pytest.raises(AdminError, match="没有找到直通车行程"):
        outreach.show_run(db, "ffffffff")
    assert [a.position for a in planned_run.appointments] == [1, 2]
    assert planned_run.appointments[0].matter_name == "城乡居民基本养老保险参保登记"


def test_a_device_loads_its_own_unit_s_runs_and_those_below(fresh_server, enrolled_device, planned_run):
    client = fresh_server.client
    runs = client.get(f"{API}/outreach/runs", params={"date": DAY.isoformat()}, headers=enrolled_device.headers)
    assert runs.status_code == 200
    assert [r["id"] for r in runs.json()["runs"]] == [planned_run.id]
    assert client.get(
        f"{API}/outreach/runs", params={"date": "2026-11-29"}, headers=enrolled_device.headers
    ).json() == {"runs": []}
    # A bus unit below the hall: the hall's laptop loads its runs; the bus unit's laptop not the hall's.
    db = fresh_server.db_url
    admin.create_org_unit(db, "370702B", "潍城区政务服务直通车", "370702000000", level="town", parent_code="370702")
    bus_run = outreach.plan_run(db, "370702B", DAY, "370702103000", ["clerk01"], area_name="西村")
    ids = [
        r["id"]
        for r in client.get(
            f"{API}/outreach/runs", params={"date": DAY.isoformat()}, headers=enrolled_device.headers
        ).json()["runs"]
    ]
    assert ids == [planned_run.id, bus_run.id]
    bus_laptop = enrol(client, fresh_server, admin.issue_enrol_code(db, "370702B"), "直通车笔记本")
    assert client.get(f"{API}/outreach/runs/{planned_run.id}", headers=bus_laptop.headers).status_code == 404
    assert client.get(f"{API}/outreach/runs/{bus_run.id}", headers=bus_laptop.headers).status_code == 200
    assert client.get(f"{API}/outreach/runs", params={"date": DAY.isoformat()}).status_code == 401


def test_visits_and_missed_visits_are_checked_then_recorded(fresh_server, enrolled_device, planned_run):
    first, second = planned_run.appointments
    case_id, case_no = str(uuid.uuid4()), case_no_for(enrolled_device, 1)
    answers = enrolled_device.push(
        make_event(protocol.OUTREACH_VISITED, case_id, _visited(planned_run, first, case_no), 1),  # no case yet
        make_event(
            protocol.CASE_ACCEPTED,
            case_id,
            {**accepted_payload(case_no, matter_code="370702-GG-0038"), "outcome": "conclude"},
            2,
        ),
        make_event(protocol.OUTREACH_VISITED, case_id, _visited(planned_run, first, case_no), 3),
        make_event(protocol.OUTREACH_MISSED, first.id, _missed(planned_run, first), 4),  # already visited
        make_event(protocol.OUTREACH_MISSED, second.id, _missed(planned_run, second, "other"), 5),  # no reason
        make_event(protocol.OUTREACH_MISSED, second.id, _missed(planned_run, second, "rescheduled", "改约28日"), 6),
        make_event(
            protocol.OUTREACH_MISSED, str(uuid.uuid4()), {**_missed(planned_run, second), "appointment_id": "\x00"}, 7
        ),
    )
    assert [(a["status"], a["code"]) for a in answers] == [
        ("rejected", "unknown_case"),
        ("acked", None),
        ("acked", None),
        ("rejected", "appointment_done"),
        ("rejected", "invalid_payload"),
        ("acked", None),
        ("rejected", "invalid_event"),  # a NUL no database can hold: refused before it is looked up
    ]
    run = outreach.show_run(fresh_server.db_url, planned_run.id)
    assert [(a.outcome, a.case_no, a.reason_code, a.reason) for a in run.appointments] == [
        ("concluded", case_no, "", ""),
        ("missed", None, "rescheduled", "改约28日"),
    ]
    tally = outreach.tally(run)
    assert (tally.concluded, tally.collected, tally.missed, tally.open) == (1, 0, 1, 0)
