"""开班/交班: a shift at a window, its hand-over slip printed and decoded back, and its two
events reaching the back office (later, when the network was down at the time)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from client.domain.identity import Applicant
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from client.services.shift import check_window
from client.store.models import Shift

MATTER = "370702-XK-0001"


def submit(services, clerk, received: bool = True):
    matter = services.intake.matter(MATTER)
    return services.intake.submit(
        IntakeDraft(
            Applicant("李建国", "身份证", "34052419800101001X"),
            matter.code,
            tuple(MaterialInput(m.code, received) for m in matter.materials),
        ),
        clerk,
    )


def server_shifts(live_server) -> list[tuple]:
    with create_engine(live_server.db_url).connect() as conn:
        rows = conn.execute(
            text("select window, clerk, closed_at is not null from shifts where org_code = :org"),
            {"org": live_server.hall.org_code},
        )
        return [tuple(r) for r in rows]


def test_a_shift_from_open_to_hand_over(enrolled_runtime, live_server, virtual_devices):
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    shift = services.shifts.open(clerk, "3")
    assert services.shifts.current() == shift and services.shifts.window() == "3"
    accepted = submit(services, clerk)
    submit(services, clerk, received=False)  # 一次性告知
    services.ratings.record(accepted.case_id, 1, clerk, source="keyboard")
    services.queue.take("A")
    ticket = services.queue.call_next().current
    services.queue.done(ticket.id, accepted.case_no)
    services.queue.take("A")
    services.queue.call_next()  # still at the window when the clerk hands over

    summary = services.shifts.close()
    assert dict(summary.outcomes) == {"受理": 1, "一次性告知": 1} and summary.cases == 2
    assert (summary.tickets_served, summary.tickets_no_show, summary.bad_ratings) == (1, 0, 1)
    assert summary.ratings == (("非常不满意", 1),)
    assert summary.unsynced == 3 and summary.printed
    assert "还有3条办件记录未报送后台" in summary.warnings[0]
    assert summary.warnings[1] == "A002号仍在本窗口未办结，接班人请继续办理或过号"
    assert services.shifts.current() is None

    slip = "\n".join(line.text for line in virtual_devices.printer.last_receipt().lines)
    for expected in (
        "交班小结",
        "3号窗口",
        "张敏",
        "受理办件：2件（受理1件，一次性告知1件）",
        "叫号：办结1个，过号0个",
        "差评1个",
        "A002号仍在本窗口未办结",
    ):
        assert expected in slip, expected
    assert server_shifts(live_server) == [("3", live_server.clerk, True)]


def test_shift_events_wait_for_the_network(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    live = services.shifts.api
    services.shifts.api = lambda: type(live())("http://127.0.0.1:9", "token", timeout=0.5)
    services.shifts.open(clerk, "7")
    summary = services.shifts.close()
    assert summary.cases == 0 and server_shifts(live_server) == []
    with enrolled_runtime.store.sessions() as s:
        assert [r.synced for r in s.query(Shift)] == [""]
    services.shifts.api = live
    services.sync.sync_now()  # the next good round sends what waited
    assert server_shifts(live_server) == [("7", live_server.clerk, True)]
    assert services.shifts.push_pending() == 0


def test_a_shift_left_open_is_closed_by_the_next_one(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    first = services.shifts.open(clerk, "3")
    second = services.shifts.open(clerk, "4")
    assert services.shifts.current().id == second.id != first.id
    with enrolled_runtime.store.sessions() as s:
        assert s.get(Shift, first.id).closed_at is not None
    with pytest.raises(ServiceError, match="请填写窗口号"):
        check_window("三号")
    assert check_window(" 12号窗口 ") == "12"


def test_the_window_number_is_a_setting_offered_at_the_next_shift(enrolled_runtime, live_server):
    from dataclasses import replace

    services = enrolled_runtime.services
    prefs = services.preferences.load()
    assert services.preferences.save(replace(prefs, window="5号窗口")).window == "5"
    assert services.shifts.window() == "5"
    with pytest.raises(ServiceError, match="请填写窗口号"):
        services.preferences.save(replace(prefs, window="五"))
    clerk = services.auth.login(live_server.clerk, live_server.password)
    services.shifts.open(clerk, "6")
    assert services.shifts.window() == "6" and services.preferences.load().window == "6"
