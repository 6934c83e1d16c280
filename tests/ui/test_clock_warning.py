"""Issue 16, point 5, on screen: a window whose clock is a day fast says so in its status
bar after a sync round, and its home list shows the back office's due date."""

from __future__ import annotations

import datetime as dt

from client.app import ClientConfig, build_runtime
from client.ui.home import HomeView
from sync.server import admin
from tests.sync.test_clock_check import DeviceClock, _intake
from tests.ui.conftest import window_driver


def test_the_status_bar_says_the_clock_is_a_day_fast(tmp_path, live_server, virtual_devices):
    clock = DeviceClock(dt.datetime.now() + dt.timedelta(days=1))
    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices, clock=clock)
    try:
        runtime.enrolment.enrol(live_server.url, live_server.enrol_code, "测试窗口")
        services = runtime.services
        clerk = services.auth.login(live_server.clerk, live_server.password)
        taken = _intake(services, clerk, "34052419800101001X")
        assert services.sync.sync_now().error == ""
        admin.decide(live_server.db_url, taken.case_no, "approve", by=live_server.hall.approver)
        (server_case,) = [c for c in admin.list_cases(live_server.db_url) if c.case_id == taken.case_id]
        with window_driver(services, "演示账号：clerk01，密码：123456", live_server.hall) as w:
            home = w.login()
            assert isinstance(home, HomeView)
            w.window.sync_now()
            badge = w.pump(
                lambda: "时钟" in w.window.sync_badge.cget("text") and w.window.sync_badge.cget("text"),
                what="clock warning in the status bar",
            )
            assert badge.startswith("同步：已同步") and badge.endswith("｜本机时钟比后台快1天，请校准后再受理")
            (listed,) = [c for c in services.cases.recent() if c.case_id == taken.case_id]
            assert listed.promised_by == server_case.due and listed.status == "approved"
            w.keep_screenshot("clock_warning.png")
    finally:
        runtime.close()
