"""Rare names on notices: each character drawn with a real glyph of the embedded font (issue #21, point 5).

The PDF is read back as a reader would: pdfplumber says which embedded font draws each
character, its ToUnicode map gives the character's code in that font, and fontTools reads
the embedded subset's cmap and outlines, so a .notdef box or an empty glyph fails.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
from fontTools.ttLib import TTFont
from pdfminer.pdftypes import resolve1

from client.font_lookup import FontLookup
from reports.errors import FontMissing
from reports.fonts import load_font_set
from reports.notices import render_acceptance_notice

NAMES = ("吉𠮷祥", "郭𡒄", "王𬌗", "刘䶮")
RARE = ("𠮷", "𡒄", "𬌗", "䶮")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def project_fonts():
    """The fonts `make run` installs (scripts/system-deps.sh), found through fontconfig."""
    fonts = load_font_set()
    missing = fonts.missing("".join(NAMES))
    assert not missing, f"run scripts/system-deps.sh: no font has {[f'U+{ord(c):04X}' for c in missing]}"
    return fonts


def _embedded_fonts(page) -> dict[str, tuple[bytes, dict[str, int]]]:
    """BaseFont → (embedded TrueType bytes, character → code) for the page's fonts."""
    out = {}
    for ref in resolve1(page.page_obj.resources["Font"]).values():
        font = resolve1(ref)
        descriptor = resolve1(font.get("FontDescriptor"))
        if descriptor is None or "FontFile2" not in descriptor:
            continue
        to_unicode = resolve1(font["ToUnicode"]).get_data().decode("latin-1")
        codes = {}
        for code, utf16 in re.findall(r"<([0-9A-Fa-f]{2})> <([0-9A-Fa-f]+)>", to_unicode):
            text = bytes.fromhex(utf16).decode("utf-16-be") if len(utf16) == 8 else chr(int(utf16, 16))
            codes[text] = int(code, 16)
        name = font["BaseFont"].name if hasattr(font["BaseFont"], "name") else str(font["BaseFont"])
        out[name] = (resolve1(descriptor["FontFile2"]).get_data(), codes)
    return out


def _glyph_of(font_bytes: bytes, code: int) -> tuple[str, int]:
    """The glyph the embedded font draws for `code`, and its number of contours."""
    font = TTFont(io.BytesIO(font_bytes))
    for table in font["cmap"].tables:
        if code in table.cmap:
            name = table.cmap[code]
            return name, font["glyf"][name].numberOfContours
    return ".notdef", 0


@pytest.mark.parametrize("name", NAMES)
def test_each_character_of_a_rare_name_has_a_real_glyph_in_the_notice(project_fonts, accepted_food_licence, name):
    pdf = render_acceptance_notice(dataclasses.replace(accepted_food_licence, applicant_name=name), project_fonts)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        assert f"{name}（证件号码" in page.extract_text()
        embedded = _embedded_fonts(page)
        for ch in name:
            drawn = [c for c in page.chars if c["text"] == ch]
            assert drawn, f"U+{ord(ch):04X} not drawn"
            data, codes = embedded[drawn[0]["fontname"]]
            glyph, contours = _glyph_of(data, codes[ch])
            assert glyph != ".notdef" and contours != 0, f"U+{ord(ch):04X} drawn as {glyph} by {drawn[0]['fontname']}"


def test_a_name_mixing_common_and_rare_characters_switches_font_per_character(project_fonts):
    runs = project_fonts.runs("吉𠮷祥")
    assert [r.text for r in runs] == ["吉", "𠮷", "祥"]
    assert runs[0].font == runs[2].font == project_fonts.primary
    assert runs[1].font != project_fonts.primary
    assert f'<font name="{runs[1].font}">𠮷</font>' in project_fonts.markup("吉𠮷祥")


def test_fonts_outside_lang_zh_are_found(project_fonts):
    """HanaMinB and BabelStone Han are not tagged zh by fontconfig; the Ext-B names need them."""
    paths = {Path(f.path).name for f in project_fonts.fonts}
    assert paths & {"HanaMinB.ttf", "BabelStoneHan.ttf"}


def test_a_font_in_the_users_own_folder_is_found(tmp_path, project_fonts):
    """A user who copies an Ext-B font into their own font folder gets it on notices."""
    user_fonts = tmp_path / "fonts"
    user_fonts.mkdir()
    primary = project_fonts.fonts[0].path
    extb = next(f.path for f in project_fonts.fonts if f.has("𠮷"))
    for path in (primary, extb):
        shutil.copy(path, user_fonts / Path(path).name)
    fonts = load_font_set(lookup=FontLookup.only([str(user_fonts)], tmp_path / "cache"))
    assert {Path(f.path).parent for f in fonts.fonts} == {user_fonts}
    assert fonts.covers("吉𠮷祥")


def test_without_the_rare_fonts_the_characters_are_missing(tmp_path, project_fonts):
    only_common = tmp_path / "fonts"
    only_common.mkdir()
    shutil.copy(project_fonts.fonts[0].path, only_common / Path(project_fonts.fonts[0].path).name)
    fonts = load_font_set(lookup=FontLookup.only([str(only_common)], tmp_path / "cache"))
    assert fonts.missing("吉𠮷祥郭𡒄") == ("𠮷", "𡒄")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FontMissing):
        load_font_set(lookup=FontLookup.only([str(empty)], tmp_path / "cache2"))


def test_windows_without_fontconfig_uses_simsun_extb(tmp_path, project_fonts):
    """On Windows fc-list is absent: SimSun (simsun.ttc) and SimSun-ExtB (simsunb.ttf) from the Fonts folder."""
    fonts_dir = tmp_path / "Windows" / "Fonts"
    fonts_dir.mkdir(parents=True)
    shutil.copy(project_fonts.fonts[0].path, fonts_dir / "simsun.ttc")
    shutil.copy(next(f.path for f in project_fonts.fonts if f.has("𠮷")), fonts_dir / "simsunb.ttf")
    lookup = FontLookup(folders=(str(fonts_dir),), use_fontconfig=False, platform="win32")
    assert [Path(f.path).name for f in lookup.han_fonts()] == ["simsun.ttc", "simsunb.ttf"]
    assert load_font_set(lookup=lookup).covers("吉𠮷祥")


def test_notice_with_the_four_names_as_png(project_fonts, accepted_food_licence):
    """docs/screenshots/rare-names-notice.png: the notice's top, as printed."""
    pdf = render_acceptance_notice(
        dataclasses.replace(accepted_food_licence, applicant_name="、".join(NAMES)), project_fonts
    )
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = doc.pages[0].extract_text()
    assert "、".join(NAMES) in text and "□" not in text
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    image = image.crop((0, 0, image.width, image.height // 2))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SCREENSHOTS / "rare-names-notice.png")
    assert image.getextrema() != ((255, 255), (255, 255), (255, 255))
