"""The queue and the shift through the real window against a real back office: 开班, call the
next ticket (the elderly first), recall three times and 过号, take the next holder in with F2,
accept, 办结 with the case linked, transfer, then 交班 with the printed slip and logged out.
And a back office that cannot be reached: the panel says so and intake goes on."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from client.domain.identity import id_check_char
from client.ui.detail import CaseDetailView
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.login import LoginView
from client.ui.result import ResultView
from client.ui.shift import ShiftCloseView, ShiftOpenView
from sync.api import BackOfficeApi
from sync.server import cli

ELDERLY = "37070219450101001" + id_check_char("37070219450101001")


def dispense(live_server, *extra: str) -> None:
    """A ticket from the hall's dispenser (the back office's command line, same database)."""
    assert cli.main(["queue", "take", "--db", live_server.db_url, "--org", live_server.hall.org_code, *extra]) == 0


def panel_text(home) -> str:
    p = home.queue_panel
    return " ".join(w.cget("text") for w in (p.window_label, p.number, p.detail, p.waiting, p.message))


def label_texts(widget) -> list[str]:
    import customtkinter as ctk

    found = [widget.cget("text")] if isinstance(widget, ctk.CTkLabel) else []
    for child in widget.winfo_children():
        found += label_texts(child)
    return found


def take_in(w, ticket_no: str):
    """F2 on home: the called holder's case, all materials received, accepted with F9."""
    win = w.window
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.id_number, "34052419800101001X")
    w.type(intake.name, "李建国")
    w.type(intake.search, "个体")
    w.press(intake.search, "Return")
    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理" and not intake.busy, what="verdict")
    assert intake.draft().ticket_no == ticket_no
    w.key("F9")
    return w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result")


def test_queue_and_shift_through_the_window(counter_window, live_server, virtual_devices):
    w = counter_window
    win = w.window
    dispense(live_server)
    dispense(live_server, "--id-number", ELDERLY)
    dispense(live_server)

    login = win.view
    w.type(login.username, live_server.clerk)
    w.type(login.password, "123456")
    w.press(login.password, "Return")
    opening = w.pump(lambda: win.view if isinstance(win.view, ShiftOpenView) else None, what="开班")
    w.type(opening.window, "3")
    w.screenshot("shift-open.png")
    w.press(opening.window, "Return")
    home = w.pump(lambda: win.view if isinstance(win.view, HomeView) else None, what="home")
    assert "3号窗口" in win.who.cget("text")
    w.pump(lambda: "等候 3 人（优先 1）" in panel_text(home), what="queue status")

    w.key("F7")  # the elderly holder first
    w.pump(lambda: "请P001号到3号窗口办理" in panel_text(home), what="P001 called")
    assert "老年人优先" in panel_text(home)
    w.screenshot("queue-called.png")
    for n in (1, 2, 3):
        w.key("F8")
        w.pump(lambda n=n: f"已重呼P001号（第{n}次）" in panel_text(home), what=f"recall {n}")
    assert "可过号（F4）" in panel_text(home)
    w.key("F4")
    w.pump(lambda: "P001号已过号" in panel_text(home), what="no-show")

    w.key("F7")
    w.pump(lambda: "请A001号到3号窗口办理" in panel_text(home), what="A001 called")
    result = take_in(w, "A001")
    win.show_case(result.result.case_id)  # the case records the ticket it was taken for
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )
    assert detail.detail.ticket_no == "A001"
    assert "叫号：A001" in label_texts(detail.content)
    w.key("Escape")
    home = w.pump(lambda: win.view if isinstance(win.view, HomeView) else None, what="home again")
    w.pump(lambda: "已受理1件" in panel_text(home), what="case counted for the ticket")
    w.key("F3")
    w.pump(lambda: "A001号已办结" in panel_text(home), what="done")
    with create_engine(live_server.db_url).connect() as conn:
        linked = conn.execute(
            text("select case_no from tickets where ticket_no = 'A001' and org_code = :org"),
            {"org": live_server.hall.org_code},
        ).scalar()
    assert linked == result.result.case_no
    dispense(live_server, "--category", "B")  # a new arrival; the panel's timer asks again
    home.queue_panel.refresh()
    w.pump(lambda: "等候 2 人（优先 0）" in panel_text(home), what="refreshed waiting count")
    assert "A001号已办结" in panel_text(home)  # a background refresh keeps the last note

    w.key("F7")
    w.pump(lambda: "请A002号到3号窗口办理" in panel_text(home), what="A002 called")
    w.key("F10")
    w.type(home.queue_panel.transfer_to, "5")
    w.press(home.queue_panel.transfer_to, "Return")
    w.pump(lambda: "A002号已转至5号窗口，保留原排队顺序" in panel_text(home), what="transferred")
    w.screenshot("queue-transferred.png")

    w.key("F7")
    w.pump(lambda: "请B001号到3号窗口办理" in panel_text(home), what="B001 called")
    win.root.event_generate("<Control-q>")  # hand over with B001 still at the window
    closing = w.pump(lambda: win.view if isinstance(win.view, ShiftCloseView) else None, what="交班")
    w.pump(lambda: closing.confirm.cget("state") == "normal", what="summary")
    assert "受理办件：1件（受理1件）" in closing.figures.cget("text")
    assert "叫号：办结1个，过号1个" in closing.figures.cget("text")
    assert "B001号仍在本窗口未办结，接班人请继续办理或过号" in closing.warnings.cget("text")
    w.screenshot("shift-close.png")
    w.key("Return")
    w.pump(lambda: closing.closed, what="handed over")
    assert "已交班，交班小结已打印。已退出登录。" == closing.message.cget("text")
    assert win.clerk is None and win.who.cget("text") == ""
    slip = "\n".join(line.text for line in virtual_devices.printer.last_receipt().lines)
    assert "交班小结" in slip and "3号窗口" in slip and "叫号：办结1个，过号1个" in slip
    assert "B001号仍在本窗口未办结" in slip
    w.pump(lambda: len(closing.winfo_children()) > 1, what="slip preview")
    w.screenshot("shift-closed.png")
    w.key("Return")
    w.pump(lambda: isinstance(win.view, LoginView), what="login again")


def test_an_unreachable_queue_leaves_intake_working(counter_window, enrolled_runtime):
    w = counter_window
    enrolled_runtime.services.queue.api = lambda: BackOfficeApi("http://127.0.0.1:9", timeout=0.5)
    home = w.login()
    w.pump(lambda: "叫号服务暂不可用，可直接受理" in panel_text(home), what="offline message")
    w.key("F7")
    w.pump(lambda: not home.queue_panel.pending, what="call answered")
    assert "叫号服务暂不可用，可直接受理" in panel_text(home)
    w.screenshot("queue-offline.png")
    result = take_in(w, "")
    assert result.result.outcome == "accept"
