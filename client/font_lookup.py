"""Find the font files that can draw Chinese names, the way the desktop finds them.

Notices (reportlab), receipts (Pillow) and the intake's warning all need the same
answer to "which files on this machine have Han characters?", including fonts the
user installed in their own folder (~/.local/share/fonts) and fonts that cover only
the rare planes (HanaMinB, BabelStone Han, SimSun-ExtB) and so are missing from
`fc-list :lang=zh`. fontconfig already knows the user's and the system's folders, so
it is asked first; where its tools are absent (Windows) a short list of known CJK
files is looked for in the usual font folders.

This module sits outside client.domain (it runs programs and reads folders) and
imports nothing of the project, so devices and reports may both use it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# One code point per Han block: a font with any of them joins the fallback chain.
# 中 (URO), 㐀 (Ext-A), 𠀀 (Ext-B), 𪜀 (Ext-C), 𫝀 (Ext-D), 𫠠 (Ext-E), 𬺰 (Ext-F), 𰀀 (Ext-G), 𱍐 (Ext-H).
HAN_PROBES: tuple[int, ...] = (0x4E2D, 0x3400, 0x20000, 0x2A700, 0x2B740, 0x2B820, 0x2CEB0, 0x30000, 0x31350)

# Preferred order, by file name: a full CJK font first (the primary), rarer planes after.
PREFERRED: tuple[str, ...] = (
    "wqy-zenhei.ttc",
    "wqy-microhei.ttc",
    "simsun.ttc",
    "simhei.ttf",
    "msyh.ttc",
    "uming.ttc",
    "droidsansfallbackfull.ttf",
    "hanamina.ttf",
    "hanaminb.ttf",
    "simsunb.ttf",  # Windows' SimSun-ExtB: the Ext-B characters of names
    "simsunextg.ttf",
    "babelstonehan.ttf",
)
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")


@dataclass(frozen=True)
class FontFile:
    """One face of a font file (a .ttc holds several)."""

    path: str
    index: int = 0


def _rank(font: FontFile) -> tuple[int, str, int]:
    name = Path(font.path).name.lower()
    pos = PREFERRED.index(name) if name in PREFERRED else len(PREFERRED)
    return pos, font.path, font.index


def default_folders(platform: str = sys.platform) -> tuple[str, ...]:
    """Where fonts live when fontconfig cannot be asked: the system's folder, then the user's."""
    if platform.startswith("win"):
        windir = os.environ.get("WINDIR", r"C:\Windows")
        local = os.environ.get("LOCALAPPDATA", "")
        user = (os.path.join(local, "Microsoft", "Windows", "Fonts"),) if local else ()
        return (os.path.join(windir, "Fonts"), *user)
    home = Path.home()
    return (
        "/usr/share/fonts",
        "/usr/local/share/fonts",
        str(home / ".local" / "share" / "fonts"),
        str(home / ".fonts"),
        "/Library/Fonts",
        str(home / "Library" / "Fonts"),
    )


@dataclass(frozen=True)
class FontLookup:
    """How fonts are found: fontconfig (optionally with its own config file), else known files in folders.

    `fontconfig_file` is passed to the fc tools as FONTCONFIG_FILE, so a test can point
    the lookup at a font set of its own (an empty one) without touching the system.
    `folders` replaces the folders searched when fontconfig is absent; `use_fontconfig`
    False forces that path (what Windows does).
    """

    fontconfig_file: str | None = None
    folders: tuple[str, ...] | None = None
    use_fontconfig: bool = True
    platform: str = sys.platform

    @classmethod
    def only(cls, folders: list[str] | tuple[str, ...], cache_dir: str | Path) -> FontLookup:
        """A lookup that sees the fonts in `folders` and nothing else (writes a fonts.conf into cache_dir)."""
        cache = Path(cache_dir)
        cache.mkdir(parents=True, exist_ok=True)
        dirs = "".join(f"<dir>{_xml(str(Path(d).resolve()))}</dir>" for d in folders)
        conf = cache / "fonts.conf"
        conf.write_text(
            f'<?xml version="1.0"?><fontconfig>{dirs}<cachedir>{_xml(str(cache.resolve()))}</cachedir></fontconfig>',
            encoding="utf-8",
        )
        return cls(fontconfig_file=str(conf), folders=tuple(str(d) for d in folders))

    def fontconfig_available(self) -> bool:
        return self.use_fontconfig and shutil.which("fc-list") is not None

    def han_fonts(self) -> tuple[FontFile, ...]:
        """Every font face with Han characters in any block, the preferred full CJK fonts first."""
        if self.fontconfig_available():
            found: dict[FontFile, None] = {}
            for code in HAN_PROBES:
                for font in self._fc_list(f":charset={code:X}"):
                    found[font] = None
            return _dedupe(sorted(found, key=_rank))
        return self._known_files()

    def fonts_with(self, ch: str) -> tuple[FontFile, ...]:
        """The font faces that have one character (fontconfig's word; callers check the cmap)."""
        if self.fontconfig_available():
            return _dedupe(sorted(self._fc_list(f":charset={ord(ch):X}"), key=_rank))
        return self._known_files()

    def _fc_list(self, pattern: str) -> list[FontFile]:
        env = dict(os.environ)
        if self.fontconfig_file:
            env["FONTCONFIG_FILE"] = self.fontconfig_file
        try:
            out = subprocess.run(
                ["fc-list", pattern, "--format", "%{file}\t%{index}\n"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
                env=env,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        fonts = []
        for line in out.splitlines():
            path, _, index = line.partition("\t")
            if path.lower().endswith(FONT_SUFFIXES):
                fonts.append(FontFile(path, int(index) if index.strip().isdigit() else 0))
        return fonts

    def _known_files(self) -> tuple[FontFile, ...]:
        """Known CJK files in the folders (recursively), for machines without fontconfig."""
        folders = default_folders(self.platform) if self.folders is None else self.folders
        found: list[FontFile] = []
        for folder in folders:
            if not os.path.isdir(folder):
                continue
            for root, _dirs, files in os.walk(folder):
                for name in files:
                    if name.lower() in PREFERRED:
                        found.append(FontFile(os.path.join(root, name)))
        return _dedupe(sorted(found, key=_rank))


def _dedupe(fonts: list[FontFile]) -> tuple[FontFile, ...]:
    """One face per real file (Debian links HanaMinA as fonts-japanese-mincho.ttf; the faces
    of a .ttc share their characters, so its first face stands for all)."""
    seen: set[str] = set()
    out = []
    for font in fonts:
        key = os.path.normcase(os.path.realpath(font.path))
        if key not in seen:
            seen.add(key)
            out.append(font)
    return tuple(out)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
