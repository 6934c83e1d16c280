"""A virtual second-generation ID card reader speaking SAM frames over bulk endpoints."""

from __future__ import annotations

from client.domain.identity import IdCard
from devices.virtual.backend import VirtualUsbDevice
from devices.virtual.sam import VIRTUAL_SAM_ID, Fault, SamCardEmulator, placeholder_wlt

READER_VID, READER_PID = 0x0400, 0xC35A
READER_PRODUCT = "Virtual IDR210 ID Card Reader"


class VirtualIdReader(SamCardEmulator, VirtualUsbDevice):
    """Whole request frames arrive on OUT 0x01; replies are read from IN 0x81, 64 bytes a packet."""

    def __init__(
        self, *, product: str = READER_PRODUCT, out_ep: int = 0x01, in_ep: int = 0x81, deck: tuple[IdCard, ...] = ()
    ) -> None:
        VirtualUsbDevice.__init__(
            self,
            READER_VID,
            READER_PID,
            manufacturer="OneWindow Virtual",
            product=product,
            serial="VIDR-0001",
            out_ep=out_ep,
            in_ep=in_ep,
            max_read=64,
        )
        self._init_sam(self.lock, deck)

    def on_write(self, ep: int, data: bytes) -> None:
        reply = self.sam_feed(data)
        if reply:
            self.respond(reply)


__all__ = ["Fault", "READER_PRODUCT", "VIRTUAL_SAM_ID", "VirtualIdReader", "placeholder_wlt"]
