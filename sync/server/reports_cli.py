"""`onewindow-server report daily|monthly` (the hall's or county's reports as PDF or .xlsx)
and `onewindow-server export ratings|cases` (the day's JSON for the provincial platforms).

Only parses and prints; the figures come from `hall_reports`, the documents from `exports`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM：{text}") from None


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def register(sub, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser("report", help="生成全厅（含下级机构）统计报表：日报、好差评满意度月报（PDF 或 xlsx）")
    kinds = report.add_subparsers(dest="report_kind", required=True)
    for kind, what in (("daily", "综合窗口日报"), ("monthly", "月度好差评满意度报告")):
        p = kinds.add_parser(kind, parents=[common], help=what)
        p.add_argument("--org", required=True, help="机构编码：统计该机构及其下级机构")
        if kind == "daily":
            p.add_argument("--date", type=_day, help="日期 YYYY-MM-DD，默认今天（北京时间）")
        else:
            p.add_argument("--month", type=_month, help="月份 YYYY-MM，默认本月")
            p.add_argument("--as-of", type=_day, help="超期、临期的判断日 YYYY-MM-DD，默认今天（不晚于月末）")
        p.add_argument("--format", choices=("pdf", "xlsx"), help="输出格式，默认按 --out 的扩展名，否则 pdf")
        p.add_argument("--out", help="输出文件，默认当前目录下按机构和日期命名")
    export = sub.add_parser("export", help="导出一天的评价或办件记录（JSON，供省级好差评、一窗受理统计平台）")
    kinds = export.add_subparsers(dest="export_kind", required=True)
    for kind, what in (("ratings", "当日全部评价（含差评整改状态）"), ("cases", "当日受理、办结或出件的办件")):
        p = kinds.add_parser(kind, parents=[common], help=what)
        p.add_argument("--date", type=_day, required=True, help="日期 YYYY-MM-DD（北京时间）")
        p.add_argument("--org", help="机构编码：只导出该机构及其下级机构（默认全部机构）")
        p.add_argument("--out", help="输出文件（默认输出到标准输出）")


def _today() -> dt.date:
    from .deadlines import china_date

    return china_date(dt.datetime.now(dt.UTC))


def run_report(args: argparse.Namespace, db: str) -> int:
    from reports.statistics import DailyWindowStats, MonthlySatisfaction

    from .admin import AdminError
    from .hall_reports import FileFormat, UnknownOrgUnit, daily_report, monthly_report, render_report

    fmt: FileFormat = args.format or ("xlsx" if args.out and args.out.lower().endswith(".xlsx") else "pdf")
    stats: DailyWindowStats | MonthlySatisfaction
    try:
        if args.report_kind == "daily":
            stats = daily_report(db, args.org, args.date or _today())
        else:
            month = args.month or _today().replace(day=1)
            stats = monthly_report(db, args.org, month, args.as_of)
    except UnknownOrgUnit as exc:
        raise AdminError(exc.message, "unknown_org") from None
    done = render_report(stats, fmt)
    out = Path(args.out) if args.out else Path(done.filename)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(done.body)
    print(f"已生成：{out}（{max(1, len(done.body) // 1024)} KB）")
    return 0


def run_export(args: argparse.Namespace, db: str) -> int:
    from .admin import AdminError
    from .exports import dumps, export_document
    from .hall_reports import UnknownOrgUnit

    try:
        document = export_document(db, args.export_kind, args.date, args.org)
    except UnknownOrgUnit as exc:
        raise AdminError(exc.message, "unknown_org") from None
    text = dumps(document)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"已导出：{args.out}（{document['count']} 条）", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
