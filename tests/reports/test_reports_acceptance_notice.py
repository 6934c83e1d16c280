"""受理通知书 read back from the PDF the applicant is handed."""

from __future__ import annotations

import dataclasses
import logging

from reports.fonts import MISSING_GLYPH
from reports.notices import render_acceptance_notice

FULL_ID = "11010519491231002X"
MASKED_ID = "110105********002X"


def test_notice_carries_title_number_dates_and_materials(accepted_food_licence, pdf_text):
    text = pdf_text(render_acceptance_notice(accepted_food_licence))
    assert "受理通知书" in text
    assert "潍城审受字〔2026〕第000123号" in text
    assert "2026年11月22日" in text
    assert "2026年12月11日前作出决定" in text
    assert "第三十二条第一款第（五）项" in text
    for material in accepted_food_licence.materials:
        assert material in text
    assert "370702000000-20261122-A1B2-0007" in text
    assert "（受理专用章）" in text


def test_notice_masks_the_id_number(accepted_food_licence, pdf_text):
    text = pdf_text(render_acceptance_notice(accepted_food_licence))
    assert MASKED_ID in text
    assert FULL_ID not in text


def test_notice_embeds_a_truetype_cjk_subset(accepted_food_licence, installed_fonts, pdf_fontnames):
    pdf = render_acceptance_notice(accepted_food_licence)
    assert b"/FontFile2" in pdf
    names = pdf_fontnames(pdf)
    # reportlab names subsets like "AAAAAA+WenQuanYiZenHei"
    assert names and all("+" in n for n in names)
    assert pdf.startswith(b"%PDF") and len(pdf) < 200_000


def test_rare_name_character_prints_or_is_reported(accepted_food_licence, installed_fonts, caplog, pdf_text):
    name = "王䶮"
    notice = dataclasses.replace(accepted_food_licence, applicant_name=name)
    with caplog.at_level(logging.WARNING, logger="reports.fonts"):
        text = pdf_text(render_acceptance_notice(notice, installed_fonts))
    if installed_fonts.covers(name):
        assert f"{name}（证件号码" in text
        assert "䶮" not in caplog.text
    else:
        assert f"王{MISSING_GLYPH}（证件号码" in text
        assert "U+4DAE" in caplog.text


def test_character_no_font_has_becomes_box_and_warns(accepted_food_licence, installed_fonts, caplog, pdf_text):
    notice = dataclasses.replace(accepted_food_licence, applicant_name="李\U000f0001")  # private use
    with caplog.at_level(logging.WARNING, logger="reports.fonts"):
        text = pdf_text(render_acceptance_notice(notice, installed_fonts))
    assert f"李{MISSING_GLYPH}（证件号码" in text
    assert "U+F0001" in caplog.text
