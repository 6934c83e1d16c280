"""Paragraph styles for A4 notices, all bound to the CJK font set."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from reports.fonts import FontSet


@dataclass(frozen=True)
class PaperStyles:
    """The handful of text styles every notice uses; `p()` makes fallback-safe paragraphs."""

    fonts: FontSet
    office: ParagraphStyle
    title: ParagraphStyle
    doc_no: ParagraphStyle
    body: ParagraphStyle
    plain: ParagraphStyle
    right: ParagraphStyle
    item: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    small: ParagraphStyle
    small_center: ParagraphStyle

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(self.fonts.markup(text), style or self.body)


def paper_styles(fonts: FontSet) -> PaperStyles:
    font = fonts.primary

    def style(name: str, size: float, leading: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kw)

    return PaperStyles(
        fonts=fonts,
        office=style("office", 15, 22, alignment=TA_CENTER),
        title=style("title", 22, 30, alignment=TA_CENTER, spaceBefore=4, spaceAfter=6),
        doc_no=style("doc_no", 11, 16, alignment=TA_CENTER, spaceAfter=14),
        body=style("body", 12, 21, alignment=TA_JUSTIFY, firstLineIndent=24, spaceAfter=4),
        plain=style("plain", 12, 21, alignment=TA_LEFT, spaceAfter=4),
        item=style("item", 12, 18, alignment=TA_LEFT, leftIndent=24, firstLineIndent=-12, spaceAfter=2),
        right=style("right", 12, 20, alignment=TA_RIGHT),
        cell=style("cell", 10.5, 15, alignment=TA_LEFT),
        cell_center=style("cell_center", 10.5, 15, alignment=TA_CENTER),
        small=style("small", 9, 13, alignment=TA_LEFT),
        small_center=style("small_center", 9, 13, alignment=TA_CENTER),
    )
