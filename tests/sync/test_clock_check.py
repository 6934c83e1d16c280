"""Issue 16, point 5: the window compares its clock with the back office's on every push
answer, tells the clerk, records both clocks on every case it takes, and the back office's
list orders by its own clock, whatever the windows' clocks said."""

from __future__ import annotations

import datetime as dt

from client.domain.case_numbers import format_case_no
from client.store.models import Case
from sync.server import admin, cli
from sync.server.demo import DEMO_PASSWORD
from tests.support.clocks import clocked_machine

DAY = dt.timedelta(days=1)


def test_a_window_a_day_fast_is_told_so_and_the_warning_clears_once_set_right(clocked_window, live_server):
    machine = clocked_window
    machine.clock.skew = DAY
    services = machine.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    assert services.sync.status().clock_offset is None  # nothing compared yet: nothing said
    machine.take_case(clerk)

    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0
    assert status.clock_offset is not None
    assert dt.timedelta(hours=23, minutes=59) < status.clock_offset < dt.timedelta(days=1, minutes=1)
    assert status.clock_far_off
    assert status.clock_warning == "本机时钟比后台快1天，请校准后再受理"
    assert status.label.startswith("已同步") and status.label.endswith("本机时钟比后台快1天，请校准后再受理")

    # A round with nothing to push carries no server time: the last comparison is kept.
    assert services.sync.sync_now().clock_warning == status.clock_warning

    machine.clock.skew = -dt.timedelta(minutes=7)  # set back, a few minutes too far
    machine.take_case(clerk, "11010519491231002X")
    slow = services.sync.sync_now()
    assert slow.error == "" and not slow.clock_far_off
    assert slow.clock_warning == "本机时钟比后台慢7分钟"

    machine.clock.skew = dt.timedelta(0)
    machine.take_case(clerk)
    right = services.sync.sync_now()
    assert right.clock_warning == "" and "时钟" not in right.label
    assert abs(right.clock_offset.total_seconds()) < 60


def test_setting_the_clock_right_clears_the_warning_before_anything_is_pushed(clocked_window, live_server):
    """The back office's time is carried forward between answers: the clerk who set the date
    right is not asked again before the next intake, though nothing new was pushed."""
    machine = clocked_window
    machine.clock.skew = -3 * DAY
    services = machine.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    machine.take_case(clerk)
    assert services.sync.sync_now().clock_warning == "本机时钟比后台慢3天，请校准后再受理"
    assert services.sync.clock_reading().far_off

    machine.clock.skew = dt.timedelta(0)
    reading = services.sync.clock_reading()
    assert not reading.far_off and abs(reading.offset_s) < 60
    assert services.sync.status().clock_warning == ""
    assert services.sync.sync_now().clock_warning == ""  # a round with nothing to push agrees


def test_both_clocks_reach_the_back_office_and_its_list_orders_by_arrival(
    tmp_path, running_back_office, virtual_devices, capsys
):
    """Three cases: one taken a day fast before the window ever compared (clocks unknown), one
    taken a day fast after the clerk chose 仍要受理, one after the clock was set right. By the
    windows' clocks the last came first; the back office lists them as they arrived."""
    office = running_back_office
    with clocked_machine(tmp_path / "client", office.url, office.enrol_code, virtual_devices, DAY) as machine:
        services = machine.services
        clerk = services.auth.login("clerk01", DEMO_PASSWORD)
        unknown = machine.take_case(clerk)
        assert services.sync.sync_now().clock_far_off

        services.sync.choose_far_clock(clerk.username, go_on=True)  # a citizen is waiting
        anyway = machine.take_case(clerk, "11010519491231002X")
        assert services.sync.sync_now().error == ""

        machine.clock.skew = dt.timedelta(0)  # set right
        right = machine.take_case(clerk)
        assert services.sync.sync_now().error == ""

        with machine.runtime.store.sessions() as s:
            local = {c.id: c.clock_offset_s for c in s.query(Case)}
        assert local[unknown.case_id] is None
        assert abs(local[anyway.case_id] - 86400) < 60
        assert abs(local[right.case_id]) < 60
        detail = services.cases.detail(anyway.case_id)
        assert detail.clock_accepted_by == clerk.display_name
        assert services.cases.detail(right.case_id).clock_accepted_by == ""

    rows = admin.list_cases(office.db_url)
    assert [r.case_id for r in rows] == [unknown.case_id, anyway.case_id, right.case_id]  # as they arrived
    by_device_clock = sorted(rows, key=lambda r: r.received_at)
    assert by_device_clock[0].case_id == right.case_id  # the windows' clocks would have put it first
    arrivals = [r.arrived_at for r in rows]
    assert None not in arrivals and arrivals == sorted(arrivals) and len(set(arrivals)) == 3
    first, fast, last = rows
    assert first.clock_offset_s is None and first.server_clock_at_intake is None
    assert abs(fast.clock_offset_s - 86400) < 60 and fast.clock_accepted_by == "clerk01"
    assert abs(fast.received_at - DAY - fast.server_clock_at_intake) < dt.timedelta(minutes=1)
    assert abs(last.clock_offset_s) < 60 and last.clock_accepted_by is None

    capsys.readouterr()
    assert cli.main(["cases", "show", fast.case_no, "--db", office.db_url]) == 0
    shown = capsys.readouterr().out
    assert "本机时钟" in shown and "到达后台" in shown
    assert "本机比后台快1天" in shown and "clerk01 选择仍要受理" in shown
    assert cli.main(["cases", "show", first.case_no, "--db", office.db_url]) == 0
    assert "后台时钟  未知（窗口受理前从未与后台对时）" in capsys.readouterr().out
    assert cli.main(["cases", "--db", office.db_url]) == 0
    listed = capsys.readouterr().out.splitlines()
    numbers = [r.case_no for r in rows]
    positions = [next(i for i, line in enumerate(listed) if format_case_no(n) in line) for n in numbers]
    assert positions == sorted(positions) and listed[-1] == "共 3 件（按到达后台的时间排序）"


def test_the_back_offices_due_date_comes_down_with_its_decision(clocked_window, live_server):
    """A window three days fast promised a later date than the server counts; once the
    decision is pulled, the home list and the detail show the server's due date, and the
    date the applicant's notice carries is kept on the case."""
    machine = clocked_window
    machine.clock.skew = 3 * DAY
    services = machine.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    taken = machine.take_case(clerk)
    window_promise = services.cases.detail(taken.case_id).summary.promised_by
    assert services.sync.sync_now().error == ""

    admin.decide(live_server.db_url, taken.case_no, "approve", by=live_server.hall.approver)
    (server_case,) = [c for c in admin.list_cases(live_server.db_url) if c.case_id == taken.case_id]
    assert server_case.status == "approved" and server_case.due is not None
    assert server_case.due < window_promise  # counted from the day the server received it
    assert services.sync.sync_now().error == ""

    detail = services.cases.detail(taken.case_id)
    assert detail.summary.status == "approved"
    assert detail.summary.server_due == server_case.due
    assert detail.summary.promised_by == server_case.due  # what the list and the detail show
    (listed,) = [c for c in services.cases.recent() if c.case_id == taken.case_id]
    assert listed.promised_by == server_case.due
    with machine.runtime.store.sessions() as s:
        assert s.get(Case, taken.case_id).promised_by == window_promise  # the notice's date is kept
