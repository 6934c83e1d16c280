"""Nothing a clerk types is lost: an intake in progress is a draft, through the real window.

Esc and the window's ✕ ask first (Enter keeps, a second Esc gives up, Backspace goes back);
the home screen lists the clerk's drafts (Shift+F2 continues the newest) and puts each back
whole, scanned pages included, also after a new window or a killed process; a dialog's Esc
stays in the dialog; drafts from an earlier shift stay listed until the clerk acts.
"""

from __future__ import annotations

import datetime as dt
import textwrap
import time

from client.services.drafts import DraftService, IntakeSnapshot, MaterialSnapshot
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.leave_dialog import KeyDialog
from client.ui.result import ResultView
from tests.support.crash import kill_once_saved
from tests.ui.conftest import window_driver

ID_NUMBER = "34052419800101001X"
NAME = "王草稿"
PHONE = "13800000000"
CHANGE = "370702-XK-0020"  # 个体工商户变更登记: its own question (变更的是否为经营场所？)


def _intake(w) -> IntakeView:
    win = w.window
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.settle(0.2)
    return intake


def _home(w) -> HomeView:
    return w.pump(lambda: w.window.view if isinstance(w.window.view, HomeView) else None, what="home")


def _dialog(w) -> KeyDialog:
    """The open question, once it holds the keyboard."""

    def ready():
        found = [c for c in w.window.root.winfo_children() if isinstance(c, KeyDialog) and c.winfo_exists()]
        if found and found[0].winfo_viewable():
            focus = w.window.root.focus_get()
            if focus is not None and focus.winfo_toplevel() is found[0]:
                return found[0]
        return None

    return w.pump(ready, what="the dialog holding the keyboard")


def _no_dialog(w) -> bool:
    return not any(isinstance(c, KeyDialog) and c.winfo_exists() for c in w.window.root.winfo_children())


def _shift_key(w, keysym: str) -> None:
    widget = w.window.root.focus_get() or w.window.root
    widget.event_generate(f"<Shift-KeyPress-{keysym}>")
    w.window.root.update()


def _drafts(runtime, clerk):
    return runtime.services.drafts.drafts(clerk)


def _fill(w, intake, runtime) -> None:
    """An applicant, a matter with a question answered, three material states, a scanned page."""
    w.type(intake.id_number, ID_NUMBER)
    w.pump(lambda: not intake.busy, what="applicant looked up")
    w.type(intake.name, NAME)
    w.type(intake.phone, PHONE)
    w.type(intake.search, CHANGE)
    w.press(intake.search, "Return")
    assert intake.matter is not None and intake.matter.code == CHANGE
    place = intake.matter.situations[0].options[1]
    w.press(intake.answer_buttons["S02"], "2")  # 变更经营场所: asks for the new premises' proof (M04)
    w.pump(lambda: "M04" in intake.checklist.states, what="M04 listed for the answer")
    assert intake.answers["S02"] == place.code
    runtime.hardware.scanner.feed("text")
    intake.scan_pages("M01", "经营者身份证")
    w.pump(lambda: intake.page_labels["M01"].cget("text") == "已扫描 1 页", what="scan")
    intake.checklist.set_state("M02", "有误")
    w.type(intake.checklist.reasons["M02"], "缺少经营者签字")
    intake.checklist.set_state("M04", "已收")


def _check_restored(intake, page_sha: str) -> None:
    assert intake.id_number.get() == ID_NUMBER and intake.name.get() == NAME and intake.phone.get() == PHONE
    assert intake.matter is not None and intake.matter.code == CHANGE
    assert intake.answers["S02"] == intake.matter.situations[0].options[1].code
    assert intake.answer_buttons["S02"].get() == intake.matter.situations[0].options[1].label
    states = {code: var.get() for code, var in intake.checklist.states.items()}
    assert states == {"M01": "已收", "M02": "有误", "M03": "缺", "M04": "已收"}
    assert intake.checklist.reasons["M02"].get() == "缺少经营者签字"
    assert [p.sha256 for p in intake.checklist.pages["M01"]] == [page_sha]
    assert intake.page_labels["M01"].cget("text") == "已扫描 1 页"


def test_esc_keeps_the_draft_home_lists_it_and_it_comes_back_whole(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    w.login()
    intake = _intake(w)
    _fill(w, intake, enrolled_runtime)
    clerk = win.clerk
    # Saved as the clerk goes: the last change (a material state) is in the store without any key.
    w.pump(
        lambda: enrolled_runtime.services.drafts.load(intake.draft_id, clerk).materials[-1].state == "received",
        what="autosave of the last change",
    )
    page_sha = intake.checklist.pages["M01"][0].sha256

    w.key("Escape")
    dialog = _dialog(w)
    assert isinstance(win.view, IntakeView)  # nothing left yet: the question comes first
    assert set(dialog.buttons) == {"Return", "Escape", "BackSpace"}
    w.screenshot("leave-dialog.png")
    w.key("Return")  # keep the draft and leave
    home = _home(w)
    w.pump(lambda: home.draft_list.winfo_ismapped() and home.draft_list.rows, what="未完成的受理 listed")
    [row] = [home.draft_list.table.item(iid, "values") for iid in home.draft_list.table.get_children()]
    assert row[0] == NAME and row[1] == "个体工商户变更登记" and row[3] == "1页"
    assert "未完成的受理 1 件" in home.draft_list.title.cget("text")
    w.screenshot("home-drafts.png")

    _shift_key(w, "F2")  # continue the newest
    back = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake again")
    assert back is intake  # the view built at login, filled from the draft
    _check_restored(back, page_sha)
    w.pump(
        lambda: "将办理" in back.verdict.verdict.cget("text") and not back.busy, what="verdict for the restored draft"
    )

    w.key("Escape")
    _dialog(w)
    w.key("Escape")  # the second Esc gives the intake up
    home = _home(w)
    w.pump(lambda: not home.draft_list.winfo_ismapped() and _no_dialog(w), what="no drafts listed")
    assert _drafts(enrolled_runtime, clerk) == ()
    # The next intake starts empty on the same screen.
    again = _intake(w)
    assert again is intake
    assert (again.id_number.get(), again.name.get(), again.matter, again.checklist.states) == ("", "", None, {})


def test_backspace_goes_back_and_an_empty_intake_leaves_without_asking(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    w.login()
    intake = _intake(w)
    w.key("Escape")  # nothing typed: nothing to keep, no question
    _home(w)
    assert _no_dialog(w) and _drafts(enrolled_runtime, win.clerk) == ()
    intake = _intake(w)
    w.type(intake.name, NAME)
    w.press(intake.name, "Escape")
    _dialog(w)
    w.key("BackSpace")  # 继续受理
    w.pump(lambda: _no_dialog(w) and win.root.focus_get() is not None, what="back in the intake")
    assert win.view is intake and intake.name.get() == NAME
    assert str(win.root.focus_get()).startswith(str(intake.name))  # the cursor where it was
    # Logging out (or 切换用户 on the lock screen) right after a keystroke keeps that keystroke.
    w.type(intake.name, "二")
    clerk = win.clerk
    win.log_out()
    [draft] = _drafts(enrolled_runtime, clerk)
    assert enrolled_runtime.services.drafts.load(draft.id, clerk).name == NAME + "二"


def test_esc_in_the_preview_closes_only_the_preview(counter_window):
    w = counter_window
    win = w.window
    w.login()
    intake = _intake(w)
    w.type(intake.id_number, ID_NUMBER)
    w.pump(lambda: not intake.busy, what="applicant looked up")
    w.type(intake.name, NAME)
    w.type(intake.search, "个体工商户设立")
    w.press(intake.search, "Return")
    w.key("F8")
    preview = w.pump(
        lambda: (
            intake.preview_window
            if intake.preview_window is not None and intake.preview_window.winfo_viewable()
            else None
        ),
        what="notice preview",
    )
    preview.focus_force()
    w.pump(
        lambda: win.root.focus_get() is not None and win.root.focus_get().winfo_toplevel() is preview,
        what="preview focused",
    )
    w.key("Escape")
    w.pump(lambda: not preview.winfo_exists(), what="preview closed")
    w.settle(0.3)
    assert win.view is intake and _no_dialog(w)  # the intake below neither left nor asked
    assert intake.name.get() == NAME


def test_closing_the_window_asks_and_the_draft_outlives_the_window(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    with window_driver(services, "", live_server.hall) as w:
        win = w.window
        w.login()
        intake = _intake(w)
        _fill(w, intake, enrolled_runtime)
        page_sha = intake.checklist.pages["M01"][0].sha256
        win.request_close()  # the window's ✕
        dialog = _dialog(w)
        assert "关闭窗口" in dialog.buttons["Return"].cget("text")
        w.key("BackSpace")
        w.pump(lambda: _no_dialog(w), what="question gone")
        assert not win.closed and win.view is intake
        win.request_close()
        _dialog(w)
        w.key("Return")  # keep the draft (saved first) and close
        w.wait_closed()
    # A new window on the same store (a restart): the clerk finds the draft on the home screen.
    with window_driver(services, "", live_server.hall) as w:
        home = w.login()
        w.pump(lambda: home.draft_list.rows, what="draft listed after the restart")
        _shift_key(w, "F2")
        intake = w.pump(lambda: w.window.view if isinstance(w.window.view, IntakeView) else None, what="intake")
        w.pump(lambda: intake.matter is not None, what="draft restored")
        _check_restored(intake, page_sha)
        assert enrolled_runtime.store.pages.read(page_sha)  # the page itself is still in the store


CRASHING_WINDOW = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from client.app import ClientConfig, build_runtime
    from client.services.auth import Clerk
    from client.ui.mainwindow import MainWindow

    data_dir, username, id_number, name, matter = sys.argv[1:6]
    runtime = build_runtime(ClientConfig(data_dir=Path(data_dir), demo=True, devices="none"))
    window = MainWindow(runtime.services)
    window.clerk = Clerk(username, "测试", "clerk", offline=True)
    window.show_intake()
    intake = window.view
    intake.id_number.insert(0, id_number)
    intake.name.insert(0, name)
    intake.search.insert(0, matter)
    intake.run_search()
    intake.choose_matter(0)
    intake.checklist.set_state("M02", "有误")
    intake.checklist.reasons["M02"].insert(0, "缺少经营者签字")
    print("typed", flush=True)
    window.run()  # until killed: no close, no dialog, no flush
    """
)


def test_a_killed_window_loses_nothing_typed(counter_window, enrolled_runtime, live_server, tmp_path):
    """A real crash: the window's process is killed (SIGKILL) half-way through an intake; the
    autosave had already put the draft in the store, and the next window offers it."""
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    data_dir = enrolled_runtime.store.path.parent

    def saved() -> IntakeSnapshot | None:
        found = services.drafts.drafts(clerk)
        if found:
            candidate = services.drafts.load(found[0].id, clerk)
            if candidate.materials and any(m.reason for m in candidate.materials):
                return candidate
        return None

    args = (str(data_dir), clerk.username, ID_NUMBER, NAME, CHANGE)
    kill_once_saved(CRASHING_WINDOW, args, saved, "the window never saved its draft")

    w = counter_window
    home = w.login()
    w.pump(lambda: home.draft_list.rows, what="draft listed after the crash")
    _shift_key(w, "F2")
    intake = w.pump(lambda: w.window.view if isinstance(w.window.view, IntakeView) else None, what="intake")
    w.pump(lambda: intake.matter is not None, what="draft restored")
    assert (intake.id_number.get(), intake.name.get(), intake.matter.code) == (ID_NUMBER, NAME, CHANGE)
    assert intake.checklist.states["M02"].get() == "有误"
    assert intake.checklist.reasons["M02"].get() == "缺少经营者签字"
    # F9 records the case (here a one-time notice) and the draft goes in the same transaction.
    w.pump(lambda: "将办理" in intake.verdict.verdict.cget("text") and not intake.busy, what="verdict")
    w.key("F9")
    w.pump(lambda: isinstance(w.window.view, ResultView), what="result view")
    assert services.drafts.drafts(clerk) == ()


def test_drafts_of_an_earlier_shift_stay_listed_until_the_clerk_acts(counter_window, enrolled_runtime, live_server):
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    last_night = DraftService(
        enrolled_runtime.store, services.intake.catalog, clock=lambda: dt.datetime.now() - dt.timedelta(hours=14)
    )
    old = last_night.new_id()
    last_night.save(
        old,
        clerk,
        IntakeSnapshot(name="昨日申请人", matter_code=CHANGE, materials=(MaterialSnapshot("M01", "received"),)),
    )

    w = counter_window
    win = w.window
    home = w.login()  # opens today's shift
    assert win.shift is not None
    w.pump(lambda: home.draft_list.rows, what="yesterday's draft listed")
    [row] = [home.draft_list.table.item(iid, "values") for iid in home.draft_list.table.get_children()]
    assert row[0] == "昨日申请人" and row[4] == "上一班次留下"
    assert "1件为上一班次留下" in home.draft_list.title.cget("text")
    w.screenshot("home-drafts-earlier-shift.png")
    win.root.geometry("1024x600")  # the smallest screen: the list still leaves room for the cases
    w.settle(0.5)
    assert home.draft_list.table.winfo_ismapped() and home.table.winfo_height() > 60
    w.screenshot("home-drafts-1024x600.png")
    win.root.geometry("1366x740")
    # Delete asks; Esc keeps it.
    home.draft_list.table.focus_force()
    w.settle(0.1)
    w.key("Delete")
    _dialog(w)
    w.key("Escape")
    w.pump(lambda: _no_dialog(w), what="question gone")
    w.settle(0.3)
    assert [d.id for d in services.drafts.drafts(clerk)] == [old]
    # A supervisor logging in on this machine sees none of the clerk's drafts.
    win.log_out()
    supervisor_home = w.login(live_server.hall.supervisor)
    assert supervisor_home is not home  # views are built again for another clerk
    w.settle(0.5)
    assert not supervisor_home.draft_list.rows and not supervisor_home.draft_list.winfo_ismapped()
    # Back as the clerk: Delete and Enter give it up.
    win.log_out()
    home = w.login()
    w.pump(lambda: home.draft_list.rows, what="draft listed again")
    home.draft_list.table.focus_force()
    w.settle(0.1)
    w.key("Delete")
    _dialog(w)
    w.key("Return")
    w.pump(lambda: not home.draft_list.winfo_ismapped(), what="draft given up")
    assert services.drafts.drafts(clerk) == ()


def test_home_and_intake_are_built_once_per_login(counter_window, live_server):
    """Switching screens shows the views built at login again (reset for a new intake); another
    clerk gets views of their own. Prints the key-to-idle time of F2 built and reused."""
    w = counter_window
    win = w.window
    home = w.login()

    def f2_to_idle() -> float:
        start = time.perf_counter()
        w.key("F2")
        win.root.update_idletasks()
        win.root.update()
        return time.perf_counter() - start

    # The intake screen is built while the clerk looks at the home screen, before the first F2.
    w.pump(lambda: IntakeView in win.built, what="intake screen built in advance")
    built = win.built[IntakeView]
    w.settle(0.2)
    focus = win.root.focus_get()
    assert focus is not None and str(focus).startswith(str(home))  # building it took no focus from home
    first = f2_to_idle()
    intake = win.view
    assert intake is built
    assert isinstance(intake, IntakeView)
    w.type(intake.name, NAME)
    w.press(intake.name, "Escape")
    _dialog(w)
    w.key("Escape")  # give it up
    assert _home(w) is home
    w.pump(lambda: _no_dialog(w), what="question gone")
    again = f2_to_idle()
    assert win.view is intake and intake.name.get() == "" and intake.matter is None
    print(f"F2 to idle: first (built in advance) {first * 1000:.0f} ms, again {again * 1000:.0f} ms")
    # The case detail and other screens are still built per show, and the home screen comes back.
    w.key("Escape")
    assert _home(w) is home
    win.log_out()
    other = w.login(live_server.hall.supervisor)
    assert other is not home and not home.winfo_exists()
    w.key("F2")
    assert isinstance(win.view, IntakeView) and win.view is not intake and not intake.winfo_exists()
