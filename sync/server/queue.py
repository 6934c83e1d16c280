"""The hall's queue (叫号): tickets issued at the door, called by any window of the hall.

One queue per org unit and service day, kept here so that the many windows of a
county hall share it. Issuing and calling hold the hall's row lock (`org_units`, FOR
UPDATE on PostgreSQL; SQLite has one writer at a time anyway), so the calls of one hall
are taken one after the other — a few a minute, cheap to serialise — and each sees the
others' result; the call itself is still a conditional UPDATE (`status = 'waiting'`),
so even without the lock two windows calling at the same instant could never get the
same ticket.

Order: priority tickets (65 and older, green channel) first, but after
`MAX_PRIORITY_IN_A_ROW` priority calls in a row a window calls the oldest ordinary
ticket that waits (client.domain.tickets.priority_turn); otherwise oldest first. A
transfer keeps the ticket's place (its id) and its number.

云叫号: a ticket taken with the ID number of a booking within its check-in period
(sync.server.booking) is checked in: it takes the booking's category and, among the
ordinary tickets, is called before the walk-ins (爱心 priority still comes first, within its
two-in-a-row rule; an elderly person's booking gets a priority ticket). A window checks a
booking in by the holder's ID number or the confirmation code (`POST /queue/check-in`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from client.domain.case_numbers import parse_case_no
from client.domain.tickets import (
    CATEGORIES,
    CODE_LENGTH,
    DEFAULT_CATEGORY,
    PRIORITY_PREFIX,
    STATUS_LABELS,
    PriorityCheck,
    is_booking_code,
    priority_for,
    priority_turn,
    ticket_label,
    window_number,
)
from client.domain.validators import check_resident_id
from sync import protocol

from .booking.book import appointment_of, check_in, window_check_in
from .booking.rules import normal_code
from .db import Booking, BookingSlot, OrgUnit, Ticket, rows_matched, utcnow
from .deps import Ctx, Dev
from .errors import ApiError

log = logging.getLogger(__name__)

RECALLS_BEFORE_NO_SHOW = 3
_ATTEMPTS = 20


class QueueError(ApiError):
    """A refused queue action; `message` is Chinese for the clerk or the operator."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(status, code, message)

    def __str__(self) -> str:
        return self.message


def service_day(now: dt.datetime | None = None) -> dt.date:
    """The hall's day, in China Standard Time (the halls' zone, whatever zone the server runs
    in): numbers start again at 001 each day, at midnight in the hall, not at 08:00 on a
    back office kept in UTC."""
    return (now or utcnow()).astimezone(protocol.CST).date()


def _window(text: str | None) -> str:
    try:
        return window_number(text)
    except ValueError as exc:
        raise QueueError(400, "bad_window", str(exc)) from None


def _category(code: str | None) -> str:
    code = (code or DEFAULT_CATEGORY).strip().upper()
    if code not in CATEGORIES:
        names = "、".join(f"{k} {v}" for k, v in CATEGORIES.items())
        raise QueueError(400, "bad_category", f"没有“{code}”类号，可选：{names}")
    return code


def _as_wire(session: Session, row: Ticket, waiting_ahead: int = 0) -> protocol.QueueTicket:
    return protocol.QueueTicket(
        id=row.id,
        ticket_no=row.ticket_no,
        category=row.category,
        category_label=CATEGORIES[row.category],
        priority=row.priority,
        priority_reason=row.priority_reason,
        status=row.status,
        window=row.window,
        target_window=row.target_window,
        recalls=row.recalls,
        issued_at=row.issued_at,
        called_at=row.called_at,
        done_at=row.done_at,
        case_no=row.case_no,
        waiting_ahead=waiting_ahead,
        appointment=appointment_of(session, row.booking_id) if row.booking_id else None,
    )


def take_ticket(
    sessions: sessionmaker[Session],
    org_code: str,
    category: str | None = None,
    *,
    green_channel: bool = False,
    id_number: str | None = None,
    now: dt.datetime | None = None,
) -> protocol.QueueTicket:
    """Issue the next number of the day (A001…, or P001… for a priority holder)."""
    now = (now or utcnow()).astimezone(dt.UTC)
    category = _category(category)
    try:
        check = priority_for((id_number or "").strip() or None, green_channel, service_day(now))
    except ValueError as exc:
        raise QueueError(400, "invalid_id_number", str(exc)) from None
    number_given = check_resident_id(id_number or "").value if (id_number or "").strip() else ""
    return _issue(
        sessions,
        org_code,
        category,
        check,
        now,
        lambda session: check_in(session, org_code, number_given, now) if number_given else None,
    )


def check_in_ticket(
    sessions: sessionmaker[Session],
    org_code: str,
    *,
    id_number: str = "",
    code: str = "",
    now: dt.datetime | None = None,
) -> protocol.QueueTicket:
    """A booking checked in at the window (by the holder's ID number or the confirmation
    code): its ticket, called ahead of the walk-ins of its category. Unlike a dispenser's
    request, no booking is refused in words instead of giving a walk-in's ticket."""
    now = (now or utcnow()).astimezone(dt.UTC)
    number, code = (id_number or "").strip(), normal_code(code or "")
    if bool(number) == bool(code):
        raise QueueError(400, "bad_check_in", "请读取身份证、输入身份证号或输入预约确认码")
    try:
        check = priority_for(number or None, False, service_day(now))
    except ValueError as exc:
        raise QueueError(400, "invalid_id_number", str(exc)) from None
    if number:
        number = check_resident_id(number).value
    elif not is_booking_code(code):
        raise QueueError(400, "bad_code", f"确认码为{CODE_LENGTH}位字母和数字，请核对")
    return _issue(
        sessions,
        org_code,
        None,
        check,
        now,
        lambda session: window_check_in(session, org_code, now, id_number=number, code=code),
    )


def _issue(
    sessions: sessionmaker[Session],
    org_code: str,
    category: str | None,
    check: PriorityCheck,
    now: dt.datetime,
    find_booking: Callable[[Session], Booking | None],
) -> protocol.QueueTicket:
    """Draw the day's next number under the hall's lock; a booking checked in on the way gives
    the ticket its category (whatever was touched) and its place ahead of the walk-ins."""
    day = service_day(now)
    series, number = "", 0
    for _attempt in range(_ATTEMPTS):
        try:
            with sessions() as session, session.begin():
                _lock_hall(session, org_code)
                booking = find_booking(session)
                if booking is not None:
                    category = session.get_one(BookingSlot, booking.slot_id).category
                category = _category(category)
                series = PRIORITY_PREFIX if check.priority else category
                last = session.execute(
                    select(func.max(Ticket.number)).where(
                        Ticket.org_code == org_code, Ticket.service_day == day, Ticket.series == series
                    )
                ).scalar()
                number = (last or 0) + 1
                row = Ticket(
                    org_code=org_code,
                    service_day=day,
                    series=series,
                    number=number,
                    ticket_no=ticket_label(series, number),
                    category=category,
                    priority=check.priority,
                    priority_reason=check.reason,
                    status="waiting",
                    recalls=0,
                    issued_at=now,
                    booking_id=booking.id if booking else None,
                )
                session.add(row)
                session.flush()
                # A checked-in booking passes the walk-ins: only priority and earlier bookings
                # stay ahead of it. (A walk-in's count cannot know who checks in later.)
                jumps = [or_(Ticket.priority.is_(True), Ticket.booking_id.is_not(None))] if booking else []
                ahead = session.execute(
                    select(func.count())
                    .select_from(Ticket)
                    .where(
                        Ticket.org_code == org_code,
                        Ticket.service_day == day,
                        Ticket.status == "waiting",
                        Ticket.id < row.id,
                        *jumps,
                    )
                ).scalar_one()
                answer = _as_wire(session, row, ahead)
            log.info("ticket %s issued at %s (%s)", answer.ticket_no, org_code, check.reason or "ordinary")
            return answer
        except IntegrityError:
            log.info("ticket number %s%03d taken concurrently at %s, drawing again", series, number, org_code)
    raise QueueError(503, "queue_busy", "取号人数过多，请稍后再试")


def _lock_hall(session: Session, org_code: str) -> None:
    """Queue changes of one hall one at a time (see the module docstring)."""
    found = session.execute(select(OrgUnit.code).where(OrgUnit.code == org_code).with_for_update()).first()
    if found is None:
        raise QueueError(404, "unknown_org", f"没有机构 {org_code}")


def _eligible(org_code: str, day: dt.date, window: str, categories: list[str]) -> tuple[ColumnElement[bool], ...]:
    """Waiting tickets this window may call: sent to it, or open to all in its categories."""
    open_to_all: ColumnElement[bool] = Ticket.target_window.is_(None)
    if categories:
        open_to_all = and_(open_to_all, Ticket.category.in_(categories))
    return (
        Ticket.org_code == org_code,
        Ticket.service_day == day,
        Ticket.status == "waiting",
        or_(Ticket.target_window == window, open_to_all),
    )


def _current(session: Session, org_code: str, day: dt.date, window: str) -> Ticket | None:
    return session.execute(
        select(Ticket)
        .where(
            Ticket.org_code == org_code, Ticket.service_day == day, Ticket.status == "called", Ticket.window == window
        )
        .order_by(Ticket.last_called_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def call_next(
    sessions: sessionmaker[Session],
    org_code: str,
    device_id: str,
    window: str,
    categories: list[str] | None = None,
    now: dt.datetime | None = None,
) -> protocol.CallResponse:
    """Give this window the next ticket; none when nobody waits for it."""
    window = _window(window)
    categories = [_category(c) for c in categories or []]
    for _attempt in range(_ATTEMPTS):
        stamp = (now or utcnow()).astimezone(dt.UTC)  # bound into SQL as it is: UTC, like every stamp
        day = service_day(stamp)
        with sessions() as session, session.begin():
            _lock_hall(session, org_code)
            current = _current(session, org_code, day, window)
            if current is not None:
                raise QueueError(409, "ticket_open", f"{current.ticket_no}号尚未办结，请先办结、转移或过号后再叫下一号")
            where = _eligible(org_code, day, window, categories)
            first = {
                flag: session.execute(
                    select(Ticket.id)
                    .where(*where, Ticket.priority.is_(flag))
                    .order_by(Ticket.booking_id.is_(None), Ticket.id)  # checked-in bookings first
                    .limit(1)
                ).scalar()
                for flag in (True, False)
            }
            recent = list(
                session.execute(
                    select(Ticket.priority)
                    .where(
                        Ticket.org_code == org_code,
                        Ticket.service_day == day,
                        Ticket.window == window,
                        Ticket.last_called_at.is_not(None),
                    )
                    .order_by(Ticket.last_called_at.desc())
                    .limit(4)
                ).scalars()
            )
            turn = priority_turn(recent, first[True] is not None, first[False] is not None)
            if turn is None:
                return protocol.CallResponse(ticket=None, waiting=0)
            won = rows_matched(
                session,
                update(Ticket)
                .where(Ticket.id == first[turn], Ticket.status == "waiting")
                .values(
                    status="called",
                    window=window,
                    target_window=None,
                    called_by=device_id,
                    called_at=func.coalesce(Ticket.called_at, stamp),
                    last_called_at=stamp,
                    recalls=0,
                ),
            )
            if won != 1:
                continue  # another window took it between our look and our update: look again
            row = session.get_one(Ticket, first[turn])  # just updated, in this transaction
            session.refresh(row)
            waiting = session.execute(select(func.count()).select_from(Ticket).where(*where)).scalar_one()
            ticket = _as_wire(session, row)
            answer = protocol.CallResponse(ticket=ticket, waiting=waiting)
        log.info("window %s of %s called %s", window, org_code, ticket.ticket_no)
        return answer
    raise QueueError(503, "queue_busy", "叫号繁忙，请稍后重试")


def queue_status(
    sessions: sessionmaker[Session], org_code: str, window: str, categories: list[str] | None = None
) -> protocol.QueueStatus:
    """The window's current ticket and how many wait for it (for the panel and after a restart)."""
    window = _window(window)
    categories = [_category(c) for c in categories or []]
    day = service_day()
    with sessions() as session:
        current = _current(session, org_code, day, window)
        where = _eligible(org_code, day, window, categories)
        waiting = session.execute(select(func.count()).select_from(Ticket).where(*where)).scalar_one()
        priority = session.execute(
            select(func.count()).select_from(Ticket).where(*where, Ticket.priority.is_(True))
        ).scalar_one()
        return protocol.QueueStatus(
            window=window,
            current=_as_wire(session, current) if current else None,
            waiting=waiting,
            waiting_priority=priority,
        )


ACTIONS = ("recall", "no-show", "transfer", "done")


def act(
    sessions: sessionmaker[Session],
    org_code: str,
    ticket_id: int,
    action: str,
    body: protocol.TicketAction,
    now: dt.datetime | None = None,
) -> protocol.QueueTicket:
    """Recall (re-announce), no-show (过号, after 3 recalls), transfer, or done, on the
    ticket this window is serving."""
    window = _window(body.window)
    now = (now or utcnow()).astimezone(dt.UTC)
    with sessions() as session, session.begin():
        row = session.execute(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).scalar_one_or_none()
        if row is None or row.org_code != org_code:
            raise QueueError(404, "unknown_ticket", "没有找到该号")
        if row.status != "called" or row.window != window:
            state = STATUS_LABELS.get(row.status, row.status)
            raise QueueError(409, "not_yours", f"{row.ticket_no}号当前{state}，不在本窗口办理")
        if action == "recall":
            row.recalls += 1
            row.last_called_at = now
        elif action == "no-show":
            if row.recalls < RECALLS_BEFORE_NO_SHOW:
                raise QueueError(409, "too_early", f"重呼{RECALLS_BEFORE_NO_SHOW}次后才能过号（已重呼{row.recalls}次）")
            row.status, row.done_at = "no_show", now
        elif action == "transfer":
            _transfer(row, window, body)
        elif action == "done":
            case_no = parse_case_no(body.case_no or "") or None
            row.status, row.done_at, row.case_no = "done", now, case_no
        else:
            raise QueueError(404, "unknown_action", f"不支持的操作“{action}”")
        session.flush()
        answer = _as_wire(session, row)
    log.info("window %s: %s %s", window, action, answer.ticket_no)
    return answer


def _transfer(row: Ticket, window: str, body: protocol.TicketAction) -> None:
    to_window = _window(body.to_window) if body.to_window else None
    to_category = _category(body.to_category) if body.to_category else None
    if to_window is None and to_category is None:
        raise QueueError(400, "bad_transfer", "请填写转至的窗口号或号类")
    if to_window == window:
        raise QueueError(400, "bad_transfer", "不能转给本窗口")
    row.status, row.target_window, row.recalls = "waiting", to_window, 0
    if to_category:
        row.category = to_category


@dataclass(frozen=True)
class QueueStats:
    """A day of one hall: what the queue did, and how long people waited and were served."""

    day: dt.date
    issued: int
    waiting: int
    served: int
    no_show: int
    priority: int
    average_wait_minutes: float | None  # issue → first call
    average_service_minutes: float | None  # first call → done


def _minutes(spans: list[dt.timedelta]) -> float | None:
    return round(sum(s.total_seconds() for s in spans) / len(spans) / 60, 1) if spans else None


def queue_stats(
    sessions: sessionmaker[Session], org_code: str, day: dt.date | None = None, window: str | None = None
) -> QueueStats:
    day = day or service_day()
    with sessions() as session:
        query = select(Ticket).where(Ticket.org_code == org_code, Ticket.service_day == day)
        if window:
            query = query.where(Ticket.window == _window(window))
        rows = list(session.execute(query).scalars())
    waits = [r.called_at - r.issued_at for r in rows if r.called_at]
    service = [r.done_at - r.called_at for r in rows if r.status == "done" and r.called_at and r.done_at]
    return QueueStats(
        day,
        len(rows),
        sum(r.status == "waiting" for r in rows),
        sum(r.status == "done" for r in rows),
        sum(r.status == "no_show" for r in rows),
        sum(r.priority for r in rows),
        _minutes(waits),
        _minutes(service),
    )


def list_tickets(
    sessions: sessionmaker[Session], org_code: str, day: dt.date | None = None
) -> list[protocol.QueueTicket]:
    day = day or service_day()
    with sessions() as session:
        rows = session.execute(
            select(Ticket).where(Ticket.org_code == org_code, Ticket.service_day == day).order_by(Ticket.id)
        ).scalars()
        return [_as_wire(session, r) for r in rows]


router = APIRouter(prefix="/queue", tags=["queue"])
_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": protocol.ErrorBody},
    404: {"model": protocol.ErrorBody},
    409: {"model": protocol.ErrorBody},
}


@router.post("/tickets", response_model=protocol.QueueTicket, responses=_ERRORS)
def take(body: protocol.TicketRequest, ctx: Ctx, dev: Dev) -> protocol.QueueTicket:
    """What a ticket dispenser (an enrolled kiosk) or the guide's tablet calls."""
    return take_ticket(
        ctx.sessions, dev.org_code, body.category, green_channel=body.green_channel, id_number=body.id_number
    )


@router.post("/check-in", response_model=protocol.QueueTicket, responses=_ERRORS)
def check_in_at_window(body: protocol.CheckInRequest, ctx: Ctx, dev: Dev) -> protocol.QueueTicket:
    """A clerk checks a 云叫号 booking in for the citizen at the counter."""
    try:
        window = window_number(body.window)
    except ValueError as exc:
        raise QueueError(400, "bad_window", str(exc)) from None
    ticket = check_in_ticket(ctx.sessions, dev.org_code, id_number=body.id_number or "", code=body.code or "")
    log.info("booking checked in at window %s of %s: ticket %s", window, dev.org_code, ticket.ticket_no)
    return ticket


@router.post("/call", response_model=protocol.CallResponse, responses=_ERRORS)
def call(body: protocol.CallRequest, ctx: Ctx, dev: Dev) -> protocol.CallResponse:
    return call_next(ctx.sessions, dev.org_code, dev.id, body.window, body.categories)


@router.get("/status", response_model=protocol.QueueStatus, responses=_ERRORS)
def status(window: str, ctx: Ctx, dev: Dev) -> protocol.QueueStatus:
    return queue_status(ctx.sessions, dev.org_code, window)


@router.post("/tickets/{ticket_id}/{action}", response_model=protocol.QueueTicket, responses=_ERRORS)
def ticket_action(ticket_id: int, action: str, body: protocol.TicketAction, ctx: Ctx, dev: Dev) -> protocol.QueueTicket:
    if action not in ACTIONS:
        raise QueueError(404, "unknown_action", f"不支持的操作“{action}”")
    return act(ctx.sessions, dev.org_code, ticket_id, action, body)
