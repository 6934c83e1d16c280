"""`onewindow-server calendar-import`: from the chinesecalendar package, or the State
Council's notice typed in as CSV; a year the package lacks is said so in Chinese."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from client.domain.deadlines import add_limit, calendar_to_dict, load_builtin_calendar
from sync.server import cli
from sync.server.db import engine_for
from sync.server.publishing import current_calendar

# The 2027 notice as an administrator would type it (a plausible schedule: the real one is
# published in November): spans off, 调休 Saturdays/Sundays at work.
NOTICE_2027 = """日期,类型
# 国务院办公厅关于2027年部分节假日安排的通知
2027-01-01~2027-01-03,放假
2027-02-05~2027-02-11,放假
2027-02-20,上班
2027-04-05,放假
2027-05-01~2027-05-05,放假
2027-04-25,上班
2027-06-09,放假
2027-09-15,放假
2027-10-01~2027-10-07,放假
2027-09-26,上班
2027-10-09,上班
"""


def _calendar(db: str):
    with engine_for(db) as engine, Session(engine) as session:
        return current_calendar(session)


def test_a_year_chinesecalendar_has_is_published_as_the_builtin_data(fresh_server, capsys):
    db = fresh_server.db_url
    assert cli.main(["calendar-import", "--from-chinesecalendar", "2025", "2026", "--db", db, "--by", "admin"]) == 0
    out = capsys.readouterr().out
    assert "已导入并发布2025、2026年工作日历" in out and "chinesecalendar 1.11" in out
    published, builtin = calendar_to_dict(_calendar(db)), calendar_to_dict(load_builtin_calendar())
    assert {k: published[k] for k in ("years", "holidays", "workdays")} == {
        k: builtin[k] for k in ("years", "holidays", "workdays")
    }


def test_a_year_chinesecalendar_lacks_is_refused_in_chinese(fresh_server, capsys):
    assert cli.main(["calendar-import", "--from-chinesecalendar", "2027", "--db", fresh_server.db_url]) == 1
    err = capsys.readouterr().err
    assert "没有2027年的放假安排" in err and "录入 CSV 文件" in err and "Traceback" not in err
    assert 2027 not in _calendar(fresh_server.db_url).known_years


def test_the_typed_in_notice_is_published_and_merged_with_the_years_before(fresh_server, tmp_path, capsys):
    db = fresh_server.db_url
    notice = tmp_path / "2027.csv"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    assert cli.main(["calendar-import", str(notice), "--db", db, "--version", "2027-notice"]) == 0
    assert "已导入并发布2027年工作日历（版本 2027-notice" in capsys.readouterr().out
    calendar = _calendar(db)
    assert {2025, 2026, 2027} <= calendar.known_years
    assert not calendar.is_working_day(dt.date(2027, 2, 11)) and calendar.is_working_day(dt.date(2027, 2, 20))
    # 20 working days from 2026-12-10 with 2027 published: 元旦 Jan 1–3 off, so 2027-01-08, exact.
    deadline = add_limit(dt.date(2026, 12, 10), 20, "WD", calendar)
    assert deadline.due == dt.date(2027, 1, 8) and not deadline.approximate


def test_a_notice_against_the_law_or_malformed_is_refused_in_chinese(fresh_server, tmp_path, capsys):
    db = fresh_server.db_url
    against = tmp_path / "against.csv"
    against.write_text("2027-01-01,放假\n2027-02-06,上班\n", encoding="utf-8")  # 2027-02-06 is 春节
    assert cli.main(["calendar-import", str(against), "--db", db]) == 1
    assert "2027-02-06是法定节假日（春节），不能安排为调休上班日" in capsys.readouterr().err
    garbled = tmp_path / "garbled.csv"
    garbled.write_text("2027-02-30,放假\n", encoding="utf-8")
    assert cli.main(["calendar-import", str(garbled), "--db", db]) == 1
    assert "第1行的日期“2027-02-30”无法识别" in capsys.readouterr().err
    as_json = tmp_path / "2027.json"
    as_json.write_text(json.dumps({"years": [2027], "holidays": ["2027-01-01"]}), encoding="utf-8")
    assert cli.main(["calendar-import", str(as_json), "--db", db]) == 1
    assert "放假安排中缺少这一天" in capsys.readouterr().err
    assert 2027 not in _calendar(db).known_years
