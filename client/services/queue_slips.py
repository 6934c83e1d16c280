"""A queue ticket's slip (排队号票) on a receipt printer: the kiosk prints one for every ticket,
the window for a booking it checks in. One place decides what the slip says and where its QR
points, so both print the same ticket the same way."""

from __future__ import annotations

import logging
from collections.abc import Callable

from client.domain.tickets import REASON_LABELS
from reports.queue_slip import SlipData, slip_layout
from sync import protocol
from sync.api import BackOfficeApi, ServerError, ServerUnreachable

from .hardware import HardwareService

log = logging.getLogger(__name__)


def appointment_text(appointment: protocol.QueueAppointment | None) -> str:
    """What the screen and the slip say of a booking the ticket checked in (云叫号), or ""."""
    if appointment is None:
        return ""
    slot = appointment.starts_at.astimezone(protocol.CST)
    matter = f"：{appointment.matter_name}" if appointment.matter_name else ""
    return f"已签到预约（{slot:%H:%M} 时段）{matter}"


def booked_slot(appointment: protocol.QueueAppointment | None) -> str:
    """The booking in a clerk's words: 预约 09:30 时段（个体工商户设立登记）, or "" without one."""
    if appointment is None:
        return ""
    matter = f"（{appointment.matter_name}）" if appointment.matter_name else ""
    return f"预约 {appointment.starts_at.astimezone(protocol.CST):%H:%M} 时段{matter}"


def priority_label(ticket: protocol.QueueTicket) -> str:
    """老年人优先 / 绿色通道 / "": never the holder's name or number."""
    return REASON_LABELS.get(ticket.priority_reason, "") if ticket.priority else ""


class SlipPrinter:
    """`width` gives the receipt paper's width in mm (the window's setting may change);
    `public_base` is the address a citizen's phone reaches the back office at (the QR's
    link), default the API's own."""

    def __init__(self, hardware: HardwareService, office_name: str, width: Callable[[], int], public_base: str = ""):
        self.hardware, self.office_name, self.width = hardware, office_name, width
        self.public_base = public_base.rstrip("/")

    def status_url(self, api: BackOfficeApi, ticket: protocol.QueueTicket) -> str:
        """The QR's link; "" when the back office gave none (an older one): the slip has no QR."""
        try:
            link = api.ticket_link(ticket.id)
        except (ServerUnreachable, ServerError) as exc:
            log.info("no status link for %s: %s", ticket.ticket_no, type(exc).__name__)
            return ""
        return (self.public_base or api.base_url) + link.path

    def data(self, ticket: protocol.QueueTicket, status_url: str) -> SlipData:
        return SlipData(
            self.office_name,
            ticket.ticket_no,
            ticket.category_label,
            priority_label(ticket),
            ticket.waiting_ahead,
            ticket.issued_at.astimezone(protocol.CST),
            status_url,
            appointment_text(ticket.appointment),
        )

    def print(self, data: SlipData) -> None:
        """Raises what the printer raised: the caller decides what the citizen is told."""
        self.hardware.print_layout(slip_layout(data, self.width()))
