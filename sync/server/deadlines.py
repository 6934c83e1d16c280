"""Deadlines on the server: the due date of a case and the warnings (黄牌/红牌) it earns.

The clock is the server's. A case's deadline counts from the date the applicant was
served, in the zone the window sent with its intake time (sync.protocol.WireTime), so the
server's due date is the one printed on the notice; every other date here (suspensions,
warnings) is China Standard Time, the zone of every hall. A suspension (特别程序) pauses
the clock: on resume the due date moves by the working days it lasted.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from client.domain.bundles import bundle_deadline
from client.domain.catalog import Bundle, Catalog
from client.domain.deadlines import Suspension, WorkCalendar, add_limit, after_suspension, working_days_between
from client.domain.legal_framing import extended_legal_due, legal_due
from client.domain.states import CaseState
from sync import protocol

from . import escalations
from .db import Case, append_change, engine_for, utcnow
from .publishing import current_calendar

log = logging.getLogger(__name__)

CST = protocol.CST
NEAR_DUE_WORKING_DAYS = 2
MAX_BACKDATE = dt.timedelta(days=30)  # a device clock cannot start a deadline earlier than this
# The states whose clock runs; SUSPENDED is left out on purpose (特别程序 pauses it).
OPEN_STATES = (CaseState.SUBMITTED.value, CaseState.IN_REVIEW.value, CaseState.SUPPLEMENT_REQUESTED.value)


def china_date(moment: dt.datetime) -> dt.date:
    """The date in China of a server time (naive: UTC, as the server stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CST).date()


def start_date(received_at: dt.datetime, server_now: dt.datetime) -> dt.date:
    """The intake date the deadline counts from: the device's, clamped by the server clock.

    The date is taken in the zone the window sent, the date it printed on the notice: the
    instant alone would not do (an intake at 17:30 in China is 09:30 UTC, but one at 00:30
    is the previous day in UTC). A time without a zone is an older window's China wall time.
    A device clock far off is clamped to the server's, and the date is then the server's
    instant read in the window's zone.
    """
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=CST)
    zone = received_at.tzinfo
    clamped = min(max(received_at, server_now - MAX_BACKDATE), server_now)
    return clamped.astimezone(zone).date()


def due_date(
    catalog: Catalog, matter_code: str, start: dt.date, calendar: WorkCalendar, bundle_code: str | None = None
) -> dt.date | None:
    """The case's due date from the published catalog, never from the device's promise.

    A member case of a 一件事 (`bundle_code`) is due when the bundle was promised to the
    applicant (一件事承诺时限), the same date its one receipt printed, not by its own limit.
    """
    bundle = _bundle_of(catalog, bundle_code, matter_code) if bundle_code else None
    if bundle is not None:
        members = tuple(catalog.get(code) for code in bundle.matters)
        return bundle_deadline(bundle, members, start, calendar).due
    matter = catalog.get(matter_code)
    if matter.handling == "promised" and matter.promised_limit > 0:
        return add_limit(start, matter.promised_limit, matter.promised_unit, calendar).due
    if matter.legal_limit > 0:
        return add_limit(start, matter.legal_limit, matter.legal_unit, calendar).due
    return start


def legal_due_date(catalog: Catalog, matter_code: str, start: dt.date, calendar: WorkCalendar) -> dt.date | None:
    """The case's legal date (法定办结期限) from the published catalog's framing: the matter's own
    limit, else its kind's default (§42 for a licence: 20 working days, 45 when handled jointly).
    A 一件事 member keeps its own: the law holds each decision to its own limit. None: no limit."""
    matter = catalog.get(matter_code)
    if catalog.framing(matter).limit.days <= 0:
        return None
    return legal_due(matter, start, calendar, catalog.framings()).due


def _bundle_of(catalog: Catalog, bundle_code: str, matter_code: str) -> Bundle | None:
    """The catalog's bundle when the matter is one of its members; else the case keeps its own limit."""
    try:
        bundle = catalog.bundle(bundle_code)
    except KeyError:
        log.warning("bundle %s not in the published catalog: case keeps its matter's own limit", bundle_code)
        return None
    if matter_code not in bundle.matters:
        log.warning("matter %s is not a member of bundle %s: case keeps its own limit", matter_code, bundle_code)
        return None
    return bundle


def extend_for_suspension(case: Case, resumed: dt.datetime, calendar: WorkCalendar) -> int:
    """Move the due date by the working days the case was suspended; returns how many.

    The domain's one counting rule (client.domain.deadlines.Suspension, the window's too):
    the day the procedure started still ran; every working day after it up to and including
    the day it ended was paused. A moved date earns its warnings afresh.
    """
    if case.due is None or case.suspended_at is None:
        return 0
    pause = Suspension(china_date(case.suspended_at), china_date(resumed))
    paused = pause.paused_working_days(calendar)
    if paused > 0:
        moved = after_suspension(case.due, pause, calendar).due  # unmoved when begun on/after the due date
        if moved != case.due:
            move_due(case, moved)
        if case.legal_due is not None:  # the legal clock is paused alike (§45)
            case.legal_due = after_suspension(case.legal_due, pause, calendar).due
    return paused


EXTENSION_WORKING_DAYS = 10  # 行政许可法第四十二条第一款: 经本行政机关负责人批准，可以延长十日


def extension_days(catalog: Catalog, matter_code: str) -> int:
    """The working days the head's extension adds: the matter's framing's (§42: 10, or 15 when the
    catalog marks it handled jointly); 10 for a kind whose law names none, or a matter unknown."""
    try:
        matter = catalog.get(matter_code)
    except KeyError:
        return EXTENSION_WORKING_DAYS
    return catalog.framing(matter).limit.extension or EXTENSION_WORKING_DAYS


def extend_by_law(case: Case, calendar: WorkCalendar, days: int = EXTENSION_WORKING_DAYS) -> dt.date:
    """The due date after the one extension §42 allows: 10 more working days. The legal date
    (法定办结期限) moves with it: the extension is what the law grants, recorded on the case."""
    assert case.due is not None  # callers refuse a case without a deadline first
    new_due = add_limit(case.due, days, "WD", calendar).due
    move_due(case, new_due)
    if case.legal_due is not None:
        case.legal_due = extended_legal_due(case.legal_due, days, calendar)
    return new_due


def move_due(case: Case, due: dt.date) -> None:
    """A new due date: the warning sent for the old one no longer holds (黄牌/红牌 start again)."""
    case.due, case.warning = due, None


@dataclass(frozen=True)
class Warning:
    case_no: str
    org_code: str
    level: Literal["near_due", "overdue"]
    due: dt.date
    working_days_left: int


def scan_deadlines(
    db: str | Engine,
    today: dt.date | None = None,
    near_days: int = NEAR_DUE_WORKING_DAYS,
    org_codes: tuple[str, ...] | None = None,
) -> tuple[Warning, ...]:
    """Warn on every open case near or past its due date; each level is published once.

    A suspended case (特别程序) is not open here: its clock is paused, so it earns no card
    however its date stands. `org_codes` limits the scan to those org units' cases.
    """
    now = utcnow()
    today = today or china_date(now)
    found = []
    with engine_for(db) as engine, Session(engine) as session, session.begin():
        calendar = current_calendar(session)
        query = select(Case).where(Case.status.in_(OPEN_STATES), Case.due.is_not(None))
        if org_codes is not None:
            query = query.where(Case.org_code.in_(org_codes))
        cases = session.execute(query.order_by(Case.due, Case.case_no)).scalars()
        for case in cases:
            due = case.due
            assert due is not None  # the query takes only cases with a due date
            left = working_days_between(today, due, calendar)
            level: Literal["near_due", "overdue"] | None = (
                "overdue" if today > due else "near_due" if left <= near_days else None
            )
            if level is None:
                continue
            found.append(Warning(case.case_no, case.org_code, level, due, left))
            if case.warning == level:
                continue
            case.warning = level
            escalations.record(session, case, level, due, left)  # 电子监察: to its heads and supervisors
            data = protocol.DeadlineWarningData(level=level, due=due, working_days_left=left)
            append_change(
                session,
                protocol.CHANGE_DEADLINE,
                case.org_code,
                case_id=case.id,
                case_no=case.case_no,
                data=data.model_dump(mode="json"),
            )
    return tuple(found)
