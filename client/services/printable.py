"""Whether this machine can print a name: the intake's warning before any paper comes out.

A name such as 吉𠮷祥 prints only where a font has every character; where none has
one, notices and receipts show a box in its place. The clerk must know that while the
applicant is still at the counter, so the intake asks here as soon as a name is known.
The check uses the notices' own font chain (reportlab, TrueType only), the strictest of
the three printers: a character it has, the receipt's Pillow chain has too.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass

from client.font_lookup import FontLookup
from reports.errors import FontMissing
from reports.fonts import MISSING_GLYPH, FontSet, default_font_set, load_font_set

log = logging.getLogger(__name__)

FONT_HINT = (
    "请联系管理员安装生僻字字体（统信、麒麟等：fonts-hanazono、fonts-babelstone-han；"
    "Windows：SimSun-ExtB）后再打印，或打印后在方框处手写补正，并请申请人核对签字。"
)


@dataclass(frozen=True)
class NameCheck:
    """The characters of a name no installed font has (empty: it prints as typed)."""

    text: str
    missing: tuple[str, ...]

    @property
    def printable(self) -> bool:
        return not self.missing

    def message(self, what: str = "姓名") -> str:
        """The clerk's warning: which characters, that they print as a box, and what to do."""
        if not self.missing:
            return ""
        chars = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in self.missing)
        return f"注意：{what}中的{chars}本机没有字体，受理通知书和回执上将印成方框“{MISSING_GLYPH}”。{FONT_HINT}"


class PrintableNames:
    """Answers "will this name print?" with the fonts this machine has.

    `lookup` chooses where fonts are found (a test points it at a font set of its own);
    without one the notices' process-wide font set is used, so nothing is loaded twice.
    """

    def __init__(self, lookup: FontLookup | None = None) -> None:
        self._lookup = lookup
        self._fonts: FontSet | None = None
        self._no_fonts = False
        self._lock = threading.Lock()

    def _font_set(self) -> FontSet | None:
        with self._lock:
            if self._fonts is None and not self._no_fonts:
                try:
                    self._fonts = default_font_set() if self._lookup is None else load_font_set(lookup=self._lookup)
                except FontMissing:
                    self._no_fonts = True
            return self._fonts

    def check(self, text: str) -> NameCheck:
        """Characters of `text` that would print as a box; with no Chinese font at all, every non-ASCII one."""
        text = (text or "").strip()
        fonts = self._font_set()
        if fonts is None:
            missing = tuple(dict.fromkeys(c for c in text if not c.isascii() and _visible(c)))
        else:
            missing = fonts.missing(text)
        for c in missing:
            log.warning("intake: no installed font has U+%04X; a name would print with a box", ord(c))
        return NameCheck(text, missing)


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Mn")
