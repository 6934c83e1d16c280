"""Issue 16, point 5, on screen: a window whose clock is a day fast says so in its status
bar after a sync round, shows the back office's due date, and asks before every intake
while its clock is an hour or more off; the case taken anyway shows both clocks."""

from __future__ import annotations

import datetime as dt

import customtkinter as ctk

from client.store.models import Case, CaseEvent
from client.ui.clock_prompt import ClockPrompt
from client.ui.detail import CaseDetailView
from client.ui.focus import FOCUS_COLOR
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.result import ResultView
from sync.server import admin
from tests.ui.conftest import window_driver

DAY = dt.timedelta(days=1)
HINT = "演示账号：clerk01，密码：123456"


def test_the_status_bar_says_the_clock_is_a_day_fast(clocked_window, live_server):
    clocked_window.clock.skew = DAY
    services = clocked_window.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    taken = clocked_window.take_case(clerk)
    assert services.sync.sync_now().error == ""
    admin.decide(live_server.db_url, taken.case_no, "approve", by=live_server.hall.approver)
    (server_case,) = [c for c in admin.list_cases(live_server.db_url) if c.case_id == taken.case_id]
    with window_driver(services, HINT, live_server.hall) as w:
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


def _prompt(w) -> ClockPrompt:
    """The clock prompt, once it holds the keyboard."""

    def ready() -> ClockPrompt | None:
        found = [c for c in w.window.root.winfo_children() if isinstance(c, ClockPrompt) and c.winfo_exists()]
        if found and found[0].winfo_viewable():
            focus = w.window.root.focus_get()
            if focus is not None and focus.winfo_toplevel() is found[0]:
                return found[0]
        return None

    return w.pump(ready, what="the clock prompt holding the keyboard")


def _answer(w, prompt: ClockPrompt, keysym: str) -> None:
    """A key where the prompt has put the focus."""
    w.key(keysym)
    w.pump(lambda: not prompt.winfo_exists(), what="the prompt closed")


def _case_count(machine) -> int:
    with machine.runtime.store.sessions() as s:
        return s.query(Case).count()


def test_a_far_off_clock_asks_before_the_intake_and_the_case_taken_anyway_keeps_both_clocks(
    clocked_window, live_server
):
    clocked_window.clock.skew = DAY
    services = clocked_window.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    clocked_window.take_case(clerk)  # pushed: the push answer carries the back office's time
    assert services.sync.sync_now().clock_far_off
    before = _case_count(clocked_window)
    with window_driver(services, HINT, live_server.hall) as w:
        win = w.window
        home = w.login()

        w.key("F2")
        prompt = _prompt(w)
        text = prompt.text
        assert prompt.heading == "本机时钟比后台快1天，请先校准"
        assert "办件编号" in text and "承诺办结日期" in text and "仍要受理" in text
        w.pump(lambda: win.root.focus_get() is prompt.default, what="the focus on 返回")
        assert prompt.default.cget("border_color") == FOCUS_COLOR
        reading = prompt.reading
        assert f"本机时间：{reading.device_time:%Y-%m-%d %H:%M}" in text
        assert f"后台时间：{reading.server_time:%Y-%m-%d %H:%M}" in text
        assert reading.server_time.date() == dt.date.today()
        w.keep_screenshot("clock-far-off.png")
        _answer(w, prompt, "Return")  # the default: back, no intake
        w.settle(0.3)
        assert win.view is home and not isinstance(win.view, IntakeView)

        w.key("F2")
        _answer(w, _prompt(w), "Escape")
        w.settle(0.3)
        assert win.view is home
        assert services.sync.clock_reading().accepted_by == ""

        # Every other way into an intake asks too: a draft resumed, a service bus visit.
        for way_in in (lambda: win.resume_draft("draft-never-opened"), lambda: win.open_visit("visit-never-opened")):
            way_in()
            _answer(w, _prompt(w), "Escape")
            w.settle(0.3)
            assert win.view is home and not win.callback_errors

        w.key("F2")
        _answer(w, _prompt(w), "F9")  # 仍要受理: a citizen is waiting
        intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="the intake")
        w.type(intake.id_number, "11010519491231002X")
        w.pump(lambda: not intake.busy, what="applicant looked up")
        if not intake.name.get():
            w.type(intake.name, "王秀英")
        w.type(intake.search, "个体")
        w.press(intake.search, "Return")
        assert intake.matter is not None
        w.key("F7")  # every material received
        w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理" and not intake.busy, what="verdict")
        w.key("F9")
        result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result view")
        case_id = result.result.case_id
        assert _case_count(clocked_window) == before + 1  # only the case taken anyway

        with clocked_window.runtime.store.sessions() as s:
            case = s.get(Case, case_id)
            assert abs(case.clock_offset_s - 86400) < 60  # both clocks: received_at and the offset
            (first,) = s.query(CaseEvent).filter(CaseEvent.case_id == case_id).order_by(CaseEvent.seq).limit(1)
            assert first.payload["clock_accepted_by"] == live_server.clerk  # the choice, in the journal
            assert first.payload["clock_offset_s"] == case.clock_offset_s

        win.show_case(case_id)
        detail = w.pump(
            lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="detail"
        )
        shown = [c.cget("text") for c in detail.content.winfo_children() if isinstance(c, ctk.CTkLabel)]
        device_line = next(line for line in shown if line.startswith("本机时钟："))
        server_line = next(line for line in shown if line.startswith("后台时钟："))
        assert "比后台快1天" in device_line
        assert f"{case.received_at - DAY:%Y-%m-%d}" in server_line
        assert any(line.startswith("时钟确认：") for line in shown)
        w.keep_screenshot("clock-case-detail.png")
