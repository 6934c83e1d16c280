"""承办科室: which department of which org unit decides a case, and who may decide it.

The catalog names each matter's department by a stable code (`Matter.department_code`).
A case is routed on arrival to the department of that code in the case's own org unit,
else in the nearest unit above it that has one: a village station takes county matters in
on citizens' behalf (帮办代办), and the county's department decides them. A case whose code
has no department anywhere up the tree stays unrouted (`department_id` empty) until an
administrator adds the department or re-routes it; no approver can decide it meanwhile.

Staff work in departments (`staff_departments`); a decision recorded on the command line
or in the console names a real user who may decide that case (`check_decider`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no, parse_case_no
from client.domain.catalog import DEPARTMENT_CODE, DEPARTMENT_CODE_LENGTH, Catalog
from client.domain.states import LABELS, CaseState
from sync import protocol

from .admin import AdminError, UnknownCase
from .audit_chain import chain_decision
from .db import Case, CaseRoute, Department, OrgUnit, StaffDepartment, User, append_change, engine_for, utcnow
from .publishing import current_catalog
from .scope import subunits

log = logging.getLogger(__name__)

# Every role's name in the back office's messages and the console (console/staff.py shows these).
ROLE_LABELS: dict[str, str] = {
    "clerk": "窗口受理人员",
    "social_worker": "社工",
    "bus_staff": "直通车工作人员",
    "approver": "审批人员",
    "department_head": "科室负责人",
    "supervisor": "窗口主管",
    "admin": "系统管理员",
}
# Who works in a department, and so who may decide its cases.
STAFF_ROLES = ("approver", "department_head")
# What a decider does: most decisions are any department member's; an extension of the
# deadline (行政许可法第四十二条) needs the head's approval.
Action = Literal["decide", "extend"]
AUTO_ROUTER = "系统"  # who routed a case the catalog's rule routed
# Decided or finished: re-routing would move nothing anyone still has to do.
_SETTLED = frozenset(
    {
        CaseState.APPROVED,
        CaseState.DENIED,
        CaseState.RESULT_READY,
        CaseState.DELIVERED,
        CaseState.MAILED,
        CaseState.REFUSED,
        CaseState.WITHDRAWN,
        CaseState.CONCLUDED,
    }
)


@dataclass(frozen=True)
class DepartmentRow:
    id: int
    org_code: str
    code: str
    name: str
    active: bool
    staff: tuple[str, ...] = ()  # usernames


@dataclass(frozen=True)
class DepartmentsAdded:
    created: tuple[DepartmentRow, ...]
    kept: int  # already there (never renamed by a catalog)
    routed: int  # unrouted cases that found their department with these


@dataclass(frozen=True)
class DepartmentChanged:
    department: DepartmentRow
    routed: int  # unrouted cases it took on being made active again


@dataclass(frozen=True)
class Routed:
    case_no: str
    department: DepartmentRow
    previous: DepartmentRow | None
    reason: str
    routed_by: str
    routed_at: dt.datetime
    change_seq: int


@dataclass(frozen=True)
class RouteRow:
    previous: str | None  # department name, None: unrouted before
    department: str
    department_code: str
    reason: str
    routed_by: str
    routed_at: dt.datetime


@dataclass(frozen=True)
class UnroutedCase:
    case_no: str
    org_code: str
    matter_code: str
    matter_name: str
    department_code: str  # what the catalog names; "" when the matter is no longer in it
    status_label: str
    received_at: dt.datetime


@dataclass(frozen=True)
class Decider:
    username: str
    display_name: str
    role: str
    department: DepartmentRow


# ---- the tree and the lookup ---------------------------------------------------------------


def org_chain(session: Session, org_code: str) -> tuple[str, ...]:
    """`org_code` and every unit above it, nearest first (a cycle in bad data ends the walk)."""
    chain: list[str] = []
    code: str | None = org_code
    while code is not None and code not in chain:
        chain.append(code)
        code = session.execute(select(OrgUnit.parent_code).where(OrgUnit.code == code)).scalar_one_or_none()
    return tuple(chain)


class Router:
    """The active departments along one org unit's chain, read once: a push batch routes
    all its cases (one device, so one org unit) with dictionary lookups."""

    def __init__(self, session: Session, org_code: str):
        self.chain = org_chain(session, org_code)
        rows = session.execute(
            select(Department.id, Department.org_code, Department.code).where(
                Department.org_code.in_(self.chain), Department.active.is_(True)
            )
        ).all()
        self._found = {(org, code): dept_id for dept_id, org, code in rows}

    def route(self, department_code: str) -> int | None:
        for org in self.chain:
            found = self._found.get((org, department_code))
            if found is not None:
                return found
        return None


def expected_code(catalog: Catalog, matter_code: str) -> str:
    """The department code the catalog names for a matter, "" for a matter it lacks."""
    try:
        return catalog.get(matter_code).department_code
    except KeyError:
        return ""


# ---- administration ------------------------------------------------------------------------


def _row(dept: Department, staff: tuple[str, ...] = ()) -> DepartmentRow:
    return DepartmentRow(dept.id, dept.org_code, dept.code, dept.name, bool(dept.active), staff)


def _staff(session: Session, dept_ids: list[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for dept_id, username in session.execute(
        select(StaffDepartment.department_id, StaffDepartment.username)
        .where(StaffDepartment.department_id.in_(dept_ids))
        .order_by(StaffDepartment.username)
    ):
        found.setdefault(dept_id, []).append(username)
    return {k: tuple(v) for k, v in found.items()}


def _clean_code(code: str) -> str:
    clean = (code or "").strip().upper()
    if not DEPARTMENT_CODE.match(clean):
        raise AdminError(f"科室编码应为1到{DEPARTMENT_CODE_LENGTH}位大写字母、数字、下划线或短横线", "bad_code")
    return clean


def _org(session: Session, org_code: str) -> OrgUnit:
    org = session.get(OrgUnit, org_code)
    if org is None:
        raise AdminError(f"机构 {org_code} 不存在", "unknown_org")
    return org


def add_department(db: str | Engine, org_code: str, code: str, name: str) -> DepartmentsAdded:
    """A department an administrator sets up by hand; cases below it that were waiting
    unrouted for this code are routed to it at once."""
    code, name = _clean_code(code), (name or "").strip()
    if not name or len(name) > 100:
        raise AdminError("科室名称不能为空，且不超过100个字", "bad_name")
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        _org(session, org_code)
        if session.execute(
            select(Department.id).where(Department.org_code == org_code, Department.code == code)
        ).first():
            raise AdminError(f"机构 {org_code} 已有编码为 {code} 的科室", "duplicate_department")
        dept = Department(org_code=org_code, code=code, name=name, active=True)
        session.add(dept)
        session.flush()
        routed = route_unrouted(session, org_code)
        log.info("department %s added to org unit %s; %d waiting cases routed", code, org_code, routed)
        return DepartmentsAdded((_row(dept),), 0, routed)


def departments_from_catalog(db: str | Engine, org_code: str, catalog: Catalog | None = None) -> DepartmentsAdded:
    """Every department the catalog (the newest published one by default) names, for one
    org unit: the easy start for a hall whose 实施清单 it is. Departments already there keep
    their names; unrouted cases of the unit and those below it are routed afterwards."""
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        _org(session, org_code)
        catalog = catalog or current_catalog(session)
        names: dict[str, str] = {}
        for matter in catalog.matters:
            names.setdefault(matter.department_code, matter.department)
        existing = set(session.execute(select(Department.code).where(Department.org_code == org_code)).scalars())
        created = [
            Department(org_code=org_code, code=code, name=name[:100], active=True)
            for code, name in names.items()
            if code not in existing
        ]
        session.add_all(created)
        session.flush()
        routed = route_unrouted(session, org_code, catalog)
        log.info("org unit %s: %d departments from catalog %s", org_code, len(created), catalog.version)
        return DepartmentsAdded(tuple(_row(d) for d in created), len(names) - len(created), routed)


def set_department_active(db: str | Engine, org_code: str, code: str, *, active: bool) -> DepartmentChanged:
    """Stop routing new cases to a department (merged away, closed), or start again. Its
    cases stay with it; new ones go to the same code further up, or wait unrouted. Made
    active again, it takes the unrouted cases waiting for it."""
    code = _clean_code(code)
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        dept = session.execute(
            select(Department).where(Department.org_code == org_code, Department.code == code)
        ).scalar_one_or_none()
        if dept is None:
            raise AdminError(f"机构 {org_code} 没有编码为 {code} 的科室", "unknown_department")
        dept.active = active
        session.flush()
        routed = route_unrouted(session, org_code) if active else 0
        log.info("department %s of %s %s", code, org_code, "active" if active else "inactive")
        return DepartmentChanged(_row(dept), routed)


def list_departments(db: str | Engine, org_code: str | None = None) -> tuple[DepartmentRow, ...]:
    with engine_for(db) as engine, Session(engine) as session:
        query = select(Department).order_by(Department.org_code, Department.code)
        if org_code:
            query = query.where(Department.org_code == org_code)
        rows = list(session.execute(query).scalars())
        staff = _staff(session, [d.id for d in rows])
        return tuple(_row(d, staff.get(d.id, ())) for d in rows)


def set_staff_departments(
    db: str | Engine, username: str, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> tuple[DepartmentRow, ...]:
    """Put an approver or department head in departments of their own org unit (or take
    them out); returns every department they are in afterwards."""
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        user = session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
        if user is None:
            raise AdminError(f"用户 {username} 不存在", "unknown_user")
        if (add or remove) and user.role not in STAFF_ROLES:
            raise AdminError(
                f"用户 {user.username} 的角色是{ROLE_LABELS.get(user.role, user.role)}；"
                "只有审批人员或科室负责人可以加入科室",
                "role_refused",
            )
        for code, joining in [(c, True) for c in add] + [(c, False) for c in remove]:
            clean = _clean_code(code)
            dept = session.execute(
                select(Department).where(Department.org_code == user.org_code, Department.code == clean)
            ).scalar_one_or_none()
            if dept is None:
                raise AdminError(f"用户所在机构 {user.org_code} 没有编码为 {clean} 的科室", "unknown_department")
            member = session.get(StaffDepartment, (user.username, dept.id))
            if joining and member is None:
                session.add(StaffDepartment(username=user.username, department_id=dept.id))
            elif not joining and member is not None:
                session.delete(member)
        session.flush()
        return _departments_of(session, user.username)


def staff_departments(db: str | Engine, username: str) -> tuple[DepartmentRow, ...]:
    """The departments a person works in (what the console shows under their name)."""
    with engine_for(db) as engine, Session(engine) as session:
        return _departments_of(session, username)


def _departments_of(session: Session, username: str) -> tuple[DepartmentRow, ...]:
    rows = session.execute(
        select(Department)
        .join(StaffDepartment, StaffDepartment.department_id == Department.id)
        .where(StaffDepartment.username == username)
        .order_by(Department.code)
    ).scalars()
    return tuple(_row(d) for d in rows)


# ---- routing -------------------------------------------------------------------------------


def route_unrouted(session: Session, org_code: str, catalog: Catalog | None = None) -> int:
    """Route the unrouted cases of `org_code` and the units below it that a department now
    exists for; each gets a route record and a change in its unit's feed. Returns how many."""
    catalog = catalog or current_catalog(session)
    waiting = list(
        session.execute(
            select(Case).where(
                Case.department_id.is_(None), Case.org_code.in_((org_code, *subunits(session, org_code)))
            )
        ).scalars()
    )
    routers: dict[str, Router] = {}
    routed = 0
    for case in waiting:
        if CaseState(case.status) in _SETTLED:
            continue
        code = expected_code(catalog, case.matter_code)
        router = routers.get(case.org_code) or routers.setdefault(case.org_code, Router(session, case.org_code))
        dept_id = router.route(code) if code else None
        if dept_id is not None:
            _move(session, case, session.get_one(Department, dept_id), "新增承办科室后按事项清单自动分派", AUTO_ROUTER)
            routed += 1
    return routed


def reroute(db: str | Engine, case_no: str, to_code: str, *, reason: str, by: str, to_org: str | None = None) -> Routed:
    """An administrator sends a case to another department (a matter filed under the wrong
    科室, a department merged away). The department is looked up by code in the case's org
    unit and then upwards, or in `to_org` if given (which must be on that path)."""
    reason = (reason or "").strip()
    if not reason:
        raise AdminError("改派承办科室必须填写理由", "reason_required")
    code = _clean_code(to_code)
    number = parse_case_no(case_no)
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
        if case is None:
            raise UnknownCase(number)
        chain = org_chain(session, case.org_code)
        user = _user(session, by)
        if user.role != "admin" or user.org_code not in chain:
            raise AdminError(
                f"只有办件所属机构或其上级机构的系统管理员可以改派承办科室（{user.username} 是"
                f"{ROLE_LABELS.get(user.role, user.role)}，属于机构 {user.org_code}）",
                "role_refused",
            )
        if CaseState(case.status) in _SETTLED:
            raise AdminError(f"办件当前状态为“{LABELS[CaseState(case.status)]}”，不能再改派", "case_settled")
        if to_org is not None and to_org not in chain:
            raise AdminError(f"机构 {to_org} 不是办件所属机构 {case.org_code} 或其上级机构", "other_org")
        orgs = (to_org,) if to_org is not None else chain
        found = session.execute(
            select(Department).where(
                Department.org_code.in_(orgs), Department.code == code, Department.active.is_(True)
            )
        ).scalars()
        by_org = {d.org_code: d for d in found}
        target = next((by_org[org] for org in orgs if org in by_org), None)
        if target is None:
            raise AdminError(
                f"在机构 {' / '.join(orgs)} 中没有找到编码为 {code} 的科室（可用 departments list 查看）",
                "unknown_department",
            )
        if target.id == case.department_id:
            raise AdminError(f"办件已由{target.name}承办，无需改派", "same_department")
        previous = session.get(Department, case.department_id) if case.department_id is not None else None
        route = _move(session, case, target, reason, user.username)
        log.info("case %s re-routed to department %s of %s", case.case_no, target.code, target.org_code)
        return Routed(
            case.case_no,
            _row(target),
            _row(previous) if previous is not None else None,
            reason,
            user.username,
            route.routed_at,
            route.change_seq,
        )


@dataclass(frozen=True)
class _Moved:
    routed_at: dt.datetime
    change_seq: int


def _move(session: Session, case: Case, target: Department, reason: str, by: str) -> _Moved:
    """Route the case, keep the record, and tell the case's org unit in its feed."""
    now = utcnow()
    previous = session.get(Department, case.department_id) if case.department_id is not None else None
    session.add(
        CaseRoute(
            case_id=case.id,
            from_department_id=previous.id if previous else None,
            to_department_id=target.id,
            reason=reason,
            routed_by=by,
            routed_at=now,
        )
    )
    case.department_id = target.id
    case.updated_at = now
    name = session.execute(select(User.display_name).where(User.username == by)).scalar_one_or_none()
    change = append_change(
        session,
        protocol.CHANGE_CASE_ROUTE,
        case.org_code,
        case_id=case.id,
        case_no=case.case_no,
        data={
            "department_code": target.code,
            "department_name": target.name,
            "department_org": target.org_code,
            "previous_department_code": previous.code if previous else None,
            "reason": reason,
            "routed_by": by,
            "routed_by_name": name or "后台",
            "routed_at": now.isoformat(),
        },
    )
    chain_decision(session, change)
    session.flush()
    return _Moved(now, change.seq)


def route_history(db: str | Engine, case_no: str) -> tuple[RouteRow, ...]:
    number = parse_case_no(case_no)
    with engine_for(db) as engine, Session(engine) as session:
        case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
        if case is None:
            raise UnknownCase(number)
        routes = list(
            session.execute(select(CaseRoute).where(CaseRoute.case_id == case.id).order_by(CaseRoute.id)).scalars()
        )
        names = {
            d.id: d
            for d in session.execute(
                select(Department).where(
                    Department.id.in_(
                        {r.to_department_id for r in routes}
                        | {r.from_department_id for r in routes if r.from_department_id is not None}
                    )
                )
            ).scalars()
        }
        return tuple(
            RouteRow(
                names[r.from_department_id].name if r.from_department_id is not None else None,
                names[r.to_department_id].name,
                names[r.to_department_id].code,
                r.reason,
                r.routed_by,
                r.routed_at,
            )
            for r in routes
        )


def case_department(db: str | Engine, case_no: str) -> DepartmentRow | None:
    """The department a case is routed to; None while it is unrouted."""
    number = parse_case_no(case_no)
    with engine_for(db) as engine, Session(engine) as session:
        case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
        if case is None:
            raise UnknownCase(number)
        dept = session.get(Department, case.department_id) if case.department_id is not None else None
        return _row(dept) if dept is not None else None


def unrouted_cases(db: str | Engine, org_code: str | None = None) -> tuple[UnroutedCase, ...]:
    """What an administrator has to settle: open cases no department decides."""
    with engine_for(db) as engine, Session(engine) as session:
        query = select(Case).where(Case.department_id.is_(None)).order_by(Case.created_at, Case.case_no)
        if org_code:
            query = query.where(Case.org_code.in_((org_code, *subunits(session, org_code))))
        catalog = current_catalog(session)
        return tuple(
            UnroutedCase(
                c.case_no,
                c.org_code,
                c.matter_code,
                c.matter_name,
                expected_code(catalog, c.matter_code),
                LABELS[CaseState(c.status)],
                c.received_at,
            )
            for c in session.execute(query).scalars()
            if CaseState(c.status) not in _SETTLED
        )


# ---- who may decide ------------------------------------------------------------------------


def _user(session: Session, username: str) -> User:
    name = (username or "").strip()
    user = session.execute(select(User).where(User.username == name)).scalar_one_or_none() if name else None
    if user is None or not user.active:
        raise AdminError(f"后台没有用户“{name}”或该用户已停用：请用 --by 填写本人的后台用户名", "unknown_user")
    return user


def check_decider(session: Session, username: str, case: Case, action: Action = "decide") -> Decider:
    """The user recorded as deciding `case` must exist, have a deciding role, belong to the
    org unit of the case's department and work in that department. Every decision path
    (command line, console) calls this inside its transaction, before changing the case."""
    user = _user(session, username)
    allowed = ("department_head",) if action == "extend" else STAFF_ROLES
    if user.role not in allowed:
        what, who = ("批准延长审批期限", "科室负责人") if action == "extend" else ("审批办件", "审批人员或科室负责人")
        raise AdminError(
            f"用户 {user.username} 的角色是{ROLE_LABELS.get(user.role, user.role)}，不能{what}；只有{who}可以",
            "role_refused",
        )
    if case.department_id is None:
        raise AdminError(
            f"办件 {format_case_no(case.case_no)} 尚未分派承办科室，请系统管理员先用 cases reroute 分派", "unrouted"
        )
    dept = session.get_one(Department, case.department_id)  # a foreign key
    if user.org_code != dept.org_code:
        raise AdminError(
            f"用户 {user.username} 属于机构 {user.org_code}，该办件由机构 {dept.org_code} 的{dept.name}承办",
            "other_org",
        )
    if session.get(StaffDepartment, (user.username, dept.id)) is None:
        raise AdminError(f"用户 {user.username} 不在{dept.name}，不能审批该科室的办件", "other_department")
    return Decider(user.username, user.display_name, user.role, _row(dept))


def may_decide(db: str | Engine, username: str, case_no: str, action: Action = "decide") -> Decider:
    """`check_decider` on its own, for a caller that asks before offering a decision."""
    number = parse_case_no(case_no)
    with engine_for(db) as engine, Session(engine) as session:
        case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
        if case is None:
            raise UnknownCase(number)
        return check_decider(session, username, case, action)
