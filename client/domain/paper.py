"""Device-independent receipt layout: `reports` builds it, `devices` prints it.

It lives in the domain because both sides need the same vocabulary and neither may
import the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class TextLine:
    text: str
    align: Align = "left"
    bold: bool = False
    size: int = 1  # 1 = normal, 2 = double width and height


@dataclass(frozen=True)
class QRCode:
    data: str
    size: int = 6  # module size in dots


@dataclass(frozen=True)
class Barcode:
    data: str  # Code128, ASCII only


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Element = TextLine | QRCode | Barcode | Rule | Feed | Cut


@dataclass(frozen=True)
class ReceiptLayout:
    """`width_chars` counts half-width columns: 48 on 80 mm paper, 32 on 58 mm."""

    width_mm: int
    width_chars: int
    elements: tuple[Element, ...]
