"""Screens are built once per login and reused: the same view object comes back on every
switch, emptied of what it showed before, so a case's detail never shows another case's data."""

from __future__ import annotations

import tkinter as tk

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui.detail import CaseDetailView
from client.ui.diagnostics import DiagnosticsView
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.settings import SettingsView
from client.ui.supervisor import SupervisorView
from tests.ui.conftest import WindowDriver

FIRST = Applicant("李建国", "身份证", "34052419800101001X")
SECOND = Applicant("王秀英", "身份证", "11010519491231002X")


def _two_cases(runtime, username: str):
    """Two accepted cases of two different applicants, taken in through the services."""
    services = runtime.services
    clerk = services.auth.login(username, "123456")
    matter = services.intake.matter("370702-XK-0001")
    materials = tuple(MaterialInput(m.code, True) for m in matter.materials)
    return tuple(services.intake.submit(IntakeDraft(a, matter.code, materials), clerk) for a in (FIRST, SECOND))


def _shown_text(view: tk.Misc) -> str:
    """Every text the view shows: labels, buttons and what the entries hold."""
    texts = []
    for child in view.winfo_children():
        try:
            texts.append(str(child.cget("text")))
        except Exception:  # a frame or canvas has no text
            pass
        if isinstance(child, tk.Entry):
            texts.append(child.get())
        texts.append(_shown_text(child))
    return "\n".join(t for t in texts if t)


def _pump_never_showing(w: WindowDriver, view: tk.Misc, stale: tuple[str, ...], until, what: str):
    """Pump until `until()`, checking after every Tk update that nothing of `stale` is on screen."""
    seen_frames = 0

    def check():
        nonlocal seen_frames
        seen_frames += 1
        shown = _shown_text(view)
        for text in stale:
            assert text not in shown, f"{text!r} of the case before is on screen"
        return until()

    result = w.pump(check, what=what)
    assert seen_frames >= 1
    return result


def test_reused_detail_shows_only_the_new_case(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    first, second = _two_cases(enrolled_runtime, w.hall.clerk)
    home = w.login()
    w.pump(lambda: len(home.table.get_children()) >= 2 and not home.busy, what="both cases listed")

    win.show_case(first.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="first case"
    )
    assert FIRST.name in _shown_text(detail) and first.case_no_display in _shown_text(detail)

    w.key("Escape")
    w.pump(lambda: isinstance(win.view, HomeView), what="home")
    win.show_case(second.case_id)
    # The same view, emptied before it is shown: not one frame with the first case's facts.
    assert win.view is detail and detail.detail is None and detail.case_id == second.case_id
    assert FIRST.name not in _shown_text(detail) and first.case_no_display not in _shown_text(detail)
    _pump_never_showing(
        w,
        detail,
        (FIRST.name, first.case_no_display),
        lambda: detail.detail is not None and not detail.busy,
        "second case",
    )
    assert detail.detail.summary.case_no == second.case_no
    shown = _shown_text(detail)
    assert SECOND.name in shown and second.case_no_display in shown

    # A late answer for the case before is dropped: open the first, at once the second.
    detail.open(first.case_id)
    detail.open(second.case_id)
    _pump_never_showing(
        w,
        detail,
        (FIRST.name, first.case_no_display),
        lambda: detail.detail is not None and not detail.busy,
        "second case again",
    )
    w.settle(0.3)
    assert detail.detail.summary.case_no == second.case_no
    assert FIRST.name not in _shown_text(detail)
    w.screenshot("detail-reused.png")


def _key_alone(w: WindowDriver, keysym: str) -> None:
    """A key where the focus is, without letting Tk run anything else yet (no answer can come in)."""
    root = w.window.root
    (root.focus_get() or root).event_generate(f"<KeyPress-{keysym}>")


def test_screens_are_reused_across_switches(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    first, _second = _two_cases(enrolled_runtime, w.hall.supervisor)
    home = w.login(w.hall.supervisor)
    # The intake is built while home sits idle, so even the first F2 opens at once.
    w.pump(win._intake_built, timeout=30, what="intake built ahead")
    intake = win.built[IntakeView]
    w.key("F2")
    assert w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake") is intake
    w.key("Escape")
    assert w.pump(lambda: win.view if isinstance(win.view, HomeView) else None, what="home") is home

    seen: dict[type, object] = {}
    for key, kind, ready, shot in (
        ("F9", SupervisorView, lambda v: v.overview is not None, "supervisor-reused.png"),
        ("F11", DiagnosticsView, lambda v: bool(v.checks), "diagnostics-reused.png"),
        ("F12", SettingsView, lambda v: bool(v.server.get()), "settings-reused.png"),
    ):
        for visit in range(2):
            w.pump(lambda: isinstance(win.view, HomeView) and not win.view.busy, what="home idle")
            _key_alone(w, key)
            view = win.view
            assert isinstance(view, kind)
            if visit:
                assert view is seen[kind], f"{kind.__name__} built again"
                # Shown emptied: the last visit's figures or checks are not there while new ones come.
                assert not ready(view), f"{kind.__name__} shows the last visit's data"
            seen[kind] = view
            w.pump(lambda view=view, ready=ready: ready(view) and not view.busy, what=kind.__name__)
            if visit:
                w.screenshot(shot)  # the reused screen, refilled
            w.key("Escape")
            assert w.pump(lambda: win.view if isinstance(win.view, HomeView) else None, what="home") is home

    # What was typed and left unsaved is gone on the next visit; Ctrl+S at home saves nothing.
    settings = seen[SettingsView]
    assert isinstance(settings, SettingsView)
    w.key("F12")
    w.pump(lambda: settings.font_size.get() and not settings.busy, what="settings")
    settings.font_size.delete(0, "end")
    w.type(settings.font_size, "99")  # typed, never saved
    w.key("Escape")
    w.pump(lambda: isinstance(win.view, HomeView), what="home")
    root = win.root
    (root.focus_get() or root).event_generate("<Control-s>")
    w.settle(0.3)
    assert win.services.preferences.load().font_size != 99
    win.show_settings()
    assert settings.font_size.get() == ""
    w.pump(lambda: settings.font_size.get() and not settings.busy, what="settings again")
    assert settings.font_size.get() == str(win.services.preferences.load().font_size) != "99"
    w.key("Escape")

    details = set()
    for _ in range(2):
        w.pump(lambda: isinstance(win.view, HomeView) and not win.view.busy, what="home idle")
        win.show_case(first.case_id)
        details.add(id(win.view))
        w.pump(lambda: isinstance(win.view, CaseDetailView) and win.view.detail, what="detail")
        w.key("Escape")
    assert len(details) == 1
