"""Drafts beyond the counter's own intake, through the real window: the service bus's visit
intake keeps drafts too (bound to its appointment, kept across a restart and a killed process),
交班 names the clerk's unfinished intakes, and the idle lock answers an open leave question with
"go back".

Screenshots: outreach-intake-leave-dialog.png, outreach-run-draft.png, shift-close-drafts.png,
lock-over-leave-question.png.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
import time

from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.leave_dialog import KeyDialog
from client.ui.outreach import OutreachIntakeView, OutreachView
from client.ui.result import ResultView
from client.ui.shift import ShiftCloseView
from tests.support.crash import kill_once_saved
from tests.ui.conftest import window_driver
from tests.ui.test_drafts import _dialog, _no_dialog
from tests.ui.test_outreach import PEOPLE, _card, _plan, _select
from tests.ui.test_small_screen import SMALL, check_small

CHANGE = "370702-XK-0020"  # 个体工商户变更登记
CHANGE_NAME = "个体工商户变更登记"


def _dialog_text(dialog: KeyDialog) -> str:
    """Every label in the dialog, as the clerk reads it."""
    texts, todo = [], list(dialog.winfo_children())
    while todo:
        widget = todo.pop(0)
        todo.extend(widget.winfo_children())
        try:
            texts.append(str(widget.cget("text")))
        except Exception:  # frames and canvases have no text
            pass
    return "\n".join(texts)


def _run(w) -> OutreachView:
    win = w.window
    win.show_outreach()
    view = w.pump(lambda: win.view if isinstance(win.view, OutreachView) else None, what="outreach view")
    if not view.appointments:
        w.key("F5")
    return w.pump(lambda: view.appointments and not view.busy and view, what="run listed")


def _open(w, view: OutreachView, position: int) -> OutreachIntakeView:
    win = w.window
    _select(w, view, position)
    w.key("Return")
    intake = w.pump(lambda: win.view if isinstance(win.view, OutreachIntakeView) else None, what="visit intake")
    w.settle(0.3)
    return intake


def _status(view: OutreachView, position: int) -> str:
    """The row's 状态 column ("" until the run is listed)."""
    appt = next((a for a in view.appointments if a.position == position), None)
    return str(view.table.item(appt.id, "values")[-1]) if appt is not None else ""


def test_a_bus_visit_is_a_draft_kept_on_its_appointment(enrolled_runtime, live_server, virtual_devices):
    """The crew's visit intake: nothing kept for a booking merely opened; once they work on it,
    saved as they go, asked on Esc and on close, listed on the run's row and on home, put back on
    that visit after a restart, and gone with the visit's record."""
    _plan(live_server)
    services = enrolled_runtime.services
    name, id_number, matter, matter_name = PEOPLE[1]  # 李建国, a promised matter carried back
    with window_driver(services, "", live_server.hall) as w:
        win = w.window
        w.login()
        clerk = win.clerk
        view = _run(w)
        appointment = next(a for a in view.appointments if a.position == 2)

        # Opened and left at once: the booking alone is no draft, and Esc asks nothing.
        intake = _open(w, view, 2)
        w.settle(1.0)
        assert services.drafts.drafts(clerk) == ()
        w.key("Escape")
        view = w.pump(lambda: win.view if isinstance(win.view, OutreachView) else None, what="back on the run")
        assert _no_dialog(w)

        # The crew reads the card and ticks the materials: saved as they go, naming the visit.
        view = w.pump(lambda: view.appointments and not view.busy and view, what="run listed")
        intake = _open(w, view, 2)
        virtual_devices.reader.place_card(_card(name, id_number))
        w.key("F3")
        w.pump(lambda: "核验" in intake.message.cget("text"), what="card verified")
        w.key("F7")  # every material received
        codes = list(intake.checklist.states)
        assert codes and all(v.get() == "已收" for v in intake.checklist.states.values())
        [draft] = w.pump(lambda: services.drafts.drafts(clerk), what="the visit saved as a draft")
        kept = services.drafts.load(draft.id, clerk)
        assert kept.visit == appointment.id and kept.source == "card"
        assert {m.code for m in kept.materials if m.state == "received"} == set(codes)
        assert draft.applicant == name and draft.matter == matter_name

        # Esc asks, and says where the draft is found again.
        w.key("Escape")
        dialog = _dialog(w)
        assert isinstance(win.view, OutreachIntakeView)
        text = _dialog_text(dialog)
        assert "保留草稿并返回行程（Enter）" in text and "直通车行程中该预约上" in text
        w.screenshot("outreach-intake-leave-dialog.png")
        w.key("Return")  # keep the draft
        view = w.pump(lambda: win.view if isinstance(win.view, OutreachView) else None, what="back on the run")
        w.pump(lambda: "有草稿" in _status(view, 2), what="the row shows the draft")
        assert "有草稿" not in _status(view, 1)
        w.screenshot("outreach-run-draft.png")

        # Enter on the row continues the draft on that visit.
        intake = _open(w, view, 2)
        w.pump(lambda: intake.draft_id == draft.id, what="draft put back")
        assert intake.prepared.appointment.id == appointment.id
        assert all(v.get() == "已收" for v in intake.checklist.states.values())
        assert intake.name.get() == name and intake.message.cget("text").startswith("已恢复草稿")

        # The window's ✕ asks too; Enter keeps the draft and closes.
        win.request_close()
        dialog = _dialog(w)
        assert "保留草稿并关闭窗口（Enter）" in _dialog_text(dialog)
        w.key("Return")
        w.wait_closed()

    # A restart: home lists the visit's draft; continuing it from there opens that visit.
    with window_driver(services, "", live_server.hall) as w:
        win = w.window
        home = w.login()
        w.pump(lambda: home.draft_list.rows, what="the visit's draft on home")
        [row] = [home.draft_list.table.item(iid, "values") for iid in home.draft_list.table.get_children()]
        assert (row[0], row[1]) == (name, matter_name)
        home.draft_list.resume_newest()
        intake = w.pump(lambda: win.view if isinstance(win.view, OutreachIntakeView) else None, what="visit intake")
        assert intake.prepared.appointment.id == appointment.id and intake.draft_id == draft.id
        assert intake.matter is not None and intake.matter.code == matter
        assert all(v.get() == "已收" for v in intake.checklist.states.values())

        # Recorded (signed for and carried back): the draft leaves with the visit's transaction.
        w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理" and not intake.busy, what="verdict")
        w.key("F9")
        pad = w.pump(lambda: getattr(intake, "pad", None), what="signature pad")
        pad.draw([(40 + 6 * t, 110 + 40 * math.sin(t / 4)) for t in range(70)])
        w.pump(lambda: len(pad.strokes) == 1, what="stroke")
        pad.done()
        result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result")
        assert result.result.outcome == "accept"
        assert services.drafts.drafts(win.clerk) == ()
        assert services.outreach.appointment(appointment.id).outcome == "collected"


def _keep_draft(w, name: str) -> None:
    """A counter intake with an applicant and a matter, left with Esc and Enter (kept)."""
    win = w.window
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.settle(0.2)
    w.type(intake.name, name)
    w.type(intake.search, CHANGE)
    w.press(intake.search, "Return")
    assert intake.matter is not None and intake.matter.code == CHANGE
    w.key("Escape")
    _dialog(w)
    w.key("Return")
    w.pump(lambda: isinstance(win.view, HomeView) and _no_dialog(w), what="home")


def _shift_close(w) -> ShiftCloseView:
    win = w.window
    (win.root.focus_get() or win.root).event_generate("<Control-KeyPress-q>")
    view = w.pump(lambda: win.view if isinstance(win.view, ShiftCloseView) else None, what="交班")
    return w.pump(
        lambda: view.drafts_note.winfo_ismapped() and view.confirm.cget("state") == "normal" and view,
        what="drafts listed on 交班",
    )


def test_shift_close_names_the_drafts_goes_back_to_one_and_keeps_them(counter_window, enrolled_runtime):
    services = enrolled_runtime.services
    w = counter_window
    win = w.window
    home = w.login()
    clerk = win.clerk
    _keep_draft(w, "赵先到")
    time.sleep(1.1)  # drafts are ordered by when they were saved, to the second
    _keep_draft(w, "钱后到")
    w.pump(lambda: len(home.draft_list.rows) == 2, what="two drafts on home")

    view = _shift_close(w)
    note = view.drafts_note.cget("text")
    assert "还有 2 件未完成的受理" in note
    assert f"1  钱后到 · {CHANGE_NAME}" in note and f"2  赵先到 · {CHANGE_NAME}" in note
    assert view.confirm.cget("text") == "保留草稿并交班（Enter）"
    w.screenshot("shift-close-drafts.png")
    # The smallest screen: the drafts named, 交班 and 返回 still in view.
    win.root.geometry("{}x{}".format(*SMALL))
    w.key("Escape")
    w.pump(lambda: isinstance(win.view, HomeView), what="home")
    small = _shift_close(w)
    assert "1  钱后到" in small.drafts_note.cget("text")
    assert check_small(w, "shift-close-drafts", small.confirm, small.back, small.drafts_note) == []
    win.root.geometry("1366x740")
    w.key("Escape")
    w.pump(lambda: isinstance(win.view, HomeView), what="home")
    view = _shift_close(w)

    # 2 goes back to the older draft, whole.
    w.key("2")
    intake = w.pump(
        lambda: win.view if isinstance(win.view, IntakeView) and win.view.name.get() == "赵先到" else None,
        what="the draft back in the intake",
    )
    assert intake.matter is not None and intake.matter.code == CHANGE
    w.key("Escape")
    _dialog(w)
    w.key("Return")
    w.pump(lambda: isinstance(win.view, HomeView) and _no_dialog(w), what="home")

    # Handing over anyway is allowed: the drafts stay, and the paper says so.
    view = _shift_close(w)
    w.key("Return")
    w.pump(lambda: view.closed and win.clerk is None, what="handed over")
    assert "未完成的受理 2 件已保留" in view.drafts_note.cget("text")
    assert len(services.drafts.drafts(clerk)) == 2
    w.key("Return")  # back to the login

    # Next shift: both listed as left from the earlier shift, none removed.
    home = w.login()
    assert win.shift is not None
    w.pump(lambda: len(home.draft_list.rows) == 2, what="drafts listed after the hand-over")
    notes = [home.draft_list.table.item(iid, "values")[4] for iid in home.draft_list.table.get_children()]
    assert notes == ["上一班次留下", "上一班次留下"]
    assert "其中2件为上一班次留下" in home.draft_list.title.cget("text")


def test_the_idle_lock_answers_an_open_leave_question_with_go_back(counter_window, enrolled_runtime, live_server):
    services = enrolled_runtime.services
    w = counter_window
    win = w.window
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.settle(0.2)
    w.type(intake.name, "孙锁屏")
    w.type(intake.search, CHANGE)
    w.press(intake.search, "Return")
    intake.checklist.set_state(next(iter(intake.checklist.states)), "已收")
    w.key("Escape")
    dialog = _dialog(w)

    # The clerk walks away with the question open: the idle check locks the window.
    win.lock_after_s = 0.5
    overlay = w.pump(lambda: win.overlay, timeout=15, what="the idle lock")
    w.pump(lambda: not dialog.winfo_exists(), what="the question closed")
    assert _no_dialog(w)
    w.pump(
        lambda: overlay.winfo_ismapped() and str(win.root.focus_get()).startswith(str(overlay)),
        what="the lock on top, holding the keyboard",
    )
    w.screenshot("lock-over-leave-question.png")
    # Answered as "go back": nothing was discarded, the intake is still the screen underneath.
    assert win.view is intake and intake.name.get() == "孙锁屏" and intake.matter.code == CHANGE
    [draft] = w.pump(lambda: services.drafts.drafts(win.clerk), what="draft still kept")
    assert draft.applicant == "孙锁屏"

    win.lock_after_s = 300
    w.type(overlay.password, live_server.password)
    w.press(overlay.password, "Return")
    w.pump(lambda: win.overlay is None, what="unlocked")
    assert win.view is intake and intake.name.get() == "孙锁屏"
    assert intake.matter is not None and intake.matter.code == CHANGE
    assert list(v.get() for v in intake.checklist.states.values())[0] == "已收"
    # The intake goes on as before: Esc asks again, Backspace stays.
    w.settle(0.2)
    w.key("Escape")
    _dialog(w)
    w.key("BackSpace")
    w.pump(lambda: _no_dialog(w), what="question gone")
    assert win.view is intake and intake.name.get() == "孙锁屏"


CRASHING_VISIT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from client.app import ClientConfig, build_runtime
    from client.services.auth import Clerk
    from client.ui.mainwindow import MainWindow
    from client.ui.outreach import OutreachIntakeView

    data_dir, username, appointment_id = sys.argv[1:4]
    runtime = build_runtime(ClientConfig(data_dir=Path(data_dir), demo=True, devices="none"))
    window = MainWindow(runtime.services)
    window.clerk = Clerk(username, "测试", "clerk", offline=True)
    intake = OutreachIntakeView(window, runtime.services.outreach.prepare(appointment_id))
    window.show(intake)
    intake.phone.delete(0, "end")
    intake.phone.insert(0, "13905369999")  # the applicant's new number, told at the door
    intake.checklist.mark_all_received()
    print("typed", flush=True)
    window.run()  # until killed: no close, no dialog, no flush
    """
)


def test_a_killed_bus_laptop_keeps_the_visit(counter_window, enrolled_runtime, live_server):
    """The bus laptop's battery dies half-way through a visit (the process is killed): the
    autosave had the draft in the store, and the run's list offers it again on that visit."""
    _plan(live_server)
    services = enrolled_runtime.services
    services.outreach.load(dt.date.today())  # downloaded before leaving, as the crew does
    clerk = services.auth.login(live_server.clerk, live_server.password)
    [run] = services.outreach.runs()
    appointment = next(a for a in services.outreach.appointments(run.id) if a.position == 2)

    def saved():
        found = services.drafts.visit_drafts(clerk).get(appointment.id)
        if found is not None:
            candidate = services.drafts.load(found.id, clerk)
            if candidate.phone == "13905369999" and all(m.state == "received" for m in candidate.materials):
                return candidate
        return None

    args = (str(enrolled_runtime.store.path.parent), clerk.username, appointment.id)
    kill_once_saved(CRASHING_VISIT, args, saved, "the laptop never saved the visit's draft")

    w = counter_window
    win = w.window
    w.login()
    view = _run(w)
    w.pump(lambda: "有草稿" in _status(view, 2), what="the row shows the draft")
    intake = _open(w, view, 2)
    w.pump(lambda: intake.phone.get() == "13905369999", what="draft put back")
    assert intake.prepared.appointment.id == appointment.id
    assert intake.checklist.states and all(v.get() == "已收" for v in intake.checklist.states.values())
    assert win.view is intake
