"""The window's side of the hall's queue (叫号): call next, recall, 过号, transfer, done.

The queue lives on the back office (many windows share it); every call here is one
HTTP request made off the Tk thread. When the back office cannot be reached the panel
says so and intake goes on without a ticket: the queue is a convenience, never a gate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from client.domain.tickets import CATEGORIES, REASON_LABELS, STATUS_LABELS
from sync import protocol
from sync.api import BackOfficeApi, ServerError, ServerUnreachable

from .errors import ServiceError

log = logging.getLogger(__name__)

_Answer = TypeVar("_Answer")

OFFLINE_MESSAGE = "叫号服务暂不可用，可直接受理"
RECALLS_BEFORE_NO_SHOW = 3


@dataclass(frozen=True)
class TicketView:
    id: int
    ticket_no: str
    category: str
    category_label: str
    priority: bool
    priority_label: str  # 老年人优先 / 绿色通道 / ""
    status: str
    status_label: str
    recalls: int
    issued_at: dt.datetime
    called_at: dt.datetime | None
    target_window: str | None
    case_no: str | None
    appointment_at: dt.datetime | None = None  # checked in by a 云叫号 booking of this slot
    appointment_matter: str | None = None  # the matter booked, to prepare the intake with
    appointment_matter_name: str = ""

    @property
    def appointment_time(self) -> str:
        """The booked slot's start as the hall reads it (China time), or "" without a booking."""
        return f"{self.appointment_at.astimezone(protocol.CST):%H:%M}" if self.appointment_at else ""

    @property
    def can_no_show(self) -> bool:
        """过号 only after the number was called out three more times."""
        return self.status == "called" and self.recalls >= RECALLS_BEFORE_NO_SHOW

    @property
    def waited_minutes(self) -> int | None:
        if self.called_at is None:
            return None
        return int((self.called_at - self.issued_at).total_seconds() // 60)


@dataclass(frozen=True)
class QueuePanel:
    """What the home screen's queue panel shows."""

    available: bool
    message: str  # Chinese: why the queue is unavailable, or what just happened
    window: str
    current: TicketView | None = None
    waiting: int = 0
    waiting_priority: int = 0


def ticket_view(ticket: protocol.QueueTicket) -> TicketView:
    return TicketView(
        ticket.id,
        ticket.ticket_no,
        ticket.category,
        ticket.category_label,
        ticket.priority,
        REASON_LABELS.get(ticket.priority_reason, ""),
        ticket.status,
        STATUS_LABELS.get(ticket.status, ticket.status),
        ticket.recalls,
        ticket.issued_at,
        ticket.called_at,
        ticket.target_window,
        ticket.case_no,
        ticket.appointment.starts_at if ticket.appointment else None,
        ticket.appointment.matter_code if ticket.appointment else None,
        ticket.appointment.matter_name if ticket.appointment else "",
    )


class QueueService:
    """`window` gives this counter's window number (the open shift's, else the setting);
    `on_finished` hears "done" or "no_show" for each ticket this window closes (shift figures)."""

    def __init__(
        self,
        api: Callable[[], BackOfficeApi],
        window: Callable[[], str],
        on_finished: Callable[[str], None] = lambda _outcome: None,
    ):
        self.api, self.window, self.on_finished = api, window, on_finished

    def own_window(self) -> str:
        """This counter's window number; a ServiceError saying where to set it when there is none."""
        window = (self.window() or "").strip()
        if not window:
            raise ServiceError("尚未设置窗口号，请先开班或在设置（F12）中填写窗口号")
        return window

    def _ask(self, fn: Callable[[BackOfficeApi, str], _Answer]) -> _Answer | QueuePanel:
        """Run one request: its answer, or, when the queue is unreachable, an 'unavailable' panel
        instead; a refusal is a ServiceError."""
        window = self.own_window()
        try:
            return fn(self.api(), window)
        except ServerUnreachable as exc:
            log.info("queue unreachable: %s", exc)
            return QueuePanel(False, OFFLINE_MESSAGE, window)
        except ServerError as exc:
            if exc.status in (404, 405) and exc.code in ("not_found", "method_not_allowed"):
                return QueuePanel(False, "后台未启用叫号服务，可直接受理", window)
            if exc.status >= 500 or exc.status == 401:
                log.warning("queue request failed: %s", exc)
                return QueuePanel(False, OFFLINE_MESSAGE, window)
            raise ServiceError(exc.message, str(exc)) from exc
        except ServiceError as exc:  # not enrolled: no back office to ask
            return QueuePanel(False, f"{OFFLINE_MESSAGE}（{exc.message}）", window)

    def status(self) -> QueuePanel:
        """The window's current ticket (also after a restart) and who waits."""
        answer = self._ask(lambda api, w: api.queue_status(w))
        if isinstance(answer, QueuePanel):
            return answer
        return QueuePanel(
            True,
            "",
            answer.window,
            ticket_view(answer.current) if answer.current else None,
            answer.waiting,
            answer.waiting_priority,
        )

    def call_next(self) -> QueuePanel:
        answer = self._ask(lambda api, w: api.call_next(w))
        if isinstance(answer, QueuePanel):
            return answer
        if answer.ticket is None:
            return QueuePanel(True, "目前没有等候的号", self.own_window())
        ticket = ticket_view(answer.ticket)
        return QueuePanel(
            True, f"请{ticket.ticket_no}号到{self.own_window()}号窗口办理", self.own_window(), ticket, answer.waiting
        )

    def _act(self, ticket_id: int, action: str, **fields: str | None) -> TicketView | QueuePanel:
        answer = self._ask(
            lambda api, w: api.ticket_action(ticket_id, action, protocol.TicketAction(window=w, **fields))
        )
        return answer if isinstance(answer, QueuePanel) else ticket_view(answer)

    def _after(self, result: TicketView | QueuePanel, note: Callable[[TicketView], str]) -> QueuePanel:
        if isinstance(result, QueuePanel):
            return result
        panel = self.status()
        return QueuePanel(
            panel.available, note(result), panel.window, panel.current, panel.waiting, panel.waiting_priority
        )

    def recall(self, ticket_id: int) -> QueuePanel:
        """Call the same number out again (重呼); after three the clerk may mark 过号."""
        return self._after(self._act(ticket_id, "recall"), lambda t: f"已重呼{t.ticket_no}号（第{t.recalls}次）")

    def no_show(self, ticket_id: int) -> QueuePanel:
        result = self._act(ticket_id, "no-show")
        if isinstance(result, TicketView):
            self.on_finished("no_show")
        return self._after(result, lambda t: f"{t.ticket_no}号已过号")

    def transfer(self, ticket_id: int, to: str) -> QueuePanel:
        """`to` is a window number (e.g. 5 or 5号窗口) or a category letter (A, B, C)."""
        target = (to or "").strip().upper().removesuffix("号窗口").removesuffix("号").strip()
        if not target:
            raise ServiceError(
                "请输入要转至的窗口号（如 5）或号类（" + "、".join(f"{k} {v}" for k, v in CATEGORIES.items()) + "）"
            )
        fields = {"to_category": target} if target in CATEGORIES else {"to_window": target}
        where = f"{CATEGORIES[target]}（{target}类）" if target in CATEGORIES else f"{target}号窗口"
        return self._after(
            self._act(ticket_id, "transfer", **fields), lambda t: f"{t.ticket_no}号已转至{where}，保留原排队顺序"
        )

    def done(self, ticket_id: int, case_no: str = "") -> QueuePanel:
        """The holder was served; `case_no` links the ticket to the case taken for it."""
        result = self._act(ticket_id, "done", case_no=case_no or None)
        if isinstance(result, TicketView):
            self.on_finished("done")
        return self._after(result, lambda t: f"{t.ticket_no}号已办结")

    def unfinished(self) -> str:
        """For the hand-over: the ticket still called at this window, as a warning ("" if none)."""
        try:
            panel = self.status()
        except ServiceError as exc:
            return exc.message
        if not panel.available:
            return "叫号服务暂不可用，未能核对本窗口是否还有未办结的号"
        if panel.current is None:
            return ""
        return f"{panel.current.ticket_no}号仍在本窗口未办结，接班人请继续办理或过号"

    def take(self, category: str = "A", *, green_channel: bool = False, id_number: str = "") -> TicketView:
        """Issue a ticket, as a dispenser would (the guide's desk, tests, training)."""
        try:
            return ticket_view(
                self.api().take_ticket(category, green_channel=green_channel, id_number=id_number or None)
            )
        except ServerUnreachable as exc:
            raise ServiceError(OFFLINE_MESSAGE, str(exc)) from exc
        except ServerError as exc:
            raise ServiceError(exc.message, str(exc)) from exc
