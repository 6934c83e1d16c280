"""Find TrueType CJK fonts and split text into per-font runs.

Names with characters beyond GBK (CJK Ext-A/B/...) are real, and a notice must print
them if any installed font can. So a `FontSet` holds an ordered fallback chain and
assigns every character to the first font whose cmap has it; a character no font
has becomes '□' and is logged, never silently dropped as an empty box glyph.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

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


def default_candidates(platform: str = sys.platform) -> tuple[FontCandidate, ...]:
    """Known TrueType CJK fonts, best first; Ext-B capable fonts come after the main one."""
    if platform.startswith("win"):
        fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        names = ("simsun.ttc", "simhei.ttf", "msyh.ttc", "simsunb.ttf", "SimsunExtG.ttf")
        return tuple(FontCandidate(str(fonts / n)) for n in names)
    return (
        FontCandidate("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
        FontCandidate("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
        FontCandidate("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
        FontCandidate("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
        FontCandidate("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf", 0),
        FontCandidate("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf", 0),
    )


def fc_list_chinese() -> tuple[FontCandidate, ...]:
    """Every font fontconfig says covers Chinese; empty where fc-list is absent."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "--format", "%{file}\t%{index}\n"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    found: dict[str, int] = {}
    for line in out.splitlines():
        path, _, index = line.partition("\t")
        if path and path.lower().endswith((".ttf", ".ttc", ".otf", ".otc")):
            idx = int(index) if index.strip().isdigit() else 0
            found[path] = min(idx, found.get(path, idx))
    return tuple(FontCandidate(p, i) for p, i in sorted(found.items()))


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
    """The primary CJK font and its ordered fallbacks (primary first)."""

    fonts: tuple[LoadedFont, ...]

    @property
    def primary(self) -> str:
        return self.fonts[0].name

    def font_for(self, ch: str) -> str | None:
        code = ord(ch)
        for font in self.fonts:
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
                log.warning("no installed font has %r (U+%04X); printed as %s", ch, ord(ch), MISSING_GLYPH)
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
    search: Callable[[], Iterable[FontCandidate]] = fc_list_chinese,
    platform: str = sys.platform,
) -> FontSet:
    """Load every usable CJK font: known candidates first, then what fontconfig finds.

    Fonts reportlab cannot read (CFF-outline Noto CJK .otf/.ttc) are skipped.
    """
    listed = list(default_candidates(platform) if candidates is None else candidates)
    listed += list(search())
    loaded: list[LoadedFont] = []
    seen: set[str] = set()
    for cand in listed:
        key = os.path.normcase(os.path.abspath(cand.path))
        if key in seen or not os.path.isfile(cand.path):
            continue
        seen.add(key)
        try:
            font = _load(cand.path, cand.subfont_index)
        except Exception as exc:  # reportlab raises TTFError, struct.error, OSError ...
            log.info("skipping font %s: %s", cand.path, exc)
            continue
        loaded.append(font)
    # The primary must be a full CJK font; fonts that only cover rare planes (HanaMinB,
    # SimSun-ExtB) still serve as fallbacks after it.
    primary = next((f for f in loaded if _cjk_capable(f)), None)
    if primary is None:
        raise _missing_font_error(platform)
    return FontSet((primary, *(f for f in loaded if f is not primary)))


@functools.lru_cache(maxsize=1)
def default_font_set() -> FontSet:
    """The process-wide font set, found once (the system's fonts do not change under us)."""
    return load_font_set()
