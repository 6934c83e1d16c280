"""What a hall supervisor looks at during the day: today's figures, deadlines at risk,
and the 差评 waiting for a call-back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reports.statistics import BadRating, DailyWindowStats, DeadlineCase
from reports.statistics_pdf import render_daily_report

from .errors import ServiceError
from .statistics import StatisticsQueries

SUPERVISOR_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class Overview:
    day: dt.date
    daily: DailyWindowStats
    overdue: tuple[DeadlineCase, ...]
    near_due: tuple[DeadlineCase, ...]
    bad_ratings: tuple[BadRating, ...]  # this month's, with their rectification state


class SupervisionService:
    def __init__(
        self, statistics: Callable[[], StatisticsQueries], out_dir: Path, today: Callable[[], dt.date] = dt.date.today
    ):
        self.statistics, self.out_dir, self.today = statistics, out_dir, today

    def overview(self) -> Overview:
        day = self.today()
        stats = self.statistics()
        month = stats.monthly(day, today=day)
        return Overview(day, stats.daily(day), month.overdue, month.near_due, month.bad_ratings)

    def daily_report(self) -> Path:
        """Today's window report as a PDF in the reports folder."""
        day = self.today()
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f"窗口日报-{day:%Y%m%d}.pdf"
            path.write_bytes(render_daily_report(self.statistics().daily(day)))
        except OSError as exc:
            raise ServiceError(f"日报保存失败：{exc.strerror or exc}", str(exc)) from exc
        return path
