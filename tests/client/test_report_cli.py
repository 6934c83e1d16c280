"""`onewindow report daily|monthly` writes statistics PDFs from the local store."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pdfplumber
import pytest

from client.cli import main
from client.domain.catalog import load_sample_catalog
from client.services.statistics import StatisticsQueries
from client.store.db import open_store
from client.store.models import Case, CaseEvent

DAY = dt.date(2026, 11, 23)


def _text(path) -> str:
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def _case(seq: int, matter, status: str, clerk: str, received: dt.datetime, promised: dt.date) -> Case:
    return Case(
        id=str(uuid.uuid4()),
        case_no=f"37070200000020261123A1B2{seq:04d}",
        matter_code=matter.code,
        matter_name=matter.name,
        catalog_version="1",
        applicant_name="张三",
        applicant_id_type="身份证",
        applicant_id_number="11010519491231002X",
        status=status,
        received_at=received,
        promised_by=promised,
        clerk=clerk,
        updated_at=received,
    )


@pytest.fixture
def store_after_a_busy_day(tmp_path):
    """Five cases taken in on DAY by two clerks, one earlier case delivered and one overdue."""
    catalog = load_sample_catalog()
    food, other = catalog.matters[0], catalog.matters[1]
    store = open_store(tmp_path / "client.sqlite", keys=None)
    at = dt.datetime.combine(DAY, dt.time(9, 0))
    with store.sessions() as s:
        s.add_all(
            [
                _case(1, food, "accepted", "赵六", at, DAY + dt.timedelta(days=2)),
                _case(2, food, "pending_supplement", "赵六", at, DAY + dt.timedelta(days=20)),
                _case(3, food, "refused", "孙七", at, DAY),
                _case(4, other, "accepted_tolerant", "孙七", at, DAY + dt.timedelta(days=20)),
                _case(5, other, "submitted", "孙七", at, DAY + dt.timedelta(days=20)),
            ]
        )
        old = _case(6, other, "in_review", "赵六", at - dt.timedelta(days=30), DAY - dt.timedelta(days=4))
        done = _case(7, food, "delivered", "赵六", at - dt.timedelta(days=6), DAY)
        s.add_all([old, done])
        s.flush()
        s.add(
            CaseEvent(
                event_id=str(uuid.uuid4()),
                case_id=done.id,
                type="case.delivered",
                payload={},
                clerk="赵六",
                device_id="d",
                device_time=at + dt.timedelta(hours=2),
                prev_hash="0" * 64,
                hash="1" * 64,
            )
        )
        s.commit()
    yield tmp_path, store, food, other
    store.close()


def test_daily_figures_by_matter_outcome_and_clerk(store_after_a_busy_day):
    _, store, food, other = store_after_a_busy_day
    stats = StatisticsQueries(store, load_sample_catalog()).daily(DAY)
    by_matter = {m.matter: m for m in stats.matters}
    assert (by_matter[food.name].accepted, by_matter[food.name].corrections, by_matter[food.name].refused) == (1, 1, 1)
    assert (by_matter[other.name].tolerant, by_matter[other.name].accepted) == (1, 1)
    assert stats.total == 5 and stats.one_time_notices == 1
    clerks = {c.clerk: c for c in stats.clerks}
    assert (clerks["赵六"].cases, clerks["赵六"].delivered) == (2, 1)
    assert clerks["孙七"].cases == 3
    assert stats.delivered == 1
    assert stats.avg_handling_days == pytest.approx(6 + 2 / 24)
    assert stats.office_name == load_sample_catalog().office_name


def test_monthly_finds_overdue_and_near_due_cases(store_after_a_busy_day):
    _, store, food, other = store_after_a_busy_day
    report = StatisticsQueries(store, load_sample_catalog()).monthly(DAY, today=DAY)
    assert [(c.case_no[-4:], c.days) for c in report.overdue] == [("0006", 4)]
    assert [(c.case_no[-4:], c.days) for c in report.near_due] == [("0001", 2)]
    assert report.cases == 6  # received in November: five today and the delivered one
    assert {d.department for d in report.departments} == {food.department, other.department}
    assert report.bad_ratings == () and "好差评" in report.notes[0]


def test_report_daily_writes_a_pdf_with_the_day_and_clerks(store_after_a_busy_day, capsys):
    folder, _, food, _ = store_after_a_busy_day
    out = folder / "daily.pdf"
    assert main(["report", "daily", "--date", DAY.isoformat(), "--out", str(out), "--data-dir", str(folder)]) == 0
    assert "已生成" in capsys.readouterr().out
    text = _text(out)
    assert "综合窗口日报" in text and "2026年11月23日" in text
    assert food.name in text
    assert "赵六" in text and "孙七" in text
    assert "6.1天" in text
    assert "本报表仅统计本机（本窗口）的办件和评价数据" in text.replace("\n", "")


def test_report_monthly_defaults_to_the_data_folder(store_after_a_busy_day):
    folder, *_ = store_after_a_busy_day
    assert main(["report", "monthly", "--month", "2026-11", "--data-dir", str(folder)]) == 0
    out = folder / "reports" / "满意度月报-2026-11.pdf"
    text = _text(out)
    assert "2026年11月好差评满意度报告" in text
    for indicator in ("整体满意度", "服务效率", "服务水平", "服务态度"):
        assert indicator in text
    assert "370702000000-20261123-A1B2-0006" in text.replace("\n", "")
    assert "部门排名" in text
    assert "全厅（含各窗口、下级站点）报表请在后台生成" in text.replace("\n", "")


def test_report_without_a_store_says_where_it_looked(tmp_path, capsys):
    assert main(["report", "daily", "--data-dir", str(tmp_path / "empty")]) == 1
    assert "本机没有办件数据" in capsys.readouterr().err
    assert not (tmp_path / "empty" / "client.sqlite").exists()


def test_bad_month_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit):
        main(["report", "monthly", "--month", "11/2026", "--data-dir", str(tmp_path)])
