"""What the kiosk does behind its screen: read a card, take a ticket, print it.

Order matters so that no ticket is lost: the printer is asked first, and when it is known to be
down no ticket is taken (the screen says so); only then is the ticket taken from the back
office. If printing fails after that, the number is shown on screen in huge type instead, so
the citizen still holds their place. The back office decides 爱心 priority from the ID number;
the kiosk shows nothing of the card but the name's first character.

Every method here blocks (network, devices): the window calls them off the Tk thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from client.domain.identity import IdCard, check_id_number
from client.domain.tickets import CATEGORIES
from client.services.errors import ServiceError, clerk_message
from client.services.hardware import HardwareService
from client.services.queue_slips import SlipPrinter
from sync.api import BackOfficeApi, ServerError, ServerUnreachable

log = logging.getLogger(__name__)

OFFLINE_MESSAGE = "请到咨询台取号或咨询\n给您带来不便，敬请谅解"
PRINTER_MISSING = "取号机打印机未连接\n请到咨询台取号"
PRINTER_NO_PAPER = "取号机缺纸或纸仓未合上\n请到咨询台取号"
PRINT_FAILED = "号票打印失败，请记住您的号码"

RefusalKind = Literal["offline", "printer", "refused"]


@dataclass(frozen=True)
class Holder:
    """The card on the reader, as far as the kiosk keeps it: the number goes to the back office
    with the ticket request; the screen shows only `greeting`."""

    id_number: str
    greeting: str  # 王** 您好 — the name's first character only


@dataclass(frozen=True)
class Issued:
    """A ticket taken. `printed` False: the slip failed, the screen shows the number instead."""

    ticket_no: str
    category_label: str
    priority_label: str
    waiting_ahead: int
    issued_at: dt.datetime  # in the hall's time
    status_url: str
    printed: bool
    appointment: str = ""


@dataclass(frozen=True)
class Refusal:
    """No ticket was taken; `message` is for the screen (Chinese, large type)."""

    kind: RefusalKind
    message: str


def holder_of(card: IdCard) -> Holder:
    first = card.name.strip()[:1]
    return Holder(card.id_number.strip(), f"{first}** 您好" if first else "您好")


class KioskService:
    """`api` gives a back office client with a short timeout; `public_base` is the address the
    citizen's phone reaches the back office at (the QR's link), default the API's own."""

    def __init__(
        self,
        api: Callable[[], BackOfficeApi],
        hardware: HardwareService,
        office_name: str = "",
        printer_width: int = 80,
        public_base: str = "",
    ):
        self.api, self.hardware = api, hardware
        self.slips = SlipPrinter(hardware, office_name, lambda: printer_width, public_base)

    @staticmethod
    def categories() -> tuple[tuple[str, str], ...]:
        return tuple(CATEGORIES.items())

    def poll_card(self) -> Holder | None:
        """The card just placed on the reader, once; None while there is none (or no reader)."""
        reader = self.hardware.reader
        if reader is None:
            return None
        try:
            card = reader.call("poll", timeout=5)
        except Exception as exc:  # a reader unplugged or confused: the touch buttons still work
            log.info("kiosk card poll failed: %s", type(exc).__name__)
            return None
        return None if card is None else holder_of(card)

    def printer_problem(self) -> str:
        """Why the printer cannot print now (Chinese for the screen), or "" when it is ready."""
        printer = self.hardware.printer
        if printer is None:
            return PRINTER_MISSING
        try:
            status = printer.call("status", timeout=5)
        except Exception as exc:
            log.info("kiosk printer status failed: %s", type(exc).__name__)
            return PRINTER_MISSING
        if status.paper_out or status.cover_open:
            return PRINTER_NO_PAPER
        return "" if status.online else PRINTER_MISSING

    def take(self, category: str, holder: Holder | None = None) -> Issued | Refusal:
        problem = self.printer_problem()
        if problem:
            return Refusal("printer", problem)
        id_number = holder.id_number if holder is not None else None
        if id_number and not check_id_number(id_number).ok:
            id_number = None  # a permit or a foreigner's card: an ordinary ticket, no priority check
        try:
            api = self.api()
            ticket = api.take_ticket(category, id_number=id_number)
        except ServerUnreachable as exc:
            log.info("kiosk: back office unreachable (%s)", type(exc).__name__)
            return Refusal("offline", OFFLINE_MESSAGE)
        except ServerError as exc:
            log.warning("kiosk: ticket refused: HTTP %s %s", exc.status, exc.code)
            if exc.status >= 500 or exc.status in (401, 403, 404):
                return Refusal("offline", OFFLINE_MESSAGE)
            return Refusal("refused", f"{exc.message}\n请到咨询台咨询")
        except ServiceError as exc:  # not enrolled
            log.warning("kiosk: %s", exc)
            return Refusal("offline", OFFLINE_MESSAGE)
        slip = self.slips.data(ticket, self.slips.status_url(api, ticket))
        issued = Issued(
            slip.ticket_no,
            slip.category_label,
            slip.priority_label,
            slip.waiting_ahead,
            slip.issued_at,
            slip.status_url,
            printed=False,
            appointment=slip.appointment,
        )
        try:
            self.slips.print(slip)
        except Exception as exc:  # the ticket is taken: the screen shows the number instead
            log.warning("kiosk: ticket %s taken but not printed: %s", issued.ticket_no, clerk_message(exc, "打印失败"))
            return issued
        log.info("kiosk: ticket %s printed", issued.ticket_no)
        return dataclasses.replace(issued, printed=True)
