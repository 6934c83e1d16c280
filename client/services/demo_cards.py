"""Demo and training: lay a card from the virtual reader's sample deck on the reader.

With virtual devices nobody can put a real card on the reader, so F3 would always say
"no card". The composition root hands this service the deck and the reader's `place`
only when the reader is virtual (demo mode, or `onewindow run --devices virtual` for
training); elsewhere it does not exist and the window offers nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from client.domain.identity import IdCard

from .errors import ServiceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SampleCard:
    """One card of the deck as the menu lists it; `number` is its key (1–9)."""

    number: int
    name: str
    kind: str  # 居民身份证 / 港澳台居民居住证 / 外国人永久居留身份证
    id_number: str
    valid_to: str

    @property
    def label(self) -> str:
        return f"{self.number}  {self.name}  {self.kind}  {self.id_number}"


class DemoCardService:
    def __init__(self, deck: Sequence[tuple[IdCard, str]], place: Callable[[IdCard], None]):
        self._deck = tuple(deck)[:9]  # one digit key per card
        self._place = place

    def cards(self) -> tuple[SampleCard, ...]:
        return tuple(
            SampleCard(i, card.name, kind, card.id_number, card.valid_to)
            for i, (card, kind) in enumerate(self._deck, 1)
        )

    def place(self, number: int) -> SampleCard:
        """Lay card `number` on the reader (lifting the one there); the next F3 reads it."""
        if not 1 <= number <= len(self._deck):
            raise ServiceError(f"演示卡组中没有第{number}张卡（共{len(self._deck)}张）")
        card, _ = self._deck[number - 1]
        self._place(card)
        log.info("demo card %d placed on the virtual reader", number)
        return self.cards()[number - 1]
