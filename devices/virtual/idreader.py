"""A virtual second-generation ID card reader speaking SAM frames over bulk endpoints."""
from __future__ import annotations

import hashlib
from dataclasses import replace

from client.domain.identity import IdCard

from devices import idcard
from devices.errors import FrameChecksumError, FrameError
from devices.virtual.backend import VirtualUsbDevice

READER_VID, READER_PID = 0x0400, 0xC35A
READER_PRODUCT = "Virtual IDR210 ID Card Reader"
VIRTUAL_SAM_ID = "05-01-20240101-0000012345-2147483647"


def placeholder_wlt(card: IdCard) -> bytes:
    """1024 deterministic bytes standing in for the encrypted photo."""
    seed = card.id_number.encode()
    out = bytearray()
    while len(out) < idcard.PHOTO_SIZE:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return b"WLT\x00" + bytes(out[: idcard.PHOTO_SIZE - 4])


class VirtualIdReader(VirtualUsbDevice):
    """Whole request frames arrive on OUT 0x01; replies are read from IN 0x81, 64 bytes a packet.

    Like a real reader, FIND answers 9F once per placement: the card has to be lifted
    before it is found again. Set `read_failures` to make the next reads answer 41.
    """

    def __init__(self, *, product: str = READER_PRODUCT, out_ep: int = 0x01,
                 in_ep: int = 0x81) -> None:
        super().__init__(READER_VID, READER_PID, manufacturer="OneWindow Virtual",
                         product=product, serial="VIDR-0001", out_ep=out_ep, in_ep=in_ep,
                         max_read=64)
        self.sam_id = VIRTUAL_SAM_ID
        self.sam_ok = True
        self.read_failures = 0
        self.requests: list[idcard.SamRequest] = []
        self._card: IdCard | None = None
        self._found = False
        self._selected = False
        self._inbox = bytearray()

    def place_card(self, card: IdCard) -> None:
        with self.lock:
            self._card, self._found, self._selected = card, False, False

    def lift_card(self) -> None:
        with self.lock:
            self._card, self._found, self._selected = None, False, False

    @property
    def card(self) -> IdCard | None:
        return self._card

    def on_write(self, ep: int, data: bytes) -> None:
        self._inbox += data
        while True:
            start = self._inbox.find(idcard.PREAMBLE)
            if start < 0:
                del self._inbox[: max(0, len(self._inbox) - len(idcard.PREAMBLE) + 1)]
                return
            del self._inbox[:start]
            if len(self._inbox) < idcard.HEADER_SIZE:
                return
            total = idcard.frame_length(bytes(self._inbox[: idcard.HEADER_SIZE]))
            if len(self._inbox) < total:
                return
            frame = bytes(self._inbox[:total])
            del self._inbox[:total]
            self.respond(self._answer(frame))

    def _answer(self, frame: bytes) -> bytes:
        try:
            request = idcard.parse_request(frame)
        except FrameChecksumError:
            return idcard.build_response(0, 0, idcard.SW_CHECKSUM_ERROR)
        except FrameError:
            return idcard.build_response(0, 0, idcard.SW_LENGTH_ERROR)
        self.requests.append(request)
        command = idcard.SamCommand(request.cmd, request.para)
        ok = idcard.build_response(0, 0, idcard.SW_OK)
        if command == idcard.RESET:
            return ok
        if command == idcard.SAM_STATUS:
            return ok if self.sam_ok else idcard.build_response(0, 0, idcard.SW_SELF_TEST_FAILED)
        if command == idcard.SAM_ID:
            return idcard.build_response(0, 0, idcard.SW_OK, idcard.sam_id_bytes(self.sam_id))
        if command == idcard.FIND_CARD:
            if self._card is None or self._found:
                return idcard.build_response(0, 0, idcard.SW_FIND_FAILED)
            self._found = True
            return idcard.build_response(0, 0, idcard.SW_CARD_FOUND, bytes(4))
        if command == idcard.SELECT_CARD:
            if self._card is None or not self._found:
                return idcard.build_response(0, 0, idcard.SW_SELECT_FAILED)
            self._selected = True
            return idcard.build_response(0, 0, idcard.SW_OK, bytes(8))
        if command == idcard.READ_CARD:
            if self._card is None or not self._selected:
                return idcard.build_response(0, 0, idcard.SW_READ_FAILED)
            self._selected = False
            if self.read_failures > 0:
                self.read_failures -= 1
                return idcard.build_response(0, 0, idcard.SW_READ_FAILED)
            card = self._card
            if not card.photo_wlt:
                card = replace(card, photo_wlt=placeholder_wlt(card))
            return idcard.build_response(0, 0, idcard.SW_OK, idcard.encode_read_payload(card))
        return idcard.build_response(0, 0, idcard.SW_BAD_COMMAND)
