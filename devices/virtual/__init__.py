"""Virtual hardware for tests, demo mode and training: one pyusb backend, two devices."""

from __future__ import annotations

from dataclasses import dataclass, field

from client.domain.identity import IdCard
from devices.cardkinds import CardKind, ForeignResidentCard, ResidencePermitCard
from devices.virtual.backend import VirtualUsbBackend, VirtualUsbDevice
from devices.virtual.idreader import READER_PRODUCT, VirtualIdReader
from devices.virtual.printer import PRINTER_PRODUCT, VirtualReceiptPrinter
from devices.virtual.rating_pad import VirtualRatingPad
from devices.virtual.sam import Fault
from devices.virtual.scanner import VirtualScanner

SAMPLE_CARDS: tuple[IdCard, ...] = (
    IdCard(
        "王秀英",
        "女",
        "汉",
        "19491231",
        "北京市朝阳区建国门外大街甲12号",
        "11010519491231002X",
        "北京市公安局朝阳分局",
        "20150315",
        "长期",
    ),
    IdCard(
        "李建国",
        "男",
        "汉",
        "19800101",
        "安徽省马鞍山市花山区湖东中路56号",
        "34052419800101001X",
        "马鞍山市公安局花山分局",
        "20160520",
        "20360520",
    ),
    IdCard(
        "王䶮",
        "男",
        "汉",
        "19900307",
        "广东省广州市天河区体育西路191号",
        "440106199003071231",
        "广州市公安局天河分局",
        "20180612",
        "20380612",
    ),
    IdCard(
        "阿依古丽·买买提",
        "女",
        "维吾尔",
        "19881115",
        "新疆乌鲁木齐市天山区解放南路128号",
        "650102198811150244",
        "乌鲁木齐市公安局天山区分局",
        "20120805",
        "20320805",
    ),
)

# Cards that are not plain resident cards, or names a printer ROM lacks; with SAMPLE_CARDS
# they make the deck a trainer deals from.
RARE_CARDS: tuple[IdCard, ...] = (
    IdCard(
        "\U0002a6a5丽",
        "女",
        "汉",
        "19760407",
        "北京市海淀区中关村南大街5号",
        "110108197604071517",
        "北京市公安局海淀分局",
        "20200110",
        "长期",
    ),
    ResidencePermitCard(
        "陈嘉欣",
        "女",
        "",
        "19940823",
        "广东省深圳市福田区福华三路88号",
        "810000199408230021",
        "深圳市公安局福田分局",
        "20190901",
        "20240901",
        permit_number="H60123456",
        issue_count="01",
    ),
    ResidencePermitCard(
        "林志明",
        "男",
        "",
        "19850612",
        "福建省厦门市思明区鹭江道8号",
        "830000198506120036",
        "厦门市公安局思明分局",
        "20200315",
        "20250315",
        permit_number="10234567",
        issue_count="02",
    ),
    ForeignResidentCard(
        "马克",
        "男",
        "CAN",
        "19800215",
        "",
        "CAN110080021501",
        "1500",
        "20180601",
        "20280601",
        english_name="MARK, SMITH JOHN",
        nationality="CAN",
        card_version="01",
        authority_code="1500",
    ),
)
DECK: tuple[IdCard, ...] = SAMPLE_CARDS + RARE_CARDS


def card_kind_label(card: IdCard) -> str:
    """The card's Chinese name (居民身份证 unless it is a permit or a foreigner's card)."""
    kind = getattr(card, "kind", CardKind.RESIDENT)
    return kind.label if isinstance(kind, CardKind) else CardKind.RESIDENT.label


def labelled_deck(reader: VirtualIdReader) -> tuple[tuple[IdCard, str], ...]:
    """The reader's deck with each card's kind, for the demo's 放卡 menu."""
    return tuple((card, card_kind_label(card)) for card in reader.deck)


@dataclass(frozen=True)
class VirtualHardware:
    """The backend to pass to `open_printer` / `open_reader`, and the devices to drive."""

    backend: VirtualUsbBackend
    printer: VirtualReceiptPrinter
    reader: VirtualIdReader
    scanner: VirtualScanner = field(default_factory=VirtualScanner)
    rating_pad: VirtualRatingPad = field(default_factory=VirtualRatingPad)

    def unplug(self, device: VirtualUsbDevice) -> None:
        self.backend.detach(device)

    def plug(self, device: VirtualUsbDevice) -> None:
        self.backend.attach(device)


def start_virtual_hardware() -> VirtualHardware:
    """A fresh backend with the virtual printer and ID card reader plugged in."""
    backend = VirtualUsbBackend()
    printer = backend.attach(VirtualReceiptPrinter())
    reader = backend.attach(VirtualIdReader(deck=DECK))
    return VirtualHardware(backend, printer, reader)


__all__ = [
    "DECK",
    "Fault",
    "RARE_CARDS",
    "PRINTER_PRODUCT",
    "READER_PRODUCT",
    "SAMPLE_CARDS",
    "VirtualHardware",
    "VirtualIdReader",
    "VirtualRatingPad",
    "VirtualReceiptPrinter",
    "VirtualScanner",
    "VirtualUsbBackend",
    "VirtualUsbDevice",
    "card_kind_label",
    "labelled_deck",
    "start_virtual_hardware",
]
