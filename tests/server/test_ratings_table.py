"""Pad ratings pushed by a real window land in the back office's `ratings` table with who
served (clerk, window, department) and the channel; a replayed push counts once; a 差评 opens
exactly one work order, a good rating none. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sync.server import departments
from sync.server.db import Case, Rating, WorkOrder, WorkOrderStep
from tests.support.rating_window import WINDOW_NAME, RatingWindow, back_office_on, department_code
from tests.sync.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path):
    with back_office_on(request.param, tmp_path / "server", request) as console:
        yield console


def test_pad_ratings_land_with_who_served_and_a_replay_counts_once(office, fresh_store):
    window = RatingWindow.enrol(fresh_store, office.url, office.hall.enrol_code)
    bad_case, bad_no = window.take_in()
    good_case, _good_no = window.take_in()
    clerk = office.hall.clerk
    assert window.rate(bad_case, 1, clerk, reason="attitude").bad
    assert not window.rate(good_case, 5, clerk).bad
    pushed = window.pending()
    assert len(pushed) == 2
    window.sync()
    replay = window.api.push(pushed)  # the window did not hear the answer and sends again
    assert all(r.status == "acked" for r in replay.results)

    expected_department = next(
        d.id
        for d in departments.list_departments(office.hall.engine, office.hall.org_code)
        if d.code == department_code()
    )
    with office.sessions() as session:
        rows = list(session.execute(select(Rating).where(Rating.org_code == office.hall.org_code)).scalars())
        assert sorted(r.level for r in rows) == [1, 5]  # two ratings, not four
        bad = next(r for r in rows if r.level == 1)
        assert (bad.clerk, bad.window, bad.channel, bad.stage, bad.reason, bad.round) == (
            clerk,
            WINDOW_NAME,
            "pad",
            "intake",
            "attitude",
            1,
        )
        assert bad.department_id == expected_department
        assert session.get(Case, bad.case_id).case_no == bad_no
        orders = list(session.execute(select(WorkOrder).where(WorkOrder.org_code == office.hall.org_code)).scalars())
        assert [(o.rating_id, o.case_id, o.status, o.department_id) for o in orders] == [
            (bad.id, bad_case, "open", expected_department)
        ]
        steps = session.execute(
            select(func.count()).select_from(WorkOrderStep).where(WorkOrderStep.work_order_id == orders[0].id)
        ).scalar_one()
        assert steps == 1  # opened, once
