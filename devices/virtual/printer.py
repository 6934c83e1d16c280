"""A virtual 80 mm ESC/POS printer: keeps what it was sent and answers DLE EOT."""

from __future__ import annotations

from devices.escpos_decode import DecodedReceipt, decode, render_png, split_jobs
from devices.virtual.backend import VirtualUsbDevice

PRINTER_VID, PRINTER_PID = 0x0416, 0x5011
PRINTER_PRODUCT = "Virtual POS-80 Printer"


class VirtualReceiptPrinter(VirtualUsbDevice):
    """Collects print data; `jobs` holds the raw bytes of each job, split at paper cuts.

    A write that is exactly a DLE EOT request is answered like real printers do; while
    `paper_out` is set, print data is dropped (there is no paper to print on).
    """

    interface_class = 0x07  # USB printer class

    def __init__(
        self, *, width_px: int = 576, product: str = PRINTER_PRODUCT, out_ep: int = 0x01, in_ep: int = 0x82
    ) -> None:
        super().__init__(
            PRINTER_VID,
            PRINTER_PID,
            manufacturer="OneWindow Virtual",
            product=product,
            serial="VPOS80-0001",
            out_ep=out_ep,
            in_ep=in_ep,
        )
        self.width_px = width_px
        self.paper_out = False
        self.paper_near_end = False
        self.cover_open = False
        self.received = bytearray()
        self.jobs: list[bytes] = []
        self.status_requests = 0
        self._unfinished = bytearray()

    def set_paper_out(self, value: bool = True) -> None:
        with self.lock:
            self.paper_out = value

    def set_cover_open(self, value: bool = True) -> None:
        with self.lock:
            self.cover_open = value

    def status_byte(self, n: int) -> int:
        byte = 0x12
        if n == 1 and (self.paper_out or self.cover_open):
            byte |= 0x08
        elif n == 2:
            byte |= (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
        elif n == 4:
            byte |= (0x60 if self.paper_out else 0) | (0x0C if self.paper_near_end else 0)
        return byte

    def on_write(self, ep: int, data: bytes) -> None:
        if len(data) == 3 and data[:2] == b"\x10\x04" and 1 <= data[2] <= 4:
            self.status_requests += 1
            self.respond(bytes([self.status_byte(data[2])]))
            return
        if self.paper_out or self.cover_open:
            return
        self.received += data
        self._unfinished += data
        jobs, rest = split_jobs(bytes(self._unfinished))
        if jobs:
            self.jobs.extend(jobs)
            self._unfinished = bytearray(rest)

    @property
    def pending(self) -> bytes:
        """Bytes received since the last cut."""
        with self.lock:
            return bytes(self._unfinished)

    def last_receipt(self) -> DecodedReceipt:
        """The last cut job, or what was sent so far if nothing has been cut yet."""
        with self.lock:
            data = self.jobs[-1] if self.jobs else bytes(self._unfinished)
        return decode(data)

    def last_png(self) -> bytes:
        return render_png(self.last_receipt(), self.width_px)

    def receipt_for(self, case_no: str) -> DecodedReceipt | None:
        """The newest job whose barcode is this case number (a receipt carries its case's
        number as Code128), or None when nothing was printed for the case."""
        with self.lock:
            jobs = list(self.jobs)
        for data in reversed(jobs):
            decoded = decode(data)
            if case_no in decoded.barcodes:
                return decoded
        return None

    def receipt_png(self, case_no: str) -> bytes | None:
        """What the printer put on paper for this case, as an image; None if nothing was."""
        decoded = self.receipt_for(case_no)
        return None if decoded is None else render_png(decoded, self.width_px)

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self._unfinished.clear()
            self.jobs.clear()
