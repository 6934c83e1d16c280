"""Card-type flags and tail fields of the text block, and the fingerprint-variant reply."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devices import cardkinds, idcard
from devices.cardkinds import CardKind, ForeignResidentCard, ResidencePermitCard
from devices.errors import FrameLengthError, UnsupportedCardType
from devices.virtual import DECK, RARE_CARDS, SAMPLE_CARDS

H = bytes.fromhex
U = lambda text: text.encode("utf-16-le")  # noqa: E731


@pytest.fixture
def permit_card() -> ResidencePermitCard:
    return RARE_CARDS[1]


@pytest.fixture
def foreign_card() -> ForeignResidentCard:
    return RARE_CARDS[3]


def _text(card):
    return idcard.encode_read_payload(card)[4 : 4 + 256]


def test_resident_card_flag_is_blank():
    block = _text(SAMPLE_CARDS[0])
    assert block[248:250] == U(" ")
    assert cardkinds.card_kind(block) is CardKind.RESIDENT


def test_permit_tail_offsets(permit_card):
    block = _text(permit_card)
    assert block[220:238] == U("H60123456")
    assert block[238:242] == U("01")
    assert block[248:250] == U("J")
    assert block[32:36] == U("  ")  # permits have no nation
    assert cardkinds.card_kind(block) is CardKind.HMT_PERMIT


def test_permit_decodes_to_permit_card(permit_card):
    card = idcard.decode_read_payload(idcard.encode_read_payload(permit_card))
    assert isinstance(card, ResidencePermitCard)
    assert card.kind.label == "港澳台居民居住证"
    assert (card.permit_number, card.issue_count, card.nation) == ("H60123456", "01", "")
    assert card.id_number == "810000199408230021"


def test_foreign_card_layout(foreign_card):
    block = _text(foreign_card)
    assert block[0:32] == U("MARK, SMITH JOHN")
    assert block[120:122] == U("1")
    assert block[122:152] == U("CAN110080021501")
    assert block[152:158] == U("CAN")
    assert block[158:162] == U("马克")
    assert block[220:236] == U("19800215")
    assert block[240:248] == U("1500")
    assert block[248:250] == U("I")


def test_foreign_card_decodes(foreign_card):
    card = idcard.decode_read_payload(idcard.encode_read_payload(foreign_card))
    assert isinstance(card, ForeignResidentCard)
    assert card.kind is CardKind.FOREIGN_PERMANENT
    assert (card.name, card.english_name, card.nation) == ("马克", "MARK, SMITH JOHN", "CAN")
    assert (card.birth_date, card.sex, card.address) == ("19800215", "男", "")


@pytest.mark.parametrize("card", DECK, ids=lambda c: c.name)
def test_every_deck_card_round_trips(card):
    decoded = idcard.decode_read_payload(idcard.encode_read_payload(card))
    assert replace(decoded, photo_wlt=b"") == card


def test_unknown_flag_is_a_typed_error():
    block = bytearray(_text(SAMPLE_CARDS[0]))
    block[248:250] = U("Q")
    data = H("0100 0400") + bytes(block) + bytes(1024)
    with pytest.raises(UnsupportedCardType) as err:
        idcard.decode_read_payload(data)
    assert err.value.flag == "Q" and "请手工录入" in err.value.message


def test_fingerprint_reply_is_2321_bytes_with_three_lengths():
    card = SAMPLE_CARDS[1]
    data = idcard.encode_read_payload(card, fingerprint=b"\x43" * 1024)
    frame = idcard.build_response(0, 0, 0x90, data)
    assert len(frame) == 2321
    assert frame[:16] == H("AA AA AA 96 69 09 0A 00 00 90 01 00 04 00 04 00")
    payload = idcard.split_read_payload(idcard.parse_response(frame).data)
    assert (len(payload.text), len(payload.photo), payload.fingerprint) == (256, 1024, b"\x43" * 1024)
    assert idcard.decode_read_payload(data).name == card.name


def test_reply_with_inconsistent_lengths_is_typed():
    with pytest.raises(FrameLengthError):
        idcard.split_read_payload(H("0100 0400") + bytes(300))
