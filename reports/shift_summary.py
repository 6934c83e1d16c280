"""交班小结: the slip a clerk prints when she hands over her window.

Data in, layout out: `ShiftSheet` holds the figures as printable rows; the devices
package turns the layout into ESC/POS.
"""

from __future__ import annotations

from dataclasses import dataclass

from client.domain.paper import Cut, Element, Feed, ReceiptLayout, Rule, TextLine
from reports.columns import balanced_wrap, wrap_columns
from reports.receipt import paper_columns

TITLE = "交班小结"


@dataclass(frozen=True)
class ShiftSheet:
    office_name: str
    heading: tuple[tuple[str, str], ...]  # 窗口, 工作人员, 开班, 交班
    rows: tuple[tuple[str, str], ...]  # figure name, value
    warnings: tuple[str, ...]  # unsynced cases, unfinished tickets…


def shift_summary_layout(sheet: ShiftSheet, width_mm: int = 80) -> ReceiptLayout:
    """Every line fits the paper (a CJK character takes two columns)."""
    width = paper_columns(width_mm)
    out: list[Element] = []
    for line in balanced_wrap(sheet.office_name, width):
        out.append(TextLine(line, align="center"))
    out.append(TextLine(TITLE, align="center", bold=True, size=2))
    out.append(Rule())

    def rows(pairs: tuple[tuple[str, str], ...]) -> None:
        for label, value in pairs:
            for line in wrap_columns(f"{label}：{value}", width):
                out.append(TextLine(line))

    rows(sheet.heading)
    out.append(Rule())
    rows(sheet.rows)
    if sheet.warnings:
        out.append(Rule())
        for warning in sheet.warnings:
            for line in wrap_columns(f"！{warning}", width):
                out.append(TextLine(line, bold=True))
    out.extend((Rule(), TextLine("交班人签字：", align="left"), Feed(2), TextLine("接班人签字："), Feed(3), Cut()))
    return ReceiptLayout(width_mm, width, tuple(out))
