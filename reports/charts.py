"""Bar charts for the statistics reports, drawn with reportlab graphics in the CJK font.

Charts are vector drawings inside the PDF, so they print sharp and add little weight.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

PALETTE = (
    colors.Color(0.20, 0.45, 0.70),
    colors.Color(0.35, 0.65, 0.40),
    colors.Color(0.95, 0.70, 0.25),
    colors.Color(0.90, 0.45, 0.20),
    colors.Color(0.75, 0.15, 0.15),
    colors.Color(0.55, 0.55, 0.55),
)


def _label(text: str, limit: int = 8) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stacked_bars(
    font: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    width: float,
    height: float,
    title: str,
    horizontal: bool = False,
    percent: bool = False,
) -> Drawing:
    """One bar per category, stacked by series, with a legend under it."""
    d = Drawing(width, height)
    d.add(String(width / 2, height - 12, title, fontName=font, fontSize=11, textAnchor="middle"))
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    legend_h = 18
    left = 70 if horizontal else 30
    slanted = not horizontal and len(categories) > 4
    below = 30 + (34 if slanted else 0)  # slanted names hang lower: keep them above the legend
    chart.x, chart.y = left, below + legend_h
    # types-reportlab has PlotArea.width/height as int; reportlab validates them with isNumber, floats included.
    chart.width, chart.height = width - left - 10, height - below - legend_h - 22  # type: ignore[assignment]
    data = [list(values) for _, values in series] or [[0] * len(categories)]
    chart.data = data
    chart.categoryAxis.categoryNames = [_label(c) for c in categories] or [""]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    if not horizontal:
        chart.categoryAxis.labels.angle = 30 if slanted else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if slanted else "n"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    totals = [sum(col) for col in zip(*data)] if data and data[0] else [0]
    top = max(totals + [1])
    chart.valueAxis.valueMax = 100 if percent else max(1, top)
    chart.valueAxis.valueStep = 20 if percent else max(1, -(-top // 5))
    if percent:
        chart.valueAxis.labelTextFormat = "%d%%"
    chart.barWidth = 12
    for i in range(len(data)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    d.add(chart)
    legend = Legend()
    legend.fontName, legend.fontSize = font, 8
    legend.x, legend.y = left, 12
    legend.alignment = "right"
    legend.columnMaximum = 1
    # types-reportlab has Legend.deltax as int; reportlab validates it with isNumberOrNone, floats included.
    legend.deltax = max(60, min(90, (width - left) / max(1, len(series))))  # type: ignore[assignment]
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], name) for i, (name, _) in enumerate(series)]
    d.add(legend)
    return d
