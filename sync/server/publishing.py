"""What the back office publishes to every window: catalog versions, the working-day
calendar and notice templates.

Each publication is stored whole (newest wins; calendars merge by year) and announced
in the change feed to all org units, so a window offline for a week still gets the latest on its next pull.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.catalog import Catalog, catalog_from_dict, check_catalog, load_sample_catalog
from client.domain.deadlines import WorkCalendar, calendar_from_dict, load_builtin_calendar
from sync import protocol

from .db import ALL_ORGS, Publication, append_change, engine_for

KIND_CATALOG, KIND_CALENDAR, KIND_TEMPLATE, KIND_POLICY = "catalog", "calendar", "template", "field_policy"


class PublishError(Exception):
    """A publication refused; `message` is Chinese for the administrator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Published:
    kind: str
    name: str
    version: str
    sha256: str
    change_seq: int


def _digest(body: dict) -> str:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _publish(
    session: Session, kind: str, name: str, version: str, body: dict, by: str, change_kind: str, data: dict
) -> Published:
    digest = _digest(body)
    session.add(Publication(kind=kind, name=name, version=version, sha256=digest, body=body, published_by=by))
    change = append_change(
        session, change_kind, ALL_ORGS, data={**data, **({"sha256": digest} if kind == KIND_CATALOG else {})}
    )
    session.flush()
    return Published(kind, name, version, digest, change.seq)


def _check_max_age(days: int | None) -> None:
    if days is not None and not 1 <= days <= 730:
        raise PublishError("最长使用天数应在1到730天之间")


def publish_catalog(db: str | Engine, body: dict, *, by: str = "", max_age_days: int | None = None) -> Published:
    """Check and publish a catalog (client.domain.catalog dict form); a window that has not
    been in touch for `max_age_days` warns that its catalog may be out of date."""
    _check_max_age(max_age_days)
    try:
        catalog = catalog_from_dict(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise PublishError(f"事项清单格式不正确：{exc}") from None
    problems = check_catalog(catalog)
    if problems:
        raise PublishError("事项清单有误：" + "；".join(problems[:5]))
    body = catalog.to_dict()
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        data = protocol.CatalogVersionData(
            version=catalog.version, sha256="-", matters=len(catalog.matters), max_age_days=max_age_days
        ).model_dump(mode="json")
        return _publish(session, KIND_CATALOG, "", catalog.version, body, by, protocol.CHANGE_CATALOG, data)


def publish_calendar(
    db: str | Engine, body: dict, *, version: str | None = None, by: str = "", max_age_days: int | None = None
) -> Published:
    """Import a working-day calendar {years, holidays, workdays} and send it to the windows.

    Each publication is kept as imported and sent as imported: the back office
    (`current_calendar`) and every window (client.store.outbox) merge them by year.
    """
    _check_max_age(max_age_days)
    try:
        calendar_from_dict(body)
        data = protocol.CalendarData(
            version=version or dt.date.today().isoformat(),
            years=body.get("years", []),
            holidays=body.get("holidays", []),
            workdays=body.get("workdays", []),
            max_age_days=max_age_days or body.get("max_age_days"),
        )
    except (TypeError, ValueError) as exc:
        raise PublishError(f"工作日历格式不正确：{exc}") from None
    if not data.years:
        raise PublishError("工作日历须列出所覆盖的年份（years）")
    clean = data.model_dump(mode="json")
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        return _publish(session, KIND_CALENDAR, "", data.version, clean, by, protocol.CHANGE_CALENDAR, clean)


def publish_template(db: str | Engine, name: str, version: str, body: str, *, by: str = "") -> Published:
    if not name.strip() or not body.strip():
        raise PublishError("文书模板名称和内容不能为空")
    data = protocol.NoticeTemplateData(name=name.strip(), version=version, body=body).model_dump(mode="json")
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        return _publish(session, KIND_TEMPLATE, name.strip(), version, data, by, protocol.CHANGE_TEMPLATE, data)


def publish_policy(db: str | Engine, *, offline_login_days: int, by: str = "") -> Published:
    """How long a clerk may log in offline after their last online login, for every window."""
    try:
        data = protocol.FieldPolicyData(
            offline_login_days=offline_login_days, issued_at=dt.datetime.now(dt.UTC)
        ).model_dump(mode="json")
    except ValueError:
        raise PublishError("离线登录天数应在1到60天之间") from None
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        return _publish(session, KIND_POLICY, "", data["issued_at"], data, by, protocol.CHANGE_POLICY, data)


def _latest(session: Session, kind: str) -> Publication | None:
    return session.execute(
        select(Publication).where(Publication.kind == kind).order_by(Publication.id.desc()).limit(1)
    ).scalar_one_or_none()


def current_catalog(session: Session) -> Catalog:
    row = _latest(session, KIND_CATALOG)
    return catalog_from_dict(row.body) if row else load_sample_catalog()


def current_calendar(session: Session) -> WorkCalendar:
    """Every calendar publication over the built-in table, merged by year (newest wins per
    year): publishing 2028 after 2027 never forgets 2027. One query, a handful of rows."""
    calendar = load_builtin_calendar()
    rows = session.execute(
        select(Publication.body).where(Publication.kind == KIND_CALENDAR).order_by(Publication.id)
    ).scalars()
    for body in rows:
        calendar = calendar.merged(calendar_from_dict(body))
    return calendar
