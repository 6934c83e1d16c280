"""Every screen fits a 1366×768 laptop (the village station's and the bus's): no widget lies
outside the window, and the status bar (sync, devices, 省电模式) stays on screen."""

from __future__ import annotations

import tkinter as tk

import customtkinter as ctk

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui.detail import CaseDetailView
from client.ui.diagnostics import DiagnosticsView
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.result import ResultView
from client.ui.settings import SettingsView
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
    matter = services.intake.matter("370702-XK-0001")
    applicant = Applicant("王秀英", "身份证", "11010519491231002X")
    missing = services.intake.submit(IntakeDraft(applicant, matter.code, (MaterialInput("M01", received=True),)), clerk)

    w.key("F2")
    intake = _wait_view(w, IntakeView)
    w.type(intake.search, "个体")
    w.press(intake.search, "Return")
    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text"), what="verdict")
    check(w, "intake")
    w.key("F10")
    check(w, "intake with refusal")

    accepted = services.intake.submit(
        IntakeDraft(
            applicant, matter.code, tuple(MaterialInput(m.code, received=True) for m in matter.materials_for({}))
        ),
        clerk,
    )
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
