"""承办科室 and their staff on SQLite and PostgreSQL: set up from the catalog or by hand,
people put in them, and `--by` naming a real user who may decide the case."""

from __future__ import annotations

import io

import pytest

from client.domain.catalog import catalog_from_dict, check_catalog, load_sample_catalog
from sync.server import admin, cli, decisions, departments
from sync.server.demo import DEMO_ORG_CODE
from tests.sync.databases import BACKENDS, server_database


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """Every server fixture of this module runs on both databases."""
    with server_database(request.param, tmp_path / "db", request) as url:
        yield url


def _run(*argv: str) -> int:
    return cli.main(list(argv))


def test_departments_come_from_the_catalog_or_an_administrator(fresh_server, capsys):
    db = fresh_server.db_url
    assert _run("org-add", "370781", "青州市政务服务中心", "--region", "370781000000", "--db", db) == 0
    assert _run("departments", "from-catalog", "--org", "370781", "--db", db) == 0
    out = capsys.readouterr().out
    made = departments.list_departments(db, "370781")
    assert f"新建科室 {len(made)} 个，已有 0 个" in out and "SHSWK  社会事务科" in out
    assert {d.code for d in made} == {d.code for d in departments.list_departments(db, DEMO_ORG_CODE)}
    assert _run("departments", "from-catalog", "--org", "370781", "--db", db) == 0  # nothing twice
    assert f"新建科室 0 个，已有 {len(made)} 个" in capsys.readouterr().out

    assert _run("departments", "add", "370781", "xzfw", "行政服务科", "--db", db) == 0
    assert "已为机构 370781 新增科室：行政服务科（XZFW）" in capsys.readouterr().out
    assert _run("departments", "add", "370781", "XZFW", "行政服务二科", "--db", db) == 1
    assert "已有编码为 XZFW 的科室" in capsys.readouterr().err
    assert _run("departments", "add", "370781", "行政", "行政服务科", "--db", db) == 1
    assert "科室编码应为" in capsys.readouterr().err
    assert _run("departments", "add", "999999", "XZFW", "行政服务科", "--db", db) == 1
    assert "机构 999999 不存在" in capsys.readouterr().err

    assert _run("departments", "list", "--org", "370781", "--db", db) == 0
    listed = capsys.readouterr().out
    assert "370781  XZFW  行政服务科  人员：（暂无人员）" in listed and f"共 {len(made) + 1} 个科室" in listed


def test_approvers_and_heads_work_in_departments_of_their_own_unit(fresh_server, capsys, monkeypatch):
    db = fresh_server.db_url
    monkeypatch.setattr("sys.stdin", io.StringIO("Weicheng-2026!\n"))
    argv = ("user-add", DEMO_ORG_CODE, "li-shen", "李审", "--role", "approver", "--password-stdin", "--db", db)
    assert _run(*argv, "--department", "SCZRK", "--department", "shswk") == 0
    assert "所在科室：市场准入科（SCZRK）、社会事务科（SHSWK）" in capsys.readouterr().out
    assert _run("users", "departments", "li-shen", "--remove", "SHSWK", "--add", "CJJTK", "--db", db) == 0
    assert "城建交通科（CJJTK" in capsys.readouterr().out
    assert [d.code for d in departments.staff_departments(db, "li-shen")] == ["CJJTK", "SCZRK"]
    assert "li-shen" in {d.code: d for d in departments.list_departments(db, DEMO_ORG_CODE)}["SCZRK"].staff

    admin.add_user(db, DEMO_ORG_CODE, "wang-head", "王科长", "department_head", "pw")
    assert [d.code for d in departments.set_staff_departments(db, "wang-head", add=["SCZRK"])] == ["SCZRK"]

    assert _run("users", "departments", "clerk01", "--add", "SCZRK", "--db", db) == 1
    assert "角色是窗口受理人员；只有审批人员或科室负责人可以加入科室" in capsys.readouterr().err
    assert _run("users", "departments", "li-shen", "--add", "NOPE", "--db", db) == 1
    assert "没有编码为 NOPE 的科室" in capsys.readouterr().err
    admin.create_org_unit(db, "370703", "潍坊市寒亭区政务服务中心", "370703000000")
    departments.add_department(db, "370703", "HTZX", "寒亭专项科")
    with pytest.raises(admin.AdminError, match="没有编码为 HTZX 的科室"):  # another unit's department
        departments.set_staff_departments(db, "li-shen", add=["HTZX"])
    assert _run("users", "departments", "ghost", "--db", db) == 1
    assert "用户 ghost 不存在" in capsys.readouterr().err
    assert [d.code for d in departments.staff_departments(db, "li-shen")] == ["CJJTK", "SCZRK"]


def _refused(call, code: str) -> str:
    with pytest.raises(admin.AdminError) as refused:
        call()
    assert refused.value.code == code, refused.value.message
    return refused.value.message


def test_by_must_name_a_user_allowed_to_decide_the_case(accepted_case, capsys):
    device, db, case_no = accepted_case.device, accepted_case.device.server.db_url, accepted_case.case_no
    cursor = device.pull()["cursor"]
    admin.create_org_unit(db, "370703", "潍坊市寒亭区政务服务中心", "370703000000")
    departments.departments_from_catalog(db, "370703")
    admin.add_user(db, "370703", "hanting-approver", "孙审批", "approver", "pw")
    departments.set_staff_departments(db, "hanting-approver", add=["SCZRK"])
    admin.add_user(db, DEMO_ORG_CODE, "food-approver", "周审批", "approver", "pw")
    departments.set_staff_departments(db, "food-approver", add=["SHSWK"])  # the case is 市场准入科's

    def decide(by: str):
        return lambda: admin.decide(db, case_no, "deny", by=by, reason="经营场所不符合要求")

    assert "后台没有用户“不存在的人”" in _refused(decide("不存在的人"), "unknown_user")
    assert "角色是窗口受理人员，不能审批办件" in _refused(decide("clerk01"), "role_refused")
    assert "角色是窗口主管，不能审批办件" in _refused(decide("supervisor01"), "role_refused")
    assert "角色是系统管理员" in _refused(decide("admin"), "role_refused")
    assert "属于机构 370703" in _refused(decide("hanting-approver"), "other_org")
    assert "不在市场准入科" in _refused(decide("food-approver"), "other_department")
    _refused(lambda: decisions.request_supplement(db, case_no, ["租赁合同"], by="food-approver"), "other_department")
    _refused(lambda: decisions.suspend(db, case_no, "组织听证", by="hanting-approver"), "other_org")
    _refused(lambda: decisions.resume(db, case_no, by="clerk01"), "role_refused")
    _refused(lambda: decisions.result_ready(db, case_no, by="不存在的人"), "unknown_user")
    assert cli.main(["decide", case_no, "deny", "--reason", "不符合", "--by", "nobody", "--db", db]) == 1
    assert "请用 --by 填写本人的后台用户名" in capsys.readouterr().err
    # Nothing a refusal touched: the case waits as it was and the window hears nothing.
    [row] = admin.list_cases(db)
    assert (row.status, row.decided_by) == ("submitted", None)
    assert device.pull(cursor)["changes"] == []

    admin.add_user(db, DEMO_ORG_CODE, "wang-head", "王科长", "department_head", "pw")
    departments.set_staff_departments(db, "wang-head", add=["SCZRK"])
    done = decisions.suspend(db, case_no, "组织听证", by="wang-head")  # a head decides in their department
    assert done.status == "suspended"
    assert cli.main(["resume", case_no, "--by", "approver01", "--db", db]) == 0
    assert admin.decide(db, case_no, "deny", by="approver01", reason="不符合条件").decided_by == "approver01"


def test_only_the_departments_head_may_approve_an_extension(accepted_case):
    db, case_no = accepted_case.device.server.db_url, accepted_case.case_no
    admin.add_user(db, DEMO_ORG_CODE, "wang-head", "王科长", "department_head", "pw")
    departments.set_staff_departments(db, "wang-head", add=["SCZRK"])
    admin.add_user(db, DEMO_ORG_CODE, "zhou-head", "周科长", "department_head", "pw")
    departments.set_staff_departments(db, "zhou-head", add=["SHSWK"])

    head = departments.may_decide(db, "wang-head", case_no, "extend")
    assert (head.display_name, head.department.code) == ("王科长", "SCZRK")
    assert departments.may_decide(db, "approver01", case_no).role == "approver"
    message = _refused(lambda: departments.may_decide(db, "approver01", case_no, "extend"), "role_refused")
    assert "不能批准延长审批期限；只有科室负责人可以" in message
    _refused(lambda: departments.may_decide(db, "zhou-head", case_no, "extend"), "other_department")


def test_a_catalog_without_department_codes_routes_like_the_shipped_one():
    """Catalogs published before codes existed derive them from the names, equal to the codes
    the shipped catalog spells out; one code for two names is refused at publication."""
    shipped = load_sample_catalog()
    old = shipped.to_dict()
    for matter in old["matters"]:
        del matter["department_code"]
    derived = catalog_from_dict(old)
    assert [m.department_code for m in derived.matters] == [m.department_code for m in shipped.matters]
    assert shipped.get("370702-XK-0002").department_code == "SHSWK"  # 社会事务科

    clash = shipped.to_dict()
    clash["matters"][0]["department_code"] = "SHSWK"  # 市场准入科 under 社会事务科's code
    assert "科室编码 SHSWK 同时用于“市场准入科”和“社会事务科”" in check_catalog(catalog_from_dict(clash))

    typed = shipped.to_dict()
    typed["matters"][0]["department_code"] = " sczrk "  # as someone typed it: the same department
    assert catalog_from_dict(typed).matters[0].department_code == "SCZRK"
    typed["matters"][0]["department_code"] = "市场科"
    assert any("科室编码应为" in problem for problem in check_catalog(catalog_from_dict(typed)))
