"""Every screen fits a 1366×768 laptop (the village station's and the bus's) and still works in
the smallest window the program allows, 1024×600 (a netbook at a village station): no widget
lies outside the window, none is squeezed or covers another, the status bar (sync, devices,
省电模式) stays on screen, and what does not fit (the materials) is reached by scrolling.
Screenshots: docs/screenshots/small-<screen>.png."""

from __future__ import annotations

import tkinter as tk
import tkinter.ttk as ttk

import customtkinter as ctk

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui import theme
from client.ui.detail import CaseDetailView
from client.ui.diagnostics import DiagnosticsView
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.outreach import OutreachView
from client.ui.result import ResultView
from client.ui.settings import SettingsView
from client.ui.shift import ShiftCloseView, ShiftOpenView
from client.ui.supervisor import SupervisorView
from client.ui.supplement import SupplementView

SCREEN = (1366, 768)


def outside(root) -> list[str]:
    """Mapped widgets reaching past the window's edges. Content scrolled inside a canvas
    (a scrollable frame) may lie beyond the visible part, so it is not counted."""
    width, height = root.winfo_width(), root.winfo_height()
    left, top = root.winfo_rootx(), root.winfo_rooty()
    found = []

    def walk(widget, scrolled: bool) -> None:
        for child in widget.winfo_children():
            if isinstance(child, tk.Toplevel) or not child.winfo_ismapped():
                continue
            x, y = child.winfo_rootx() - left, child.winfo_rooty() - top
            w, h = child.winfo_width(), child.winfo_height()
            if not scrolled and (x < -1 or y < -1 or x + w > width + 1 or y + h > height + 1):
                found.append(f"{child} ({child.winfo_class()}) at {x},{y} size {w}x{h}")
            elif not scrolled and isinstance(child, ctk.CTkButton) and w + 2 < child.winfo_reqwidth():
                found.append(f"{child} «{child.cget('text')}» squeezed to {w} of {child.winfo_reqwidth()} px")
            walk(child, scrolled or isinstance(child, tk.Canvas))

    walk(root, False)
    return found


def check(driver, name: str) -> None:
    win = driver.window
    driver.settle(0.4)
    root = win.root
    assert root.winfo_rooty() + root.winfo_height() <= SCREEN[1] and root.winfo_width() <= SCREEN[0], name
    assert outside(root) == [], name
    badge = win.sync_badge
    assert badge.winfo_ismapped() and badge.winfo_height() > 10, f"{name}: status bar squeezed out"
    assert badge.winfo_rooty() + badge.winfo_height() <= root.winfo_rooty() + root.winfo_height() + 1, name


def _submitted(services, clerk, all_received: bool):
    """A case of 王秀英's for 个体工商户设立登记, accepted or (only the first material) a one-time notice."""
    matter = services.intake.matter("370702-XK-0001")
    codes = [m.code for m in matter.materials_for({})] if all_received else ["M01"]
    applicant = Applicant("王秀英", "身份证", "11010519491231002X")
    return services.intake.submit(
        IntakeDraft(applicant, matter.code, tuple(MaterialInput(c, received=True) for c in codes)), clerk
    )


def _wait_view(driver, kind):
    return driver.pump(lambda: driver.window.view if isinstance(driver.window.view, kind) else None, what=kind.__name__)


def test_every_screen_fits_1366_by_768(counter_window, enrolled_runtime):
    w, win = counter_window, counter_window.window
    assert (win.root.winfo_screenwidth(), win.root.winfo_screenheight()) == SCREEN
    check(w, "login")
    w.login(w.hall.supervisor)
    check(w, "home")

    services = enrolled_runtime.services
    clerk = win.clerk
    missing = _submitted(services, clerk, all_received=False)  # a one-time notice, for 补正

    w.key("F2")
    intake = _wait_view(w, IntakeView)
    w.type(intake.search, "个体")
    w.press(intake.search, "Return")
    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text"), what="verdict")
    check(w, "intake")
    w.key("F10")
    check(w, "intake with refusal")

    accepted = _submitted(services, clerk, all_received=True)
    win.show_result(accepted)
    result = _wait_view(w, ResultView)
    w.pump(lambda: result.previews.winfo_children(), what="previews")
    check(w, "result")

    win.show_case(missing.case_id)
    w.pump(lambda: isinstance(win.view, CaseDetailView) and win.view.detail, what="detail")
    check(w, "detail")
    win.show_supplement(missing.case_id)
    _wait_view(w, SupplementView)
    check(w, "supplement")
    win.show_settings()
    _wait_view(w, SettingsView)
    check(w, "settings")
    win.show_diagnostics()
    _wait_view(w, DiagnosticsView)
    check(w, "diagnostics")
    win.show_supervisor()
    _wait_view(w, SupervisorView)
    check(w, "supervisor")
    win.show_home()
    _wait_view(w, HomeView)
    win.lock()
    check(w, "locked")


SMALL = (1024, 600)
# Composite CTk widgets draw their parts overlapping on purpose; only a container's own children are compared.
CONTAINERS = (ctk.CTkFrame, ctk.CTkScrollableFrame, ctk.CTk, ctk.CTkToplevel, tk.Frame)
COMPOSITES = (
    ctk.CTkButton,
    ctk.CTkEntry,
    ctk.CTkLabel,
    ctk.CTkSegmentedButton,
    ctk.CTkSwitch,
    ctk.CTkCheckBox,
    ctk.CTkOptionMenu,
    ctk.CTkTextbox,
    ctk.CTkScrollbar,
)


def _box(widget) -> tuple[int, int, int, int]:
    x, y = widget.winfo_rootx(), widget.winfo_rooty()
    return x, y, x + widget.winfo_width(), y + widget.winfo_height()


def _name(widget) -> str:
    try:
        text = widget.cget("text")
    except (tk.TclError, ValueError):
        text = ""
    return f"{widget.winfo_class()} «{text}»" if text else f"{widget}"


def cramped(root) -> list[str]:
    """What a clerk could not read or reach in the window as it is now: a button or label given
    less room than its text needs, siblings drawn over each other, and content of a scrolled
    frame cut off at its right edge (a scrolled frame scrolls up and down only)."""
    found = []

    def squeezed(widget) -> str:
        if not isinstance(widget, (ctk.CTkButton, ctk.CTkLabel, ctk.CTkSegmentedButton, ctk.CTkSwitch, ctk.CTkEntry)):
            return ""
        w, h = widget.winfo_width(), widget.winfo_height()
        if w + 2 < widget.winfo_reqwidth() or h + 2 < widget.winfo_reqheight():
            return f"{_name(widget)} squeezed to {w}x{h} of {widget.winfo_reqwidth()}x{widget.winfo_reqheight()}"
        return ""

    def walk(widget, view: tuple[int, int, int, int] | None) -> None:
        children = [
            c
            for c in widget.winfo_children()
            if not isinstance(c, tk.Toplevel) and c.winfo_ismapped() and c.winfo_manager() in ("pack", "grid")
        ]
        if isinstance(widget, CONTAINERS) and not isinstance(widget, COMPOSITES):
            right = _box(widget)[2]
            found.extend(f"{_name(c)} cut off at the right of {widget}" for c in children if _box(c)[2] > right + 1)
            boxes = [(c, _box(c)) for c in children]
            for i, (a, ba) in enumerate(boxes):
                for b, bb in boxes[i + 1 :]:
                    if min(ba[2], bb[2]) - max(ba[0], bb[0]) > 1 and min(ba[3], bb[3]) - max(ba[1], bb[1]) > 1:
                        found.append(f"{_name(a)} overlaps {_name(b)}")
        for child in widget.winfo_children():
            if isinstance(child, tk.Toplevel) or not child.winfo_ismapped():
                continue
            if isinstance(child, ttk.Treeview):
                shown = [c for c in child["displaycolumns"] if c != "#all"] or child["columns"]
                columns = sum(int(child.column(c, "width")) for c in shown)
                if columns > child.winfo_width() + 2:
                    found.append(f"table {child} shows {child.winfo_width()} of its {columns} px of columns")
            problem = squeezed(child)
            if problem:
                found.append(problem)
            inner = view
            if isinstance(child, tk.Canvas) and child.winfo_children():  # a scrolled frame's viewport
                inner = _box(child)
            elif view is not None and _box(child)[2] > view[2] + 1:
                found.append(f"{_name(child)} cut off at the right of its scrolled frame")
                continue
            if not isinstance(child, COMPOSITES):
                walk(child, inner)

    walk(root, None)
    return found


def in_view(widget) -> bool:
    """True when `widget` is wholly inside every scrolled frame around it and inside the window."""
    box = _box(widget)
    parent = widget.master
    while parent is not None:
        if isinstance(parent, tk.Canvas) or parent is widget.winfo_toplevel():
            px0, py0, px1, py1 = _box(parent)
            if box[0] < px0 - 1 or box[1] < py0 - 1 or box[2] > px1 + 1 or box[3] > py1 + 1:
                return False
        parent = parent.master
    return widget.winfo_ismapped()


def scrolled_into_view(driver, widget) -> bool:
    """Scroll the scrolled frame holding `widget` until it shows, as the mouse wheel or the
    focus moving there would, and say whether it then lies wholly in view."""
    canvas = widget.master
    while canvas is not None and not isinstance(canvas, tk.Canvas):
        canvas = canvas.master
    if canvas is None:
        return in_view(widget)
    driver.window.root.update()
    top = canvas.canvasy(0)
    total = float(canvas.bbox("all")[3]) or 1.0
    y = widget.winfo_rooty() - canvas.winfo_rooty() + top
    canvas.yview_moveto(max(0.0, y - 10) / total)
    driver.settle(0.1)
    return in_view(widget)


def check_small(driver, name: str, *key_widgets, centred: bool = False) -> list[str]:
    """The window at 1024×600: nothing outside it, nothing cramped, each key widget in view.
    Returns what is wrong, so one run reports every screen."""
    win = driver.window
    root = win.root
    driver.settle(0.4)
    driver.screenshot(f"small-{name}.png")
    found = (
        [f"window is {root.winfo_width()}x{root.winfo_height()}"]
        if (
            root.winfo_width(),
            root.winfo_height(),
        )
        != SMALL
        else []
    )
    found += outside(root) + cramped(root)
    if not (win.sync_badge.winfo_ismapped() and in_view(win.sync_badge)):
        found.append("status bar squeezed out")
    found += [f"{_name(widget)} not wholly in view" for widget in key_widgets if not in_view(widget)]
    view = win.view
    if view is not None and not centred:  # content starts the same distance from the window's edge
        edges = [c.winfo_rootx() - root.winfo_rootx() for c in view.winfo_children() if c.winfo_ismapped()]
        if edges and abs(min(edges) - theme.EDGE) > 1:
            found.append(f"content starts {min(edges)} px from the window's edge, not {theme.EDGE}")
    return [f"{name}: {problem}" for problem in found]


def test_every_screen_works_at_1024_by_600(counter_window, enrolled_runtime, live_server):
    w, win = counter_window, counter_window.window
    root = win.root
    problems: list[str] = []
    assert (
        tuple(root.tk.call("wm", "minsize", root._w)) == SMALL
    )  # the window cannot be made smaller than what is checked here
    root.geometry("{}x{}".format(*SMALL))
    w.settle(0.3)
    root.geometry("800x480")  # below the minimum: the window stays at the minimum
    w.settle(0.3)
    assert (root.winfo_width(), root.winfo_height()) == SMALL
    problems += check_small(w, "login", win.view.username, win.view.password, win.view.submit, centred=True)

    login = win.view
    w.type(login.username, live_server.clerk)
    w.type(login.password, "123456")
    w.press(login.password, "Return")
    opening = w.pump(lambda: win.view if isinstance(win.view, ShiftOpenView) else None, what="开班")
    w.pump(lambda: opening.winfo_viewable(), what="shift view shown")
    problems += check_small(w, "shift-open", opening.window, opening.submit, centred=True)
    if not opening.window.get():
        w.type(opening.window, "3")
    w.press(opening.window, "Return")
    home = _wait_view(w, HomeView)
    w.pump(lambda: not home.busy, what="home filled")
    problems += check_small(w, "home", home.new_button, home.query, home.table)

    services = enrolled_runtime.services
    clerk = win.current_clerk
    missing = _submitted(services, clerk, all_received=False)  # a one-time notice, for 补正

    w.key("F2")
    intake = _wait_view(w, IntakeView)
    w.type(intake.id_number, "34052419800101001X")
    w.pump(lambda: not intake.busy, what="applicant looked up")
    w.type(intake.search, "企业设立登记")
    w.press(intake.search, "Return")
    assert intake.matter is not None and intake.matter.code == "370702-XK-0007"  # seven materials
    w.pump(lambda: intake.verdict.verdict.cget("text") and not intake.busy, what="verdict")
    problems += check_small(w, "intake", intake.card_button, intake.id_number, intake.search, intake.accept_button)
    rows = [intake.checklist.reasons[code].master for code in intake.checklist.specs]
    assert len(rows) >= 5  # more than fit beside the applicant at 600 px
    for row in rows:  # every material row can be brought into view and is then wholly visible
        if not scrolled_into_view(w, row):
            problems.append(f"intake: material row {row} not reachable by scrolling")
    # The keyboard reaches what lies below the applicant column's visible part: the agent's fields.
    intake.applicant.toggle_agent()  # opens them and puts the cursor in the agent's ID field
    w.settle(0.3)
    if not in_view(intake.applicant.agent_id):
        problems.append("intake: the agent's ID field has the focus but is not scrolled into view")
    intake.applicant.toggle_agent()
    intake.id_number.focus_set()
    w.settle(0.2)
    if not in_view(intake.id_number):
        problems.append("intake: back in the ID field, it is not scrolled into view")
    w.key("F10")
    w.settle(0.3)
    problems += [f"intake with the refusal list: {p}" for p in cramped(root)]
    if not in_view(intake.accept_button):
        problems.append("intake with the refusal list: F9 out of view")
    w.key("F10")

    accepted = _submitted(services, clerk, all_received=True)
    win.show_result(accepted)
    result = _wait_view(w, ResultView)
    w.pump(lambda: result.previews.winfo_children(), what="previews")
    problems += check_small(w, "result", result.home_button)

    win.show_case(missing.case_id)
    detail = w.pump(lambda: isinstance(win.view, CaseDetailView) and win.view.detail and win.view, what="detail")
    problems += check_small(w, "detail", detail.reprint_button)
    win.show_supplement(missing.case_id)
    supplement = w.pump(lambda: isinstance(win.view, SupplementView) and win.view.form and win.view, what="补正")
    problems += check_small(w, "supplement", supplement.submit_button)
    win.show_settings()
    settings = _wait_view(w, SettingsView)
    problems += check_small(w, "settings", settings.save_button)
    win.show_diagnostics()
    _wait_view(w, DiagnosticsView)
    problems += check_small(w, "diagnostics")
    win.show_outreach()
    outreach = _wait_view(w, OutreachView)
    problems += check_small(w, "outreach", outreach.load_button)
    win.show_home()
    home = _wait_view(w, HomeView)
    w.pump(lambda: home.table.get_children() and not home.busy, what="the cases listed")
    problems += check_small(w, "home", home.new_button, home.query, home.table)  # now with its cases
    win.show_shift_close()
    closing = _wait_view(w, ShiftCloseView)
    w.pump(lambda: closing.confirm.cget("state") == "normal", what="shift summary")
    problems += check_small(w, "shift-close", closing.confirm, closing.back)
    w.key("Escape")
    _wait_view(w, HomeView)

    win.log_out()
    w.login(live_server.hall.supervisor)
    _wait_view(w, HomeView)
    w.key("F9")
    _wait_view(w, SupervisorView)
    w.pump(lambda: not win.view.busy, what="supervisor figures")
    problems += check_small(w, "supervisor")
    assert problems == [], "\n".join(problems)
