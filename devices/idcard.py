"""SAM frame protocol of second-generation ID card readers (docs/devices.md, protocol notes §1); no I/O.

Request:  AA AA AA 96 69 · LEN_H LEN_L · CMD · PARA · data · CHK
Response: AA AA AA 96 69 · LEN_H LEN_L · SW1 SW2 SW3 · data · CHK
LEN counts every byte after itself (CHK included); CHK is the XOR of LEN … last data byte.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from types import MappingProxyType

from client.domain.identity import IdCard
from devices.cardkinds import SEX_NAMES, decode_card_kind, encode_card_text
from devices.errors import FrameChecksumError, FrameError, FrameLengthError

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_SIZE = len(PREAMBLE) + 2  # preamble + LEN
TEXT_SIZE, PHOTO_SIZE, FINGERPRINT_SIZE = 256, 1024, 1024


@dataclass(frozen=True)
class SamCommand:
    cmd: int
    para: int


RESET = SamCommand(0x10, 0xFF)
SAM_STATUS = SamCommand(0x11, 0xFF)
SAM_ID = SamCommand(0x12, 0xFF)
FIND_CARD = SamCommand(0x20, 0x01)
SELECT_CARD = SamCommand(0x20, 0x02)
READ_CARD = SamCommand(0x30, 0x01)
# Fingerprint-reading variant; the reply is documented, this command code is not (unverified).
READ_CARD_FINGERPRINT = SamCommand(0x30, 0x10)

SW_OK = 0x90
SW_CARD_FOUND = 0x9F
SW_FIND_FAILED = 0x80
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41
SW_SELF_TEST_FAILED = 0x60
SW_CHECKSUM_ERROR = 0x10  # vendor tables, unverified on hardware
SW_LENGTH_ERROR = 0x11
SW_BAD_COMMAND = 0x21

SW3_MEANING = MappingProxyType(
    {
        0x90: "ok",
        0x9F: "card found",
        0x80: "find card failed",
        0x81: "select card failed",
        0x41: "read card failed",
        0x60: "SAM self-test failed",
        0x10: "checksum error",
        0x11: "length error",
        0x21: "bad command",
        0x23: "unauthorised",
        0x24: "unknown error",
        0x31: "card authentication failed",
        0x32: "reader authentication failed",
        0x33: "verify error",
        0x40: "unknown card type",
        0x66: "SAM not authorised",
    }
)

# GB 3304 nationality codes; cards print the short name ("汉", not "汉族").
NATION_NAMES = MappingProxyType(
    {
        "01": "汉",
        "02": "蒙古",
        "03": "回",
        "04": "藏",
        "05": "维吾尔",
        "06": "苗",
        "07": "彝",
        "08": "壮",
        "09": "布依",
        "10": "朝鲜",
        "11": "满",
        "12": "侗",
        "13": "瑶",
        "14": "白",
        "15": "土家",
        "16": "哈尼",
        "17": "哈萨克",
        "18": "傣",
        "19": "黎",
        "20": "傈僳",
        "21": "佤",
        "22": "畲",
        "23": "高山",
        "24": "拉祜",
        "25": "水",
        "26": "东乡",
        "27": "纳西",
        "28": "景颇",
        "29": "柯尔克孜",
        "30": "土",
        "31": "达斡尔",
        "32": "仫佬",
        "33": "羌",
        "34": "布朗",
        "35": "撒拉",
        "36": "毛南",
        "37": "仡佬",
        "38": "锡伯",
        "39": "阿昌",
        "40": "普米",
        "41": "塔吉克",
        "42": "怒",
        "43": "乌孜别克",
        "44": "俄罗斯",
        "45": "鄂温克",
        "46": "德昂",
        "47": "保安",
        "48": "裕固",
        "49": "京",
        "50": "塔塔尔",
        "51": "独龙",
        "52": "鄂伦春",
        "53": "赫哲",
        "54": "门巴",
        "55": "珞巴",
        "56": "基诺",
        "97": "其他",
        "98": "外国血统中国籍人士",
    }
)

# (field, byte offset, byte length) of the 256-byte text block, UCS-2 LE, space padded.
TEXT_LAYOUT = (
    ("name", 0, 30),
    ("sex", 30, 2),
    ("nation", 32, 4),
    ("birth_date", 36, 16),
    ("address", 52, 70),
    ("id_number", 122, 36),
    ("authority", 158, 30),
    ("valid_from", 188, 16),
    ("valid_to", 204, 16),
)


@dataclass(frozen=True)
class SamResponse:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    @property
    def ok(self) -> bool:
        return self.sw1 == 0 and self.sw2 == 0 and self.sw3 in (SW_OK, SW_CARD_FOUND)

    def describe(self) -> str:
        return f"SW={self.sw1:02X} {self.sw2:02X} {self.sw3:02X} ({SW3_MEANING.get(self.sw3, 'unknown')})"


@dataclass(frozen=True)
class SamRequest:
    cmd: int
    para: int
    data: bytes = b""


def checksum(body: bytes) -> int:
    value = 0
    for b in body:
        value ^= b
    return value


def _frame(payload: bytes) -> bytes:
    body = struct.pack(">H", len(payload) + 1) + payload
    return PREAMBLE + body + bytes([checksum(body)])


def build_request(cmd: int | SamCommand, para: int | None = None, data: bytes = b"") -> bytes:
    """A request frame; `build_request(RESET)` or `build_request(0x10, 0xFF)`."""
    if isinstance(cmd, SamCommand):
        para = cmd.para
        cmd = cmd.cmd
    if para is None:
        raise ValueError("para is required with a numeric cmd")
    return _frame(bytes([cmd, para]) + bytes(data))


def build_response(sw1: int, sw2: int, sw3: int, data: bytes = b"") -> bytes:
    """A response frame, as the reader sends it (used by the virtual reader)."""
    return _frame(bytes([sw1, sw2, sw3]) + bytes(data))


def frame_length(header: bytes) -> int:
    """Total frame size announced by the first 7 bytes (preamble + LEN)."""
    if len(header) < HEADER_SIZE:
        raise FrameLengthError(f"need {HEADER_SIZE} header bytes, got {len(header)}")
    if header[: len(PREAMBLE)] != PREAMBLE:
        raise FrameError(f"bad preamble {header[: len(PREAMBLE)].hex(' ')}")
    return HEADER_SIZE + struct.unpack(">H", header[5:7])[0]


def _unframe(frame: bytes, minimum: int) -> bytes:
    frame = bytes(frame)
    total = frame_length(frame)
    if total != len(frame):
        raise FrameLengthError(f"LEN announces {total} bytes, frame has {len(frame)}")
    if total - HEADER_SIZE < minimum:
        raise FrameLengthError(f"frame too short: LEN={total - HEADER_SIZE}")
    body = frame[len(PREAMBLE) : -1]
    if checksum(body) != frame[-1]:
        raise FrameChecksumError(f"checksum 0x{frame[-1]:02X}, computed 0x{checksum(body):02X}")
    return frame[HEADER_SIZE:-1]


def parse_response(frame: bytes) -> SamResponse:
    """Validate preamble, LEN and CHK; raise FrameError subclasses otherwise."""
    payload = _unframe(frame, 4)
    return SamResponse(payload[0], payload[1], payload[2], payload[3:])


def parse_request(frame: bytes) -> SamRequest:
    payload = _unframe(frame, 3)
    return SamRequest(payload[0], payload[1], payload[2:])


def format_sam_id(raw: bytes) -> str:
    """16 bytes as xx-xx-xxxxxxxx-xxxxxxxxxx-xxxxxxxxxx (little-endian groups 2/2/4/4/4)."""
    if len(raw) != 16:
        raise ValueError(f"SAM id is 16 bytes, got {len(raw)}")
    a, b, c, d, e = struct.unpack("<HHIII", bytes(raw))
    return f"{a:02d}-{b:02d}-{c:08d}-{d:010d}-{e:010d}"


def sam_id_bytes(text: str) -> bytes:
    """Inverse of `format_sam_id` (for the virtual reader)."""
    a, b, c, d, e = (int(p) for p in text.split("-"))
    return struct.pack("<HHIII", a, b, c, d, e)


def nation_name(code: str) -> str:
    """Name for a GB 3304 code; an unknown code is shown as the code itself."""
    return NATION_NAMES.get(code, code)


def nation_code(name: str) -> str:
    if not name:
        return ""  # residence permits leave the nation field blank
    for code, known in NATION_NAMES.items():
        if name in (known, known + "族"):
            return code
    return name if name.isdigit() else "97"


def decode_text_block(block: bytes) -> IdCard:
    """The 256-byte text block to an IdCard (photo left empty)."""
    if len(block) < 220:
        raise FrameLengthError(f"text block is {len(block)} bytes, need 256")
    fields = {
        name: bytes(block[off : off + size]).decode("utf-16-le", errors="replace").rstrip(" \x00")
        for name, off, size in TEXT_LAYOUT
    }
    fields["sex"] = SEX_NAMES.get(fields["sex"], fields["sex"])
    fields["nation"] = nation_name(fields["nation"])
    return IdCard(**fields, photo_wlt=b"")


def encode_text_block(card: IdCard) -> bytes:
    """An IdCard to the 256-byte block a reader sends (UTF-16 LE keeps Ext-B names)."""
    sex = {v: k for k, v in SEX_NAMES.items()}.get(card.sex, "0")
    values = {
        "name": card.name,
        "sex": sex,
        "nation": nation_code(card.nation),
        "birth_date": card.birth_date,
        "address": card.address,
        "id_number": card.id_number,
        "authority": card.authority,
        "valid_from": card.valid_from,
        "valid_to": card.valid_to,
    }
    block = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    for name, off, size in TEXT_LAYOUT:
        raw = values[name].encode("utf-16-le")[:size]
        if len(raw) % 2:
            raw = raw[:-1]
        block[off : off + len(raw)] = raw
    return bytes(block)


@dataclass(frozen=True)
class ReadPayload:
    """The three parts of a READ reply, still raw: text block, WLT photo, fingerprints."""

    text: bytes
    photo: bytes
    fingerprint: bytes = b""


def split_read_payload(data: bytes) -> ReadPayload:
    """Data of a READ reply: two big-endian lengths (text, photo) or three (+ fingerprint).

    The two layouts are told apart by size: 4 + text + photo bytes, or 6 + all three.
    """
    data = bytes(data)
    if len(data) < 4:
        raise FrameLengthError(f"read reply data is {len(data)} bytes")
    text_len, photo_len = struct.unpack(">HH", data[:4])
    if len(data) == 4 + text_len + photo_len:
        return ReadPayload(data[4 : 4 + text_len], data[4 + text_len :])
    if len(data) >= 6:
        (fp_len,) = struct.unpack(">H", data[4:6])
        if len(data) == 6 + text_len + photo_len + fp_len:
            body = data[6:]
            return ReadPayload(body[:text_len], body[text_len : text_len + photo_len], body[text_len + photo_len :])
    raise FrameLengthError(f"read reply announces {text_len}+{photo_len}, has {len(data) - 4}")


def decode_read_payload(data: bytes) -> IdCard:
    """A READ reply's data to the card; the photo stays opaque, fingerprints are dropped.

    Resident cards come back as `IdCard`; permits and foreigners' cards as the subclasses
    in `devices.cardkinds`, so code that only knows `IdCard` keeps working.
    """
    payload = split_read_payload(data)
    if len(payload.text) < TEXT_SIZE:
        raise FrameLengthError(f"text block is {len(payload.text)} bytes, need {TEXT_SIZE}")
    card = decode_card_kind(payload.text, decode_text_block(payload.text))
    return replace(card, photo_wlt=payload.photo)


def encode_read_payload(card: IdCard, *, fingerprint: bytes | None = None) -> bytes:
    """The reply data a reader sends; with `fingerprint`, the 2321-byte-frame variant."""
    photo = (card.photo_wlt + bytes(PHOTO_SIZE))[:PHOTO_SIZE]
    text = encode_card_text(card, encode_text_block(card))
    if fingerprint is None:
        return struct.pack(">HH", TEXT_SIZE, PHOTO_SIZE) + text + photo
    prints = (fingerprint + bytes(FINGERPRINT_SIZE))[:FINGERPRINT_SIZE]
    return struct.pack(">HHH", TEXT_SIZE, PHOTO_SIZE, FINGERPRINT_SIZE) + text + photo + prints
