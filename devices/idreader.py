"""Second-generation ID card reader over a transport: find, select, read, decode."""

from __future__ import annotations

from client.domain.identity import IdCard
from devices import idcard
from devices.errors import CardReadError, DeviceTimeout, FrameError, FrameLengthError, SamError

CHUNK = 64  # full-speed bulk packets


class IdCardReader:
    """Speaks SAM frames; `poll()` returns a card once per placement (the reader enforces it)."""

    def __init__(
        self, transport, *, timeout_ms: int = 2000, read_command: idcard.SamCommand = idcard.READ_CARD
    ) -> None:
        self.transport = transport
        self.timeout_ms = timeout_ms
        self.read_command = read_command  # READ_CARD_FINGERPRINT for the fingerprint variant

    def _receive(self) -> bytes:
        frame = bytearray()
        total = None
        while total is None or len(frame) < total:
            try:
                chunk = self.transport.read(CHUNK, self.timeout_ms)
            except DeviceTimeout:
                if frame:  # the frame stopped half-way: a framing fault, not a dead reader
                    raise FrameLengthError(f"truncated frame: {len(frame)} of {total} bytes") from None
                raise
            if not chunk:
                raise DeviceTimeout(getattr(self.transport, "kind", "身份证阅读器"), "empty read")
            frame += chunk
            if total is None and len(frame) >= idcard.HEADER_SIZE:
                start = frame.find(idcard.PREAMBLE)
                if start < 0:
                    raise FrameError(f"no preamble in {bytes(frame[:16]).hex(' ')}")
                del frame[:start]
                if len(frame) >= idcard.HEADER_SIZE:
                    total = idcard.frame_length(bytes(frame[: idcard.HEADER_SIZE]))
        return bytes(frame[:total])

    def transact(self, command: idcard.SamCommand, data: bytes = b"") -> idcard.SamResponse:
        """One request frame out, one validated response frame back."""
        self.transport.write(idcard.build_request(command, data=data))
        try:
            return idcard.parse_response(self._receive())
        except FrameError:
            self._drain()
            raise

    def _drain(self) -> None:
        """Throw away what is left of a bad reply, so the next exchange starts clean."""
        for _ in range(64):
            try:
                if not self.transport.read(CHUNK, 50):
                    return
            except DeviceTimeout:
                return

    def _expect_ok(self, command: idcard.SamCommand) -> idcard.SamResponse:
        response = self.transact(command)
        if response.sw3 != idcard.SW_OK:
            raise SamError(response.sw3, f"{command}: {response.describe()}")
        return response

    def reset(self) -> None:
        self._expect_ok(idcard.RESET)

    def sam_ok(self) -> bool:
        """SAM self-test: False when the module reports 0x60."""
        return self.transact(idcard.SAM_STATUS).sw3 == idcard.SW_OK

    def sam_id(self) -> str:
        return idcard.format_sam_id(self._expect_ok(idcard.SAM_ID).data[:16])

    def poll(self) -> IdCard | None:
        """None while no new card is on the reader; the card once after it is placed."""
        found = self.transact(idcard.FIND_CARD)
        if found.sw3 == idcard.SW_FIND_FAILED:
            return None
        if found.sw3 != idcard.SW_CARD_FOUND:
            raise SamError(found.sw3, f"find card: {found.describe()}")
        try:
            selected = self.transact(idcard.SELECT_CARD)
            if selected.sw3 != idcard.SW_OK:
                raise CardReadError(f"select card: {selected.describe()}")
            read = self.transact(self.read_command)
            if read.sw3 != idcard.SW_OK:
                raise CardReadError(f"read card: {read.describe()}")
            return idcard.decode_read_payload(read.data)
        except FrameError as exc:
            raise CardReadError(f"card frame: {exc}") from exc

    def close(self) -> None:
        self.transport.close()
