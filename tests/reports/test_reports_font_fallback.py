"""Finding CJK fonts and falling back per character for rare name characters."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from reports.errors import FontMissing
from reports.fonts import FontCandidate, load_font_set
from reports.notices import render_acceptance_notice


def no_fonts_found():
    return ()


def test_no_candidates_and_nothing_found_is_font_missing():
    with pytest.raises(FontMissing) as err:
        load_font_set(candidates=(), search=no_fonts_found, platform="linux")
    assert "fonts-wqy-zenhei" in err.value.message
    assert "未找到可用的中文字体" in err.value.message
    assert "no TrueType CJK font" in str(err.value)


def test_font_missing_on_windows_names_simsun(tmp_path):
    with pytest.raises(FontMissing) as err:
        load_font_set(
            candidates=(FontCandidate(str(tmp_path / "simsun.ttc")),), search=no_fonts_found, platform="win32"
        )
    assert "SimSun" in err.value.message


def test_unloadable_font_file_is_skipped(tmp_path, installed_fonts):
    broken = tmp_path / "NotoSansCJK-Regular.otf"
    broken.write_bytes(b"OTTO" + b"\0" * 64)  # CFF outlines: reportlab cannot read them
    primary = installed_fonts.fonts[0]
    fonts = load_font_set(
        candidates=(FontCandidate(str(broken)), FontCandidate(primary.path, primary.subfont_index)),
        search=no_fonts_found,
    )
    assert fonts.primary == primary.name
    assert len(fonts.fonts) == 1


def test_runs_send_each_character_to_first_font_that_has_it(installed_fonts, extb_fallback_font):
    fonts = load_font_set(
        candidates=(FontCandidate(installed_fonts.fonts[0].path),),
        search=lambda: (FontCandidate(str(extb_fallback_font)),),
    )
    fallback = fonts.fonts[1].name
    runs = fonts.runs("王𠈌明𬌗")
    assert [(r.font, r.text) for r in runs] == [
        (fonts.primary, "王"),
        (fallback, "𠈌"),
        (fonts.primary, "明"),
        (fallback, "𬌗"),
    ]
    assert fonts.covers("王𠈌明𬌗")
    assert f'<font name="{fallback}">𠈌</font>' in fonts.markup("王𠈌")
    assert fonts.markup("a<b&c") == "a&lt;b&amp;c"


def test_extension_b_name_prints_through_fallback_font(
    installed_fonts, extb_fallback_font, accepted_food_licence, pdf_text, pdf_fontnames, caplog
):
    fonts = load_font_set(
        candidates=(FontCandidate(installed_fonts.fonts[0].path),),
        search=lambda: (FontCandidate(str(extb_fallback_font)),),
    )
    notice = dataclasses.replace(accepted_food_licence, applicant_name="王𠈌𬌗")
    with caplog.at_level(logging.WARNING, logger="reports.fonts"):
        pdf = render_acceptance_notice(notice, fonts)
    assert "王𠈌𬌗（证件号码" in pdf_text(pdf)  # ToUnicode maps the Ext-B code points back
    assert any("OneWindowTestExtB" in name for name in pdf_fontnames(pdf))
    assert "printed as" not in caplog.text


def test_without_a_covering_font_ext_b_is_a_box(installed_fonts, accepted_food_licence, pdf_text):
    if installed_fonts.covers("𠈌"):
        pytest.skip("an installed font covers U+2020C")
    notice = dataclasses.replace(accepted_food_licence, applicant_name="王𠈌")
    assert "王□（证件号码" in pdf_text(render_acceptance_notice(notice, installed_fonts))
