"""The supervisor's view: today's figures, overdue cases (红牌) and 差评, for supervisors only."""

from __future__ import annotations

import datetime as dt

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case
from client.ui.home import HomeView
from client.ui.supervisor import SupervisorView


def test_supervisor_sees_red_cards_and_bad_ratings(counter_window, enrolled_runtime):
    services = enrolled_runtime.services
    clerk = services.auth.login(counter_window.hall.clerk, "123456")
    matter = services.intake.matter("370702-XK-0001")
    late = services.intake.submit(
        IntakeDraft(
            Applicant("李建国", "身份证", "34052419800101001X"),
            matter.code,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
        ),
        clerk,
    )
    with enrolled_runtime.store.sessions.begin() as s:  # received long ago: now past its promised date
        case = s.get(Case, late.case_id)
        case.promised_by = dt.date.today() - dt.timedelta(days=3)
    services.ratings.record(late.case_id, 1, clerk)

    w = counter_window
    win = w.window
    home = w.login()
    assert "F9" not in home.keys  # a clerk has no supervisor view

    win.lock()
    win.overlay.on_switch_user()
    home = w.login(counter_window.hall.supervisor, "123456")
    assert isinstance(home, HomeView) and "F9" in home.keys
    w.key("F9")
    view = w.pump(
        lambda: win.view if isinstance(win.view, SupervisorView) and win.view.overview else None, what="supervisor view"
    )
    assert [c.case_no for c in view.overview.overdue] == [late.case_no]
    assert view.overview.overdue[0].days == 3
    assert [(b.case_no, b.level) for b in view.overview.bad_ratings] == [(late.case_no, "非常不满意")]
    assert view.overview.daily.total >= 1
    w.screenshot("supervisor.png")
    w.key("F9")
    w.pump(lambda: "已生成" in view.message.cget("text"), what="daily report")
    assert view.message.cget("text").endswith(".pdf")
