"""Issue 16, point 5: the window compares its clock with the back office's on every push
answer, and tells the clerk in the status bar when it is wrong."""

from __future__ import annotations

import datetime as dt

from client.app import ClientConfig, build_runtime
from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case
from sync.server import admin


class DeviceClock:
    """The window's wall clock, set by the test like a laptop with a wrong date."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _intake(services, clerk, id_number: str):
    matter = services.intake.matter("370702-XK-0001")
    return services.intake.submit(
        IntakeDraft(
            Applicant("李建国", "身份证", id_number),
            matter.code,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
        ),
        clerk,
    )


def test_a_window_a_day_fast_is_told_so_and_the_warning_clears_once_set_right(tmp_path, live_server, virtual_devices):
    clock = DeviceClock(dt.datetime.now() + dt.timedelta(days=1))
    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices, clock=clock)
    try:
        runtime.enrolment.enrol(live_server.url, live_server.enrol_code, "测试窗口")
        services = runtime.services
        clerk = services.auth.login(live_server.clerk, live_server.password)
        assert services.sync.status().clock_offset is None  # nothing compared yet: nothing said
        _intake(services, clerk, "34052419800101001X")

        status = services.sync.sync_now()
        assert status.error == "" and status.pending == 0
        assert status.clock_offset is not None
        assert dt.timedelta(hours=23, minutes=59) < status.clock_offset < dt.timedelta(days=1, minutes=1)
        assert status.clock_far_off
        assert status.clock_warning == "本机时钟比后台快1天，请校准后再受理"
        assert status.label.startswith("已同步") and status.label.endswith("本机时钟比后台快1天，请校准后再受理")

        # A round with nothing to push carries no server time: the last comparison is kept.
        assert services.sync.sync_now().clock_warning == status.clock_warning

        clock.now = dt.datetime.now() - dt.timedelta(minutes=7)  # set back, a few minutes too far
        _intake(services, clerk, "11010519491231002X")
        slow = services.sync.sync_now()
        assert slow.error == "" and not slow.clock_far_off
        assert slow.clock_warning == "本机时钟比后台慢7分钟"

        clock.now = dt.datetime.now()
        _intake(services, clerk, "34052419800101001X")
        right = services.sync.sync_now()
        assert right.clock_warning == "" and "时钟" not in right.label
        assert abs(right.clock_offset.total_seconds()) < 60
    finally:
        runtime.close()


def test_the_back_offices_due_date_comes_down_with_its_decision(tmp_path, live_server, virtual_devices):
    """A window three days fast promised a later date than the server counts; once the
    decision is pulled, the home list and the detail show the server's due date, and the
    date the applicant's notice carries is kept on the case."""
    clock = DeviceClock(dt.datetime.now() + dt.timedelta(days=3))
    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices, clock=clock)
    try:
        runtime.enrolment.enrol(live_server.url, live_server.enrol_code, "测试窗口")
        services = runtime.services
        clerk = services.auth.login(live_server.clerk, live_server.password)
        taken = _intake(services, clerk, "34052419800101001X")
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
        with runtime.store.sessions() as s:
            assert s.get(Case, taken.case_id).promised_by == window_promise  # the notice's date is kept
    finally:
        runtime.close()
