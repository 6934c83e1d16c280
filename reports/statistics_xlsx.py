"""The daily window report and the monthly satisfaction report as .xlsx workbooks.

The same data classes as the PDFs, one sheet per table, figures as numbers (rates as
fractions formatted as percentages) so the office can sum and chart them in a spreadsheet.
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from client.domain.case_numbers import format_case_no
from reports.statistics import (
    INDEX_FORMULA,
    INDICATORS,
    LEVELS,
    DailyWindowStats,
    DeadlineCase,
    MonthlySatisfaction,
    rank_departments,
)

Cell = str | int | float | None
PERCENT = "0.0%"
SCORE = "0.0"
BOLD = Font(bold=True)
OUTCOMES = (
    ("accepted", "受理"),
    ("tolerant", "容缺受理"),
    ("corrections", "一次性告知"),
    ("refused", "不予受理"),
    ("withdrawn", "撤件"),
)


def _table(
    ws: Worksheet, head: Sequence[str], rows: Sequence[Sequence[Cell]], formats: dict[int, str] | None = None
) -> None:
    """A header row in bold, then the rows; column `i` gets number format `formats[i]`."""
    ws.append(list(head))
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for row in rows:
        ws.append(list(row))
        for i, fmt in (formats or {}).items():
            ws.cell(ws.max_row, i + 1).number_format = fmt
    for i, title in enumerate(head, 1):
        widest = max([len(str(title))] + [len(str(r[i - 1])) for r in rows if i - 1 < len(r) and r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, 4 + 2 * widest)


def _pairs(ws: Worksheet, pairs: Sequence[tuple[str, Cell, str | None]]) -> None:
    """Label / value rows (the report's summary), each value with its number format."""
    for label, value, fmt in pairs:
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font = BOLD
        if fmt:
            ws.cell(ws.max_row, 2).number_format = fmt
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 60


def _notes(ws: Worksheet, notes: Sequence[str]) -> None:
    if notes:
        ws.append([])
    for note in notes:
        ws.append(["说明", note])
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True)


def _bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def daily_xlsx(s: DailyWindowStats) -> bytes:
    """综合窗口日报 as .xlsx bytes: 汇总, 按事项, 按经办人 and (the hall's) 按窗口."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    _pairs(
        ws,
        (
            ("机构", s.office_name, None),
            ("统计范围", "、".join(s.scope) or s.office_name, None),
            ("日期", s.day.isoformat(), None),
            ("接件总数", s.total, None),
            ("受理（含容缺）", s.count("accepted") + s.count("tolerant"), None),
            ("其中容缺受理", s.count("tolerant"), None),
            ("一次性告知", s.one_time_notices, None),
            ("不予受理", s.count("refused"), None),
            ("撤件", s.count("withdrawn"), None),
            ("当日出件", s.delivered, None),
            ("平均办理时长（天）", s.avg_handling_days, SCORE),
        ),
    )
    _notes(ws, s.notes)
    _table(
        wb.create_sheet("按事项"),
        ("事项", *(label for _, label in OUTCOMES), "合计"),
        [(m.matter, *(getattr(m, key) for key, _ in OUTCOMES), m.total) for m in s.matters],
    )
    _table(
        wb.create_sheet("按经办人"),
        ("经办人", "接件", "受理", "一次性告知", "不予受理", "出件"),
        [(c.clerk, c.cases, c.accepted, c.corrections, c.refused, c.delivered) for c in s.clerks],
    )
    if s.windows:
        _table(
            wb.create_sheet("按窗口"),
            ("窗口", "接件", "受理", "一次性告知", "不予受理", "出件", "评价", "差评"),
            [
                (w.window, w.cases, w.accepted, w.corrections, w.refused, w.delivered, w.ratings, w.bad)
                for w in s.windows
            ],
        )
    return _bytes(wb)


def _deadline_rows(cases: Sequence[DeadlineCase]) -> list[Sequence[Cell]]:
    return [(format_case_no(c.case_no), c.matter, c.clerk, c.promised_by.isoformat(), c.status, c.days) for c in cases]


def monthly_xlsx(s: MonthlySatisfaction) -> bytes:
    """月度好差评满意度报告 as .xlsx bytes: 汇总 (with the formulas), 评价分布, 差评整改,
    超期办件, 临期办件, 部门排名."""
    last = calendar.monthrange(s.month.year, s.month.month)[1]
    overall = s.indicator(INDICATORS[0])
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    pairs: list[tuple[str, Cell, str | None]] = [
        ("机构", s.office_name, None),
        ("统计范围", "、".join(s.scope) or s.office_name, None),
        ("统计期间", f"{s.month.replace(day=1).isoformat()} 至 {s.month.replace(day=last).isoformat()}", None),
        ("截至", s.as_of.isoformat(), None),
        ("受理办件", s.cases, None),
        ("评价数（整体满意度）", overall.total, None),
        ("满意率", overall.satisfaction_rate, PERCENT),
        ("满意度指数", overall.index, SCORE),
        ("差评", len(s.bad_ratings), None),
    ]
    if s.scope:
        pairs += [
            ("整改工单", s.work_orders, None),
            ("已整改、已解释或已办结", s.rectified_orders, None),
            ("已回访", s.called_back_orders, None),
            ("差评整改率", s.rectification_rate, PERCENT),
            ("差评回访率", s.callback_rate, PERCENT),
        ]
    pairs += [
        ("超期办件", len(s.overdue), None),
        ("临期办件", len(s.near_due), None),
        ("满意度指数计算方法", INDEX_FORMULA, None),
        ("满意率计算方法", "(非常满意 + 满意 + 基本满意) ÷ 评价总数", None),
    ]
    if s.scope:
        pairs += [
            ("差评整改率计算方法", "(已整改 + 已解释 + 已办结的整改工单) ÷ 本月差评开立的整改工单", None),
            ("差评回访率计算方法", "已记录回访的整改工单 ÷ 本月差评开立的整改工单", None),
        ]
    _pairs(ws, pairs)
    indicators = list(s.rated_indicators) or [overall]
    unrated = [name for name in INDICATORS if name not in {ind.indicator for ind in indicators}]
    notes = list(s.notes)
    if unrated:
        notes.append("、".join(f"“{n}”" for n in unrated) + "本月无评价数据（评价器只采集整体满意度），未列出空行。")
    _notes(ws, notes)
    _table(
        wb.create_sheet("评价分布"),
        ("指标", *LEVELS, "合计", "满意率", "指数"),
        [(i.indicator, *i.counts, i.total, i.satisfaction_rate, i.index) for i in indicators],
        {7: PERCENT, 8: SCORE},
    )
    _table(
        wb.create_sheet("差评整改"),
        (
            "办件编号",
            "事项",
            "经办人",
            "窗口",
            "评价",
            "二次评价",
            "评价日期",
            "评价渠道",
            "原因",
            "评价内容",
            "责任部门",
            "整改期限",
            "整改状态",
        ),
        [
            (
                format_case_no(b.case_no),
                b.matter,
                b.clerk,
                b.window,
                b.level,
                "是" if b.second_round else "否",
                b.rated_on.isoformat(),
                b.channel,
                b.reason,
                b.comment,
                b.responsible,
                b.rectify_by.isoformat() if b.rectify_by else "",
                b.status,
            )
            for b in s.bad_ratings
        ],
    )
    head = ("办件编号", "事项", "经办人", "承诺办结", "状态")
    _table(wb.create_sheet("超期办件"), (*head, "超期天数"), _deadline_rows(s.overdue))
    _table(wb.create_sheet("临期办件"), (*head, "剩余工作日"), _deadline_rows(s.near_due))
    _table(
        wb.create_sheet("部门排名"),
        ("名次", "部门", "办件", "评价数", "满意度指数", "差评", "超期"),
        [
            (n, d.department, d.cases, d.ratings, d.index, d.bad, d.overdue)
            for n, d in enumerate(rank_departments(s.departments), 1)
        ],
        {4: SCORE},
    )
    return _bytes(wb)
