"""The card side of a virtual ID card reader: SAM frames in, SAM frames out, byte for byte.

Shared by the USB and the serial virtual readers, so both answer exactly alike. It holds a
deck of cards (rare characters, permits, foreigners' cards) and can spoil its next reply
(garbage, truncated, bad checksum, silence) to test how the client survives a bad reader.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from dataclasses import dataclass, replace

from client.domain.identity import IdCard
from devices import idcard
from devices.errors import FrameChecksumError, FrameError

VIRTUAL_SAM_ID = "05-01-20240101-0000012345-2147483647"
GARBAGE = bytes(range(0x30, 0x70))  # 64 bytes, no preamble byte in it


class Fault(str, enum.Enum):
    """How the next reply goes wrong."""

    GARBAGE = "garbage"  # line noise instead of a frame
    TRUNCATED = "truncated"  # the frame stops half-way (cable pulled, buffer overrun)
    BAD_CHECKSUM = "checksum"  # last byte flipped
    SILENT = "silent"  # no answer at all


@dataclass(frozen=True)
class PendingFault:
    fault: Fault
    command: idcard.SamCommand | None  # None = whatever the next request is


def placeholder_wlt(card: IdCard) -> bytes:
    """1024 deterministic bytes standing in for the encrypted photo."""
    seed = card.id_number.encode()
    out = bytearray()
    while len(out) < idcard.PHOTO_SIZE:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return b"WLT\x00" + bytes(out[: idcard.PHOTO_SIZE - 4])


def spoil(frame: bytes, fault: Fault) -> bytes:
    """`frame` as it arrives from a misbehaving reader."""
    if fault is Fault.GARBAGE:
        return GARBAGE
    if fault is Fault.TRUNCATED:
        return frame[: max(idcard.HEADER_SIZE + 1, len(frame) // 2)]
    if fault is Fault.BAD_CHECKSUM:
        return frame[:-1] + bytes([frame[-1] ^ 0xFF])
    return b""


class SamCardEmulator:
    """Mixin: the SAM state machine. Call `_init_sam(lock)`; feed request bytes to `sam_feed`.

    Like a real reader, FIND answers 9F once per placement: the card has to be lifted
    before it is found again. Set `read_failures` to make the next reads answer 41.
    """

    def _init_sam(self, lock=None, deck: tuple[IdCard, ...] = ()) -> None:
        self.sam_lock = lock if lock is not None else threading.RLock()
        self.sam_id = VIRTUAL_SAM_ID
        self.sam_ok = True
        self.read_failures = 0
        self.fingerprints = b""  # fingerprint data the variant read returns
        self.requests: list[idcard.SamRequest] = []
        self.deck: list[IdCard] = list(deck)
        self._deck_pos = 0
        self._faults: list[PendingFault] = []
        self._card: IdCard | None = None
        self._found = False
        self._selected = False
        self._inbox = bytearray()

    # ---- what the test or the trainer does ------------------------------------
    def place_card(self, card: IdCard) -> None:
        with self.sam_lock:
            self._card, self._found, self._selected = card, False, False

    def lift_card(self) -> None:
        with self.sam_lock:
            self._card, self._found, self._selected = None, False, False

    def place_next(self) -> IdCard:
        """Lift whatever is on the reader and place the next card of the deck."""
        with self.sam_lock:
            if not self.deck:
                raise LookupError("the virtual reader's deck is empty")
            card = self.deck[self._deck_pos % len(self.deck)]
            self._deck_pos += 1
            self.place_card(card)
            return card

    def inject(self, fault: Fault, command: idcard.SamCommand | None = None) -> None:
        """Spoil the next reply (to `command`, if given)."""
        with self.sam_lock:
            self._faults.append(PendingFault(Fault(fault), command))

    @property
    def card(self) -> IdCard | None:
        return self._card

    # ---- bytes in, bytes out --------------------------------------------------
    def sam_feed(self, data: bytes) -> bytes:
        """Request bytes from the host; returns the reply bytes (maybe none yet)."""
        out = bytearray()
        with self.sam_lock:
            self._inbox += data
            while True:
                start = self._inbox.find(idcard.PREAMBLE)
                if start < 0:
                    del self._inbox[: max(0, len(self._inbox) - len(idcard.PREAMBLE) + 1)]
                    break
                del self._inbox[:start]
                if len(self._inbox) < idcard.HEADER_SIZE:
                    break
                total = idcard.frame_length(bytes(self._inbox[: idcard.HEADER_SIZE]))
                if len(self._inbox) < total:
                    break
                frame = bytes(self._inbox[:total])
                del self._inbox[:total]
                out += self._deliver(frame)
        return bytes(out)

    def _deliver(self, frame: bytes) -> bytes:
        reply = self._answer(frame)
        try:
            request = idcard.parse_request(frame)
            command = idcard.SamCommand(request.cmd, request.para)
        except FrameError:
            command = None
        for pending in self._faults:
            if pending.command is None or pending.command == command:
                self._faults.remove(pending)
                return spoil(reply, pending.fault)
        return reply

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
        if command in (idcard.READ_CARD, idcard.READ_CARD_FINGERPRINT):
            if self._card is None or not self._selected:
                return idcard.build_response(0, 0, idcard.SW_READ_FAILED)
            self._selected = False
            if self.read_failures > 0:
                self.read_failures -= 1
                return idcard.build_response(0, 0, idcard.SW_READ_FAILED)
            card = self._card
            if not card.photo_wlt:
                card = replace(card, photo_wlt=placeholder_wlt(card))
            prints = self.fingerprints if command == idcard.READ_CARD_FINGERPRINT else None
            return idcard.build_response(0, 0, idcard.SW_OK, idcard.encode_read_payload(card, fingerprint=prints))
        return idcard.build_response(0, 0, idcard.SW_BAD_COMMAND)
