"""Daily window report and monthly satisfaction report: figures, ranking, PDFs read back."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest

from reports.statistics import (
    BadRating,
    ClerkTally,
    DailyWindowStats,
    DeadlineCase,
    DepartmentScore,
    IndicatorRatings,
    MatterOutcome,
    MonthlySatisfaction,
    rank_departments,
)
from reports.statistics_pdf import render_daily_report, render_monthly_report

OFFICE = "潍坊市潍城区行政审批服务局"


@pytest.fixture
def busy_day() -> DailyWindowStats:
    return DailyWindowStats(
        OFFICE,
        dt.date(2026, 11, 22),
        (
            MatterOutcome("食品经营许可（新办）", accepted=5, tolerant=1, corrections=2, refused=1),
            MatterOutcome("城乡居民基本养老保险参保登记", accepted=9, corrections=1, withdrawn=1),
        ),
        (ClerkTally("赵六", 14, 10, 2, 1, 3), ClerkTally("王䶮", 5, 5, 1, 0, 2)),
        delivered=5,
        avg_handling_days=6.4,
        notes=("一次性告知按待补正办件计。",),
    )


@pytest.fixture
def november_with_one_complaint() -> MonthlySatisfaction:
    return MonthlySatisfaction(
        OFFICE,
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        (
            IndicatorRatings("整体满意度", (120, 40, 8, 3, 1)),
            IndicatorRatings("服务效率", (100, 50, 15, 5, 2)),
            IndicatorRatings("服务水平", (130, 30, 10, 2, 0)),
            IndicatorRatings("服务态度", (140, 25, 5, 1, 1)),
        ),
        (
            BadRating(
                "37070200000020261122A1B20007",
                "食品经营许可（新办）",
                "赵六",
                "不满意",
                dt.date(2026, 11, 23),
                comment="等候时间过长",
                status="整改中",
                responsible="王科长",
                rectify_by=dt.date(2026, 11, 30),
            ),
        ),
        (
            DeadlineCase(
                "37070200000020261101A1B20001", "个体工商户设立登记", "孙七", dt.date(2026, 11, 20), "审批中", 10
            ),
        ),
        (),
        (
            DepartmentScore("市场准入科", 40, 30, 88.2, 1, 1),
            DepartmentScore("社会保障科", 60, 50, 93.5),
            DepartmentScore("民生事务科", 10),
        ),
        cases=110,
    )


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def test_satisfaction_rate_and_index_follow_the_five_levels():
    ind = IndicatorRatings("整体满意度", (6, 2, 1, 1, 0))
    assert ind.total == 10 and ind.bad == 1
    assert ind.satisfaction_rate == pytest.approx(0.9)
    assert ind.index == pytest.approx((600 + 160 + 60 + 40) / 10)
    empty = IndicatorRatings("服务态度", (0, 0, 0, 0, 0))
    assert empty.satisfaction_rate is None and empty.index is None


def test_departments_rank_by_index_then_complaints_unrated_last(november_with_one_complaint):
    ranked = rank_departments(november_with_one_complaint.departments)
    assert [d.department for d in ranked] == ["社会保障科", "市场准入科", "民生事务科"]


def test_daily_report_reads_back_totals_matters_and_clerks(busy_day):
    text = _text(render_daily_report(busy_day))
    assert "综合窗口日报" in text and "2026年11月22日" in text
    assert "接件总数 20件" in text  # 9 + 11: every outcome counted once
    assert "受理 15件（其中容缺受理1件）" in text
    assert "一次性告知" in text and "3份" in text
    assert "6.4天" in text
    assert "城乡居民基本养老保险参保登记" in text
    assert "王䶮" in text  # clerk names print through the fallback chain like applicants'
    assert "一次性告知按待补正办件计" in text


def test_daily_report_of_a_quiet_day_says_so():
    text = _text(render_daily_report(DailyWindowStats(OFFICE, dt.date(2026, 11, 29), (), ())))
    assert "当日无接件" in text
    assert "0件" in text


def test_monthly_report_reads_back_distribution_complaints_deadlines_ranking(november_with_one_complaint):
    pdf = render_monthly_report(november_with_one_complaint)
    text = _text(pdf)
    flat = text.replace("\n", "")
    assert "2026年11月好差评满意度报告" in text
    assert "97.7%" in text  # (120 + 40 + 8) / 172
    assert "92.0" in text
    assert "370702000000-20261122-A1B2-0007" in flat
    assert "等候时间过长" in text and "王科长" in text and "整改中" in text
    assert "370702000000-20261101-A1B2-0001" in flat
    assert "社会保障科" in text
    rank_line = next(line for line in text.splitlines() if "社会保障科" in line)
    assert rank_line.startswith("1 ")
    assert b"/FontFile2" in pdf


def test_monthly_report_without_ratings_prints_dashes_not_zero_percent():
    empty = MonthlySatisfaction(
        OFFICE,
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        (IndicatorRatings("整体满意度", (0, 0, 0, 0, 0)),),
        (),
        (),
        (),
        (),
        notes=("本机尚无好差评数据。",),
    )
    text = _text(render_monthly_report(empty))
    assert "本月无差评" in text
    assert "0.0%" not in text
    assert "本机尚无好差评数据" in text
