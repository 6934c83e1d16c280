"""承办科室 routing on SQLite and PostgreSQL: on arrival, up the org tree, for a 一件事's
members, unrouted cases, re-routing by an administrator, and the migration that routes
the cases a back office already holds."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from server_helpers import accepted_payload, case_no_for, enrol, make_event

from client.domain.bundles import mint_bundle_no
from client.domain.catalog import load_sample_catalog
from sync import protocol
from sync.server import admin, cli, departments
from sync.server.db import make_engine
from sync.server.demo import DEMO_ORG_CODE, DEMO_VILLAGE_CODE, ensure_demo
from sync.server.migrate import current_revision, upgrade
from tests.sync.databases import BACKENDS, server_database

CATALOG = load_sample_catalog()
SHOP = "370702-XK-0001"  # 个体工商户设立登记: 市场准入科
DIBAO = "370702-GG-0005"  # 最低生活保障申请: 民生事务科, taken in at a village too


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """Every server fixture of this module runs on both databases."""
    with server_database(request.param, tmp_path / "db", request) as url:
        yield url


def _push(device, matter: str, seq: int, **extra) -> str:
    case_no = case_no_for(device, seq)
    payload = accepted_payload(case_no, matter_code=matter) | {"matter_name": CATALOG.get(matter).name} | extra
    [answer] = device.push(make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), payload))
    assert answer["status"] == "acked", answer
    return case_no


def _where(db: str, case_no: str) -> tuple[str, str] | None:
    dept = departments.case_department(db, case_no)
    return (dept.org_code, dept.code) if dept else None


def test_a_case_goes_to_its_matters_department_of_its_own_unit_on_arrival(enrolled_device):
    db = enrolled_device.server.db_url
    case_no = _push(enrolled_device, SHOP, 1)
    assert _where(db, case_no) == (DEMO_ORG_CODE, CATALOG.get(SHOP).department_code)
    assert departments.case_department(db, case_no).name == "市场准入科"
    assert departments.route_history(db, case_no) == ()  # the catalog's rule, nobody's choice


def test_a_village_case_goes_to_the_nearest_unit_above_that_has_the_department(fresh_server, capsys):
    db = fresh_server.db_url
    station = enrol(fresh_server.client, fresh_server, ensure_demo(db).village_enrol_code, "村服务站")
    first = _push(station, DIBAO, 1)
    assert _where(db, first) == (DEMO_ORG_CODE, "MSSWK")  # the station has none: the county's

    # Once the station has a 民生事务科 of its own, its new cases stay there.
    departments.add_department(db, DEMO_VILLAGE_CODE, "MSSWK", "东村民生事务办")
    second = _push(station, DIBAO, 2)
    assert _where(db, second) == (DEMO_VILLAGE_CODE, "MSSWK")
    assert _where(db, first) == (DEMO_ORG_CODE, "MSSWK")  # routed cases are not moved by a new department

    # Closed again, the station's office takes no new case; the county's does.
    assert cli.main(["departments", "deactivate", DEMO_VILLAGE_CODE, "MSSWK", "--db", db]) == 0
    assert "东村民生事务办（MSSWK）已停用" in capsys.readouterr().out
    third = _push(station, DIBAO, 3)
    assert _where(db, third) == (DEMO_ORG_CODE, "MSSWK")
    assert _where(db, second) == (DEMO_VILLAGE_CODE, "MSSWK")


def test_a_bundles_member_cases_go_each_to_their_own_matters_department(enrolled_device):
    db = enrolled_device.server.db_url
    bundle = CATALOG.bundle("370702-YJS-01")  # 我要开餐馆
    bundle_no = mint_bundle_no("370702000000", dt.date.today(), enrolled_device.device_code, 1)
    numbers = {
        code: _push(enrolled_device, code, seq, bundle_no=bundle_no, bundle_code=bundle.code, bundle_name=bundle.name)
        for seq, code in enumerate(bundle.matters, start=1)
    }
    routed = {code: _where(db, no) for code, no in numbers.items()}
    assert routed == {code: (DEMO_ORG_CODE, CATALOG.get(code).department_code) for code in bundle.matters}
    assert len({code for _org, code in routed.values()}) == 3  # 市场准入科, 社会事务科, 城建交通科


def test_a_case_no_department_takes_is_unrouted_until_an_administrator_adds_one(fresh_server, capsys):
    db, client = fresh_server.db_url, fresh_server.client
    admin.create_org_unit(db, "370703", "潍坊市寒亭区政务服务中心", "370703000000")
    device = enrol(client, fresh_server, admin.issue_enrol_code(db, "370703"), "寒亭一号窗口")
    case_no = _push(device, SHOP, 1)
    cursor = device.pull()["cursor"]

    assert _where(db, case_no) is None
    [waiting] = departments.unrouted_cases(db, "370703")
    assert (waiting.case_no, waiting.department_code) == (case_no, "SCZRK")
    assert departments.unrouted_cases(db, DEMO_ORG_CODE) == ()
    assert cli.main(["departments", "unrouted", "--db", db]) == 0
    assert "共 1 件未分派承办科室" in capsys.readouterr().out

    admin.add_user(db, "370703", "hanting-approver", "孙审批", "approver", "pw")
    with pytest.raises(admin.AdminError) as refused:
        admin.decide(db, case_no, "approve", by="hanting-approver", force=True)
    assert refused.value.code == "unrouted" and "尚未分派承办科室" in refused.value.message

    added = departments.add_department(db, "370703", "sczrk", "市场准入科")
    assert added.routed == 1 and added.created[0].code == "SCZRK"
    assert _where(db, case_no) == ("370703", "SCZRK")
    assert departments.unrouted_cases(db) == ()
    [route] = departments.route_history(db, case_no)
    assert (route.previous, route.department, route.routed_by) == (None, "市场准入科", departments.AUTO_ROUTER)
    [change] = device.pull(cursor)["changes"]
    assert change["kind"] == protocol.CHANGE_CASE_ROUTE and change["data"]["department_code"] == "SCZRK"

    # Closed for a while, the department leaves new cases waiting; opened again, it takes them.
    departments.set_department_active(db, "370703", "SCZRK", active=False)
    later = _push(device, SHOP, 2)
    assert _where(db, later) is None
    assert departments.set_department_active(db, "370703", "SCZRK", active=True).routed == 1
    assert _where(db, later) == ("370703", "SCZRK")


def test_an_administrator_reroutes_with_a_reason_kept_and_the_window_told(enrolled_device, capsys):
    device, db = enrolled_device, enrolled_device.server.db_url
    case_no = _push(device, SHOP, 1)
    cursor = device.pull()["cursor"]

    argv = ["cases", "reroute", case_no, "--to", "SHSWK", "--db", db]
    assert cli.main([*argv, "--by", "admin"]) == 1  # no reason
    assert "必须填写理由" in capsys.readouterr().err
    assert cli.main([*argv, "--reason", "涉及食品经营，由社会事务科审批", "--by", "clerk01"]) == 1
    assert "只有办件所属机构或其上级机构的系统管理员" in capsys.readouterr().err
    assert cli.main([*argv, "--reason", "涉及食品经营，由社会事务科审批", "--by", "nobody"]) == 1
    assert "后台没有用户“nobody”" in capsys.readouterr().err
    assert _where(db, case_no) == (DEMO_ORG_CODE, "SCZRK")  # nothing changed by a refusal

    assert cli.main([*argv, "--reason", "涉及食品经营，由社会事务科审批", "--by", "admin"]) == 0
    assert "已由“市场准入科”改派至" in capsys.readouterr().out
    assert _where(db, case_no) == (DEMO_ORG_CODE, "SHSWK")
    [route] = departments.route_history(db, case_no)
    assert (route.previous, route.department, route.reason, route.routed_by) == (
        "市场准入科",
        "社会事务科",
        "涉及食品经营，由社会事务科审批",
        "admin",
    )
    assert abs(route.routed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)

    [change] = device.pull(cursor)["changes"]
    assert (change["kind"], change["case_no"]) == (protocol.CHANGE_CASE_ROUTE, case_no)
    data = change["data"]
    assert (data["department_code"], data["previous_department_code"], data["routed_by_name"]) == (
        "SHSWK",
        "SCZRK",
        "系统管理员",
    )
    assert data["reason"] == "涉及食品经营，由社会事务科审批"

    assert cli.main(["cases", "routes", case_no, "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "社会事务科（SHSWK" in shown and "市场准入科 → 社会事务科" in shown

    with pytest.raises(admin.AdminError, match="无需改派"):
        departments.reroute(db, case_no, "SHSWK", reason="再改一次", by="admin")
    with pytest.raises(admin.AdminError, match="没有找到编码为 NOPE 的科室"):
        departments.reroute(db, case_no, "NOPE", reason="没有这个科室", by="admin")
    admin.decide(db, case_no, "approve", by="approver01", force=True)
    with pytest.raises(admin.AdminError) as settled:
        departments.reroute(db, case_no, "SCZRK", reason="已审批", by="admin")
    assert settled.value.code == "case_settled"
    assert len(departments.route_history(db, case_no)) == 1


def _sql_insert(conn: sa.Connection, table: str, **values: object) -> None:
    columns = [sa.column(name, sa.JSON if isinstance(v, (dict, list)) else None) for name, v in values.items()]
    conn.execute(sa.table(table, *columns).insert().values(**values))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migration_routes_the_cases_a_back_office_already_holds(backend, request, tmp_path):
    """A database at 0008 with cases of a county, its village and another county, and a
    catalog published before department codes existed, upgrades to 0009 with departments
    for the catalog's county and every case it can route routed."""
    with server_database(backend, tmp_path / "old", request) as url:
        engine = make_engine(url, create=False)
        try:
            upgrade(engine, "0008")
            old = load_sample_catalog().to_dict()
            for matter in old["matters"]:
                del matter["department_code"]  # published by an older release
                if matter["code"] == SHOP:
                    matter["department"] = "市场监管科"  # the publication wins over the shipped catalog
            now = dt.datetime(2026, 11, 2, 8, 0)
            with engine.begin() as conn:
                for code, region, parent in (
                    ("370702", "370702000000", None),
                    ("370702101201", "370702101201", "370702"),
                    ("370799", "370799000000", None),
                ):
                    _sql_insert(
                        conn,
                        "org_units",
                        code=code,
                        name=code,
                        region_code=region,
                        level="county" if parent is None else "village",
                        parent_code=parent,
                        sees_subunits=False,
                        created_at=now,
                    )
                _sql_insert(
                    conn,
                    "publications",
                    kind="catalog",
                    name="",
                    version=old["version"],
                    sha256="0" * 64,
                    body=old,
                    published_by="admin",
                    published_at=now,
                )
                for case_id, org, matter in (
                    ("hall", "370702", SHOP),
                    ("station", "370702101201", DIBAO),
                    ("elsewhere", "370799", SHOP),
                    ("retired", "370702", "370702-XK-9999"),
                ):
                    _sql_insert(
                        conn,
                        "cases",
                        id=case_id,
                        case_no=f"C{case_id.upper()}",
                        org_code=org,
                        matter_code=matter,
                        matter_name="事项",
                        applicant_name="王秀英",
                        applicant_id_type="身份证",
                        applicant_id_number="11010519491231002X",
                        applicant_kind="person",
                        status="submitted",
                        complete=True,
                        received_at=now,
                        payload={},
                        blobs_expected=[],
                        e_licence=False,
                        created_at=now,
                        updated_at=now,
                    )
            upgrade(engine, "0009")
            assert current_revision(engine) == "0009"
            with engine.connect() as conn:
                made = set(conn.execute(sa.text("SELECT org_code, code, name FROM departments")).all())
                routed = dict(
                    conn.execute(
                        sa.text(
                            "SELECT c.id, d.org_code || ':' || d.code FROM cases c "
                            "LEFT JOIN departments d ON d.id = c.department_id"
                        )
                    ).all()
                )
        finally:
            engine.dispose()
    assert {org for org, _code, _name in made} == {"370702"}  # the county whose region the catalog is
    assert ("370702", "SCJGK", "市场监管科") in made and ("370702", "MSSWK", "民生事务科") in made
    assert len(made) == len({m.department for m in CATALOG.matters if m.code != SHOP} | {"市场监管科"})
    assert routed == {
        "hall": "370702:SCJGK",
        "station": "370702:MSSWK",  # the village has none: the county's
        "elsewhere": None,  # no department for its county: unrouted
        "retired": None,  # a matter the catalog no longer has: unrouted
    }
