"""The day's ratings and case records as JSON documents for a province's platforms
(好差评系统, 一窗受理统计): `onewindow-server export ratings|cases --date YYYY-MM-DD`.

One document per China day and kind, with a schema version; records in a fixed order
(ratings by time then id, cases by case number), so two exports of the same day compare
equal byte for byte. The format is documented field by field in docs/exports.md.
Personal data leaves masked: a provincial system needs to count and follow a case, not
to identify the applicant (the name and ID number stay on the back office).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.catalog import Catalog
from client.domain.deadlines import WorkCalendar, add_limit
from client.domain.ratings import BAD_REASONS, CHANNELS
from client.domain.ratings import LEVELS as LEVEL_LABELS
from client.domain.states import LABELS, CaseState

from .console.inbox_query import mask_id, mask_name
from .db import Case, Department, Device, OrgUnit, Rating, User, WorkOrder, engine_for, session_factory
from .deadlines import CST, china_date
from .hall_reports import scope_of, utc_bounds
from .publishing import current_calendar, current_catalog
from .work_orders import STATES

SCHEMA_VERSION = 1
Kind = Literal["ratings", "cases"]
KINDS: tuple[Kind, ...] = ("ratings", "cases")


def _time(moment: dt.datetime | None) -> str | None:
    """A stored (UTC) time as ISO 8601 in China time, with its offset."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CST).isoformat()


def _date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _org_codes(session: Session, org_code: str | None) -> tuple[str, ...] | None:
    """The org unit and those below it; None (every unit) without one."""
    return scope_of(session, org_code).codes if org_code else None


def _lookups(session: Session) -> tuple[dict[str, str], dict[int, tuple[str, str]], dict[str, tuple[str, str]]]:
    orgs = {r.code: r.name for r in session.execute(select(OrgUnit.code, OrgUnit.name))}
    departments = {
        r.id: (r.code, r.name) for r in session.execute(select(Department.id, Department.code, Department.name))
    }
    devices = {
        r.id: (r.device_code, r.name) for r in session.execute(select(Device.id, Device.device_code, Device.name))
    }
    return orgs, departments, devices


def _envelope(kind: Kind, day: dt.date, org_code: str | None, records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": f"onewindow.export.{kind}",
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "date": day.isoformat(),
        "time_zone": "+08:00",
        "org_code": org_code,
        "count": len(records),
        "records": records,
    }


def ratings_document(session: Session, day: dt.date, org_code: str | None = None) -> dict[str, Any]:
    """Every rating given on `day` (China date), by time then id, with its 差评 work order's state."""
    codes = _org_codes(session, org_code)
    start, end = utc_bounds(day, day)
    query = (
        select(Rating, Case.case_no, Case.matter_code, Case.matter_name, Case.department_id, WorkOrder)
        .join(Case, Case.id == Rating.case_id)
        .outerjoin(WorkOrder, WorkOrder.rating_id == Rating.id)
        .where(Rating.rated_at >= start, Rating.rated_at < end)
        .order_by(Rating.rated_at, Rating.id)
    )
    if codes is not None:
        query = query.where(Rating.org_code.in_(codes))
    rows = session.execute(query).all()
    orgs, departments, devices = _lookups(session)
    clerks = _display_names(session, {r.Rating.clerk for r in rows})
    records = []
    for rating, case_no, matter_code, matter_name, department_id, order in rows:
        dept = departments.get(department_id) if department_id else None
        device = devices.get(rating.device_id or "")
        records.append(
            {
                "rating_id": rating.id,
                "case_no": case_no,
                "case_no_display": format_case_no(case_no),
                "matter_code": matter_code,
                "matter_name": matter_name,
                "org_code": rating.org_code,
                "org_name": orgs.get(rating.org_code, ""),
                "department_code": dept[0] if dept else None,
                "department_name": dept[1] if dept else None,
                "window": rating.window or (device[1] if device else ""),
                "device_code": device[0] if device else None,
                "clerk": rating.clerk,
                "clerk_name": clerks.get(rating.clerk, ""),
                "channel": rating.channel,
                "channel_label": CHANNELS.get(rating.channel, rating.channel),
                "stage": rating.stage,
                "level": rating.level,
                "level_label": LEVEL_LABELS.get(rating.level, ""),
                "indicators": dict(sorted((rating.indicators or {}).items())),
                "reason": rating.reason or None,
                "reason_label": BAD_REASONS.get(rating.reason, rating.reason) if rating.reason else None,
                "comment": rating.comment or "",
                "rated_at": _time(rating.rated_at),
                "round": rating.round,
                "rectification": _rectification(order),
            }
        )
    return _envelope("ratings", day, org_code, records)


def _rectification(order: WorkOrder | None) -> dict[str, Any] | None:
    if order is None:
        return None
    return {
        "work_order_id": order.id,
        "status": order.status,
        "status_label": STATES.get(order.status, order.status),
        "due": _date(order.due),
        "ledger_due": _date(order.ledger_due),
        "called_back_at": _time(order.called_back_at),
        "handled_at": _time(order.handled_at),
        "closed_at": _time(order.closed_at),
        "reopened": order.reopened,
    }


def _display_names(session: Session, usernames: set[str]) -> dict[str, str]:
    wanted = sorted(u for u in usernames if u)
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {r.username: r.display_name for r in rows}


def cases_document(session: Session, day: dt.date, org_code: str | None = None) -> dict[str, Any]:
    """Every case received, decided or delivered on `day` (China date), by case number; a
    province keeps the latest record per case number."""
    codes = _org_codes(session, org_code)
    start, end = utc_bounds(day, day)
    on_day = or_(
        *((column >= start) & (column < end) for column in (Case.received_at, Case.decided_at, Case.delivered_at))
    )
    query = select(Case).where(on_day).order_by(Case.case_no)
    if codes is not None:
        query = query.where(Case.org_code.in_(codes))
    cases = session.execute(query).scalars().all()
    orgs, departments, devices = _lookups(session)
    catalog, work_calendar = current_catalog(session), current_calendar(session)
    clerks = _display_names(session, {str((c.payload or {}).get("clerk") or "") for c in cases})
    records = []
    for case in cases:
        payload = case.payload or {}
        clerk = str(payload.get("clerk") or "")
        dept = departments.get(case.department_id) if case.department_id else None
        device = devices.get(case.device_id or "")
        events = [
            name
            for name, moment in (
                ("received", case.received_at),
                ("decided", case.decided_at),
                ("delivered", case.delivered_at),
            )
            if moment is not None and start <= moment < end
        ]
        records.append(
            {
                "case_no": case.case_no,
                "case_no_display": format_case_no(case.case_no),
                "matter_code": case.matter_code,
                "matter_name": case.matter_name,
                "org_code": case.org_code,
                "org_name": orgs.get(case.org_code, ""),
                "department_code": dept[0] if dept else None,
                "department_name": dept[1] if dept else None,
                "window": device[1] if device else None,
                "device_code": device[0] if device else None,
                "clerk": clerk,
                "clerk_name": clerks.get(clerk, ""),
                "applicant": {
                    "kind": case.applicant_kind,
                    "name_masked": mask_name(case.applicant_name),
                    "id_type": case.applicant_id_type,
                    "id_number_masked": mask_id(case.applicant_id_number),
                },
                "intake_outcome": payload.get("outcome", "accept"),
                "status": case.status,
                "status_label": _status_label(case.status),
                "suspended": case.status == CaseState.SUSPENDED.value,
                "received_at": _time(case.received_at),
                "decided_at": _time(case.decided_at),
                "delivered_at": _time(case.delivered_at),
                "promised_due": _date(case.promised_by),
                "due": _date(case.due),
                "legal_due": _date(_legal_due(catalog, work_calendar, case)),
                "result_name": case.result_name,
                "bundle_no": case.bundle_no,
                "on_day": events,
            }
        )
    return _envelope("cases", day, org_code, records)


def _status_label(status: str) -> str:
    try:
        return LABELS[CaseState(status)]
    except ValueError:
        return status


def _legal_due(catalog: Catalog, work_calendar: WorkCalendar, case: Case) -> dt.date | None:
    """法定办结时限: the matter's legal limit counted from the intake day (None without one)."""
    try:
        matter = catalog.get(case.matter_code)
    except KeyError:
        return None
    if matter.legal_limit <= 0:
        return None
    return add_limit(china_date(case.received_at), matter.legal_limit, matter.legal_unit, work_calendar).due


def export_document(db: str | Engine, kind: Kind, day: dt.date, org_code: str | None = None) -> dict[str, Any]:
    """The document of `kind` for `day` in a session of its own (the CLI's entry)."""
    with engine_for(db) as engine, session_factory(engine)() as session:
        if kind == "ratings":
            return ratings_document(session, day, org_code)
        return cases_document(session, day, org_code)


def dumps(document: dict[str, Any]) -> str:
    """The document as the file holds it: UTF-8 JSON, Chinese as is, keys in the documented order."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
