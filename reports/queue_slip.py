"""The printed queue ticket (排队号票): number, category, people ahead, time, the status page's QR."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from client.domain.paper import Cut, Element, Feed, QRCode, ReceiptLayout, Rule, TextLine
from reports.columns import balanced_wrap
from reports.numbers import chinese_datetime
from reports.receipt import paper_columns

TITLE = "排队号票"


@dataclass(frozen=True)
class SlipData:
    office_name: str
    ticket_no: str
    category_label: str
    priority_label: str  # 老年人优先 / "" (never the holder's name or number)
    waiting_ahead: int
    issued_at: dt.datetime  # in the hall's time
    status_url: str  # "" when the back office gave no link: the slip then has no QR
    appointment: str = ""  # what the back office said about a booked appointment, or ""


def ahead_text(waiting_ahead: int) -> str:
    return "前面暂无人等候" if waiting_ahead <= 0 else f"前面还有 {waiting_ahead} 人等候"


def slip_layout(data: SlipData, width_mm: int = 80) -> ReceiptLayout:
    """Big number in the middle, everything else centred: read at a glance in a queue."""
    width = paper_columns(width_mm)
    out: list[Element] = []

    def centred(text: str, size: int = 1, bold: bool = False) -> None:
        for line in balanced_wrap(text, width // size):
            out.append(TextLine(line, align="center", bold=bold, size=size))

    if data.office_name:
        centred(data.office_name, bold=True)
    centred(TITLE)
    out.append(Rule())
    centred(data.ticket_no, size=2, bold=True)
    centred(data.category_label, size=2)
    if data.priority_label:
        centred(f"【{data.priority_label}】", bold=True)
    if data.appointment:
        centred(data.appointment)
    out.append(Feed())
    centred(ahead_text(data.waiting_ahead))
    centred(f"取号时间：{chinese_datetime(data.issued_at)}")
    out.append(Rule())
    if data.status_url:
        out.append(QRCode(data.status_url, size=6))
        centred("微信扫码查看排队进度")
    centred("请留意叫号屏幕和语音提示")
    centred("过号请到咨询台咨询，本票当日有效")
    out.extend((Feed(2), Cut()))
    return ReceiptLayout(width_mm, width, tuple(out))
