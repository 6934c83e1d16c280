"""Working-day calendars to publish: from the chinesecalendar package, or the State
Council's notice typed in by hand (a CSV file), in the form publishing.publish_calendar takes.

The notice as typed in: one line per day or span, `日期,类型` with 类型 放假 or 上班, and a
span written `2027-02-05~2027-02-11`. Lines starting with # and a header line are skipped.
Only weekdays off and weekend workdays change anything; weekend days off may be listed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import chinese_calendar

from client.domain.deadlines import calendar_from_dict
from client.domain.holidays import law_conflicts

from .publishing import PublishError

OFF, WORK = "放假", "上班"


def body_from_args(file: str | None, years: list[int] | None) -> dict:
    """What `onewindow-server calendar-import` publishes: chinesecalendar's years, or a file
    (a .csv typed in from the notice, else JSON in publish_calendar's form)."""
    if years:
        if file:
            raise PublishError("请只给出文件或 --from-chinesecalendar 其中之一")
        bodies = [from_chinesecalendar(year) for year in years]
        return checked(
            {
                "source": bodies[0]["source"],
                "years": sorted({y for b in bodies for y in b["years"]}),
                "holidays": sorted(d for b in bodies for d in b["holidays"]),
                "workdays": sorted(d for b in bodies for d in b["workdays"]),
            }
        )
    if not file:
        raise PublishError("请给出日历文件，或用 --from-chinesecalendar 年份")
    text = Path(file).read_text(encoding="utf-8-sig")
    if Path(file).suffix.lower() == ".csv":
        return from_notice_csv(text)
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise PublishError(f"日历文件不是有效的 JSON：{exc}") from None
    if not isinstance(body, dict):
        raise PublishError("日历文件应为包含 years/holidays/workdays 的 JSON 对象")
    return checked(body)


def from_chinesecalendar(year: int) -> dict:
    """The year's schedule as chinesecalendar has it; a year it lacks is refused in Chinese."""
    try:
        off = chinese_calendar.get_holidays(dt.date(year, 1, 1), dt.date(year, 12, 31), include_weekends=False)
    except NotImplementedError:
        raise PublishError(
            f"chinesecalendar 程序包（{_version()}）没有{year}年的放假安排。"
            "请升级该程序包，或按国务院办公厅的放假通知录入 CSV 文件后用 calendar-import 文件名 导入"
        ) from None
    workdays = [
        d for d in chinese_calendar.get_workdays(dt.date(year, 1, 1), dt.date(year, 12, 31)) if d.weekday() >= 5
    ]
    return checked(
        {
            "source": f"chinesecalendar {_version()}",
            "years": [year],
            "holidays": sorted(d.isoformat() for d in off if d.weekday() < 5),  # weekends are off anyway
            "workdays": sorted(d.isoformat() for d in workdays),
        }
    )


def from_notice_csv(text: str) -> dict:
    """A schedule typed in from the official notice (see the module docstring)."""
    off: set[dt.date] = set()
    work: set[dt.date] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [c.strip() for c in row]
        if not cells or not cells[0] or cells[0].startswith("#") or cells[0] == "日期":
            continue
        if len(cells) < 2 or cells[1] not in (OFF, WORK):
            raise PublishError(f"第{number}行应为“日期,放假”或“日期,上班”")
        days = _days(cells[0], number)
        (off if cells[1] == OFF else work).update(days)
    if not off and not work:
        raise PublishError("文件中没有任何放假或上班日期")
    return checked(
        {
            "source": "国务院办公厅放假通知（人工录入）",
            "years": sorted({d.year for d in off | work}),
            "holidays": sorted(d.isoformat() for d in off if d.weekday() < 5),
            "workdays": sorted(d.isoformat() for d in work if d.weekday() >= 5),
        }
    )


def checked(body: dict) -> dict:
    """The body when it is well formed and keeps the law's statutory days off; else refused."""
    try:
        calendar = calendar_from_dict(body)
    except ValueError as exc:
        raise PublishError(str(exc)) from None
    problems = [
        p for year in sorted(calendar.known_years) for p in law_conflicts(year, calendar.holidays, calendar.workdays)
    ]
    if problems:
        raise PublishError("放假安排与《全国年节及纪念日放假办法》不符：" + "；".join(problems[:5]))
    return body


def _days(cell: str, number: int) -> list[dt.date]:
    try:
        first, _, last = cell.partition("~")
        start = dt.date.fromisoformat(first.strip())
        end = dt.date.fromisoformat(last.strip()) if last else start
    except ValueError:
        raise PublishError(f"第{number}行的日期“{cell}”无法识别（应为 2027-02-05 或 2027-02-05~2027-02-11）") from None
    if end < start or (end - start).days > 31:
        raise PublishError(f"第{number}行的日期范围“{cell}”不正确")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _version() -> str:
    return str(getattr(chinese_calendar, "__version__", "")) or "版本未知"
