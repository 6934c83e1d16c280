"""The figures behind the daily window report and the monthly satisfaction report.

Plain frozen data that a service fills from the store (and, for ratings and 差评
rectification, from what the back office sends); the arithmetic that the paper
states — rates, the satisfaction index, the department ranking — lives here so the
numbers on paper and on screen are computed once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# 好差评 (国办发〔2019〕51号): five levels, the last two are 差评; four counter indicators.
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
BAD_LEVELS = frozenset(LEVELS[3:])
INDICATORS = ("整体满意度", "服务效率", "服务水平", "服务态度")
# Index weights per level: the common 100-point scale (5 levels at 20-point steps).
LEVEL_SCORES = (100, 80, 60, 40, 20)
RECTIFICATION_STATES = ("待回访", "整改中", "已整改", "已解释", "申诉复核中")
# Printed under the index on every monthly report, so a reader can recount it by hand.
INDEX_FORMULA = (
    "满意度指数 = (" + " + ".join(f"{s}×{lv}条数" for s, lv in zip(LEVEL_SCORES, LEVELS)) + ") ÷ 评价总数，满分100"
)


@dataclass(frozen=True)
class MatterOutcome:
    """Cases of one matter taken in on the day, by how the window decided them."""

    matter: str
    accepted: int = 0
    tolerant: int = 0  # 容缺受理
    corrections: int = 0  # 一次性告知 issued (awaiting 补正)
    refused: int = 0
    withdrawn: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.tolerant + self.corrections + self.refused + self.withdrawn


@dataclass(frozen=True)
class ClerkTally:
    clerk: str
    cases: int
    accepted: int
    corrections: int
    refused: int
    delivered: int = 0


@dataclass(frozen=True)
class WindowTally:
    """One window's (enrolled device's) day on the back office's hall report."""

    window: str
    cases: int
    accepted: int
    corrections: int
    refused: int
    delivered: int = 0
    ratings: int = 0
    bad: int = 0


@dataclass(frozen=True)
class DailyWindowStats:
    office_name: str
    day: dt.date
    matters: tuple[MatterOutcome, ...]
    clerks: tuple[ClerkTally, ...]
    delivered: int = 0  # results handed out on the day
    avg_handling_days: float | None = None  # received → delivered, for results handed out
    notes: tuple[str, ...] = ()  # what the figures do not cover, printed under them
    windows: tuple[WindowTally, ...] = ()  # the back office's hall report: one row per window
    scope: tuple[str, ...] = ()  # the org units covered (the back office's report), first the unit asked for

    @property
    def total(self) -> int:
        return sum(m.total for m in self.matters)

    @property
    def one_time_notices(self) -> int:
        return sum(m.corrections for m in self.matters)

    def count(self, outcome: str) -> int:
        return sum(getattr(m, outcome) for m in self.matters)


@dataclass(frozen=True)
class IndicatorRatings:
    """How many ratings of each level (LEVELS order) one indicator received."""

    indicator: str
    counts: tuple[int, int, int, int, int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def bad(self) -> int:
        return self.counts[3] + self.counts[4]

    @property
    def satisfaction_rate(self) -> float | None:
        """Share of 非常满意 + 满意 + 基本满意; None without ratings."""
        return sum(self.counts[:3]) / self.total if self.total else None

    @property
    def index(self) -> float | None:
        """满意度指数: the mean of LEVEL_SCORES over all ratings (0-100)."""
        if not self.total:
            return None
        return sum(n * s for n, s in zip(self.counts, LEVEL_SCORES)) / self.total


@dataclass(frozen=True)
class BadRating:
    """One 差评 and how its rectification stands ("谁办理谁负责")."""

    case_no: str
    matter: str
    clerk: str
    level: str  # 不满意 / 非常不满意
    rated_on: dt.date
    comment: str = ""
    status: str = "待回访"  # one of RECTIFICATION_STATES
    responsible: str = ""  # who calls back and fixes
    rectify_by: dt.date | None = None
    window: str = ""  # the back office's report: where it was given and who answers for it
    department: str = ""
    reason: str = ""  # the applicant's reason, as they read it (BAD_REASONS label)
    channel: str = ""  # 窗口评价器 / 扫码评价
    second_round: bool = False  # 二次评价 after rectification


@dataclass(frozen=True)
class DeadlineCase:
    case_no: str
    matter: str
    clerk: str
    promised_by: dt.date
    status: str  # 审批中, 待补正 ...
    days: int  # overdue: days past the date; near-due: days left


@dataclass(frozen=True)
class DepartmentScore:
    department: str
    cases: int
    ratings: int = 0
    index: float | None = None
    bad: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class MonthlySatisfaction:
    office_name: str
    month: dt.date  # any day of the month
    as_of: dt.date  # the day overdue / near-due were judged on
    indicators: tuple[IndicatorRatings, ...]
    bad_ratings: tuple[BadRating, ...]
    overdue: tuple[DeadlineCase, ...]
    near_due: tuple[DeadlineCase, ...]
    departments: tuple[DepartmentScore, ...]
    cases: int = 0
    notes: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()  # the org units covered (the back office's report)
    # The back office's 差评 work orders for the month's 差评 (none on a window's own report):
    work_orders: int = 0  # opened
    called_back_orders: int = 0  # the applicant was called back (回访)
    rectified_orders: int = 0  # rectified, explained or closed (整改完成)

    def indicator(self, name: str) -> IndicatorRatings:
        for ind in self.indicators:
            if ind.indicator == name:
                return ind
        return IndicatorRatings(name, (0, 0, 0, 0, 0))

    @property
    def rectified(self) -> int:
        return sum(1 for b in self.bad_ratings if b.status in ("已整改", "已解释"))

    @property
    def rectification_rate(self) -> float | None:
        """整改率: work orders rectified, explained or closed ÷ work orders opened; None without any."""
        return self.rectified_orders / self.work_orders if self.work_orders else None

    @property
    def callback_rate(self) -> float | None:
        """回访率: work orders whose applicant was called back ÷ work orders opened."""
        return self.called_back_orders / self.work_orders if self.work_orders else None

    @property
    def rated_indicators(self) -> tuple[IndicatorRatings, ...]:
        """The indicators (INDICATORS order) that received any rating this month."""
        return tuple(ind for ind in (self.indicator(name) for name in INDICATORS) if ind.total)


def rank_departments(rows: tuple[DepartmentScore, ...]) -> tuple[DepartmentScore, ...]:
    """Best first: higher index, then fewer 差评, then fewer overdue; unrated last."""
    return tuple(sorted(rows, key=lambda d: (d.index is None, -(d.index or 0), d.bad, d.overdue, d.department)))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
