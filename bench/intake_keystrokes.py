"""Keys, mouse actions and window round-trips for the three standard intakes, through the real window.

The clerk's hands are measured, not the program's speed: every step is a key event delivered to
the widget that has the focus (`root.focus_get()`), exactly as the keyboard would deliver it, so a
control the keyboard cannot reach stops the run instead of being clicked. Mouse actions are counted
anyway, as a check on the window rather than on this script: any button press event the window
receives and any CTkButton.invoke() that does not come from a key event.

The three standard intakes of one applicant with an ID card, for 个体工商户设立登记:
  accept           F2 (new intake), F3 (card), F4 + pinyin initials + Enter (matter), F7 (all received),
                   F9 (record and print), Enter (home)
  one-time notice  ... Enter (matter), 1 (first material 已收, the rest missing), F9, Enter
  refusal          ... Enter (matter), F10 (refuse), 4 (同一事项已在办理中), F9, Enter
The matter is found with the shortest prefix of its pinyin initials that lists it first. Round-trips
are tasks the window hands to workers (one trip off the Tk thread and back each). Needs Xvfb
(started here). Run (from the project root): .venv/bin/python -m bench.intake_keystrokes
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from bench.window_session import bench_window

MATTER = "370702-XK-0001"  # 个体工商户设立登记


@dataclass
class Hands:
    """What the clerk did: keys pressed (with their names) and mouse actions seen by the window."""

    keys: list[str] = field(default_factory=list)
    mouse: list[str] = field(default_factory=list)
    trips: list[str] = field(default_factory=list)
    in_key: bool = False

    def clear(self) -> None:
        self.keys, self.mouse, self.trips = [], [], []


def main() -> int:
    with bench_window("keys") as session:
        import customtkinter as ctk
        from pypinyin import Style, lazy_pinyin

        from client.ui.home import HomeView
        from client.ui.intake import IntakeView
        from client.ui.result import ResultView
        from client.ui.shift import ShiftOpenView
        from devices.virtual import SAMPLE_CARDS

        win, runtime = session.win, session.runtime
        hands = Hands()
        real_invoke = ctk.CTkButton.invoke

        def watched_invoke(button, *a, **kw):
            if not hands.in_key:
                hands.mouse.append(f"invoke {button.cget('text')}")
            return real_invoke(button, *a, **kw)

        ctk.CTkButton.invoke = watched_invoke
        win.root.bind_all("<ButtonPress>", lambda e: hands.mouse.append(f"click {e.widget}"), add="+")
        real_run = win.runner.run

        def counted_run(fn, *a, **kw):
            hands.trips.append(getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", "task"))
            return real_run(fn, *a, **kw)

        win.runner.run = counted_run

        def pump(until, timeout=30.0, what="state"):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                win.root.update()
                value = until()
                if value:
                    return value
                time.sleep(0.01)
            raise SystemExit(f"timed out waiting for {what} after keys {' '.join(hands.keys)}")

        def key(keysym: str) -> None:
            """One key, pressed and released where the focus is; there must be a focus."""
            target = pump(win.root.focus_get, 5.0, f"a focus for {keysym}")
            hands.keys.append(keysym)
            hands.in_key = True
            try:
                target.event_generate(f"<KeyPress-{keysym}>")
                win.root.update()
                focused = win.root.focus_get()
                if focused is not None:
                    focused.event_generate(f"<KeyRelease-{keysym}>")
                win.root.update()
            finally:
                hands.in_key = False

        def type_text(text: str) -> None:
            for ch in text:
                key(ch)

        def idle() -> None:
            pump(lambda: not win.runner.busy, what="the window idle")

        def intake(kind: str) -> None:
            key("F2")
            view = pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="the intake")
            pump(lambda: win.root.focus_get() is not None and str(win.root.focus_get()).startswith(str(view.id_number)))
            runtime.hardware.reader.place_card(SAMPLE_CARDS[0])  # the applicant puts the card on the reader
            key("F3")
            pump(lambda: view.id_number.get() == SAMPLE_CARDS[0].id_number, what="the card read")
            idle()
            key("F4")
            initials = "".join(lazy_pinyin(runtime.services.intake.matter(MATTER).name, style=Style.FIRST_LETTER))
            for ch in initials:
                type_text(ch)
                if view.matters and view.matters[0].code == MATTER:
                    break
            key("Return")
            pump(lambda: view.matter is not None and view.matter.code == MATTER, what="the matter chosen")
            if kind == "accept":
                key("F7")
                wanted = "将办理：受理"
            elif kind == "notice":
                key("1")  # the first material (营业执照 or its e-licence) is here; the application form is not
                wanted = "将办理：一次性告知"
            else:
                key("F10")
                key("4")
                wanted = "将办理：不予受理"
            pump(lambda: view.verdict.verdict.cget("text") == wanted and not view.busy, what=wanted)
            key("F9")
            result = pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="the result")
            # The rating pad may still wait for the applicant's key: the clerk goes on regardless.
            pump(lambda: result.previews.winfo_children(), what="the paper shown")
            key("Return")
            pump(lambda: isinstance(win.view, HomeView), what="home")
            idle()

        rows = []
        try:
            pump(lambda: win.root.focus_get() is not None, what="the login form")
            type_text("clerk01")
            key("Return")
            type_text("123456")
            key("Return")
            pump(lambda: isinstance(win.view, (HomeView, ShiftOpenView)), what="login")
            if isinstance(win.view, ShiftOpenView):  # 开班 at window 3, once per shift
                idle()
                type_text("3")
                key("Return")
            pump(lambda: isinstance(win.view, HomeView), what="home")
            idle()
            for kind, title in (("accept", "受理"), ("notice", "一次性告知"), ("refusal", "不予受理")):
                hands.clear()
                intake(kind)
                rows.append((title, list(hands.keys), list(hands.mouse), list(hands.trips)))
        finally:
            ctk.CTkButton.invoke = real_invoke
        print("Three standard intakes (card, 个体工商户设立登记), driven by key events where the focus is")
        print(f"{'intake':<12}{'keys':>6}{'mouse':>7}{'round-trips':>13}  key sequence")
        for title, keys, mouse, trips in rows:
            pad = " " * (12 - 2 * len(title))  # CJK characters take two columns
            print(f"{title}{pad}{len(keys):>6}{len(mouse):>7}{len(trips):>13}  {' '.join(keys)}")
            for action in mouse:
                print(f"{'':<12}mouse: {action}")
        total_mouse = sum(len(r[2]) for r in rows)
        print(f"mouse actions in all three: {total_mouse}")
    return 1 if total_mouse else 0


if __name__ == "__main__":
    sys.exit(main())
