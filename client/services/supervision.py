"""What a hall supervisor looks at during the day: today's figures, deadlines at risk,
and the 差评 waiting for a call-back."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from client.domain.paper import ReceiptLayout
from reports.daily_slip import daily_report_layout
from reports.preview import pdf_page_png
from reports.statistics import BadRating, DailyWindowStats, DeadlineCase
from reports.statistics_pdf import render_daily_report

from .errors import ServiceError, clerk_message
from .statistics import StatisticsQueries

log = logging.getLogger(__name__)

SUPERVISOR_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class Overview:
    day: dt.date
    daily: DailyWindowStats
    overdue: tuple[DeadlineCase, ...]
    near_due: tuple[DeadlineCase, ...]
    bad_ratings: tuple[BadRating, ...]  # this month's, with their rectification state


class PrinterPort(Protocol):
    def print_layout(self, layout: ReceiptLayout) -> None: ...


@dataclass(frozen=True)
class DailyReport:
    """The 日报 as printed (the slip) and kept (the A4 PDF), with a picture of the PDF to show."""

    path: Path
    preview_png: bytes
    printed: bool
    error: str  # Chinese; empty when the slip came out
    clerks: tuple[str, ...]  # display names, one per person, as printed


class SupervisionService:
    def __init__(
        self,
        statistics: Callable[[], StatisticsQueries],
        out_dir: Path,
        today: Callable[[], dt.date] = dt.date.today,
        printer: PrinterPort | None = None,
        receipt_format: Callable[[], str] = lambda: "80",
    ):
        self.statistics, self.out_dir, self.today = statistics, out_dir, today
        self.printer, self.receipt_format = printer, receipt_format

    def overview(self) -> Overview:
        day = self.today()
        stats = self.statistics()
        month = stats.monthly(day, today=day)
        return Overview(day, stats.daily(day), month.overdue, month.near_due, month.bad_ratings)

    def daily_report(self) -> DailyReport:
        """Today's window report: printed on the receipt printer, kept as A4 PDF, shown on screen.

        The slip is the copy the supervisor signs; the PDF stays in the reports folder for
        the archive and for offices that print A4. A printer fault is reported, not raised:
        the report itself is safe on disk.
        """
        day = self.today()
        stats = self.statistics().daily(day)
        try:
            pdf = render_daily_report(stats)
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f"窗口日报-{day:%Y%m%d}.pdf"
            path.write_bytes(pdf)
        except OSError as exc:
            raise ServiceError(f"日报保存失败：{exc.strerror or exc}", str(exc)) from exc
        printed, error = self._print(stats)
        return DailyReport(path, pdf_page_png(pdf, dpi=60), printed, error, tuple(c.clerk for c in stats.clerks))

    def _print(self, stats: DailyWindowStats) -> tuple[bool, str]:
        if self.printer is None:
            return False, "未配置小票打印机，日报未打印（PDF已保存）"
        width = self.receipt_format()
        try:
            self.printer.print_layout(daily_report_layout(stats, 80 if width == "A4" else int(width)))
            return True, ""
        except Exception as exc:
            log.warning("daily report not printed: %s", exc)
            return False, clerk_message(exc, "日报打印失败，请检查打印机（PDF已保存）")
