"""窗口日报 on the receipt printer: the supervisor's day on one slip.

The A4 日报 (`statistics_pdf.render_daily_report`) is kept as a file; the counter has a
thermal printer at every window, so the printed copy the supervisor signs is this slip.
Data in, layout out, like the 交班小结.
"""

from __future__ import annotations

from client.domain.paper import Cut, Element, Feed, ReceiptLayout, Rule, TextLine
from reports.columns import balanced_wrap, wrap_columns
from reports.receipt import paper_columns
from reports.statistics import DailyWindowStats

TITLE = "综合窗口日报"


def daily_report_layout(s: DailyWindowStats, width_mm: int = 80) -> ReceiptLayout:
    """Totals, one line per clerk (by display name), one per matter; every line fits the paper."""
    width = paper_columns(width_mm)
    out: list[Element] = []

    def lines(text: str, bold: bool = False, indent: int = 0) -> None:
        for line in wrap_columns(text, width, indent):
            out.append(TextLine(line, bold=bold))

    for line in balanced_wrap(s.office_name, width):
        out.append(TextLine(line, align="center"))
    out.append(TextLine(TITLE, align="center", bold=True, size=2))
    out.append(TextLine(f"{s.day:%Y年%m月%d日}", align="center"))
    out.append(Rule())
    accepted = s.count("accepted") + s.count("tolerant")
    lines(f"接件：{s.total}件　受理：{accepted}件（含容缺{s.count('tolerant')}件）")
    lines(f"一次性告知：{s.one_time_notices}份　不予受理：{s.count('refused')}件")
    lines(f"撤回：{s.count('withdrawn')}件　出件：{s.delivered}件")
    if s.avg_handling_days is not None:
        lines(f"出件平均办理时长：{s.avg_handling_days:.1f}天")
    out.append(Rule())
    lines("按窗口人员", bold=True)
    if not s.clerks:
        lines("当日无接件和出件")
    for c in s.clerks:
        lines(
            f"{c.clerk}：接件{c.cases} 受理{c.accepted} 告知{c.corrections} 不予{c.refused} 出件{c.delivered}",
            indent=2,
        )
    if s.matters:
        out.append(Rule())
        lines("按事项", bold=True)
        for m in s.matters:
            lines(
                f"{m.matter}：共{m.total}（受理{m.accepted + m.tolerant} 告知{m.corrections} 不予{m.refused}）",
                indent=2,
            )
    for note in s.notes:
        lines(f"注：{note}", indent=2)
    out.extend((Rule(), TextLine("主管签字："), Feed(3), Cut()))
    return ReceiptLayout(width_mm, width, tuple(out))
