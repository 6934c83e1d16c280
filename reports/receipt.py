"""收件凭证: the receipt for materials taken at the counter, thermal and A4.

`receipt_layout` gives the device-independent `ReceiptLayout` the devices package
turns into ESC/POS; `receipt_pdf` gives the same facts on A4 for offices without a
thermal printer or for a reprint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from client.domain.case_numbers import format_case_no
from client.domain.paper import Barcode, Cut, Element, Feed, QRCode, ReceiptLayout, Rule, TextLine
from reports.columns import balanced_wrap, display_width, wrap_columns
from reports.errors import ReportError
from reports.fonts import FontSet
from reports.numbers import chinese_date, chinese_datetime
from reports.parties import ALONE, Acting, party_rows
from reports.sheet import Fields, Grid, NoticeSheet, render_sheet

COLUMNS_BY_WIDTH_MM = {80: 48, 58: 32}

_FORMS = {"original": "原件", "copy": "复印件", "electronic": "电子件"}
_STATUSES = {
    "received": "已收",
    "missing": "未收",
    "tolerated": "容缺后补",
    "waived": "免提交",
    "pledged": "告知承诺",
    "defective": "需补正",
}

TITLE = "收件凭证"


@dataclass(frozen=True)
class ReceiptMaterial:
    name: str
    form: str  # "original" / "copy" (catalog codes) or already 原件 / 复印件
    copies: int
    status: str  # "received" / "missing" / "tolerated" or Chinese text

    @property
    def form_text(self) -> str:
        return _FORMS.get(self.form, self.form)

    @property
    def status_text(self) -> str:
        return _STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class ReceiptData:
    office_name: str
    case_no: str  # stored form, no hyphens
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    materials: tuple[ReceiptMaterial, ...]
    received_at: dt.datetime
    promised_by: dt.date | None  # None: nothing accepted yet (one-time notice), so no promise
    clerk: str
    query_url: str = ""
    phone: str = ""
    acting: Acting = ALONE
    # 即办件: decided and handed over in this visit, so there is no date to promise.
    concluded: bool = False
    # Why the date is firm though a year's schedule is not out (client.domain.deadlines.Deadline.note).
    promised_note: str = ""
    # 法定办结期限 (§42 for a licence), printed under the promise when later; None: not shown.
    legal_by: dt.date | None = None

    @property
    def legal_rows(self) -> tuple[tuple[str, str], ...]:
        """The legal date beside the promised one (issue 21, point 4): staff mix the two up."""
        if self.concluded or self.promised_by is None or self.legal_by is None or self.legal_by <= self.promised_by:
            return ()
        return (("法定办结", chinese_date(self.legal_by)),)

    @property
    def status_row(self) -> tuple[str, str]:
        """The promise the receipt makes, or why it makes none."""
        if self.concluded:
            return "办理状态", "当场办结，办理结果已当场交付"
        if self.promised_by is not None:
            note = f"（{self.promised_note}）" if self.promised_note else ""
            return "承诺办结", chinese_date(self.promised_by) + note
        return "办理状态", "材料待补正，补齐后受理"


def paper_columns(width_mm: int) -> int:
    """Half-width columns of a thermal paper width; other widths are refused in Chinese."""
    try:
        return COLUMNS_BY_WIDTH_MM[width_mm]
    except KeyError:
        raise ReportError(
            f"unsupported paper width {width_mm} mm (80 or 58)",
            f"不支持的小票纸宽度：{width_mm}毫米（仅支持80或58毫米）",
        ) from None


def receipt_layout(data: ReceiptData, width_mm: int = 80) -> ReceiptLayout:
    """Thermal receipt: every TextLine fits `width_chars` columns (a CJK char is two)."""
    width = paper_columns(width_mm)
    out: list[Element] = []

    def centred(text: str, size: int = 1, bold: bool = False) -> None:
        for line in balanced_wrap(text, width // size):
            out.append(TextLine(line, align="center", bold=bold, size=size))

    def field(label: str, value: str) -> None:
        head = f"{label}："
        unbreakable = value.isascii() and " " not in value
        if unbreakable and display_width(head + value) > width and display_width(value) <= width:
            pad = " " * min(2, width - display_width(value))
            out.extend((TextLine(head), TextLine(pad + value)))  # a number stays whole
            return
        indent = display_width(head) if display_width(head) <= width // 2 else 2
        out.extend(TextLine(line) for line in wrap_columns(head + value, width, indent))

    centred(TITLE, size=2, bold=True)
    centred(data.office_name)
    out.append(Rule())
    field("受理编号", format_case_no(data.case_no))
    for label, value in party_rows(data.applicant_name, data.applicant_id_number, data.acting):
        field(label, value)
    field("办理事项", data.matter_name)
    out.append(Rule())
    out.append(TextLine("收取材料：", bold=True))
    for i, m in enumerate(data.materials, 1):
        number = f"{i}. "
        out.extend(TextLine(line) for line in wrap_columns(number + m.name, width, display_width(number)))
        detail = " " * display_width(number) + f"{m.form_text} {m.copies}份  {m.status_text}"
        out.append(TextLine(detail))
    out.append(Rule())
    field("收件时间", chinese_datetime(data.received_at))
    field(*data.status_row)
    for row in data.legal_rows:
        field(*row)
    field("经办人", data.clerk)
    if data.phone:
        field("咨询电话", data.phone)
    out.append(Feed())
    if data.query_url:
        out.append(QRCode(data.query_url, size=6 if width_mm == 80 else 4))
        centred("扫码查询办理进度")
    out.append(Barcode(data.case_no))
    out.append(Feed(2))
    out.append(Cut())
    return ReceiptLayout(width_mm=width_mm, width_chars=width, elements=tuple(out))


def receipt_sheet(data: ReceiptData) -> NoticeSheet:
    rows = tuple((str(i), m.name, m.form_text, str(m.copies), m.status_text) for i, m in enumerate(data.materials, 1))
    return NoticeSheet(
        office_name=data.office_name,
        title=TITLE,
        sections=(
            Fields(
                (
                    *party_rows(data.applicant_name, data.applicant_id_number, data.acting),
                    ("办理事项", data.matter_name),
                    ("收件时间", chinese_datetime(data.received_at)),
                    ("承诺办结日期", data.status_row[1]) if data.status_row[0] == "承诺办结" else data.status_row,
                    *((f"{label}日期", value) for label, value in data.legal_rows),
                    ("经办人", data.clerk),
                    *((("咨询电话", data.phone),) if data.phone else ()),
                )
            ),
            Grid(("序号", "材料名称", "形式", "份数", "状态"), rows, (1, 8, 1.6, 1.2, 1.6), heading="收取材料清单："),
        ),
        case_no=data.case_no,
        query_url=data.query_url,
        issued_on=data.received_at.date(),
        signature_label="申请人签字",
    )


def receipt_pdf(data: ReceiptData, fonts: FontSet | None = None) -> bytes:
    """The same receipt on A4 as PDF bytes."""
    return render_sheet(receipt_sheet(data), fonts)
