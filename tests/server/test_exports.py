"""Issue 20, point 7: the day's ratings and case records as JSON for the provincial platforms.

The hall of tests/support/hall_activity (three windows, another county's window) on a real
back office (SQLite and PostgreSQL); one rating and one case moved to yesterday, one case of
yesterday decided today. Each document holds exactly that day's records, in the documented
order and fields, only the scope asked for, personal data masked; the command writes the same.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.server import cli
from sync.server.db import Case, Rating, utcnow
from sync.server.exports import SCHEMA_VERSION, export_document
from tests.support.hall_activity import FOOD, BusyHall, Office, busy_hall_at, running_office
from tests.sync.databases import BACKENDS

# docs/exports.md documents these, in this order.
RATING_FIELDS = [
    "rating_id",
    "case_no",
    "case_no_display",
    "matter_code",
    "matter_name",
    "org_code",
    "org_name",
    "department_code",
    "department_name",
    "window",
    "device_code",
    "clerk",
    "clerk_name",
    "channel",
    "channel_label",
    "stage",
    "level",
    "level_label",
    "indicators",
    "reason",
    "reason_label",
    "comment",
    "rated_at",
    "round",
    "rectification",
]
CASE_FIELDS = [
    "case_no",
    "case_no_display",
    "matter_code",
    "matter_name",
    "org_code",
    "org_name",
    "department_code",
    "department_name",
    "window",
    "device_code",
    "clerk",
    "clerk_name",
    "applicant",
    "intake_outcome",
    "status",
    "status_label",
    "suspended",
    "received_at",
    "decided_at",
    "delivered_at",
    "promised_due",
    "due",
    "legal_due",
    "result_name",
    "bundle_no",
    "on_day",
]


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path) -> Iterator[Office]:
    with running_office(request.param, tmp_path / "server", request) as found:
        yield found


@pytest.fixture
def busy_hall(office: Office, tmp_path: Path) -> BusyHall:
    return busy_hall_at(office, tmp_path)


def _move_to_yesterday(busy: BusyHall) -> tuple[str, str, str]:
    """A rating given yesterday, a case taken in yesterday (not decided), and one taken in
    yesterday but decided today: (rating's case_no, yesterday's case_no, decided case_no)."""
    rated = next(t for t in busy.taken if t.level == 5)
    quiet = next(t for t in busy.taken if t.level is None)
    decided = next(t for t in busy.taken if t.matter_code == FOOD and t.level == 3)
    day = dt.timedelta(days=1)
    with Session(busy.office.engine) as s, s.begin():
        rating = s.scalars(select(Rating).where(Rating.case_id == rated.case_id)).one()
        rating.rated_at -= day
        for taken in (quiet, decided):
            case = s.get_one(Case, taken.case_id)
            case.received_at -= day
        s.execute(update(Case).where(Case.id == decided.case_id).values(decided_at=utcnow(), status="approved"))
    return rated.case_no, quiet.case_no, decided.case_no


def test_the_ratings_document_holds_the_days_ratings_of_the_scope_in_order(busy_hall: BusyHall) -> None:
    moved, _, _ = _move_to_yesterday(busy_hall)
    engine, hall, today = busy_hall.office.engine, busy_hall.hall, busy_hall.today

    doc = export_document(engine, "ratings", today, hall.org_code)

    assert (doc["schema"], doc["schema_version"], doc["kind"]) == (
        "onewindow.export.ratings",
        SCHEMA_VERSION,
        "ratings",
    )
    assert (doc["date"], doc["time_zone"], doc["org_code"]) == (today.isoformat(), "+08:00", hall.org_code)
    rated = [t for t in busy_hall.taken if t.level is not None and t.case_no != moved]
    records = doc["records"]
    assert doc["count"] == len(records) == len(rated) == 11
    assert sorted(r["case_no"] for r in records) == sorted(t.case_no for t in rated)
    assert [list(r) for r in records] == [RATING_FIELDS] * len(records)
    assert [(r["rated_at"], r["rating_id"]) for r in records] == sorted(
        (r["rated_at"], r["rating_id"]) for r in records
    )
    assert all(r["rated_at"].endswith("+08:00") and r["rated_at"][:10] == today.isoformat() for r in records)

    bad = {r["matter_name"]: r for r in records if r["level"] <= 2}
    food = bad["食品经营许可"]
    assert (food["level_label"], food["reason"], food["reason_label"]) == ("非常不满意", "attitude", "服务态度不好")
    assert (food["department_name"], food["channel"], food["channel_label"]) == ("社会事务科", "pad", "窗口评价器")
    assert food["window"] == "东村服务站窗口" and food["clerk_name"] == "刘社工" and food["round"] == 1
    assert food["rectification"]["status"] == "open" and food["rectification"]["status_label"] == "待回访"
    assert all(r["rectification"] is None for r in records if r["level"] > 2)
    assert export_document(engine, "ratings", today, hall.org_code) == doc  # deterministic

    everywhere = export_document(engine, "ratings", today)
    assert everywhere["org_code"] is None
    assert busy_hall.elsewhere[0].case_no in {r["case_no"] for r in everywhere["records"]}
    assert busy_hall.elsewhere[0].case_no not in {r["case_no"] for r in records}
    yesterday = export_document(engine, "ratings", today - dt.timedelta(days=1), hall.org_code)
    assert [r["case_no"] for r in yesterday["records"]] == [moved]


def test_the_cases_document_holds_cases_received_decided_or_delivered_that_day(busy_hall: BusyHall) -> None:
    _, quiet, decided = _move_to_yesterday(busy_hall)
    engine, hall, today = busy_hall.office.engine, busy_hall.hall, busy_hall.today

    doc = export_document(engine, "cases", today, hall.org_code)

    assert (doc["schema"], doc["schema_version"]) == ("onewindow.export.cases", SCHEMA_VERSION)
    records = doc["records"]
    numbers = [r["case_no"] for r in records]
    assert numbers == sorted(numbers)
    expected = {t.case_no for t in busy_hall.taken} - {quiet}
    assert set(numbers) == expected and doc["count"] == 12
    assert [list(r) for r in records] == [CASE_FIELDS] * len(records)
    by_no = {r["case_no"]: r for r in records}
    assert by_no[decided]["on_day"] == ["decided"] and by_no[decided]["status_label"] == "审批通过"
    first = next(r for r in records if r["on_day"] == ["received"])
    assert first["applicant"] == {
        "kind": "person",
        "name_masked": "王*二",
        "id_type": "身份证",
        "id_number_masked": "3707**********" + first["applicant"]["id_number_masked"][-4:],
    }
    assert "王小二" not in json.dumps(doc, ensure_ascii=False)
    assert first["received_at"].endswith("+08:00") and first["due"] is not None
    assert first["legal_due"] is not None and first["legal_due"] >= first["received_at"][:10]
    assert first["department_name"] and first["clerk"]
    yesterday = export_document(engine, "cases", today - dt.timedelta(days=1), hall.org_code)
    assert sorted(r["case_no"] for r in yesterday["records"]) == sorted([quiet, decided])
    assert busy_hall.elsewhere[0].case_no not in set(numbers)


def test_the_export_command_writes_the_document(busy_hall: BusyHall, tmp_path: Path, capsys) -> None:
    db, org, day = busy_hall.office.db_url, busy_hall.hall.org_code, busy_hall.today.isoformat()
    out = tmp_path / "exports" / "ratings.json"
    assert cli.main(["export", "ratings", "--db", db, "--date", day, "--org", org, "--out", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == export_document(busy_hall.office.engine, "ratings", busy_hall.today, org)
    assert "已导出" in capsys.readouterr().err
    assert cli.main(["export", "cases", "--db", db, "--date", day, "--org", org]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 13
    with pytest.raises(SystemExit):
        cli.main(["export", "cases", "--db", db, "--date", "2026/12/01"])
