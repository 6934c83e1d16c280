"""Every read of cases is scoped to the device's org unit; a hall configured with
`onewindow-server org-set CODE --sees-subunits` also sees the units below it, in the
change feed and in a restore. A town never sees its county's or a sibling's cases."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from server_helpers import API, Server, accepted_payload, case_no_for, enrol, make_event

from sync import protocol
from sync.server import admin, cli
from sync.server.app import create_app
from sync.server.demo import ensure_demo
from tests.sync.databases import BACKENDS, server_database

COUNTY, TOWN, SIBLING, VILLAGE = "370702", "370702001", "370702002", "370702001001"


@pytest.fixture(params=BACKENDS)
def county_with_towns(request, tmp_path):
    """The demo county hall, two towns below it and a village below the first town, each
    with an enrolled window that has taken in one case."""
    with server_database(request.param, tmp_path / "db", request) as db_url:
        demo = ensure_demo(db_url)
        admin.create_org_unit(db_url, TOWN, "城关街道便民服务中心", "370702001000", level="town", parent_code=COUNTY)
        admin.create_org_unit(db_url, SIBLING, "于河街道便民服务中心", "370702002000", level="town", parent_code=COUNTY)
        admin.create_org_unit(db_url, VILLAGE, "东关村便民服务站", "370702001001", level="village", parent_code=TOWN)
        with TestClient(create_app(db_url, tmp_path / "blobs")) as client:
            server = Server(client, db_url, tmp_path / "blobs", demo)
            devices, cases = {}, {}
            for org in (COUNTY, TOWN, SIBLING, VILLAGE):
                code = demo.enrol_code if org == COUNTY else admin.issue_enrol_code(db_url, org)
                device = enrol(client, server, code, f"{org}窗口")
                case_no = case_no_for(device, 1)
                [answer] = device.push(make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no)))
                assert answer["status"] == "acked"
                devices[org], cases[org] = device, case_no
            yield db_url, devices, cases


def _seen(device) -> tuple[set[str], set[str]]:
    """Case numbers in the device's feed from 0, and in its restore."""
    pulled = {c["case_no"] for c in device.pull(0)["changes"] if c["kind"] == protocol.CHANGE_CASE_STATUS}
    response = device.client.get(f"{API}/cases/restore", headers=device.headers)
    assert response.status_code == 200, response.text
    restored = {c["case_no"] for c in response.json()["cases"]}
    return pulled, restored


def _org_set(db_url: str, *args: str, capsys) -> tuple[int, str]:
    code = cli.main(["org-set", "--db", db_url, *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_each_unit_sees_only_its_own_cases_by_default(county_with_towns):
    _db, devices, cases = county_with_towns
    for org, device in devices.items():
        assert _seen(device) == ({cases[org]}, {cases[org]}), org


def test_a_county_hall_configured_so_sees_the_units_below_it(county_with_towns, capsys):
    db_url, devices, cases = county_with_towns
    code, out = _org_set(db_url, COUNTY, "--sees-subunits", capsys=capsys)
    listed = out.split("：", 1)[1].split("\n", 1)[0].split("、")  # the demo's own village station is there too
    assert code == 0 and {COUNTY, TOWN, SIBLING, VILLAGE} <= set(listed) and listed[0] == COUNTY
    everything = set(cases.values())
    assert _seen(devices[COUNTY]) == (everything, everything)
    for org in (TOWN, SIBLING, VILLAGE):  # the towns still see only their own
        assert _seen(devices[org]) == ({cases[org]}, {cases[org]}), org

    code, _ = _org_set(db_url, TOWN, "--sees-subunits", capsys=capsys)
    assert code == 0
    town = {cases[TOWN], cases[VILLAGE]}
    assert _seen(devices[TOWN]) == (town, town)  # its village, never the county or the sibling town

    code, out = _org_set(db_url, COUNTY, "--own-only", capsys=capsys)
    assert code == 0 and "只查看本机构" in out
    assert _seen(devices[COUNTY]) == ({cases[COUNTY]}, {cases[COUNTY]})


def test_writes_stay_with_the_unit_that_took_the_case_in(county_with_towns, capsys):
    db_url, devices, cases = county_with_towns
    _org_set(db_url, COUNTY, "--sees-subunits", capsys=capsys)
    town_case = next(c for c in admin.list_cases(db_url) if c.case_no == cases[TOWN])
    payload = {
        "case_no": town_case.case_no,
        "withdrawn_at": "2026-11-22T10:00:00",
        "reason": "申请人要求撤回",
        "clerk": "clerk01",
    }
    [answer] = devices[COUNTY].push(make_event(protocol.CASE_WITHDRAWN, town_case.case_id, payload))
    assert answer["status"] == "rejected" and answer["code"] == "unknown_case"


def test_a_unit_without_units_below_it_cannot_be_set_to_see_them(county_with_towns, capsys):
    db_url, _devices, _cases = county_with_towns
    code, out = _org_set(db_url, VILLAGE, "--sees-subunits", capsys=capsys)
    assert code == 1 and "没有下级机构" in out
    code, out = _org_set(db_url, "999999", "--own-only", capsys=capsys)
    assert code == 1 and "不存在" in out
