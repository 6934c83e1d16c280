"""`onewindow report daily|monthly`: statistics PDFs from the local store."""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import replace
from pathlib import Path

# Printed under every report this command makes: it counts this machine only (it works
# offline); the hall's reports, every window's cases and ratings, are the back office's.
LOCAL_ONLY = "本报表仅统计本机（本窗口）的办件和评价数据，可离线生成；全厅（含各窗口、下级站点）报表请在后台生成。"


def register(sub) -> None:
    report = sub.add_parser("report", help="生成统计报表（PDF）")
    kinds = report.add_subparsers(dest="report_kind", required=True)
    daily = kinds.add_parser("daily", help="综合窗口日报")
    daily.add_argument("--date", type=dt.date.fromisoformat, help="日期 YYYY-MM-DD，默认今天")
    daily.add_argument("--out", help="输出文件，默认 数据目录/reports/窗口日报-日期.pdf")
    daily.add_argument("--data-dir")
    daily.set_defaults(handler=_daily)
    monthly = kinds.add_parser("monthly", help="月度好差评满意度报告")
    monthly.add_argument("--month", type=_month, help="月份 YYYY-MM，默认本月")
    monthly.add_argument("--out", help="输出文件，默认 数据目录/reports/满意度月报-月份.pdf")
    monthly.add_argument("--data-dir")
    monthly.set_defaults(handler=_monthly)


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM：{text}") from None


def _queries(args: argparse.Namespace):
    """Open the existing store read-for-reporting: plaintext as it is, encrypted with its key."""
    from client.commands.window import data_dir
    from client.domain.catalog import load_sample_catalog
    from client.services.statistics import StatisticsQueries
    from client.store.db import open_store
    from client.store.keys import is_encrypted_store, store_keys
    from client.store.secrets import SecretStore

    folder = data_dir(args.data_dir)
    path = folder / "client.sqlite"
    if not path.exists():
        raise ReportCommandError(f"本机没有办件数据：{path}（可用 --data-dir 指定数据目录）")
    keys = None
    if is_encrypted_store(path):
        keys = store_keys(path, plaintext=False, demo=(folder / "demo-store.key").exists(), secrets=SecretStore())
    store = open_store(path, keys=keys)
    return folder, store, StatisticsQueries(store, load_sample_catalog())


class ReportCommandError(Exception):
    """A report cannot be made; `message` is what the clerk reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _write(out: Path, pdf: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(f"已生成：{out}（{len(pdf) // 1024} KB）")


def _daily(args: argparse.Namespace) -> int:
    from reports.statistics_pdf import render_daily_report

    day = args.date or dt.date.today()
    folder, store, queries = _queries(args)
    try:
        stats = queries.daily(day)
        pdf = render_daily_report(replace(stats, notes=(*stats.notes, LOCAL_ONLY)))
    finally:
        store.close()
    _write(Path(args.out) if args.out else folder / "reports" / f"窗口日报-{day.isoformat()}.pdf", pdf)
    return 0


def _monthly(args: argparse.Namespace) -> int:
    from reports.statistics_pdf import render_monthly_report

    month = args.month or dt.date.today().replace(day=1)
    folder, store, queries = _queries(args)
    try:
        stats = queries.monthly(month)
        pdf = render_monthly_report(replace(stats, notes=(*stats.notes, LOCAL_ONLY)))
    finally:
        store.close()
    _write(Path(args.out) if args.out else folder / "reports" / f"满意度月报-{month:%Y-%m}.pdf", pdf)
    return 0
