"""Building blocks shared by every A4 notice: header, tables, codes, seal, signature.

Each returns reportlab flowables so a new notice kind is a short list of blocks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from reports.numbers import chinese_date
from reports.styles import PaperStyles

SEAL_RED = colors.Color(0.8, 0.1, 0.1)
BLANK_DATE = "______年____月____日"  # filled in by hand
LINE_GREY = colors.Color(0.35, 0.35, 0.35)


def header(st: PaperStyles, office_name: str, title: str, doc_no: str = "", subtitle: str = "") -> list[Flowable]:
    """Office name, the notice's title and its 文书编号, centred as on official paper."""
    items: list[Flowable] = [st.p(office_name, st.office), st.p(title, st.title)]
    if subtitle:
        items.append(st.p(subtitle, st.office))
    items.append(st.p(doc_no, st.doc_no) if doc_no else Spacer(1, 10))
    return items


class QrFlowable(Flowable):
    """A QR code of `size_mm` square, quiet zone included.

    Encodes once with reportlab's QR encoder and fills one path of row runs;
    QrCodeWidget in a Drawing encodes twice (bounds, then draw) and costs ~4x more.
    """

    def __init__(self, data: str, size_mm: float = 30, quiet: int = 2) -> None:
        super().__init__()
        code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        code.addData(data)
        code.make()
        self.modules = [[bool(m) for m in row] for row in code.modules]
        self.quiet = quiet
        self.width = self.height = size_mm * mm

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self) -> None:
        n = len(self.modules)
        box = self.width / (n + 2 * self.quiet)
        path = self.canv.beginPath()
        for r, row in enumerate(self.modules):
            y = self.height - (r + self.quiet + 1) * box
            c = 0
            for dark, run in itertools.groupby(row):
                count = len(list(run))
                if dark:
                    path.rect((c + self.quiet) * box, y, count * box, box)
                c += count
        self.canv.saveState()
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)
        self.canv.restoreState()


def qr_code(data: str, size_mm: float = 30) -> QrFlowable:
    return QrFlowable(data, size_mm)


def code128(data: str, height_mm: float = 11, module_mm: float = 0.3) -> Code128:
    """Code128 of an ASCII value (the case number as stored, without hyphens)."""
    return Code128(data, barHeight=height_mm * mm, barWidth=module_mm * mm, humanReadable=False)


def fields_table(
    st: PaperStyles,
    rows: Sequence[tuple[str, str]],
    width: float,
    label_width: float = 38 * mm,
    row_height: float | None = None,
) -> Table:
    """Two-column label/value grid for case facts; `row_height` leaves room for handwriting."""
    data = [[st.p(label, st.cell_center), st.p(value, st.cell)] for label, value in rows]
    table = Table(
        data, colWidths=[label_width, width - label_width], rowHeights=[row_height] * len(data) if row_height else None
    )
    table.setStyle(_grid())
    return table


def grid_table(
    st: PaperStyles,
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: float,
    ratios: Sequence[float],
    left: Sequence[int] | None = None,
    compact: bool = False,
) -> Table:
    """A ruled table with a header row; column widths by ratio of `width`.

    Text columns (`left`; by default the second and any wide one) read from the left,
    figures are centred; `compact` sets the body in small type for dense statistics.
    """
    total = sum(ratios)
    widths = [width * r / total for r in ratios]
    if left is None:
        left = [i for i, r in enumerate(ratios) if i == 1 or r / total >= 0.25]
    text_style = st.small if compact else st.cell
    figure_style = st.small_center if compact else st.cell_center
    data = [[st.p(h, st.cell_center) for h in head]]
    for row in rows:
        data.append([st.p(str(c), text_style if i in left else figure_style) for i, c in enumerate(row)])
    table = Table(data, colWidths=widths, repeatRows=1)
    style = _grid()
    style.add("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.93, 0.93))
    table.setStyle(style)
    return table


def numbered(st: PaperStyles, items: Sequence[str]) -> list[Flowable]:
    """1. … 2. … as indented paragraphs (materials, reasons)."""
    return [st.p(f"{i}. {text}", st.item) for i, text in enumerate(items, 1)]


NO_LINK_HINT = "办理进度请扫描受理回执或告知书上的二维码查询"


def tracking_row(
    st: PaperStyles, case_no: str, case_label: str, query_url: str, width: float, hint: str = "扫描二维码查询办理进度"
) -> Table:
    """QR code for progress queries beside the case number as text and as Code128.

    Without a link (the back office's copy: it keeps only the public token's digest) there is
    no QR at all: one holding the bare case number would promise a progress page it cannot open.
    """
    qr_side = 30 * mm
    if not query_url:
        bar = 0.3 if width > 80 * mm else 0.22
        lines: list[Flowable] = [
            st.p(f"受理编号：{case_label}", st.plain),
            code128(case_no, module_mm=bar),
            Spacer(1, 4),
            st.p(NO_LINK_HINT, st.small),
        ]
        return Table([[lines]], colWidths=[width])
    module = 0.3 if width - qr_side - 6 * mm > 80 * mm else 0.22
    label = (
        [st.p(f"受理编号：{case_label}", st.plain)]
        if module == 0.3
        else [st.p("受理编号：", st.cell), st.p(case_label, st.small)]  # 9 pt: one line beside the seal
    )
    right: list[Flowable] = [*label, code128(case_no, module_mm=module), Spacer(1, 4), st.p(hint, st.small)]
    if query_url:
        shown = f"查询网址：{query_url}" if query_url.startswith(("http://", "https://")) else query_url
        right.append(st.p(shown, st.small))
    table = Table([[qr_code(query_url or case_no), right]], colWidths=[qr_side + 6 * mm, width - qr_side - 6 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
            ]
        )
    )
    return table


class SealBlock(Flowable):
    """Issuing office and date, with a dashed circle where the seal is stamped over them."""

    def __init__(
        self, st: PaperStyles, office_name: str, issued_on: dt.date, seal_label: str | None, width_mm: float = 60
    ) -> None:
        super().__init__()
        self.st, self.seal_label = st, seal_label
        self.lines = [st.p(office_name, st.cell_center), st.p(chinese_date(issued_on), st.cell_center)]
        self.width = width_mm * mm
        self.diameter = 40 * mm if seal_label else 0
        self.text_h = sum(p.wrap(self.width, 200 * mm)[1] for p in self.lines)
        self.height = max(self.diameter, self.text_h + 8)

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        mid = self.width / 2
        y = (self.height + self.text_h) / 2 - (6 if self.seal_label else 0)
        for para in self.lines:
            _, h = para.wrap(self.width, self.height)
            y -= h
            para.drawOn(c, 0, y)
        if not self.seal_label:
            return
        r = self.diameter / 2
        c.saveState()
        c.setStrokeColor(SEAL_RED)
        c.setFillColor(SEAL_RED)
        c.setDash(3, 2)
        c.setLineWidth(0.8)
        c.circle(mid, self.height / 2, r - 1, stroke=1, fill=0)
        c.setFont(self.st.fonts.primary, 9)
        c.drawCentredString(mid, self.height / 2 + r * 0.45, self.seal_label)
        c.restoreState()


def seal_block(
    st: PaperStyles, office_name: str, issued_on: dt.date, width: float, seal_label: str | None = "（受理专用章）"
) -> Table:
    """Office name and date at the right margin, under the seal box when the notice is sealed."""
    block = SealBlock(st, office_name, issued_on, seal_label)
    outer = Table([["", block]], colWidths=[width - block.width, block.width])
    outer.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return outer


def signature_box(st: PaperStyles, label: str, width: float, note: str = "") -> Table:
    """A ruled box for a signature and the date signed; the date column lines up across boxes."""
    rows: list[list[Flowable | str]] = [[st.p(f"{label}：", st.plain), st.p(f"日期：{BLANK_DATE}", st.plain)]]
    if note:
        rows.append([st.p(note, st.small), ""])
    table = Table(rows, colWidths=[width * 0.58, width * 0.42])
    style = TableStyle(
        [
            ("BOX", (0, 0), (-1, -1), 0.6, LINE_GREY),
            ("TOPPADDING", (0, 0), (-1, 0), 12),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 10),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ]
    )
    if note:
        style.add("SPAN", (0, 1), (1, 1))
    table.setStyle(style)
    return table


def closing_row(
    st: PaperStyles,
    width: float,
    office_name: str,
    issued_on: dt.date | None,
    seal_label: str | None,
    case_no: str = "",
    case_label: str = "",
    query_url: str = "",
    hint: str = "扫描二维码查询办理进度",
) -> Flowable:
    """Tracking codes at the lower left and the issuing office with its seal at the lower right.

    Side by side they take the height of the seal alone, which keeps a notice on one page.
    """
    seal = SealBlock(st, office_name, issued_on, seal_label) if issued_on else None
    if not case_no:
        return seal_block(st, office_name, issued_on, width, seal_label) if issued_on else Spacer(1, 0)
    left_width = width - (seal.width if seal else 0)
    tracking = tracking_row(st, case_no, case_label, query_url, left_width, hint)
    if seal is None:
        return tracking
    outer = Table([[tracking, seal]], colWidths=[left_width, seal.width])
    outer.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return outer


def _grid() -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, LINE_GREY),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
    )
