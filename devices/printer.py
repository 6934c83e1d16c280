"""Receipt printer: checks status, then sends one encoded layout as a single write."""

from __future__ import annotations

from client.domain.paper import ReceiptLayout
from devices.errors import DeviceError, DeviceTimeout, PaperOut, PrinterNotReady
from devices.escpos import (
    STATUS_OFFLINE,
    STATUS_PAPER,
    STATUS_PRINTER,
    PrinterStatus,
    encode_receipt,
    parse_status,
    status_request,
)
from devices.raster import TextRasterizer


class ReceiptPrinter:
    """An ESC/POS printer over a transport (anything with write/read/close).

    Many cheap printers never answer DLE EOT; with `require_status=False` such a printer
    still prints, while a printer that does answer "paper out" never gets the job.
    """

    def __init__(
        self, transport, *, font_path: str | None = None, require_status: bool = False, status_timeout_ms: int = 500
    ) -> None:
        self.transport = transport
        self.require_status = require_status
        self.status_timeout_ms = status_timeout_ms
        self._rasterizer = TextRasterizer.from_system(font_path) if font_path else None
        self._font_path = font_path

    def _ask(self, n: int) -> PrinterStatus:
        self.transport.write(status_request(n))
        reply = self.transport.read(64, self.status_timeout_ms)
        if not reply:
            raise DeviceTimeout(getattr(self.transport, "kind", "打印机"), f"no reply to DLE EOT {n}")
        try:
            return parse_status(n, reply[-1])
        except ValueError as exc:
            raise DeviceError(f"printer status: {exc}", "打印机状态异常，请检查打印机后重试") from exc

    def status(self) -> PrinterStatus:
        """Ask DLE EOT 1, 2 and 4 and merge the answers."""
        printer, offline, paper = (self._ask(n) for n in (STATUS_PRINTER, STATUS_OFFLINE, STATUS_PAPER))
        return PrinterStatus(
            online=printer.online and offline.online,
            paper_out=offline.paper_out or paper.paper_out,
            cover_open=offline.cover_open,
            paper_near_end=paper.paper_near_end,
        )

    def check_ready(self) -> PrinterStatus | None:
        """Raise PaperOut / PrinterNotReady; None when the printer cannot report status."""
        try:
            status = self.status()
        except DeviceTimeout:
            if self.require_status:
                raise
            return None
        if status.paper_out:
            raise PaperOut()
        if not status.ready:
            raise PrinterNotReady(f"printer status {status}")
        return status

    def print_layout(self, layout: ReceiptLayout) -> int:
        """Encode and send one receipt; returns the number of bytes sent."""
        self.check_ready()
        if self._rasterizer is None:
            self._rasterizer = TextRasterizer.from_system(self._font_path)
        data = encode_receipt(layout, rasterizer=self._rasterizer)
        return self.transport.write(data)

    def close(self) -> None:
        self.transport.close()
