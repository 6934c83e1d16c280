"""Every control of the counter from the keyboard, with the focus visible (issue #15, point 2).

Keys are delivered where the focus is (WindowDriver.key), never to a widget picked by the
test, so each step also proves that the focus went where the next key belongs."""

from __future__ import annotations

from PIL import Image

from client.domain.decisions import REFUSAL_REASONS
from client.domain.identity import ORGANISATION, PERSON, Applicant
from client.ui.checklist import FAULTY, PLEDGE, RECEIVED
from client.ui.detail import CaseDetailView
from client.ui.focus import FOCUS_COLOR, ROW_HIGHLIGHT
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.login import LoginView
from client.ui.result import ResultView
from sync.server import admin
from tests.support.cases import taken_in


def _focus(w):
    return w.window.root.focus_get()


def _inside(w, widget) -> bool:
    """The focus is on `widget` or on a window inside it (a CTk entry focuses its inner Tk entry)."""
    focused = _focus(w)
    return focused is not None and (focused is widget or str(focused).startswith(f"{widget}."))


def _open_intake(w):
    win = w.window
    w.key("F2")  # on home: a new intake
    return w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")


def _typed(w, text):
    """Type like a keyboard: a key press per character where the focus is (ASCII only)."""
    for ch in text:  # a character, or a key's name in a list
        keysym = "space" if ch == " " else ch
        w.key(keysym)
        _focus(w).event_generate(f"<KeyRelease-{keysym}>")
    w.window.root.update()


def test_intake_fields_situations_and_materials_by_keys(tmp_path, counter_window, enrolled_runtime):
    w = counter_window
    w.login()
    intake = _open_intake(w)
    panel = intake.applicant
    w.pump(lambda: _inside(w, intake.id_number), what="the cursor in the ID field")

    # F2 switches 个人/单位 and the cursor stays in the number field either way.
    w.key("F2")
    assert panel.kind == ORGANISATION and _inside(w, intake.id_number)
    w.key("F2")
    assert panel.kind == PERSON and _inside(w, intake.id_number)

    # Ctrl+A selects the whole entry (Tk's own Ctrl+A only goes to the start of the line).
    _typed(w, "110105")
    _focus(w).event_generate("<Control-a>")
    assert _focus(w).selection_get() == "110105"
    _typed(w, ["BackSpace"])  # replaces the selection: the field is empty again
    assert intake.id_number.get() == "" and intake.id_status.cget("text") == ""
    assert intake.id_number.cget("border_color") == FOCUS_COLOR  # the entry with the cursor shows the ring

    # F4: the search with all its text selected, so the next keys replace it.
    w.type(intake.search, "xyz")
    w.press(intake.phone, "F4")
    assert _inside(w, intake.search) and _focus(w).selection_get() == "xyz"
    # Shift+Tab from the search: the 帮办代办 switch, ringed; Space flips it (as F6 does anywhere).
    _focus(w).event_generate("<Shift-KeyPress-Tab>")
    w.window.root.update()
    assert _focus(w) is intake.proxy_switch and intake.proxy_switch.cget("border_color") == FOCUS_COLOR
    w.key("space")
    assert intake.proxy and intake.proxy_switch.get()
    w.key("space")
    assert not intake.proxy and not intake.proxy_switch.get()
    w.pump(lambda: not intake.busy, what="proxy agent looked up")
    w.key("F4")
    _typed(w, "zdshbz")  # 最低生活保障, by pinyin initials, replacing the selection
    assert intake.search.get() == "zdshbz"
    assert intake.matters and intake.matters[0].name == "最低生活保障申请"
    w.key("Return")
    assert intake.matter is not None and intake.matter.name == "最低生活保障申请"

    # Enter on a matter goes to its first situation question: digits pick, the ring shows.
    question = intake.answer_buttons["S04"]
    assert _focus(w) is question and question.cget("fg_color") == FOCUS_COLOR
    wage = next(s for s in intake.matter.situations if s.code == "S04")
    w.key("2")
    assert question.get() == wage.options[1].label and intake.answers["S04"] == wage.options[1].code
    w.key("1")
    assert question.get() == wage.options[0].label and intake.answers["S04"] == wage.options[0].code
    w.key("2")
    assert intake.answers["S04"] == wage.options[1].code
    # Down past the last question enters the materials; the first row is highlighted.
    checklist = intake.checklist
    for _ in intake.answer_buttons:
        w.key("Down")
    w.settle(0.1)
    first, second, *rest = list(checklist.rows)
    assert checklist.focused_code() == first
    assert checklist.rows[first].cget("fg_color") == ROW_HIGHLIGHT
    assert question.cget("fg_color") != FOCUS_COLOR  # the ring left with the focus

    # 1–5 set the state; Up/Down move; 有误 goes to the problem field and Enter goes on.
    w.key("1")
    assert checklist.states[first].get() == RECEIVED
    w.key("Down")
    assert checklist.focused_code() == second
    w.settle(0.1)
    assert checklist.rows[first].cget("fg_color") == "transparent"
    assert checklist.rows[second].cget("fg_color") == ROW_HIGHLIGHT
    w.key("3")
    assert checklist.states[second].get() == FAULTY and _inside(w, checklist.reasons[second])
    _typed(w, "no signature")
    w.key("Return")
    assert checklist.focused_code() == rest[0]
    assert checklist.reasons[second].get() == "no signature"

    # A state the row does not offer gets a hint and changes nothing.
    plain = next(code for code in checklist.rows if PLEDGE not in checklist.offered(code))
    while checklist.focused_code() != plain:
        w.key(
            "Up" if list(checklist.rows).index(plain) < list(checklist.rows).index(checklist.focused_code()) else "Down"
        )
    before = checklist.states[plain].get()
    w.key("4")
    assert checklist.states[plain].get() == before
    assert "不能选“承诺”" in intake.message.cget("text")
    pledgeable = [code for code in checklist.rows if PLEDGE in checklist.offered(code)]
    if pledgeable:
        checklist.focus_row(pledgeable[0])
        w.settle(0.1)
        w.key("4")
        assert checklist.states[pledgeable[0]].get() == PLEDGE

    # S scans with the document camera, I imports a file, both for the row with the focus.
    w.key("Home")
    assert checklist.focused_code() == first
    enrolled_runtime.hardware.scanner.feed("text")
    w.key("s")
    w.pump(lambda: checklist.pages[first], what="scanned by S")
    assert checklist.page_labels[first].cget("text") == "已扫描 1 页"
    page = tmp_path / "page.png"
    Image.new("RGB", (600, 800), (240, 240, 255)).save(page)
    intake.ask_files = lambda: [str(page)]
    w.key("Down")
    w.key("i")
    w.pump(lambda: checklist.pages[second], what="imported by I")
    assert checklist.states[second].get() == FAULTY  # a page does not overwrite a recorded problem

    # End: the last row, scrolled into view in the scrolling list.
    w.key("End")
    w.settle(0.3)
    last = list(checklist.rows)[-1]
    assert checklist.focused_code() == last
    row = checklist.rows[last]
    top, bottom = checklist._parent_canvas.yview()
    height = checklist.winfo_height()
    assert top * height - 1 <= row.winfo_y() and row.winfo_y() + row.winfo_height() <= bottom * height + 1
    w.key("Up")
    w.settle(0.2)
    w.screenshot("intake-keyboard-materials.png")


def test_refusal_chosen_by_keyboard(counter_window):
    w = counter_window
    win = w.window
    w.login()
    intake = _open_intake(w)
    w.type(intake.id_number, "34052419800101001X")
    w.pump(lambda: not intake.busy, what="applicant looked up")
    if not intake.name.get():
        w.type(intake.name, "李建国")
    w.key("F4")
    _typed(w, "gtgsh")
    w.key("Return")
    assert intake.matter is not None and intake.matter.name == "个体工商户设立登记"
    first = next(iter(intake.checklist.rows))
    assert intake.checklist.focused_code() == first  # no situation to ask: straight to the materials
    # Tab from the matter column also reaches the materials: search, the list of matters, the first row.
    w.key("F4")
    w.key("Tab")
    assert _focus(w) is intake.results
    w.key("Tab")
    assert intake.checklist.focused_code() == first

    # F10 opens the numbered reasons with the focus on them; F10 again takes the refusal back.
    verdict = intake.verdict
    w.key("F10")
    assert verdict.refusing and _focus(w) is verdict.reasons and verdict.refusal_box.winfo_ismapped()
    assert verdict.refusal_key() == next(iter(REFUSAL_REASONS))
    w.key("F10")
    assert not verdict.refusing and verdict.refusal_key() == "" and not verdict.refusal_box.winfo_ismapped()
    w.key("F10")

    # Down and digits choose; "not competent" then needs the competent office, reached by Tab.
    w.key("Down")
    assert verdict.refusal_key() == list(REFUSAL_REASONS)[1] == "not_competent"
    w.pump(lambda: "须告知申请人向哪个机关申请" in verdict.verdict.cget("text"), what="office missing")
    w.key("5")
    assert verdict.refusal_key() == "other"
    w.key("2")
    assert verdict.refusal_key() == "not_competent"
    w.key("Tab")
    assert _inside(w, verdict.competent)
    verdict.competent.insert("end", "潍坊市市场监督管理局")  # Chinese comes from the input method
    w.key("End")
    _focus(w).event_generate("<KeyRelease-End>")
    w.key("Tab")
    assert _inside(w, verdict.refusal_text)
    w.pump(
        lambda: verdict.verdict.cget("text") == "将办理：不予受理" and "本机关职权范围" in verdict.detail.cget("text"),
        what="refusal verdict",
    )
    assert verdict.refusal_key() == "not_competent"  # typing beside the list kept the reason chosen
    w.pump(lambda: not intake.busy, what="verdict settled")
    w.screenshot("intake-refusal-keyboard.png")
    w.key("F9")
    result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result")
    assert result.result.outcome == "refuse"
    w.key("Return")  # back home, from the focused 返回首页 button
    w.pump(lambda: isinstance(win.view, HomeView), what="home")


def test_home_enter_opens_the_case_and_f8_goes_to_the_hand_over(counter_window, enrolled_runtime, live_server):
    from devices.virtual import SAMPLE_CARDS

    # A case approved by the back office, waiting for its result to be handed over.
    card = SAMPLE_CARDS[1]
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    cases = []
    for code in ("370702-XK-0001", "370702-GG-0025"):  # two cases of one applicant
        cases.append(taken_in(services, clerk, code, Applicant(card.name, "身份证", card.id_number)))
    assert services.sync.sync_now().error == ""
    for case in cases:
        admin.decide(live_server.db_url, case.case_no, "approve", by=live_server.hall.approver)
    assert services.sync.sync_now().error == ""

    w = counter_window
    win = w.window
    home = w.login()
    w.pump(lambda: home.rows, what="cases listed")
    w.key("F6")
    assert _inside(w, home.query)
    _typed(w, card.id_number)
    w.pump(lambda: home.listed_query == card.id_number and len(home.rows) == 2, what="the list follows the typing")
    # Down moves the highlight while the cursor stays in the search; Enter opens the highlighted case.
    first, second = home.table.get_children()
    assert home.table.selection() == (first,)
    w.key("Down")
    assert home.table.selection() == (second,) and _inside(w, home.query)
    w.key("Return")
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.recipient_id is not None else None,
        what="the case with its 出件 form",
    )
    assert detail.case_id == home.rows[second] and detail.case_id in {c.case_id for c in cases}
    w.key("F8")
    assert _inside(w, detail.recipient_id)


def test_lock_screen_buttons_and_switch_user_by_key(counter_window):
    w = counter_window
    win = w.window
    w.login()
    win.lock()
    overlay = w.pump(lambda: win.overlay, what="lock overlay")
    w.pump(lambda: _inside(w, overlay.password), what="password focused")
    # Tab reaches both buttons, each with a visible ring while it has the focus.
    w.key("Tab")
    assert _inside(w, overlay.unlock_button) and overlay.unlock_button.cget("border_color") == FOCUS_COLOR
    w.key("Tab")
    assert _inside(w, overlay.switch_button) and overlay.switch_button.cget("border_color") == FOCUS_COLOR
    assert overlay.unlock_button.cget("border_color") != FOCUS_COLOR
    w.screenshot("lock-keyboard.png")
    w.key("Tab")
    w.key("F2")  # 切换用户 by key, wherever the focus is on the lock screen
    w.pump(lambda: isinstance(win.view, LoginView) and win.overlay is None, what="login after 切换用户")
    assert win.clerk is None
