"""The daily window report and the monthly satisfaction-index report as A4 PDFs.

Supervisors read them on paper at the morning meeting: the figures in tables, the
shape in a chart, and under them what the figures do not cover yet.
"""

from __future__ import annotations

import calendar
import datetime as dt

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from client.domain.case_numbers import format_case_no
from reports import blocks
from reports.charts import stacked_bars
from reports.fonts import FontSet, default_font_set
from reports.numbers import chinese_date
from reports.sheet import TEXT_WIDTH, render_story
from reports.statistics import (
    INDEX_FORMULA,
    INDICATORS,
    LEVELS,
    DailyWindowStats,
    MonthlySatisfaction,
    percent,
    rank_departments,
    score,
)
from reports.styles import PaperStyles, paper_styles

OUTCOMES = (
    ("accepted", "受理"),
    ("tolerant", "容缺受理"),
    ("corrections", "一次性告知"),
    ("refused", "不予受理"),
    ("withdrawn", "撤件"),
)


def _heading(st: PaperStyles, text: str) -> Flowable:
    para = st.p(text, st.plain)
    para.keepWithNext = True  # never a heading alone at the foot of a page
    return para


def _notes(st: PaperStyles, notes: tuple[str, ...]) -> list[Flowable]:
    return [st.p(f"说明：{n}", st.small) for n in notes]


def _short(day: dt.date) -> str:
    """11月23日: the year is in the report's heading."""
    return f"{day.month}月{day.day}日"


def _scope(st: PaperStyles, names: tuple[str, ...]) -> list[Flowable]:
    """The org units a back-office report covers (the window's own report has none)."""
    return [st.p(f"统计范围：{'、'.join(names)}（共{len(names)}个机构）", st.small), Spacer(1, 4)] if names else []


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}天"


def daily_story(s: DailyWindowStats, st: PaperStyles) -> list[Flowable]:
    story = blocks.header(st, s.office_name, "综合窗口日报", chinese_date(s.day))
    story += _scope(st, s.scope)
    story += [
        blocks.fields_table(
            st,
            (
                ("接件总数", f"{s.total}件"),
                ("受理", f"{s.count('accepted') + s.count('tolerant')}件（其中容缺受理{s.count('tolerant')}件）"),
                ("一次性告知", f"{s.one_time_notices}份"),
                ("不予受理", f"{s.count('refused')}件"),
                ("当日出件", f"{s.delivered}件"),
                ("平均办理时长", _days(s.avg_handling_days) + "（受理至出件，当日出件的办件）"),
            ),
            TEXT_WIDTH,
        ),
        Spacer(1, 8),
    ]
    if s.matters:
        names = [m.matter for m in s.matters]
        series = [(label, [getattr(m, key) for m in s.matters]) for key, label in OUTCOMES]
        story.append(
            stacked_bars(st.fonts.primary, names, series, TEXT_WIDTH, 62 * mm, "按事项和办理结果分类的接件量（件）")
        )
    rows = tuple(
        (str(i), m.matter, *(str(getattr(m, k)) for k, _ in OUTCOMES), str(m.total)) for i, m in enumerate(s.matters, 1)
    )
    story += [
        _heading(st, "一、按事项统计"),
        blocks.grid_table(
            st,
            ("序号", "事项", *(lbl for _, lbl in OUTCOMES), "合计"),
            rows,
            TEXT_WIDTH,
            (1, 5.3, 1.2, 1.4, 1.4, 1.4, 1, 1.1),
            left=(1,),
        ),
        Spacer(1, 8),
    ]
    clerk_rows = tuple(
        (str(i), c.clerk, str(c.cases), str(c.accepted), str(c.corrections), str(c.refused), str(c.delivered))
        for i, c in enumerate(s.clerks, 1)
    )
    story += [
        _heading(st, "二、按窗口人员统计"),
        blocks.grid_table(
            st,
            ("序号", "经办人", "接件", "受理", "一次性告知", "不予受理", "出件"),
            clerk_rows,
            TEXT_WIDTH,
            (1, 3, 1.2, 1.2, 1.6, 1.6, 1.2),
            left=(1,),
        ),
        Spacer(1, 6),
    ]
    if s.windows:
        window_rows = tuple(
            (
                str(i),
                w.window,
                str(w.cases),
                str(w.accepted),
                str(w.corrections),
                str(w.refused),
                str(w.delivered),
                str(w.ratings),
                str(w.bad),
            )
            for i, w in enumerate(s.windows, 1)
        )
        story += [
            _heading(st, "三、按窗口统计"),
            blocks.grid_table(
                st,
                ("序号", "窗口", "接件", "受理", "一次性告知", "不予受理", "出件", "评价", "差评"),
                window_rows,
                TEXT_WIDTH,
                (0.8, 4, 1, 1, 1.6, 1.4, 1, 1, 1),
                left=(1,),
            ),
            Spacer(1, 6),
        ]
    if not s.matters:
        story.append(st.p("当日无接件。", st.plain))
    return story + _notes(st, s.notes)


def render_daily_report(s: DailyWindowStats, fonts: FontSet | None = None) -> bytes:
    """综合窗口日报 as A4 PDF bytes."""
    fonts = fonts or default_font_set()
    return render_story(daily_story(s, paper_styles(fonts)), fonts, "综合窗口日报", s.office_name)


def monthly_story(s: MonthlySatisfaction, st: PaperStyles) -> list[Flowable]:
    last = calendar.monthrange(s.month.year, s.month.month)[1]
    period = (
        f"统计期间：{chinese_date(s.month.replace(day=1))}至"
        f"{chinese_date(s.month.replace(day=last))}　截至{chinese_date(s.as_of)}"
    )
    story = blocks.header(st, s.office_name, f"{s.month.year}年{s.month.month}月好差评满意度报告", period)
    story += _scope(st, s.scope)
    overall = s.indicator("整体满意度")
    summary = [
        ("受理办件", f"{s.cases}件"),
        ("评价数（整体满意度）", f"{overall.total}条"),
        ("满意率", percent(overall.satisfaction_rate)),
        ("满意度指数", score(overall.index)),
    ]
    if s.scope:  # the back office's report: the 差评 work orders' loop
        summary += [
            ("差评", f"{len(s.bad_ratings)}条，整改工单{s.work_orders}件"),
            ("差评整改率", f"{percent(s.rectification_rate)}（已整改、已解释或已办结{s.rectified_orders}件）"),
            ("差评回访率", f"{percent(s.callback_rate)}（已回访{s.called_back_orders}件）"),
        ]
    else:
        summary.append(("差评", f"{len(s.bad_ratings)}条，已整改（含已解释）{s.rectified}条"))
    summary.append(("超期 / 临期办件", f"{len(s.overdue)}件 / {len(s.near_due)}件"))
    formulas = [f"计算方法：{INDEX_FORMULA}；满意率 = (非常满意 + 满意 + 基本满意) ÷ 评价总数。"]
    if s.scope:
        formulas.append(
            "差评整改率 = (已整改 + 已解释 + 已办结的整改工单) ÷ 本月差评开立的整改工单；"
            "差评回访率 = 已记录回访的整改工单 ÷ 本月差评开立的整改工单。"
        )
    story += [
        blocks.fields_table(st, tuple(summary), TEXT_WIDTH, label_width=46 * mm),
        Spacer(1, 4),
        *(st.p(text, st.small) for text in formulas),
        Spacer(1, 8),
    ]
    # Only the indicators that were rated: an indicator the pad does not ask is said so, not drawn empty.
    indicators = list(s.rated_indicators) or [overall]
    unrated = [name for name in INDICATORS if name not in {ind.indicator for ind in indicators}]
    names = tuple(ind.indicator for ind in indicators)
    shares = [
        (level, [100 * ind.counts[i] / ind.total if ind.total else 0 for ind in indicators])
        for i, level in enumerate(LEVELS)
    ]
    # a horizontal chart draws its first category at the bottom: reverse to read top-down
    story.append(
        stacked_bars(
            st.fonts.primary,
            names[::-1],
            [(lv, v[::-1]) for lv, v in shares],
            TEXT_WIDTH,
            (24 + 9 * len(indicators)) * mm,  # one bar or four: the chart no taller than its bars need
            "各指标评价分布（%）",
            horizontal=True,
            percent=True,
        )
    )
    story.append(Spacer(1, 6))
    rows = tuple(
        (ind.indicator, *(str(c) for c in ind.counts), str(ind.total), percent(ind.satisfaction_rate), score(ind.index))
        for ind in indicators
    )
    story += [
        _heading(st, "一、评价分布"),
        blocks.grid_table(
            st,
            ("指标", *LEVELS, "合计", "满意率", "指数"),
            rows,
            TEXT_WIDTH,
            (1.7, 1.3, 1, 1.3, 1.2, 1.5, 0.9, 1.2, 1),
            left=(),
        ),
    ]
    if unrated:
        quoted = "、".join(f"“{name}”" for name in unrated)
        story.append(st.p(f"说明：{quoted}本月无评价数据（评价器只采集整体满意度），未列出空行。", st.small))
    story.append(Spacer(1, 8))
    bad_rows = tuple(
        (
            str(i),
            f"{format_case_no(b.case_no)}\n{b.matter}",
            f"{b.clerk}\n{b.window}" if b.window else b.clerk,
            f"{b.level}{'（二次）' if b.second_round else ''}\n{_short(b.rated_on)}",
            "\n".join(part for part in (b.reason, b.comment, b.channel) if part) or "—",
            f"{b.responsible or '—'}\n{_short(b.rectify_by) if b.rectify_by else '未定期限'}",
            b.status,
        )
        for i, b in enumerate(s.bad_ratings, 1)
    )
    story += [
        _heading(st, "二、差评及整改情况"),
        blocks.grid_table(
            st,
            ("序号", "办件编号 / 事项", "经办人", "评价", "评价内容", "整改责任 / 期限", "整改状态"),
            bad_rows or (("—", "本月无差评", "", "", "", "", ""),),
            TEXT_WIDTH,
            (0.6, 5, 1.8, 1.3, 1.9, 1.5, 1.1),
            left=(1, 4),
            compact=True,
        ),
        Spacer(1, 8),
    ]
    for title, cases, what in (("三、超期办件", s.overdue, "超期天数"), ("四、临期办件", s.near_due, "剩余天数")):
        case_rows = tuple(
            (str(i), format_case_no(c.case_no), c.matter, c.clerk, _short(c.promised_by), c.status, str(c.days))
            for i, c in enumerate(cases, 1)
        )
        story += [
            _heading(st, title),
            blocks.grid_table(
                st,
                ("序号", "办件编号", "事项", "经办人", "承诺办结", "状态", what),
                case_rows or (("—", "无", "", "", "", "", ""),),
                TEXT_WIDTH,
                (0.8, 5, 2.8, 1, 1.3, 1.2, 1),
                left=(1, 2),
                compact=True,
            ),
            Spacer(1, 8),
        ]
    dept_rows = tuple(
        (str(i), d.department, str(d.cases), str(d.ratings), score(d.index), str(d.bad), str(d.overdue))
        for i, d in enumerate(rank_departments(s.departments), 1)
    )
    story += [
        _heading(st, "五、部门排名"),
        blocks.grid_table(
            st,
            ("名次", "部门", "办件", "评价数", "满意度指数", "差评", "超期"),
            dept_rows,
            TEXT_WIDTH,
            (0.8, 3.4, 1, 1.1, 1.5, 1, 1),
            left=(1,),
        ),
        Spacer(1, 6),
    ]
    return story + _notes(st, s.notes)


def render_monthly_report(s: MonthlySatisfaction, fonts: FontSet | None = None) -> bytes:
    """月度好差评满意度报告 as A4 PDF bytes."""
    fonts = fonts or default_font_set()
    return render_story(monthly_story(s, paper_styles(fonts)), fonts, "好差评满意度报告", s.office_name)
