"""Find TrueType CJK fonts and split text into per-font runs.

Names with characters beyond GBK (CJK Ext-A/B/...) are real, and a notice must print
them if any installed font can. The fonts come from `client.font_lookup` (fontconfig,
or known files in the font folders on Windows). A `FontSet` holds an ordered fallback chain and
assigns every character to the first font whose cmap has it; a character no font
has becomes '□' and is logged, never silently dropped as an empty box glyph.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from client.font_lookup import FontLookup
from reports.errors import FontMissing

log = logging.getLogger(__name__)

MISSING_GLYPH = "□"


@dataclass(frozen=True)
class FontCandidate:
    path: str
    subfont_index: int = 0


@dataclass(frozen=True)
class LoadedFont:
    """A font registered with reportlab under `name`, with the code points it covers."""

    name: str
    path: str
    subfont_index: int
    cmap: frozenset[int]

    def has(self, ch: str) -> bool:
        return ord(ch) in self.cmap


@dataclass(frozen=True)
class Run:
    font: str
    text: str


class _TTFont(TTFont):
    """TTFont whose ToUnicode map is right for characters beyond the BMP.

    reportlab writes such code points as five hex digits, which PDF readers reject;
    a CMap wants UTF-16BE surrogate pairs, so Ext-B names would not copy or search.
    """

    def addObjects(self, doc):  # noqa: N802 - reportlab's name
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state is not None else []
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            if max(subset, default=0) <= 0xFFFF:
                continue
            base = _subset_tag(n) + "+" + (self.face.name + self.face.subfontNameX).decode("latin-1")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if stream is not None:
                stream.content = _fix_cmap(stream.content, subset)


def _subset_tag(n: int) -> str:
    return f"{n:06d}".translate(str.maketrans("0123456789", "ABCDEFGIJK"))


def _fix_cmap(content: str, subset: list[int]) -> str:
    lines = content.split("\n")
    out = []
    for line in lines:
        if line.startswith("<") and "> <" in line:
            code, _, _ = line.partition(" ")
            v = subset[int(code[1:-1], 16)]
            out.append(f"{code} <{_utf16_hex(v)}>")
        else:
            out.append(line)
    return "\n".join(out)


def _utf16_hex(cp: int) -> str:
    return chr(cp).encode("utf-16-be", "surrogatepass").hex().upper()


@functools.lru_cache(maxsize=32)
def _load(path: str, subfont_index: int) -> LoadedFont:
    """Parse and register one font file once per process (0.1-0.2 s for a CJK font)."""
    name = f"OW-{Path(path).stem}-{subfont_index}"
    font = _TTFont(name, path, subfontIndex=subfont_index)
    pdfmetrics.registerFont(font)
    return LoadedFont(name, path, subfont_index, frozenset(font.face.charToGlyph))


@functools.lru_cache(maxsize=32)
def _try_load(path: str, subfont_index: int) -> LoadedFont | None:
    """`_load`, or None for a file reportlab cannot read (CFF outlines), remembered as such."""
    try:
        return _load(path, subfont_index)
    except Exception as exc:  # reportlab raises TTFError, struct.error, OSError ...
        log.info("skipping font %s: %s", path, exc)
        return None


def _cjk_capable(font: LoadedFont) -> bool:
    return ord("中") in font.cmap and ord("国") in font.cmap


def _missing_font_error(platform: str) -> FontMissing:
    if platform.startswith("win"):
        hint = "未找到可用的中文字体，请安装宋体（SimSun，simsun.ttc）"
    else:
        hint = "未找到可用的中文字体，请安装 fonts-wqy-zenhei（sudo apt-get install fonts-wqy-zenhei）"
    return FontMissing("no TrueType CJK font could be loaded", hint)


@dataclass(frozen=True)
class FontSet:
    """The primary CJK font and its ordered fallbacks (primary first).

    `loaded` are parsed already (the primary and any font tried before it); `later` are
    parsed the first time a character needs them. The rare-plane fonts are large
    (HanaMinB 30 MB, BabelStone Han 51 MB, together ≈ 200 MB parsed), and most names
    never need them.
    """

    loaded: tuple[LoadedFont, ...]
    later: tuple[FontCandidate, ...] = ()

    @property
    def primary(self) -> str:
        return self.loaded[0].name

    @property
    def fonts(self) -> tuple[LoadedFont, ...]:
        """Every font of the chain in order, parsing those not parsed yet (for inspection)."""
        return tuple(self._chain())

    def _chain(self) -> Iterator[LoadedFont]:
        yield from self.loaded
        for cand in self.later:
            font = _try_load(cand.path, cand.subfont_index)
            if font is not None:
                yield font

    def font_for(self, ch: str) -> str | None:
        code = ord(ch)
        for font in self._chain():
            if code in font.cmap:
                return font.name
        return None

    def covers(self, text: str) -> bool:
        return not self.missing(text)

    def missing(self, text: str) -> tuple[str, ...]:
        """Characters of `text` no font has, in order of first appearance."""
        seen: dict[str, None] = {}
        for ch in text:
            if not _invisible(ch) and ch != "\n" and self.font_for(ch) is None:
                seen[ch] = None
        return tuple(seen)

    def runs(self, text: str) -> tuple[Run, ...]:
        """Split text into same-font runs; unknown characters become '□' (logged).

        Control and format characters and variation selectors (ID card readers
        may send IVS sequences) have no glyph of their own and are dropped.
        """
        runs: list[Run] = []
        for ch in text:
            if ch != "\n" and _invisible(ch):
                continue
            font = self.primary if ch == "\n" else self.font_for(ch)
            if font is None:
                log.warning("no installed font has U+%04X; printed as %s", ord(ch), MISSING_GLYPH)
                ch, font = MISSING_GLYPH, self.font_for(MISSING_GLYPH) or self.primary
            if runs and runs[-1].font == font:
                runs[-1] = Run(font, runs[-1].text + ch)
            else:
                runs.append(Run(font, ch))
        return tuple(runs)

    def markup(self, text: str) -> str:
        """Paragraph markup for plain text: escaped, fallback runs in <font name=...>."""
        parts = []
        for run in self.runs(text):
            body = escape(run.text).replace("\n", "<br/>")
            if run.font == self.primary:
                parts.append(body)
            else:
                parts.append(f'<font name="{run.font}">{body}</font>')
        return "".join(parts)


def _invisible(ch: str) -> bool:
    code = ord(ch)
    return unicodedata.category(ch) in ("Cc", "Cf") or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def load_font_set(
    candidates: Iterable[FontCandidate] | None = None,
    search: Callable[[], Iterable[FontCandidate]] | None = None,
    platform: str = sys.platform,
    lookup: FontLookup | None = None,
) -> FontSet:
    """The Han font chain: `candidates` then `search()` when given, else what the lookup finds.

    The lookup asks fontconfig (the user's and the system's folders, and fonts that cover
    only the rare planes). Only the fonts up to the primary are parsed here; fonts
    reportlab cannot read (CFF-outline Noto CJK .otf/.ttc) are skipped.
    """
    if candidates is None and search is None:
        found = (lookup or FontLookup(platform=platform)).han_fonts()
        listed = [FontCandidate(f.path, f.index) for f in found]
    else:
        listed = list(candidates or ()) + list(search() if search is not None else ())
    unique: list[FontCandidate] = []
    seen: set[str] = set()
    for cand in listed:
        key = os.path.normcase(os.path.realpath(cand.path))
        if key not in seen and os.path.isfile(cand.path):
            seen.add(key)
            unique.append(cand)
    # Parse until the primary, a full CJK font; the fonts after it (HanaMinB, SimSun-ExtB,
    # which may only cover rare planes) wait until a character needs them.
    loaded: list[LoadedFont] = []
    for n, cand in enumerate(unique):
        font = _try_load(cand.path, cand.subfont_index)
        if font is None:
            continue
        if _cjk_capable(font):
            return FontSet((font, *loaded), tuple(unique[n + 1 :]))
        loaded.append(font)
    raise _missing_font_error(platform)


@functools.lru_cache(maxsize=1)
def default_font_set() -> FontSet:
    """The process-wide font set, found once (the system's fonts do not change under us)."""
    return load_font_set()
