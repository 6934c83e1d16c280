"""Shifts at the window (开班/交班): who served at which window, and the hand-over slip.

Recorded in the local store first (works offline); the back office hears of them as
`shift.opened` / `shift.closed` events sent after each sync round. They do not go
through the case outbox because its entries belong to the hash-chained case journal;
a shift event carries a fixed event id, so sending it twice is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from client.domain.ratings import LEVELS, is_bad
from client.domain.tickets import window_number
from client.store.db import Store
from client.store.models import CaseEvent, OutboxEntry, Shift
from client.store.settings import DeviceIdentity, get_setting, put_setting
from reports.shift_summary import ShiftSheet, shift_summary_layout
from sync import protocol
from sync.api import BackOfficeApi, ServerError, ServerUnreachable

from .auth import Clerk
from .errors import ServiceError, clerk_message
from .intake import OUTCOME_LABELS
from .paperwork import PrinterPort

log = logging.getLogger(__name__)

WINDOW_SETTING = "pref.window"
_INTAKE_EVENTS = (protocol.CASE_ACCEPTED, protocol.CASE_NOTIFIED, protocol.CASE_REFUSED)


@dataclass(frozen=True)
class ShiftInfo:
    id: str
    window: str
    clerk: str
    clerk_name: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None = None

    @property
    def window_label(self) -> str:
        return f"{self.window}号窗口"


@dataclass(frozen=True)
class ShiftSummary:
    shift: ShiftInfo
    outcomes: tuple[tuple[str, int], ...]  # 受理 3, 一次性告知 1…
    cases: int
    tickets_served: int
    tickets_no_show: int
    ratings: tuple[tuple[str, int], ...]  # 非常满意 2…
    bad_ratings: int
    unsynced: int  # this machine's events the back office has not acknowledged
    rejected: int
    unfinished: str  # the ticket still called at this window, "" if none; or why it is not known
    printed: bool = False
    print_error: str = ""

    @property
    def warnings(self) -> tuple[str, ...]:
        out = []
        if self.unsynced:
            out.append(f"还有{self.unsynced}条办件记录未报送后台，请联网后同步（F5），不要关闭或重装本机")
        if self.rejected:
            out.append(f"有{self.rejected}条办件记录被后台退回，请交主管处理")
        if self.unfinished:
            out.append(self.unfinished)
        return tuple(out)

    def rows(self) -> tuple[tuple[str, str], ...]:
        outcomes = "，".join(f"{name}{n}件" for name, n in self.outcomes) or "无"
        ratings = "，".join(f"{name}{n}" for name, n in self.ratings) or "无"
        return (
            ("受理办件", f"{self.cases}件（{outcomes}）"),
            ("叫号", f"办结{self.tickets_served}个，过号{self.tickets_no_show}个"),
            ("好差评", f"{ratings}；差评{self.bad_ratings}个"),
            ("未报送", f"{self.unsynced}条" + (f"，被退回{self.rejected}条" if self.rejected else "")),
        )

    def heading(self) -> tuple[tuple[str, str], ...]:
        closed = self.shift.closed_at
        return (
            ("窗口", self.shift.window_label),
            ("工作人员", self.shift.clerk_name),
            ("开班", f"{self.shift.opened_at:%Y-%m-%d %H:%M}"),
            ("交班", f"{closed:%Y-%m-%d %H:%M}" if closed else "（未交班）"),
        )


def _info(row: Shift) -> ShiftInfo:
    return ShiftInfo(row.id, row.window, row.clerk, row.clerk_name, row.opened_at, row.closed_at)


def check_window(text: str) -> str:
    try:
        return window_number(text)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None


class ShiftService:
    """`unfinished` asks the queue what is still called at this window (a Chinese warning or "")."""

    def __init__(
        self,
        store: Store,
        identity: Callable[[], DeviceIdentity],
        api: Callable[[], BackOfficeApi],
        printer: PrinterPort | None = None,
        office_name: str = "",
        receipt_format: Callable[[], str] = lambda: "80",
        unfinished: Callable[[], str] = lambda: "",
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ):
        self.store, self.identity, self.api, self.printer = store, identity, api, printer
        self.office_name, self.receipt_format, self.unfinished, self.clock = (
            office_name,
            receipt_format,
            unfinished,
            clock,
        )

    def current(self) -> ShiftInfo | None:
        """The shift open on this machine, if any (it survives a restart)."""
        with self.store.sessions() as s:
            row = s.scalars(
                select(Shift).where(Shift.closed_at.is_(None)).order_by(Shift.opened_at.desc()).limit(1)
            ).first()
            return _info(row) if row else None

    def window(self) -> str:
        """This counter's window number: the open shift's, else the last one used here."""
        shift = self.current()
        if shift is not None:
            return shift.window
        with self.store.sessions() as s:
            return get_setting(s, WINDOW_SETTING, "") or ""

    def open(self, clerk: Clerk, window: str) -> ShiftInfo:
        """开班. A shift left open on this machine (a crash, a forgotten 交班) is closed first."""
        window = check_window(window)
        left_open = self.current()
        if left_open is not None:
            log.warning("shift %s of %s was left open; closing it before a new one", left_open.id, left_open.clerk)
            self._close(left_open.id)
        now = self.clock().replace(microsecond=0)
        row = Shift(
            id=str(uuid.uuid4()),
            window=window,
            clerk=clerk.username,
            clerk_name=clerk.display_name,
            opened_at=now,
            tickets_served=0,
            tickets_no_show=0,
            summary={},
            synced="",
        )
        with self.store.sessions.begin() as s:
            s.add(row)
            put_setting(s, WINDOW_SETTING, window)
        log.info("shift %s opened by %s at window %s", row.id, clerk.username, window)
        return _info(row)

    def count_ticket(self, outcome: str) -> None:
        """A ticket this window finished ("done") or gave up on ("no_show")."""
        with self.store.sessions.begin() as s:
            row = s.scalars(
                select(Shift).where(Shift.closed_at.is_(None)).order_by(Shift.opened_at.desc()).limit(1)
            ).first()
            if row is None:
                return
            if outcome == "done":
                row.tickets_served += 1
            elif outcome == "no_show":
                row.tickets_no_show += 1

    def summary(self) -> ShiftSummary:
        """The figures of the open shift so far (shown before the clerk confirms 交班)."""
        shift = self.current()
        if shift is None:
            raise ServiceError("当前没有开班记录")
        return self._summary(shift.id, self.unfinished())

    def _summary(self, shift_id: str, unfinished: str) -> ShiftSummary:
        with self.store.sessions() as s:
            row = s.get_one(Shift, shift_id)
            since = row.opened_at
            until = row.closed_at or self.clock() + dt.timedelta(seconds=1)
            events = s.scalars(
                select(CaseEvent).where(
                    CaseEvent.clerk == row.clerk, CaseEvent.device_time >= since, CaseEvent.device_time <= until
                )
            ).all()
            states = dict(s.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all())
            shift = _info(row)
            served, no_show = row.tickets_served, row.tickets_no_show
        outcomes = Counter(
            OUTCOME_LABELS.get(e.payload.get("outcome", "accept"), "受理") for e in events if e.type in _INTAKE_EVENTS
        )
        levels = Counter(int(e.payload.get("level", 0)) for e in events if e.type == protocol.CASE_RATED)
        ratings = tuple((LEVELS[level], levels[level]) for level in sorted(LEVELS, reverse=True) if levels[level])
        return ShiftSummary(
            shift,
            tuple(outcomes.most_common()),
            sum(outcomes.values()),
            served,
            no_show,
            ratings,
            sum(n for level, n in levels.items() if is_bad(level)),
            states.get("pending", 0),
            states.get("rejected", 0),
            unfinished,
        )

    def close(self) -> ShiftSummary:
        """交班: store the figures, print the slip, and tell the back office when it can be reached."""
        shift = self.current()
        if shift is None:
            raise ServiceError("当前没有开班记录")
        summary = self._close(shift.id, self.unfinished())
        printed, error = self._print(summary)
        log.info(
            "shift %s closed by %s: %d cases, %d tickets", shift.id, shift.clerk, summary.cases, summary.tickets_served
        )
        self.push_pending()
        return ShiftSummary(**{**summary.__dict__, "printed": printed, "print_error": error})

    def _close(self, shift_id: str, unfinished: str = "") -> ShiftSummary:
        now = self.clock().replace(microsecond=0)
        with self.store.sessions.begin() as s:
            s.get_one(Shift, shift_id).closed_at = now
        summary = self._summary(shift_id, unfinished)
        with self.store.sessions.begin() as s:
            s.get_one(Shift, shift_id).summary = {
                "cases": summary.cases,
                "outcomes": dict(summary.outcomes),
                "tickets_served": summary.tickets_served,
                "tickets_no_show": summary.tickets_no_show,
                "ratings": dict(summary.ratings),
                "bad_ratings": summary.bad_ratings,
                "unsynced": summary.unsynced,
                "rejected": summary.rejected,
                "unfinished": summary.unfinished,
            }
        return summary

    def _print(self, summary: ShiftSummary) -> tuple[bool, str]:
        if self.printer is None:
            return False, "未配置小票打印机，交班小结未打印"
        width = self.receipt_format()
        sheet = ShiftSheet(self.office_name, summary.heading(), summary.rows(), summary.warnings)
        try:
            self.printer.print_layout(shift_summary_layout(sheet, 80 if width == "A4" else int(width)))
            return True, ""
        except Exception as exc:
            log.warning("shift summary not printed: %s", exc)
            return False, clerk_message(exc, "交班小结打印失败，请检查打印机")

    def push_pending(self) -> int:
        """Send shift.opened / shift.closed the back office has not acknowledged; answers how many
        were acknowledged now. Called after each sync round; quiet when the network is down."""
        with self.store.sessions() as s:
            rows = s.scalars(select(Shift).where(Shift.synced != "closed").order_by(Shift.opened_at)).all()
            todo = [(_info(r), r.synced, dict(r.summary or {})) for r in rows]
        if not todo:
            return 0
        try:
            identity = self.identity()
            api = self.api()
        except ServiceError:
            return 0
        events, marks = [], {}
        for shift, synced, summary in todo:
            payload = protocol.ShiftPayload(
                shift_id=shift.id,
                window=shift.window,
                clerk=shift.clerk,
                opened_at=_aware(shift.opened_at),
                summary=summary,
                closed_at=_aware(shift.closed_at) if shift.closed_at else None,
            )
            kinds = ([protocol.SHIFT_OPENED] if synced == "" else []) + (
                [protocol.SHIFT_CLOSED] if shift.closed_at else []
            )
            for kind in kinds:
                event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{identity.device_id}/{shift.id}/{kind}"))
                events.append(
                    protocol.Event(
                        event_id=event_id,
                        device_seq=0,
                        case_id=protocol.SHIFT_CASE_PREFIX + shift.id,
                        type=kind,
                        payload=payload.model_dump(mode="json"),
                        device_time=_aware(shift.closed_at or shift.opened_at),
                    )
                )
                marks[event_id] = (shift.id, "opened" if kind == protocol.SHIFT_OPENED else "closed")
        try:
            results = api.push(events).results
        except (ServerUnreachable, ServerError) as exc:
            log.info("shift events not sent yet: %s", exc)
            return 0
        done = [marks[r.event_id] for r in results if r.status in ("acked", "rejected")]
        for r in results:
            if r.status == "rejected":
                log.warning("shift event %s rejected: %s %s", r.event_id, r.code, r.reason)
        with self.store.sessions.begin() as s:
            for shift_id, state in done:
                row = s.get_one(Shift, shift_id)
                if state == "closed" or row.synced == "":
                    row.synced = state
        return len(done)


def _aware(moment: dt.datetime) -> dt.datetime:
    """Local store times are naive local time; the wire wants them with their offset."""
    return moment.astimezone() if moment.tzinfo is None else moment
