"""好差评 after a case: the applicant's key press on the pad is recorded, synced and counted."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.services.statistics import StatisticsQueries
from devices.rating import RatingLevel


@pytest.fixture
def served_case(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    matter = services.intake.matter("370702-XK-0001")
    result = services.intake.submit(
        IntakeDraft(
            Applicant("李建国", "身份证", "34052419800101001X"),
            matter.code,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
        ),
        clerk,
    )
    return services, clerk, result


def test_a_bad_rating_is_recorded_synced_and_listed_for_call_back(served_case, enrolled_runtime, live_server):
    services, clerk, result = served_case
    enrolled_runtime.hardware.rating_pad.auto = RatingLevel.DISSATISFIED
    rated = services.ratings.ask(result.case_id, clerk)
    assert (rated.level, rated.label, rated.bad) == (2, "不满意", True)
    assert services.sync.sync_now().rejected == 0
    with create_engine(live_server.db_url).connect() as conn:
        payload = conn.execute(text("select payload from cases where case_no = :n"), {"n": result.case_no}).scalar()
    assert '"level": 2' in payload or '"level":2' in payload

    month = StatisticsQueries(enrolled_runtime.store, services.intake.catalog()).monthly(dt.date.today())
    overall = month.indicators[0]
    assert overall.indicator == "整体满意度" and overall.counts == (0, 0, 0, 1, 0)
    assert [(b.case_no, b.level, b.status) for b in month.bad_ratings] == [(result.case_no, "不满意", "待回访")]


def test_a_bad_rating_with_its_reason_reaches_the_back_office_and_opens_a_work_order(
    served_case, enrolled_runtime, live_server
):
    """The pad's reason travels with the rating; the back office ties it to who served and
    opens the 差评's work order (once, however often the window pushes)."""
    services, clerk, result = served_case
    enrolled_runtime.hardware.rating_pad.auto = RatingLevel.VERY_DISSATISFIED
    enrolled_runtime.hardware.rating_pad.auto_reason = "runs"
    rated = services.ratings.ask(result.case_id, clerk)
    assert (rated.level, rated.bad, rated.reason) == (1, True, "runs")
    assert services.sync.sync_now().rejected == 0
    assert services.sync.sync_now().rejected == 0
    with create_engine(live_server.db_url).connect() as conn:
        rows = conn.execute(
            text(
                "select r.level, r.reason, r.clerk, r.channel, r.stage, r.window, r.department_id, c.department_id, "
                "d.name from ratings r join cases c on c.id = r.case_id join devices d on d.id = r.device_id "
                "where c.case_no = :n"
            ),
            {"n": result.case_no},
        ).all()
        orders = conn.execute(
            text(
                "select w.status, w.department_id from work_orders w join cases c on c.id = w.case_id where c.case_no = :n"
            ),
            {"n": result.case_no},
        ).all()
    assert len(rows) == 1
    level, reason, who, channel, stage, window, department, case_department, device_name = rows[0]
    assert (level, reason, who, channel, stage) == (1, "runs", clerk.username, "pad", "intake")
    assert window == device_name and department == case_department
    assert orders == [("open", case_department)]


def test_an_applicant_who_does_not_rate_is_not_given_a_rating(served_case, enrolled_runtime):
    services, clerk, result = served_case
    enrolled_runtime.hardware.rating_pad.auto = None
    services.ratings.wait_s = 0.5
    rated = services.ratings.ask(result.case_id, clerk)
    assert rated.level is None and rated.label == "未评价"
    month = StatisticsQueries(enrolled_runtime.store).monthly(dt.date.today())
    assert all(i.total == 0 for i in month.indicators)
