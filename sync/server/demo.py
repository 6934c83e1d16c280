"""A ready-to-use back office for demonstrations and the desktop demo mode.

Idempotent: run it any number of times against the same database; each call
hands out a fresh enrolment code. The county gets the catalog's departments (承办科室)
with the demo approver in each, so a case taken at either window can be decided.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from . import admin, departments
from .db import engine_for

DEMO_ORG_CODE = "370702"
DEMO_ORG_NAME = "潍坊市潍城区政务服务中心"
DEMO_REGION_CODE = "370702000000"
DEMO_VILLAGE_CODE = "370702101201"
DEMO_VILLAGE_NAME = "于河街道东村便民服务站"
DEMO_VILLAGE_REGION = "370702101201"
DEMO_PASSWORD = "123456"
DEMO_USERS = (
    ("clerk01", "张敏", "clerk"),
    ("worker01", "王社工", "social_worker"),
    ("approver01", "李审批", "approver"),
    ("supervisor01", "赵主管", "supervisor"),
    ("head01", "钱科长", "department_head"),
    ("admin", "系统管理员", "admin"),
)
DEMO_APPROVER = "approver01"
DEMO_HEAD = "head01"
# One approver of the console per 承办科室, besides approver01 who works in all of them (the
# command-line examples name it): the department's code in lower case + 01 (社会事务科: shswk01).
_DEMO_APPROVER_NAMES = (
    "王审批",
    "陈审批",
    "刘审批",
    "杨审批",
    "黄审批",
    "周审批",
    "吴审批",
    "徐审批",
    "孙审批",
    "马审批",
    "朱审批",
    "胡审批",
    "郭审批",
    "何审批",
    "高审批",
    "林审批",
    "罗审批",
    "郑审批",
    "梁审批",
    "谢审批",
    "宋审批",
    "唐审批",
)
# The village station's social worker: takes county matters in on citizens' behalf (帮办代办).
DEMO_VILLAGE_USERS = (("worker02", "刘社工", "social_worker"),)


@dataclass(frozen=True)
class DemoInfo:
    enrol_code: str
    org_code: str = DEMO_ORG_CODE
    clerk_username: str = "clerk01"
    clerk_password: str = DEMO_PASSWORD
    approver_username: str = DEMO_APPROVER
    head_username: str = DEMO_HEAD
    supervisor_username: str = "supervisor01"
    department_approvers: tuple[tuple[str, str], ...] = ()  # (承办科室, its approver's login)
    village_enrol_code: str = ""  # for a window at the village station
    village_code: str = DEMO_VILLAGE_CODE
    worker_username: str = "worker02"


def ensure_demo(db: str | Engine) -> DemoInfo:
    """Create the demo org unit and accounts if missing; issue a new enrolment code."""
    with engine_for(db) as engine:
        if admin.get_org_unit(engine, DEMO_ORG_CODE) is None:
            admin.create_org_unit(engine, DEMO_ORG_CODE, DEMO_ORG_NAME, DEMO_REGION_CODE, level="county")
        if admin.get_org_unit(engine, DEMO_VILLAGE_CODE) is None:
            admin.create_org_unit(
                engine,
                DEMO_VILLAGE_CODE,
                DEMO_VILLAGE_NAME,
                DEMO_VILLAGE_REGION,
                level="village",
                parent_code=DEMO_ORG_CODE,
            )
        for org, users in ((DEMO_ORG_CODE, DEMO_USERS), (DEMO_VILLAGE_CODE, DEMO_VILLAGE_USERS)):
            for username, display_name, role in users:
                if admin.get_user(engine, username) is None:
                    admin.add_user(engine, org, username, display_name, role, DEMO_PASSWORD, demo=True)
        # The county's 承办科室 from the catalog; the village station has none of its own, so
        # its cases go up to them. The demo's one approver works in all of them.
        departments.departments_from_catalog(engine, DEMO_ORG_CODE)
        depts = departments.list_departments(engine, DEMO_ORG_CODE)
        codes = [d.code for d in depts]
        departments.set_staff_departments(engine, DEMO_APPROVER, add=codes)
        departments.set_staff_departments(engine, DEMO_HEAD, add=codes)  # approves any extension
        per_department = _department_approvers(engine, [(d.code, d.name) for d in depts])
        return DemoInfo(
            enrol_code=admin.issue_enrol_code(engine, DEMO_ORG_CODE),
            village_enrol_code=admin.issue_enrol_code(engine, DEMO_VILLAGE_CODE),
            department_approvers=per_department,
        )


def _department_approvers(engine: Engine, depts: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """An approver who works in one department only, to show that the inbox is per department."""
    made = []
    for n, (code, name) in enumerate(depts):
        username = f"{code.lower()}01"[:64]
        if admin.get_user(engine, username) is None:
            display = _DEMO_APPROVER_NAMES[n % len(_DEMO_APPROVER_NAMES)]
            admin.add_user(engine, DEMO_ORG_CODE, username, display, "approver", DEMO_PASSWORD, demo=True)
        departments.set_staff_departments(engine, username, add=[code])
        made.append((name, username))
    return tuple(made)
