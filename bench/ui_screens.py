"""Key-to-idle time of every screen switch, measured through the real window on a virtual display.

A switch starts when the key is delivered where the focus is (F2, Esc, Enter, F9, F11, F12) and
ends when the new screen is on, its own work off the Tk thread has come back (the home list
filled, the case loaded, the checks run) and Tk has nothing left to draw: what a clerk sees as
"the screen is ready for the next key". Each switch is repeated; the first time is reported
apart, since it builds a view that later switches may reuse.

Baseline, measured in the same run on the same display: building, drawing and destroying a bare
CTkFrame holding one label, the least any screen switch can cost.
Budget (CONTRIBUTING.md, performance budgets): p95 under 150 ms a switch on this machine.
Needs Xvfb (started here). Run (from the project root): .venv/bin/python -m bench.ui_screens [rounds]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from pyvirtualdisplay import Display

from bench.window_session import SCREEN, open_window

BUDGET_MS = 150.0


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with Display(size=SCREEN):
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

        session = open_window("screens")
        win, runtime, root = session.win, session.runtime, session.win.root

        def pump(until: Callable[[], object], timeout: float = 30.0) -> None:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                root.update()
                if until():
                    return
                time.sleep(0.001)
            raise SystemExit(f"timed out; the window shows {type(win.view).__name__}")

        def idle_on(kind: type) -> Callable[[], bool]:
            """The screen is `kind`, its own tasks are back and Tk has nothing left to do."""

            def ready() -> bool:
                view = win.view
                if not isinstance(view, kind) or view.busy:
                    return False
                root.update_idletasks()
                return not view.busy

            return ready

        def press(keysym: str, widget=None) -> None:
            (root.focus_get() or widget or root).event_generate(f"<KeyPress-{keysym}>")

        def timed(keysym: str, kind: type) -> float:
            start = time.perf_counter()
            press(keysym)
            pump(idle_on(kind))
            return (time.perf_counter() - start) * 1000

        try:
            # A supervisor sees every screen measured here (主管视图 too) and opens no shift.
            root.update()  # the login screen puts the focus in its first field
            login = win.view
            login.username.insert(0, "supervisor01")
            login.password.insert(0, "123456")
            login.password.focus_force()
            root.update()
            press("Return", login.password)
            pump(idle_on(HomeView))
            services, clerk = runtime.services, win.current_clerk
            matter = services.intake.matter("370702-XK-0001")
            applicant = Applicant("王秀英", "身份证", "11010519491231002X")
            accepted = services.intake.submit(
                IntakeDraft(
                    applicant,
                    matter.code,
                    tuple(MaterialInput(m.code, received=True) for m in matter.materials_for({})),
                ),
                clerk,
            )
            services.intake.submit(IntakeDraft(applicant, matter.code, (MaterialInput("M01", received=True),)), clerk)
            win.show_home()
            pump(idle_on(HomeView))
            pump(lambda: not win.runner.busy)

            def at_home() -> None:
                if not isinstance(win.view, HomeView):
                    win.show_home()
                pump(idle_on(HomeView))
                root.focus_force()
                win.view.new_button.focus_set()
                root.update()

            def case_highlighted() -> None:
                at_home()
                table = win.view.table
                pump(lambda: table.get_children())
                first = table.get_children()[0]
                table.selection_set(first)
                table.focus(first)
                table.focus_set()
                root.update()

            def on_result() -> None:
                win.show_result(accepted)
                # Not idle_on: the result screen waits for the applicant's rating as long as it shows.
                pump(lambda: isinstance(win.view, ResultView) and win.view.previews.winfo_children())
                root.focus_force()
                win.view.home_button.focus_set()
                root.update()

            def on(kind: type, show: Callable[[], None]) -> Callable[[], None]:
                def there() -> None:
                    show()
                    pump(idle_on(kind))
                    root.focus_force()
                    root.update()

                return there

            switches: list[tuple[str, Callable[[], None], str, type]] = [
                ("home → intake (F2)", at_home, "F2", IntakeView),
                ("intake → home (Esc)", on(IntakeView, win.show_intake), "Escape", HomeView),
                ("home → detail (Enter)", case_highlighted, "Return", CaseDetailView),
                (
                    "detail → home (Esc)",
                    on(CaseDetailView, lambda: win.show_case(accepted.case_id)),
                    "Escape",
                    HomeView,
                ),
                ("home → supervisor (F9)", at_home, "F9", SupervisorView),
                ("supervisor → home (Esc)", on(SupervisorView, win.show_supervisor), "Escape", HomeView),
                ("result → home (Enter)", on_result, "Return", HomeView),
                ("home → settings (F12)", at_home, "F12", SettingsView),
                ("settings → home (Esc)", on(SettingsView, win.show_settings), "Escape", HomeView),
                ("home → diagnostics (F11)", at_home, "F11", DiagnosticsView),
                ("diagnostics → home (Esc)", on(DiagnosticsView, win.show_diagnostics), "Escape", HomeView),
            ]

            # The baseline: the least a switch can cost, a bare frame built, drawn and taken down.
            def bare_frame() -> float:
                start = time.perf_counter()
                frame = ctk.CTkFrame(win.body)
                ctk.CTkLabel(frame, text="基线", font=win.theme.font()).pack()
                frame.place(x=0, y=0)
                root.update()
                frame.destroy()
                root.update()
                return (time.perf_counter() - start) * 1000

            baseline = [bare_frame() for _ in range(rounds * 2)]
            base = statistics.median(baseline)
            results: list[tuple[str, float, list[float]]] = []
            for name, arrive, keysym, kind in switches:
                arrive()
                first = timed(keysym, kind)
                samples = []
                for _ in range(rounds):
                    arrive()
                    samples.append(timed(keysym, kind))
                results.append((name, first, samples))
        finally:
            session.close()

    print(f"screen switches, key to idle, through the window on Xvfb 1366×768 ({rounds} rounds each)")
    print(
        f"baseline: bare CTkFrame built, drawn and destroyed  p50 {base:.1f} ms  p95 {percentile(baseline, 95):.1f} ms"
    )
    print(f"{'switch':<28}{'first':>9}{'p50':>9}{'p95':>9}{'p95/base':>10}  budget p95 < {BUDGET_MS:.0f} ms")
    over = 0
    for name, first, samples in results:
        p50, p95 = percentile(samples, 50), percentile(samples, 95)
        mark = "ok" if p95 < BUDGET_MS else "OVER"
        over += p95 >= BUDGET_MS
        print(f"{name:<28}{first:>8.1f} {p50:>8.1f} {p95:>8.1f} {p95 / base:>9.1f}×  {mark}")
    print(f"{len(results) - over} of {len(results)} switches within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
