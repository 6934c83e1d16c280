"""Which card lies on the reader: the type flag at byte 248 of the text block, and the
tail fields of Hong Kong/Macau/Taiwan residence permits and foreigners' permanent-residence
cards (docs/devices.md, protocol notes §1). Pure; no I/O.

Permits and foreigners' cards decode to subclasses of `IdCard`, so everything that
only knows `IdCard` (intake, receipts) keeps working and can ask for more with isinstance.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from types import MappingProxyType

from client.domain.identity import IdCard
from devices.errors import UnsupportedCardType

SEX_NAMES = MappingProxyType({"0": "未知", "1": "男", "2": "女", "9": "未说明"})
FLAG_OFFSET, FLAG_SIZE = 248, 2
BLOCK_SIZE = 256


class CardKind(str, enum.Enum):
    """The card-type flag; `.label` is the card's Chinese name."""

    RESIDENT = "resident"  # flag blank: 居民身份证
    HMT_PERMIT = "hmt_permit"  # flag 'J': 港澳台居民居住证 (flag letter unverified)
    FOREIGN_PERMANENT = "foreign"  # flag 'I': 外国人永久居留身份证 (2017 version, seen)

    @property
    def label(self) -> str:
        return {"resident": "居民身份证", "hmt_permit": "港澳台居民居住证", "foreign": "外国人永久居留身份证"}[
            self.value
        ]


FLAGS = MappingProxyType({"": CardKind.RESIDENT, "J": CardKind.HMT_PERMIT, "I": CardKind.FOREIGN_PERMANENT})
KIND_FLAGS = MappingProxyType({kind: flag for flag, kind in FLAGS.items()})

# Hong Kong/Macau/Taiwan permit: the resident layout up to byte 220, then this tail.
PERMIT_TAIL = (("permit_number", 220, 18), ("issue_count", 238, 4))
# Foreigners' permanent-residence card, 2017 version ('I'); offsets from vendor SDK
# documentation, unverified against a card.
FOREIGN_LAYOUT = (
    ("english_name", 0, 120),
    ("sex", 120, 2),
    ("id_number", 122, 30),
    ("nationality", 152, 6),
    ("chinese_name", 158, 30),
    ("valid_from", 188, 16),
    ("valid_to", 204, 16),
    ("birth_date", 220, 16),
    ("card_version", 236, 4),
    ("authority_code", 240, 8),
)


@dataclass(frozen=True)
class ResidencePermitCard(IdCard):
    """港澳台居民居住证: an ID-style number (81/82/83…) plus the travel-permit number."""

    permit_number: str = ""  # 通行证号码
    issue_count: str = ""  # 签发次数

    @property
    def kind(self) -> CardKind:
        return CardKind.HMT_PERMIT


@dataclass(frozen=True)
class ForeignResidentCard(IdCard):
    """外国人永久居留身份证: `name` is the Chinese name, or the English one if there is none;
    `nation` carries the ISO 3166 nationality code; there is no address on the card."""

    english_name: str = ""
    nationality: str = ""  # ISO 3166-1 alpha-3, e.g. CAN
    card_version: str = ""
    authority_code: str = ""

    @property
    def kind(self) -> CardKind:
        return CardKind.FOREIGN_PERMANENT


def _text(block: bytes, offset: int, size: int) -> str:
    return bytes(block[offset : offset + size]).decode("utf-16-le", errors="replace").rstrip(" \x00")


def _put(block: bytearray, offset: int, size: int, value: str) -> None:
    raw = value.encode("utf-16-le")[:size]
    if len(raw) % 2:
        raw = raw[:-1]
    block[offset : offset + len(raw)] = raw


def card_kind(block: bytes) -> CardKind:
    """The kind named by the flag at byte 248; UnsupportedCardType for unknown flags."""
    flag = _text(block, FLAG_OFFSET, FLAG_SIZE).strip()
    kind = FLAGS.get(flag)
    if kind is None:
        raise UnsupportedCardType(flag)
    return kind


def kind_of(card: IdCard) -> CardKind:
    return getattr(card, "kind", CardKind.RESIDENT)


def _base(card: IdCard) -> dict:
    return {f.name: getattr(card, f.name) for f in fields(IdCard)}


def decode_card_kind(block: bytes, resident: IdCard) -> IdCard:
    """`resident` (the block read with the resident layout) refined by the type flag."""
    kind = card_kind(block)
    if kind is CardKind.RESIDENT:
        return resident
    if kind is CardKind.HMT_PERMIT:
        tail = {name: _text(block, off, size) for name, off, size in PERMIT_TAIL}
        return ResidencePermitCard(
            **_base(resident), permit_number=tail["permit_number"], issue_count=tail["issue_count"]
        )
    raw = {name: _text(block, off, size) for name, off, size in FOREIGN_LAYOUT}
    return ForeignResidentCard(
        name=raw["chinese_name"] or raw["english_name"],
        sex=SEX_NAMES.get(raw["sex"], raw["sex"]),
        nation=raw["nationality"],
        birth_date=raw["birth_date"],
        address="",
        id_number=raw["id_number"],
        authority=raw["authority_code"],
        valid_from=raw["valid_from"],
        valid_to=raw["valid_to"],
        photo_wlt=resident.photo_wlt,
        english_name=raw["english_name"],
        nationality=raw["nationality"],
        card_version=raw["card_version"],
        authority_code=raw["authority_code"],
    )


def encode_card_text(card: IdCard, resident_block: bytes) -> bytes:
    """The text block for `card` (used by the virtual reader): flag and tail written in."""
    kind = kind_of(card)
    if kind is CardKind.RESIDENT:
        return resident_block
    if kind is CardKind.HMT_PERMIT:
        block = bytearray(resident_block)
        for name, off, size in PERMIT_TAIL:
            _put(block, off, size, getattr(card, name))
    else:
        assert isinstance(card, ForeignResidentCard)  # the only class of this kind
        block = bytearray(" ".encode("utf-16-le") * (BLOCK_SIZE // 2))
        sex = {v: k for k, v in SEX_NAMES.items()}.get(card.sex, "0")
        values = {
            "english_name": card.english_name,
            "sex": sex,
            "id_number": card.id_number,
            "nationality": card.nationality,
            "chinese_name": card.name if card.name != card.english_name else "",
            "valid_from": card.valid_from,
            "valid_to": card.valid_to,
            "birth_date": card.birth_date,
            "card_version": card.card_version,
            "authority_code": card.authority_code,
        }
        for name, off, size in FOREIGN_LAYOUT:
            _put(block, off, size, values[name])
    _put(block, FLAG_OFFSET, FLAG_SIZE, KIND_FLAGS[kind])
    return bytes(block)
