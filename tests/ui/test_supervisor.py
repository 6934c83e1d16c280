"""The supervisor's view: today's figures, overdue cases (红牌) and 差评, for supervisors only."""

from __future__ import annotations

import datetime as dt

import customtkinter as ctk
import pdfplumber

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case
from client.ui.home import HomeView
from client.ui.login import LoginView
from client.ui.supervisor import SupervisorView
from reports.preview import pdf_page_png
from sync.server import admin
from tests.ui.conftest import ARTIFACTS


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
    w.key("F9")
    w.pump(lambda: view.daily is not None, what="daily report")
    assert view.message.cget("text").startswith("日报已打印")
    w.screenshot("supervisor.png")


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


def test_one_clerk_is_one_line_on_screen_and_on_the_printed_daily_report(
    counter_window, enrolled_runtime, live_server, virtual_devices
):
    """A case row keeps the clerk's name, a hand-over event her login: both count for one person."""
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    handed = _intake(services, clerk, "34052419800101001X")
    _intake(services, clerk, "11010519491231002X")
    assert services.sync.sync_now().error == ""
    admin.decide(live_server.db_url, handed.case_no, "approve", by=live_server.hall.approver)
    assert services.sync.sync_now().error == ""
    services.delivery.deliver(handed.case_id, "李建国", "34052419800101001X", clerk)

    w = counter_window
    win = w.window
    home = w.login(live_server.hall.supervisor, live_server.password)
    assert home.list_title.cget("text").startswith("全部办件")
    w.key("F9")
    view = w.pump(
        lambda: win.view if isinstance(win.view, SupervisorView) and win.view.overview else None, what="supervisor view"
    )
    tallies = view.overview.daily.clerks
    assert [(t.clerk, t.cases, t.accepted, t.delivered) for t in tallies] == [(clerk.display_name, 2, 2, 1)]
    shown = [child.cget("text") for child in view.body.winfo_children() if isinstance(child, ctk.CTkLabel)]
    per_clerk = [text for text in shown if text.startswith("· ") and "接件" in text]
    assert per_clerk == [f"· {clerk.display_name}：接件2件，受理2件，一次性告知0份，出件1件"]

    virtual_devices.printer.clear()
    w.key("F9")
    w.pump(lambda: view.daily is not None, what="daily report printed")
    report = view.daily
    assert report.printed and report.error == "" and report.clerks == (clerk.display_name,)
    slip = virtual_devices.printer.last_receipt().text
    assert "综合窗口日报" in slip
    assert slip.count(clerk.display_name) == 1 and clerk.username not in slip
    assert f"{clerk.display_name}：接件2 受理2 告知0 不予0 出件1" in slip
    with pdfplumber.open(report.path) as pdf:
        a4 = "".join(page.extract_text() or "" for page in pdf.pages)
    assert a4.count(clerk.display_name) == 1 and clerk.username not in a4
    assert view.report_box.winfo_ismapped()  # the printed report is shown beside the figures
    w.screenshot("supervisor-daily-report.png")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "daily-report-slip.png").write_bytes(virtual_devices.printer.last_png())
    (ARTIFACTS / "daily-report-a4.png").write_bytes(pdf_page_png(report.path.read_bytes(), dpi=90))

    # The supervisor leaves with Ctrl+Shift+L, from the supervisor view.
    assert win.sign_out_button.winfo_ismapped()
    (win.root.focus_get() or win.root).event_generate("<Control-Shift-KeyPress-L>")
    w.pump(lambda: isinstance(win.view, LoginView), what="login after sign-out")
    assert win.clerk is None and not win.sign_out_button.winfo_ismapped()


def test_every_role_signs_out_from_home_with_a_key(counter_window, live_server):
    w = counter_window
    win = w.window
    home = w.login()
    assert home.list_title.cget("text").startswith("本窗口办件")
    assert win.sign_out_button.winfo_ismapped()
    w.screenshot("home-sign-out.png")
    (win.root.focus_get() or win.root).event_generate("<Control-Shift-KeyPress-L>")
    w.pump(lambda: isinstance(win.view, LoginView), what="login after sign-out")
    assert win.clerk is None
    home = w.login(live_server.hall.supervisor, live_server.password)
    assert home.list_title.cget("text").startswith("全部办件")  # the next person's home is titled for their role
    (win.root.focus_get() or win.root).event_generate("<Control-Shift-KeyPress-L>")
    w.pump(lambda: isinstance(win.view, LoginView), what="supervisor signed out from home")
    assert win.clerk is None
