"""流转单: the transfer slip that travels with a proxy case's paper originals.

A village station takes a county matter in on a citizen's behalf (帮办代办) and sends
the originals on. The slip names the case, the materials in the bundle and the hall they
go to; its QR code carries the slip number, the case number and the case id, so the hall
scans it at its window to record that the originals arrived. Thermal (58/80 mm) and A4.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from client.domain.case_numbers import format_case_no, parse_case_no
from client.domain.identity import mask_id_number
from client.domain.paper import Barcode, Cut, Element, Feed, QRCode, ReceiptLayout, Rule, TextLine
from reports.columns import balanced_wrap, display_width, wrap_columns
from reports.fonts import FontSet
from reports.numbers import chinese_datetime
from reports.receipt import ReceiptMaterial, paper_columns
from reports.sheet import Fields, Grid, Note, NoticeSheet, Signatures, render_sheet

TITLE = "帮办代办流转单"
CODE_PREFIX = "LZ1"


def slip_code(slip_no: str, case_no: str, case_id: str) -> str:
    """What the slip's QR code says: ASCII only, so a keyboard-wedge scanner types it as is."""
    return f"{CODE_PREFIX}|{slip_no}|{parse_case_no(case_no)}|{case_id}"


@dataclass(frozen=True)
class SlipCode:
    slip_no: str
    case_no: str
    case_id: str


def read_slip_code(text: str) -> SlipCode | None:
    """The slip a scanned code names, or None when the text is not a transfer slip's code."""
    parts = (text or "").strip().split("|")
    if len(parts) != 4 or parts[0].upper() != CODE_PREFIX or not all(p.strip() for p in parts[1:]):
        return None
    case_no = parse_case_no(parts[2])
    if not case_no:
        return None
    return SlipCode(parts[1].strip().upper(), case_no, parts[3].strip().lower())


@dataclass(frozen=True)
class TransferSlipData:
    slip_no: str
    case_id: str
    case_no: str
    station: str  # the village station that took the case in
    forward_to: str  # the competent hall the originals go to
    agent_name: str  # the social worker acting on the applicant's behalf
    relation: str  # 帮办代办
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    matter_name: str
    materials: tuple[ReceiptMaterial, ...]
    issued_at: dt.datetime

    @property
    def code(self) -> str:
        return slip_code(self.slip_no, self.case_no, self.case_id)


def transfer_layout(data: TransferSlipData, width_mm: int = 58) -> ReceiptLayout:
    """Thermal slip: every TextLine fits the paper's columns (a CJK character is two)."""
    width = paper_columns(width_mm)
    out: list[Element] = []

    def field(label: str, value: str) -> None:
        head = f"{label}："
        if value.isascii() and display_width(head + value) > width >= display_width(value):
            out.extend((TextLine(head), TextLine("  " + value if display_width(value) + 2 <= width else value)))
            return
        out.extend(TextLine(line) for line in wrap_columns(head + value, width, 2))

    for line in balanced_wrap(TITLE, width // 2):
        out.append(TextLine(line, align="center", bold=True, size=2))
    out.append(Rule())
    field("流转单号", data.slip_no)
    field("办件编号", format_case_no(data.case_no))
    field("办理事项", data.matter_name)
    field("申请人", f"{data.applicant_name} {mask_id_number(data.applicant_id_number)}")
    field("代办人", f"{data.agent_name}（{data.relation}）")
    field("发件站点", data.station)
    field("送达机构", data.forward_to)
    out.append(Rule())
    out.append(TextLine("随单原件：", bold=True))
    for i, m in enumerate(data.materials, 1):
        number = f"{i}. "
        out.extend(TextLine(line) for line in wrap_columns(number + m.name, width, display_width(number)))
        out.append(TextLine(" " * display_width(number) + f"{m.form_text} {m.copies}份"))
    out.append(Rule())
    field("开单时间", chinese_datetime(data.issued_at))
    out.append(Feed())
    out.append(QRCode(data.code, size=4 if width_mm == 58 else 6))
    for line in wrap_columns("收件窗口扫码登记原件送达", width, 0):
        out.append(TextLine(line, align="center"))
    out.append(Barcode(data.slip_no))
    out.append(TextLine(data.slip_no, align="center"))
    out.append(Feed(2))
    out.append(Cut())
    return ReceiptLayout(width_mm=width_mm, width_chars=width, elements=tuple(out))


def transfer_sheet(data: TransferSlipData) -> NoticeSheet:
    rows = tuple((str(i), m.name, m.form_text, str(m.copies)) for i, m in enumerate(data.materials, 1))
    return NoticeSheet(
        office_name=data.station,
        title=TITLE,
        doc_no=f"流转单号：{data.slip_no}",
        issued_on=data.issued_at.date(),
        sections=(
            Fields(
                (
                    ("办理事项", data.matter_name),
                    ("申请人", f"{data.applicant_name}（{mask_id_number(data.applicant_id_number)}）"),
                    ("联系电话", data.applicant_phone or "—"),
                    ("代办人", f"{data.agent_name}（{data.relation}）"),
                    ("发件站点", data.station),
                    ("送达机构", data.forward_to),
                    ("开单时间", chinese_datetime(data.issued_at)),
                )
            ),
            Grid(("序号", "随单原件", "形式", "份数"), rows, (1, 9, 1.6, 1.2), heading="随单材料清单："),
            Note("本单随申请材料原件一并流转。收件窗口请扫描下方二维码登记原件送达，核对无误后签收。"),
            Signatures(("交件人（代办人）", "收件人（窗口）")),
        ),
        case_no=data.case_no,
        query_url=data.code,
        qr_hint="收件窗口扫码登记原件送达",
    )


def transfer_pdf(data: TransferSlipData, fonts: FontSet | None = None) -> bytes:
    """The slip on A4 as PDF bytes."""
    return render_sheet(transfer_sheet(data), fonts)
