"""Every SAM frame of docs/devices.md, protocol notes §1, byte for byte, and the text block."""

from __future__ import annotations

import pytest

from client.domain.identity import IdCard, check_id_number
from devices import idcard
from devices.errors import FrameChecksumError, FrameError, FrameLengthError
from devices.virtual import SAMPLE_CARDS

H = bytes.fromhex


@pytest.mark.parametrize(
    "command, frame",
    [
        (idcard.RESET, "AA AA AA 96 69 00 03 10 FF EC"),
        (idcard.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
        (idcard.SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
        (idcard.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
        (idcard.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
        (idcard.READ_CARD, "AA AA AA 96 69 00 03 30 01 32"),
    ],
)
def test_request_frames(command, frame):
    assert idcard.build_request(command) == H(frame)
    assert idcard.build_request(command.cmd, command.para) == H(frame)


def test_reset_reply():
    frame = H("AA AA AA 96 69 00 04 00 00 90 94")
    assert idcard.build_response(0, 0, 0x90) == frame
    assert idcard.parse_response(frame) == idcard.SamResponse(0, 0, 0x90, b"")


def test_find_reply():
    frame = H("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    assert idcard.build_response(0, 0, 0x9F, bytes(4)) == frame
    assert idcard.parse_response(frame).sw3 == idcard.SW_CARD_FOUND


def test_select_reply():
    frame = H("AA AA AA 96 69 00 0C 00 00 90") + bytes(8) + H("9C")
    assert idcard.build_response(0, 0, 0x90, bytes(8)) == frame
    assert idcard.parse_response(frame).data == bytes(8)


def test_read_reply_is_1295_bytes():
    card = SAMPLE_CARDS[1]
    frame = idcard.build_response(0, 0, 0x90, idcard.encode_read_payload(card))
    assert len(frame) == 1295
    assert frame[:12] == H("AA AA AA 96 69 05 08 00 00 90 01 00") and frame[12:14] == H("04 00")
    parsed = idcard.parse_response(frame)
    assert idcard.decode_read_payload(parsed.data).id_number == card.id_number


def test_bad_checksum_is_typed():
    with pytest.raises(FrameChecksumError):
        idcard.parse_response(H("AA AA AA 96 69 00 04 00 00 90 95"))


def test_bad_length_is_typed():
    with pytest.raises(FrameLengthError):
        idcard.parse_response(H("AA AA AA 96 69 00 05 00 00 90 94"))


def test_bad_preamble_is_typed():
    with pytest.raises(FrameError) as err:
        idcard.parse_response(H("AA AA AB 96 69 00 04 00 00 90 94"))
    assert "身份证阅读器" in err.value.message


def test_sam_id_format_little_endian_groups():
    raw = (
        bytes([5, 0, 1, 0])
        + (20240101).to_bytes(4, "little")
        + (12345).to_bytes(4, "little")
        + (2147483647).to_bytes(4, "little")
    )
    assert idcard.format_sam_id(raw) == "05-01-20240101-0000012345-2147483647"
    assert idcard.sam_id_bytes("05-01-20240101-0000012345-2147483647") == raw


def test_text_block_offsets():
    block = idcard.encode_text_block(SAMPLE_CARDS[0])
    assert len(block) == 256
    assert block[0:6] == "王秀英".encode("utf-16-le") and block[6:8] == b" \x00"
    assert block[30:32] == "2".encode("utf-16-le")
    assert block[32:36] == "01".encode("utf-16-le")
    assert block[36:52] == "19491231".encode("utf-16-le")
    assert block[122:158] == "11010519491231002X".encode("utf-16-le")
    assert block[204:208] == "长期".encode("utf-16-le")


@pytest.mark.parametrize("card", SAMPLE_CARDS, ids=lambda c: c.name)
def test_text_block_round_trip(card):
    assert idcard.decode_text_block(idcard.encode_text_block(card)) == card
    assert check_id_number(card.id_number).ok
    assert check_id_number(card.id_number).sex == card.sex


def test_unknown_nation_code_is_shown_as_code():
    block = bytearray(idcard.encode_text_block(SAMPLE_CARDS[0]))
    block[32:36] = "77".encode("utf-16-le")
    block[30:32] = "9".encode("utf-16-le")
    card = idcard.decode_text_block(bytes(block))
    assert card.nation == "77" and card.sex == "未说明"


def test_ext_b_name_survives_the_block():
    card = IdCard("\U0002020c明", "男", "汉", "19900101", "地址", "110105199001010011", "机关", "20200101", "20300101")
    assert idcard.decode_text_block(idcard.encode_text_block(card)).name == "\U0002020c明"
