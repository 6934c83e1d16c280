"""The common shape of every A4 notice, and the one function that renders it.

A notice kind (受理通知书, 一次性告知书, 不予受理通知书 ...) only maps its own data
onto a `NoticeSheet`: header, addressee, body sections, tracking codes, seal and
signature are laid out here once.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer

from client.domain.case_numbers import format_case_no
from reports import blocks
from reports.fonts import FontSet, default_font_set
from reports.styles import PaperStyles, paper_styles

MARGIN = 22 * mm
TEXT_WIDTH = A4[0] - 2 * MARGIN


@dataclass(frozen=True)
class Text:
    """A body paragraph; `indent` gives the customary two-character first-line indent."""

    text: str
    indent: bool = True


@dataclass(frozen=True)
class Items:
    """A heading followed by a numbered list (materials, reasons, missing documents)."""

    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Fields:
    """Label/value rows in a ruled table; `row_height_mm` leaves room to write by hand."""

    rows: tuple[tuple[str, str], ...]
    row_height_mm: float = 0


@dataclass(frozen=True)
class Signatures:
    """Boxes where people sign and date by hand (委托人 and 受托人, 送达人 and 受送达人)."""

    labels: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    """Small print under the body (copies, how to refuse receipt)."""

    text: str


@dataclass(frozen=True)
class Grid:
    """A ruled table with a header row; `ratios` set the column widths."""

    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    ratios: tuple[float, ...]
    heading: str = ""


Section = Text | Items | Fields | Grid | Signatures | Note


@dataclass(frozen=True)
class NoticeSheet:
    office_name: str
    title: str
    issued_on: dt.date | None  # None: no issuing block (a form the applicant dates by hand)
    sections: tuple[Section, ...]
    doc_no: str = ""
    addressee: str = ""  # "张三（证件号码：110105********002X）：" line before the body
    acting: str = ""  # "代理人：李建国（委托代理，证件号码：…）" under the addressee, when an agent acted
    case_no: str = ""  # stored form (no hyphens); printed with hyphens and as Code128
    query_url: str = ""
    seal_label: str | None = None  # e.g. "（受理专用章）"; None: no seal box
    signature_label: str | None = None  # e.g. "申请人签收"; None: no signature box
    signature_note: str = ""
    subtitle: str = ""  # e.g. （一次性告知书） under the title
    qr_hint: str = "扫描二维码查询办理进度"  # what the QR code (of `query_url`) is for


def sheet_story(sheet: NoticeSheet, st: PaperStyles) -> list[Flowable]:
    story: list[Flowable] = blocks.header(st, sheet.office_name, sheet.title, sheet.doc_no, sheet.subtitle)
    if sheet.addressee:
        story.append(st.p(sheet.addressee, st.plain))
    if sheet.acting:
        story.append(st.p(sheet.acting, st.plain))
    for section in sheet.sections:
        story += _section(section, st)
    tail: list[Flowable] = [
        Spacer(1, 6),
        blocks.closing_row(
            st,
            TEXT_WIDTH,
            sheet.office_name,
            sheet.issued_on,
            sheet.seal_label,
            sheet.case_no,
            format_case_no(sheet.case_no) if sheet.case_no else "",
            sheet.query_url,
            sheet.qr_hint,
        ),
    ]
    if sheet.signature_label:
        tail += [Spacer(1, 10), blocks.signature_box(st, sheet.signature_label, TEXT_WIDTH, sheet.signature_note)]
    story.append(KeepTogether(tail))
    return story


def render_sheet(sheet: NoticeSheet, fonts: FontSet | None = None) -> bytes:
    """A4 PDF bytes with the CJK font subset embedded."""
    fonts = fonts or default_font_set()
    return render_story(sheet_story(sheet, paper_styles(fonts)), fonts, title=sheet.title, author=sheet.office_name)


def render_story(story: list[Flowable], fonts: FontSet, title: str, author: str) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        creator="OneWindow 一窗通",
    )

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(fonts.primary, 9)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _section(section: Section, st: PaperStyles) -> list[Flowable]:
    if isinstance(section, Text):
        return [st.p(section.text, st.body if section.indent else st.plain)]
    if isinstance(section, Items):
        head = [st.p(section.heading, st.plain)] if section.heading else []
        return [*head, *blocks.numbered(st, section.items)]
    if isinstance(section, Fields):
        return [
            blocks.fields_table(st, section.rows, TEXT_WIDTH, row_height=section.row_height_mm * mm or None),
            Spacer(1, 6),
        ]
    if isinstance(section, Signatures):
        out: list[Flowable] = []
        for label in section.labels:
            out += [Spacer(1, 8), blocks.signature_box(st, label, TEXT_WIDTH)]
        return out
    if isinstance(section, Note):
        return [Spacer(1, 2), st.p(section.text, st.small)]
    if isinstance(section, Grid):
        head = [st.p(section.heading, st.plain)] if section.heading else []
        return [*head, blocks.grid_table(st, section.head, section.rows, TEXT_WIDTH, section.ratios), Spacer(1, 6)]
    raise TypeError(f"unknown section {section!r}")
