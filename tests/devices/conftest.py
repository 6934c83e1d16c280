"""Shared states for device tests: virtual hardware plugged in, a card on the reader, …"""

from __future__ import annotations

import os

import pytest

from client.domain.paper import Barcode, Cut, Feed, QRCode, ReceiptLayout, Rule, TextLine
from devices.config import VIRTUAL_PRINTER, VIRTUAL_READER, open_printer, open_reader
from devices.virtual import SAMPLE_CARDS, start_virtual_hardware

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@pytest.fixture
def cjk_font() -> str:
    if not os.path.isfile(WQY):
        pytest.skip("fonts-wqy-zenhei not installed")
    return WQY


@pytest.fixture
def virtual_hardware():
    return start_virtual_hardware()


@pytest.fixture
def printer(virtual_hardware):
    p = open_printer(VIRTUAL_PRINTER, virtual_hardware.backend)
    yield p
    p.close()


@pytest.fixture
def reader(virtual_hardware):
    r = open_reader(VIRTUAL_READER, virtual_hardware.backend)
    yield r
    r.close()


@pytest.fixture
def card_on_reader(virtual_hardware):
    card = SAMPLE_CARDS[0]
    virtual_hardware.reader.place_card(card)
    return card


@pytest.fixture
def acceptance_receipt() -> ReceiptLayout:
    """A realistic 80 mm acceptance receipt, every element kind included."""
    return ReceiptLayout(
        80,
        48,
        (
            TextLine("某某县政务服务中心", align="center", bold=True, size=2),
            TextLine("受理回执", align="center", bold=True),
            Rule(),
            TextLine("办件编号：3401022024110100010001"),
            TextLine("事项：城乡居民基本养老保险参保登记"),
            TextLine("申请人：王秀英（110105********002X）"),
            TextLine("承诺时限：5个工作日", align="right"),
            Rule("="),
            QRCode("https://zwfw.example.gov.cn/q?no=3401022024110100010001", size=6),
            Barcode("3401022024110100010001"),
            TextLine("请妥善保管本回执", align="center"),
            Feed(3),
            Cut(),
        ),
    )
