"""A 云叫号 booking checked in at the window: the citizen who booked comes straight to a counter
(or the 咨询台) instead of the kiosk. The clerk reads the ID card or types the ID number or the
confirmation code; the back office checks the booking in and issues its ticket, called ahead of
the walk-ins of its category, and the window prints the ticket's slip on its receipt printer.

Every method blocks (network, devices): the queue panel calls them off the Tk thread.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from client.domain.identity import check_id_number
from client.domain.tickets import booking_code, is_booking_code
from sync.api import ServerError, ServerUnreachable

from .errors import ServiceError, clerk_message
from .hardware import HardwareService
from .queue import QueueService, TicketView, ticket_view
from .queue_slips import SlipPrinter, booked_slot

log = logging.getLogger(__name__)

NOTHING_GIVEN = "请读取身份证，或输入身份证号码、预约确认码（8位）"
UNREACHABLE = "叫号服务暂不可用，暂时无法签到；可直接受理，或稍后再签到"


@dataclass(frozen=True)
class CheckedIn:
    """The booking's ticket, and what the panel says of it (Chinese)."""

    ticket: TicketView
    message: str
    printed: bool


class BookingCheckIn:
    def __init__(self, queue: QueueService, slips: SlipPrinter, hardware: HardwareService):
        self.queue, self.slips, self.hardware = queue, slips, hardware

    def by_card(self) -> CheckedIn:
        """The card on the reader: its number checks the booking in (the name stays here)."""
        return self.by_entry(self.hardware.read_card().id_number)

    def by_entry(self, entry: str) -> CheckedIn:
        """An ID number or a confirmation code, as typed; refused in words before any request
        when it can be neither."""
        text = booking_code(unicodedata.normalize("NFKC", entry or ""))
        if not text:
            raise ServiceError(NOTHING_GIVEN)
        if is_booking_code(text):
            fields = {"code": text}
        else:
            check = check_id_number(text)
            if not check.ok:
                raise ServiceError(f"{check.message}（预约确认码为8位字母和数字）")
            fields = {"id_number": check.number}
        window = self.queue.own_window()
        try:
            api = self.queue.api()
            ticket = api.check_in_booking(window, **fields)
        except ServerUnreachable as exc:
            log.info("check-in: queue unreachable (%s)", type(exc).__name__)
            raise ServiceError(UNREACHABLE) from exc
        except ServerError as exc:
            log.info("check-in refused: HTTP %s %s", exc.status, exc.code)
            if exc.status >= 500 or exc.status == 401:
                raise ServiceError(UNREACHABLE, str(exc)) from exc
            raise ServiceError(exc.message, str(exc)) from exc
        slip, problem = self.slips.data(ticket, self.slips.status_url(api, ticket)), ""
        try:
            self.slips.print(slip)
            printed = True
        except Exception as exc:  # checked in all the same: the clerk tells the number
            log.warning("check-in: ticket %s not printed: %s", ticket.ticket_no, type(exc).__name__)
            printed, problem = False, clerk_message(exc, "打印失败")
        log.info("check-in: booking checked in at window %s, ticket %s", window, ticket.ticket_no)
        said = f"已签到：{ticket.ticket_no}号，{booked_slot(ticket.appointment)}，将先于现场取号的群众叫号"
        said += "，号票已打印" if printed else f"；号票未能打印（{problem}），请告知群众号码"
        return CheckedIn(ticket_view(ticket), said, printed)
