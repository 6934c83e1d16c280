"""Administration and approval: what the back office's people do.

Library functions for the CLI (and later a web console). Each takes an engine or
a database URL, works in its own transaction and returns frozen data; failures
raise `AdminError` whose message is Chinese, ready to show the approver.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no, parse_case_no
from client.domain.catalog import load_sample_catalog
from client.domain.identity import RELATIONS
from client.domain.states import LABELS, CaseState, IllegalTransition
from reports.licence_decision import REFUSAL_LAW, appeal_text
from sync import protocol

from .auth import ROLES, enrol_code_expiry, hash_password, new_enrol_code, sha256_hex
from .cases import approver_name, missing_blobs, move_case, status_change
from .db import (
    Case,
    Change,
    ChangeCounter,
    Device,
    EnrolCode,
    OrgLevel,
    OrgUnit,
    User,
    append_change,
    engine_for,
    utcnow,
)
from .deadlines import china_date
from .office import current_templates
from .publishing import current_catalog
from .scope import subunits, visible_orgs

log = logging.getLogger(__name__)

LEVELS: tuple[OrgLevel, ...] = ("county", "town", "village")


class AdminError(Exception):
    """A refused administrative action; `message` is Chinese for the operator."""

    def __init__(self, message: str, code: str = "admin_error"):
        super().__init__(message)
        self.message, self.code = message, code


class UnknownCase(AdminError):
    def __init__(self, case_no: str):
        super().__init__(f"没有找到办件 {format_case_no(case_no)}", "unknown_case")


class IllegalDecision(AdminError):
    """The case's state does not allow this decision."""


@dataclass(frozen=True)
class OrgUnitRow:
    code: str
    name: str
    region_code: str
    level: str
    parent_code: str | None
    sees_subunits: bool = False
    visible: tuple[str, ...] = ()  # the units whose cases its devices see, its own first


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    role: str
    org_code: str
    demo: bool = False  # an account of `init-demo`, with the demo's published password
    active: bool = True


@dataclass(frozen=True)
class DeviceRow:
    id: str
    device_code: str
    name: str
    org_code: str
    revoked: bool
    enrolled_at: dt.datetime
    last_seen_at: dt.datetime | None
    wipe_ordered_at: dt.datetime | None = None
    wiped_at: dt.datetime | None = None  # when the window acknowledged its crypto-erase


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    case_no: str
    org_code: str
    matter_code: str
    matter_name: str
    applicant_name: str
    status: str
    status_label: str
    complete: bool
    received_at: dt.datetime
    promised_by: dt.date | None
    result_name: str | None
    result_no: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    applicant_kind: str = "person"
    applicant_id_type: str = "身份证"
    applicant_id_number: str = ""
    agent_name: str | None = None
    agent_id_number: str | None = None
    agent_relation: str | None = None
    custody: str | None = None  # 帮办代办: who holds the originals (protocol.HOLDERS), None otherwise
    bundle_no: str | None = None  # 一件事: the number its linked cases share
    pages: tuple[str, ...] = ()  # sha256 of every scanned page the case names
    due: dt.date | None = None  # the back office's deadline (a 一件事 member's is the bundle's)
    # Both clocks (issue 16, point 5): when the case reached the back office, on the server's
    # clock, and the window's clock minus the back office's as the window knew it at the intake.
    arrived_at: dt.datetime | None = None
    clock_offset_s: int | None = None  # None: the window had never compared (or is older)
    clock_accepted_by: str | None = None  # the clerk who took it in with the clock an hour or more off

    @property
    def server_clock_at_intake(self) -> dt.datetime | None:
        """The back office's time when the case was taken, as the window reckoned it."""
        if self.clock_offset_s is None:
            return None
        return self.received_at - dt.timedelta(seconds=self.clock_offset_s)

    @property
    def acted_by(self) -> str:
        """ "张三（单位经办人）" for the back office's lists, "" when the applicant came alone."""
        if not self.agent_name:
            return ""
        return f"{self.agent_name}（{RELATIONS.get(self.agent_relation or '', self.agent_relation)}）"


@dataclass(frozen=True)
class DecisionResult:
    case_no: str
    status: str
    result_name: str | None
    result_no: str | None
    reason: str | None
    decided_by: str
    decided_at: dt.datetime
    change_seq: int


def create_org_unit(
    db: str | Engine, code: str, name: str, region_code: str, *, level: str = "county", parent_code: str | None = None
) -> OrgUnitRow:
    if level not in LEVELS:
        raise AdminError(f"机构层级应为 {' / '.join(LEVELS)} 之一")
    if not (len(region_code) == 12 and region_code.isdigit()):
        raise AdminError("区划代码应为12位数字")
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        if session.get(OrgUnit, code) is not None:
            raise AdminError(f"机构代码 {code} 已存在")
        if parent_code is not None and session.get(OrgUnit, parent_code) is None:
            raise AdminError(f"上级机构 {parent_code} 不存在")
        org = OrgUnit(code=code, name=name, region_code=region_code, level=level, parent_code=parent_code)
        session.add(org)
        return _org_row(org)


def set_org_scope(db: str | Engine, code: str, *, sees_subunits: bool) -> OrgUnitRow:
    """Let a hall's devices see (or stop seeing) the cases of every unit below it, e.g. a
    county hall that answers for its towns. Its devices pick this up on their next pull."""
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        org = session.get(OrgUnit, code)
        if org is None:
            raise AdminError(f"机构 {code} 不存在")
        if sees_subunits and not subunits(session, code):
            raise AdminError(f"机构 {code} 没有下级机构，无需设置")
        org.sees_subunits = sees_subunits
        session.flush()
        row = _org_row(org, visible_orgs(session, code))
    log.info("org unit %s sees %s", code, ", ".join(row.visible))
    return row


def get_org_unit(db: str | Engine, code: str) -> OrgUnitRow | None:
    with engine_for(db) as engine, Session(engine) as session:
        org = session.get(OrgUnit, code)
        return _org_row(org) if org else None


def add_user(
    db: str | Engine,
    org_code: str,
    username: str,
    display_name: str,
    role: str,
    password: str,
    *,
    demo: bool = False,
) -> UserRow:
    if role not in ROLES:
        raise AdminError(f"角色应为 {' / '.join(ROLES)} 之一")
    if not username.strip() or not password:
        raise AdminError("用户名和密码不能为空")
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        if session.get(OrgUnit, org_code) is None:
            raise AdminError(f"机构 {org_code} 不存在")
        if session.execute(select(User.id).where(User.username == username.strip())).first():
            raise AdminError(f"用户名 {username} 已存在")
        user = User(
            username=username.strip(),
            display_name=display_name,
            role=role,
            org_code=org_code,
            password_hash=hash_password(password),
            demo=demo,
        )
        session.add(user)
        return UserRow(user.username, user.display_name, user.role, user.org_code, demo)


def list_users(db: str | Engine, org_code: str | None = None) -> list[UserRow]:
    """Every account (of one org unit), the demo's marked."""
    with engine_for(db) as engine, Session(engine) as session:
        query = select(User).order_by(User.org_code, User.username)
        if org_code:
            query = query.where(User.org_code == org_code)
        return [
            UserRow(u.username, u.display_name, u.role, u.org_code, u.demo, u.active) for u in session.scalars(query)
        ]


def demo_accounts(db: str | Engine) -> int:
    """How many active demo accounts (published password) the back office has."""
    with engine_for(db) as engine, Session(engine) as session:
        return len(session.execute(select(User.id).where(User.demo.is_(True), User.active.is_(True))).all())


def get_user(db: str | Engine, username: str) -> UserRow | None:
    with engine_for(db) as engine, Session(engine) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        return UserRow(user.username, user.display_name, user.role, user.org_code) if user else None


def issue_enrol_code(db: str | Engine, org_code: str, ttl_hours: float = 24) -> str:
    """A one-time, hand-typeable code a new window trades for its device token."""
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        if session.get(OrgUnit, org_code) is None:
            raise AdminError(f"机构 {org_code} 不存在")
        code = new_enrol_code()
        session.add(EnrolCode(code_hash=sha256_hex(code), org_code=org_code, expires_at=enrol_code_expiry(ttl_hours)))
    log.info("enrolment code issued for org unit %s", org_code)
    return code


DEFAULT_APPEAL_RIGHTS = (
    "如不服本决定，可以自收到本决定之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
)


def decide(
    db: str | Engine,
    case_no: str,
    decision: Literal["approve", "deny"],
    *,
    by: str,
    result_name: str | None = None,
    result_no: str | None = None,
    reason: str | None = None,
    force: bool = False,
    e_licence: bool = False,
    appeal_rights: str | None = None,
    legal_basis: str | None = None,
    review_body: str | None = None,
    court: str | None = None,
) -> DecisionResult:
    """Record an approver's decision and publish it to the case's window.

    `by` must be a user who may decide the case (departments.check_decider: an approver or
    head of the case's department). Approving needs every scanned page on the server (the
    approver must have seen them) unless `force`; denying needs a reason the window can
    tell the applicant. The facts the 准予/不予行政许可决定书 prints (legal basis, the named
    review body and court, its number, the approver's name) are kept on the case
    (payload["decision"]) and travel to the window with the status, so both print the same.
    """
    from .departments import check_decider  # departments builds on this module's errors

    if decision not in ("approve", "deny"):
        raise AdminError("审批结论应为 approve（通过）或 deny（不通过）")
    reason = (reason or "").strip() or None
    if decision == "deny" and not reason:
        raise AdminError("审批不通过时必须填写理由")
    number = parse_case_no(case_no)
    target = CaseState.APPROVED if decision == "approve" else CaseState.DENIED
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
        if case is None:
            raise UnknownCase(number)
        by = check_decider(session, by, case).username
        try:
            move_case(case, target.value)
        except IllegalTransition as exc:
            raise IllegalDecision(exc.message, "illegal_transition") from None
        if decision == "approve" and not force:
            missing = missing_blobs(session, case)
            if missing:
                raise AdminError(f"该办件还有 {len(missing)} 页材料扫描件未上传完成，暂不能审批通过", "incomplete")
        if decision == "approve":  # 容缺 materials outstanding: only the head lifts this, never `force`
            from .tolerance import check_approvable

            check_approvable(case)
        now = utcnow()
        if decision == "approve":
            case.result_name = result_name or _default_result_name(case.matter_code)
            case.result_no = result_no or _result_no(case, now)
        else:
            case.result_name, case.result_no = result_name, result_no
        case.reason, case.decided_by, case.decided_at = reason, by, now
        case.e_licence = decision == "approve" and e_licence
        facts = _decision_facts(session, case, decision, by, now, legal_basis, review_body, court)
        case.appeal_rights = (appeal_rights or facts["appeal_rights"]) if decision == "deny" else None
        facts["appeal_rights"] = case.appeal_rights
        case.payload = {**(case.payload if isinstance(case.payload, dict) else {}), "decision": facts}
        change = status_change(
            session,
            case,
            {
                "result_name": case.result_name,
                "result_no": case.result_no,
                "reason": reason,
                "e_licence": case.e_licence,
                "decided_by": by,
                "decided_at": now.isoformat(),
                **facts,
            },
        )
        session.flush()
        result = DecisionResult(
            case.case_no, case.status, case.result_name, case.result_no, reason, by, now, change.seq
        )
    log.info("case %s %s by %s", result.case_no, result.status, by)
    return result


def _decision_facts(
    session: Session,
    case: Case,
    decision: str,
    by: str,
    now: dt.datetime,
    legal_basis: str | None,
    review_body: str | None,
    court: str | None,
) -> dict[str, str | None]:
    """What the decision document prints beyond the case: basis, bodies, number, approver.

    A denial names the review body and the court (the office template's unless the approver
    typed others) and always has a legal basis: the matter's 设定依据 when none was given
    (the command line), then the Licensing Law's article on refusals.
    """
    office = current_templates(session).office
    basis = (legal_basis or "").strip() or _matter_basis(session, case.matter_code)
    if decision == "deny" and not basis:
        basis = REFUSAL_LAW
    body, seat = (review_body or "").strip() or office.review_body, (court or "").strip() or office.court
    series = "准许" if decision == "approve" else "不许"
    return {
        # The administrative organ that decides (行政审批服务局), as on every notice the window
        # prints and on the extension notice; the service centre is the venue, not the organ.
        "office_name": office.name,
        "received_on": china_date(case.received_at).isoformat(),
        "legal_basis": basis or None,
        "review_body": body if decision == "deny" else None,
        "court": seat if decision == "deny" else None,
        "appeal_rights": appeal_text(body, seat) if decision == "deny" else None,
        "doc_no": f"{office.short_name}{series}字〔{china_date(now).year}〕第{case.case_no[-8:]}号",
        "decided_by_name": approver_name(session, by),
    }


def _matter_basis(session: Session, matter_code: str) -> str:
    try:
        return current_catalog(session).get(matter_code).basis
    except KeyError:
        return ""


def _default_result_name(matter_code: str) -> str | None:
    try:
        return load_sample_catalog().get(matter_code).result_name or None
    except KeyError:
        return None


def _result_no(case: Case, now: dt.datetime) -> str:
    """Unique because the case number is: region + year + the case's device code and sequence."""
    return f"{case.case_no[:6]}-{now:%Y}-{case.case_no[-8:]}"


def list_cases(
    db: str | Engine, status: str | None = None, org_code: str | None = None, bundle_no: str | None = None
) -> tuple[CaseRow, ...]:
    """Oldest first by the back office's own clock (when each case arrived here), never by the
    window's: a device with a wrong date would put its cases a year out of place."""
    with engine_for(db) as engine, Session(engine) as session:
        query = select(Case).order_by(Case.created_at, Case.case_no)
        if status:
            query = query.where(Case.status == status)
        if org_code:
            query = query.where(Case.org_code == org_code)
        if bundle_no:
            query = query.where(Case.bundle_no == bundle_no)
        return tuple(_case_row(c) for c in session.execute(query).scalars())


def get_case(db: str | Engine, case_no: str) -> CaseRow:
    """One case by its number (typed with or without dashes)."""
    number = parse_case_no(case_no)
    with engine_for(db) as engine, Session(engine) as session:
        case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
        if case is None:
            raise UnknownCase(number)
        return _case_row(case)


def list_devices(db: str | Engine, org_code: str | None = None) -> tuple[DeviceRow, ...]:
    with engine_for(db) as engine, Session(engine) as session:
        query = select(Device).order_by(Device.enrolled_at)
        if org_code:
            query = query.where(Device.org_code == org_code)
        return tuple(_device_row(d) for d in session.execute(query).scalars())


def _find_device(session: Session, device: str) -> Device:
    row = session.execute(
        select(Device).where(or_(Device.id == device.strip(), Device.device_code == device.strip().upper()))
    ).scalar_one_or_none()
    if row is None:
        raise AdminError(f"没有找到设备 {device}", "unknown_device")
    return row


def _command(session: Session, row: Device, command: Literal["revoke", "wipe"], reason: str) -> None:
    data = protocol.DeviceCommandData(command=command, reason=reason, issued_at=utcnow())
    append_change(
        session, protocol.CHANGE_DEVICE_COMMAND, row.org_code, device_id=row.id, data=data.model_dump(mode="json")
    )


def revoke_device(db: str | Engine, device: str, reason: str = "") -> DeviceRow:
    """Stop a lost or retired window: its token answers 401 from now on.

    `device` is the device id or its 4-character device code. The order also goes
    into the feed, for a window that pulls before its token is refused.
    """
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        row = _find_device(session, device)
        if not row.revoked:
            row.revoked, row.revoked_at = True, utcnow()
            _command(session, row, protocol.COMMAND_REVOKE, reason)
            log.info("device %s revoked", row.id)
        return _device_row(row)


def order_wipe(db: str | Engine, device: str, reason: str = "") -> DeviceRow:
    """Order a window to erase its local case data (after exporting its unsent outbox).

    The device stays able to pull until it has received the order; revoke it after. A device
    revoked already still learns of the order: its token is answered 401 `device_wipe` until
    it acknowledges the erase (`sync.server.wipe`).
    """
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        row = _find_device(session, device)
        if row.wiped_at is not None:
            raise AdminError("该设备已完成擦除", "device_wiped")
        row.wipe_ordered_at = row.wipe_ordered_at or utcnow()
        _command(session, row, protocol.COMMAND_WIPE, reason)
        log.info("wipe ordered for device %s", row.id)
        return _device_row(row)


def prune_changes(db: str | Engine, keep_days: float = 63) -> int:
    """Compact the feed: drop changes older than `keep_days` that a later change of the same
    case (or publication kind) supersedes. Cursors older than that then answer 410 and the
    window resyncs from 0, which still yields every case's latest state. Returns rows dropped.
    """
    cutoff = utcnow() - dt.timedelta(days=keep_days)
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        rows = list(session.execute(select(Change).order_by(Change.seq.desc())).scalars())
        newest: set[tuple] = set()
        dropped = 0
        pruned_through = 0
        for row in rows:
            key = (
                row.kind,
                row.case_id or row.org_code,
                row.device_id,
                row.data.get("name") if row.kind == protocol.CHANGE_TEMPLATE else None,
            )
            if key not in newest:
                newest.add(key)
                continue
            if row.server_time < cutoff:
                session.delete(row)
                dropped += 1
                pruned_through = max(pruned_through, row.seq)
        counter = session.get_one(ChangeCounter, 1)  # the one row, made by the first migration
        counter.pruned_through = max(counter.pruned_through, pruned_through)
    log.info("pruned %d superseded changes", dropped)
    return dropped


def _org_row(org: OrgUnit, visible: tuple[str, ...] = ()) -> OrgUnitRow:
    return OrgUnitRow(
        org.code, org.name, org.region_code, org.level, org.parent_code, bool(org.sees_subunits), visible or (org.code,)
    )


def _device_row(d: Device) -> DeviceRow:
    return DeviceRow(
        d.id, d.device_code, d.name, d.org_code, d.revoked, d.enrolled_at, d.last_seen_at, d.wipe_ordered_at, d.wiped_at
    )


def _case_row(c: Case) -> CaseRow:
    try:
        label = LABELS[CaseState(c.status)]
    except ValueError:
        label = c.status
    return CaseRow(
        c.id,
        c.case_no,
        c.org_code,
        c.matter_code,
        c.matter_name,
        c.applicant_name,
        c.status,
        label,
        c.complete,
        c.received_at,
        c.promised_by,
        c.result_name,
        c.result_no,
        c.decided_by,
        c.decided_at,
        c.applicant_kind,
        c.applicant_id_type,
        c.applicant_id_number,
        c.agent_name,
        c.agent_id_number,
        c.agent_relation,
        ((c.payload or {}).get("custody") or {}).get("holder"),
        c.bundle_no,
        tuple(c.blobs_expected or ()),
        c.due,
        c.created_at,
        _int_or_none((c.payload or {}).get("clock_offset_s")),
        (c.payload or {}).get("clock_accepted_by") or None,
    )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
