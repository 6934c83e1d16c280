"""Issue 20, point 3: the back office's daily window report and monthly 满意指数 report for a
hall and the units below it, from every window's cases and ratings.

Real parts: a back office of the test's own (SQLite and PostgreSQL) on a loopback port, four
windows with their own stores (two at the county hall, one at its village station, one at
another county that the hall's report must not count) taking cases in across departments
and recording pad ratings, synced by their sync engines. The test counts what it did and
compares: the figures, the department ranking, the 差评 with their work orders' state, and
the 整改率 / 回访率 printed in the PDF (read back with pdfplumber) and the .xlsx (openpyxl).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reports.preview import pdf_page_png
from reports.statistics import INDEX_FORMULA, LEVEL_SCORES, rank_departments
from sync.server import cli
from sync.server.db import Case, Rating, WorkOrder, utcnow
from sync.server.hall_reports import daily_report, monthly_report, render_report
from tests.support.hall_activity import (
    ADVERT,
    BUILDING,
    BUSINESS,
    FOOD,
    MARRIAGE,
    BusyHall,
    Office,
    Taken,
    busy_hall_at,
    running_office,
)
from tests.sync.databases import BACKENDS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path) -> Iterator[Office]:
    with running_office(request.param, tmp_path / "server", request) as found:
        yield found


@pytest.fixture
def busy_hall(office: Office, tmp_path: Path) -> BusyHall:
    return busy_hall_at(office, tmp_path)


def _work_orders(engine: Engine, org_codes: tuple[str, ...]) -> dict[str, WorkOrder]:
    """The hall's work orders by the rated case's matter code."""
    with Session(engine) as s:
        rows = s.execute(
            select(Case.matter_code, WorkOrder)
            .join(Case, Case.id == WorkOrder.case_id)
            .where(WorkOrder.org_code.in_(org_codes))
        ).all()
    return {matter: order for matter, order in rows}


def _handle_work_orders(busy: BusyHall) -> None:
    """The food 差评 rectified after a call-back, the advert one called back, the marriage one left open."""
    orders = _work_orders(busy.office.engine, (busy.hall.org_code, busy.hall.village_code))
    assert sorted(orders) == sorted([FOOD, ADVERT, MARRIAGE])
    now = utcnow()
    with Session(busy.office.engine) as s, s.begin():
        s.execute(
            update(WorkOrder)
            .where(WorkOrder.id == orders[FOOD].id)
            .values(
                status="rectified", called_back_at=now, called_back_by="head01", rectification="已整改", handled_at=now
            )
        )
        s.execute(
            update(WorkOrder)
            .where(WorkOrder.id == orders[ADVERT].id)
            .values(status="called_back", called_back_at=now, called_back_by="head01")
        )


def _past_due(busy: BusyHall) -> tuple[str, str]:
    """The unrated building case falls overdue; a suspended case past its date is paused, not
    overdue. Returns (overdue case_no, suspended case_no)."""
    building = next(t for t in busy.taken if t.matter_code == BUILDING)
    paused = next(t for t in busy.taken if t.matter_code == BUSINESS and t.window == "二号窗口")
    past = busy.today - dt.timedelta(days=10)
    with Session(busy.office.engine) as s, s.begin():
        s.execute(update(Case).where(Case.id == building.case_id).values(due=past, status="submitted"))
        s.execute(update(Case).where(Case.id == paused.case_id).values(due=past, status="suspended"))
    return building.case_no, paused.case_no


def _expected_ranking(taken: tuple[Taken, ...]) -> list[tuple[str, int, float | None]]:
    """The test's own count: (department, ratings, index) best first, unrated last."""
    levels: dict[str, list[int]] = defaultdict(list)
    for t in taken:
        levels[t.department] += [t.level] if t.level is not None else []
    scored = [(d, len(lv), sum(LEVEL_SCORES[5 - x] for x in lv) / len(lv) if lv else None) for d, lv in levels.items()]
    return sorted(scored, key=lambda r: (r[2] is None, -(r[2] or 0)))


def _pdf_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_monthly_report_counts_every_window_and_ranks_departments_from_real_ratings(busy_hall: BusyHall) -> None:
    _handle_work_orders(busy_hall)
    overdue_no, suspended_no = _past_due(busy_hall)
    hall = busy_hall.hall

    report = monthly_report(busy_hall.office.engine, hall.org_code, busy_hall.today, busy_hall.today)

    taken = busy_hall.taken
    assert report.cases == len(taken) == 13  # the other county's case is not the hall's
    assert report.scope[0] == "潍坊市潍城区政务服务中心" and len(report.scope) == 2
    levels = Counter(t.level for t in taken if t.level is not None)
    assert report.indicator("整体满意度").counts == tuple(levels[x] for x in (5, 4, 3, 2, 1))
    assert [ind.indicator for ind in report.rated_indicators] == ["整体满意度"]

    ranked = rank_departments(report.departments)
    expected = _expected_ranking(taken)
    assert [(d.department, d.ratings) for d in ranked] == [(name, n) for name, n, _ in expected]
    for dept, (_, _, index) in zip(ranked, expected):
        assert dept.index == (pytest.approx(index) if index is not None else None)
    assert ranked[0].department == "市场准入科" and ranked[-1].department == "投资建设科"
    assert {d.department: d.bad for d in ranked} == {
        "市场准入科": 0,
        "社会事务科": 1,
        "城建交通科": 1,
        "婚姻登记处": 1,
        "投资建设科": 0,
    }
    assert {d.department: d.cases for d in ranked}["市场准入科"] == 3

    states = {b.matter: (b.status, b.reason, b.department, b.channel) for b in report.bad_ratings}
    assert states == {
        "食品经营许可": ("已整改", "服务态度不好", "社会事务科", "窗口评价器"),
        "城市户外广告设施设置审批": ("整改中", "办理时间长、效率低", "城建交通科", "窗口评价器"),
        "内地居民结婚登记": ("待回访", "", "婚姻登记处", "窗口评价器"),
    }
    assert all(b.window.startswith("东村服务站窗口") and b.clerk == "刘社工" for b in report.bad_ratings)
    assert (report.work_orders, report.rectified_orders, report.called_back_orders) == (3, 1, 2)
    assert report.rectification_rate == pytest.approx(1 / 3)
    assert report.callback_rate == pytest.approx(2 / 3)
    assert [c.case_no for c in report.overdue] == [overdue_no]
    assert suspended_no not in {c.case_no for c in report.overdue + report.near_due}
    assert {d.department: d.overdue for d in ranked}["投资建设科"] == 1

    pdf = render_report(report, "pdf").body
    text = _pdf_text(pdf)
    assert "差评整改率" in text and "33.3%" in text
    assert "差评回访率" in text and "66.7%" in text
    assert INDEX_FORMULA.split("(")[0].strip() in text and "100×非常满意条数" in text.replace(" ", "")
    assert "“服务效率”、“服务水平”、“服务态度”本月无评价数据" in text.replace("\n", "")
    ranking = text[text.index("五、部门排名") :]
    positions = [ranking.index(name) for name, _, _ in expected]
    assert positions == sorted(positions), "the PDF prints the departments in the test's order"

    book = openpyxl.load_workbook(io.BytesIO(render_report(report, "xlsx").body))
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if row and row[0]}
    assert summary["差评整改率"] == pytest.approx(1 / 3)
    assert summary["差评回访率"] == pytest.approx(2 / 3)
    assert summary["受理办件"] == 13
    rows = list(book["部门排名"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[3]) for r in rows] == [(name, n) for name, n, _ in expected]
    assert [r[0] for r in book["评价分布"].iter_rows(min_row=2, values_only=True)] == ["整体满意度"]
    assert len(list(book["差评整改"].iter_rows(min_row=2))) == 3

    if busy_hall.office.backend == "sqlite":  # the pictures once, from the first backend
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for page in (0, 1):
            (SCREENSHOTS / f"report-monthly-{page + 1}.png").write_bytes(pdf_page_png(pdf, page, dpi=110))


def test_daily_report_counts_every_window_of_the_hall(busy_hall: BusyHall) -> None:
    hall = busy_hall.hall
    report = daily_report(busy_hall.office.engine, hall.org_code, busy_hall.today)

    taken = busy_hall.taken
    assert report.total == len(taken)
    by_window: dict[str, list[Taken]] = defaultdict(list)
    for t in taken:
        by_window[t.window].append(t)
    rows = {w.window.split("（")[0]: w for w in report.windows}
    assert set(rows) == set(by_window)
    for name, done in by_window.items():
        row = rows[name]
        assert row.cases == row.accepted == len(done)
        assert row.ratings == sum(t.level is not None for t in done)
        assert row.bad == sum(t.level is not None and t.level <= 2 for t in done)
    assert {c.clerk: c.cases for c in report.clerks} == {"张敏": 5, "王社工": 5, "刘社工": 3}
    matters = {m.matter: m.total for m in report.matters}
    assert matters["个体工商户设立登记"] == 3 and sum(matters.values()) == 13

    pdf = render_report(report, "pdf").body
    text = _pdf_text(pdf)
    assert "三、按窗口统计" in text and "东村服务站窗口" in text and "外区窗口" not in text
    book = openpyxl.load_workbook(io.BytesIO(render_report(report, "xlsx").body))
    assert {str(r[0]).split("（")[0]: r[1] for r in book["按窗口"].iter_rows(min_row=2, values_only=True)} == {
        name: len(done) for name, done in by_window.items()
    }
    if busy_hall.office.backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "report-daily.png").write_bytes(pdf_page_png(pdf, 0, dpi=110))


def test_report_command_writes_the_files(busy_hall: BusyHall, tmp_path: Path, capsys) -> None:
    _handle_work_orders(busy_hall)
    db, org = busy_hall.office.db_url, busy_hall.hall.org_code
    month = f"{busy_hall.today:%Y-%m}"
    xlsx = tmp_path / "out" / "monthly.xlsx"
    assert cli.main(["report", "monthly", "--db", db, "--org", org, "--month", month, "--out", str(xlsx)]) == 0
    summary = {r[0]: r[1] for r in openpyxl.load_workbook(xlsx)["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert summary["差评整改率"] == pytest.approx(1 / 3)
    pdf = tmp_path / "out" / "daily.pdf"
    day = busy_hall.today.isoformat()
    assert cli.main(["report", "daily", "--db", db, "--org", org, "--date", day, "--out", str(pdf)]) == 0
    assert "接件总数" in _pdf_text(pdf.read_bytes())
    assert "已生成" in capsys.readouterr().out
    assert cli.main(["report", "daily", "--db", db, "--org", "nope", "--out", str(pdf)]) == 1
    assert "没有编码为 nope 的机构" in capsys.readouterr().err


def test_a_rating_of_another_hall_never_reaches_this_halls_report(busy_hall: BusyHall) -> None:
    """The other county's 差评 is in the ratings table but in neither report of the hall."""
    with Session(busy_hall.office.engine) as s:
        assert s.scalar(select(Rating.id).where(Rating.case_id == busy_hall.elsewhere[0].case_id)) is not None
    report = monthly_report(busy_hall.office.engine, busy_hall.hall.org_code, busy_hall.today, busy_hall.today)
    assert busy_hall.elsewhere[0].case_no not in {b.case_no for b in report.bad_ratings}
    assert sum(d.ratings for d in report.departments) == sum(t.level is not None for t in busy_hall.taken)
