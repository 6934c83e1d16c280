"""Reading an ID card through IdCardReader → UsbTransport → pyusb → virtual reader."""

from __future__ import annotations

import pytest
import usb.core

from devices import idcard
from devices.errors import CardReadError, DeviceNotFound
from devices.virtual import SAMPLE_CARDS
from devices.virtual.idreader import placeholder_wlt


def test_reset_and_sam_id(reader):
    reader.reset()
    assert reader.sam_ok()
    assert reader.sam_id() == "05-01-20240101-0000012345-2147483647"


def test_no_card_polls_none(reader, virtual_hardware):
    assert reader.poll() is None
    assert virtual_hardware.reader.requests[-1] == idcard.SamRequest(0x20, 0x01)


def test_placed_card_is_read_once_per_placement(reader, virtual_hardware, card_on_reader):
    card = reader.poll()
    assert card.name == "王秀英" and card.id_number == "11010519491231002X"
    assert card.sex == "女" and card.nation == "汉" and card.valid_to == "长期"
    assert card.photo_wlt == placeholder_wlt(card_on_reader) and len(card.photo_wlt) == 1024
    assert reader.poll() is None  # still on the reader: not a new card
    virtual_hardware.reader.lift_card()
    assert reader.poll() is None
    virtual_hardware.reader.place_card(card_on_reader)
    assert reader.poll().id_number == card_on_reader.id_number


def test_rare_name_card_reads_back(reader, virtual_hardware):
    virtual_hardware.reader.place_card(SAMPLE_CARDS[2])
    assert reader.poll().name == "王\u4dae"


def test_read_failure_asks_to_replace_the_card(reader, virtual_hardware, card_on_reader):
    virtual_hardware.reader.read_failures = 1
    with pytest.raises(CardReadError) as err:
        reader.poll()
    assert err.value.message == "读卡失败，请将身份证拿起后重新放置"
    virtual_hardware.reader.lift_card()
    virtual_hardware.reader.place_card(card_on_reader)
    assert reader.poll().name == card_on_reader.name


def test_bad_checksum_request_gets_sw3_10(virtual_hardware):
    dev = usb.core.find(idVendor=0x0400, idProduct=0xC35A, backend=virtual_hardware.backend)
    bad = bytearray(idcard.build_request(idcard.RESET))
    bad[-1] ^= 0xFF
    dev.write(0x01, bytes(bad))
    reply = idcard.parse_response(bytes(dev.read(0x81, 64, 100)))
    assert reply.sw3 == idcard.SW_CHECKSUM_ERROR


def test_reply_arrives_in_64_byte_packets(virtual_hardware, card_on_reader):
    dev = usb.core.find(idVendor=0x0400, backend=virtual_hardware.backend)
    for command in (idcard.FIND_CARD, idcard.SELECT_CARD):
        dev.write(0x01, idcard.build_request(command))
        dev.read(0x81, 64, 100)
    dev.write(0x01, idcard.build_request(idcard.READ_CARD))
    first = bytes(dev.read(0x81, 4096, 100))
    assert len(first) == 64 and idcard.frame_length(first[:7]) == 1295


def test_unplugged_reader_is_not_found(reader, virtual_hardware):
    virtual_hardware.unplug(virtual_hardware.reader)
    with pytest.raises(DeviceNotFound) as err:
        reader.poll()
    assert err.value.message == "未检测到身份证阅读器，请检查USB连接"
    virtual_hardware.plug(virtual_hardware.reader)
    assert reader.poll() is None
