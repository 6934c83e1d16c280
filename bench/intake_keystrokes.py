"""Keystrokes and window round-trips for a standard intake, driven through the real window.

Standard intake: an applicant with an ID card and every material for 个体工商户设立登记.
The clerk presses F2, F3 (card), types the shortest pinyin-initials prefix that puts
the matter first, Enter, F7 (all received), F9 (record and print), Enter (home).
Round-trips are tasks the window hands to workers (each is one trip off the Tk
thread and back). Needs Xvfb (started here) and prints the counts.
Run (from the project root): .venv/bin/python -m bench.intake_keystrokes
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import keyring
from pyvirtualdisplay import Display


def main() -> int:
    with Display(size=(1366, 768)):
        from client.app import ClientConfig, build_runtime
        from client.embedded_server import EmbeddedServer
        from client.store.secrets import MemoryKeyring
        from client.ui.home import HomeView
        from client.ui.intake import IntakeView
        from client.ui.mainwindow import MainWindow
        from client.ui.result import ResultView
        from client.ui.shift import ShiftOpenView
        from devices.virtual import SAMPLE_CARDS
        from sync.server.demo import ensure_demo

        keyring.set_keyring(MemoryKeyring())
        root = Path(tempfile.mkdtemp(prefix="onewindow-bench-keys-"))
        db = f"sqlite:///{root / 'server.sqlite'}"
        demo = ensure_demo(db)
        server = EmbeddedServer.start(db, root / "blobs", root / "server.log")
        runtime = build_runtime(ClientConfig(data_dir=root / "client", demo=True))
        runtime.enrolment.enrol(server.url, demo.enrol_code, "bench")
        win = MainWindow(runtime.services)
        keys, trips = [], []
        real_run = win.runner.run

        def counted_run(fn, *a, **kw):
            trips.append(getattr(fn, "__name__", "task"))
            return real_run(fn, *a, **kw)

        win.runner.run = counted_run

        def pump(until, timeout=30.0):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                win.root.update()
                if until():
                    return until()
                time.sleep(0.01)
            raise SystemExit(f"timed out after keys {keys}")

        def press(widget, keysym):
            keys.append(keysym)
            widget.focus_force()
            win.root.update()
            (win.root.focus_get() or widget).event_generate(f"<KeyPress-{keysym}>")
            win.root.update()

        def type_text(widget, text):
            widget.focus_force()
            win.root.update()
            for ch in text:
                keys.append(ch)
                widget.insert("end", ch)
                (win.root.focus_get() or widget).event_generate("<KeyRelease>")
                win.root.update()

        try:
            login = win.view
            type_text(login.username, "clerk01")
            type_text(login.password, "123456")
            press(login.password, "Return")
            pump(lambda: isinstance(win.view, (HomeView, ShiftOpenView)))
            if isinstance(win.view, ShiftOpenView):  # 开班 at window 3, once per shift
                type_text(win.view.window, "3")
                press(win.view.window, "Return")
            pump(lambda: isinstance(win.view, HomeView))
            pump(lambda: not win.runner.busy)
            keys.clear()
            trips.clear()
            runtime.hardware.reader.place_card(SAMPLE_CARDS[0])
            press(win.view.new_button, "F2")
            intake = pump(lambda: win.view if isinstance(win.view, IntakeView) else None)
            press(intake.card_button, "F3")
            pump(lambda: intake.id_number.get() == SAMPLE_CARDS[0].id_number)
            matter = runtime.services.intake.matter("370702-XK-0001")
            from pypinyin import Style, lazy_pinyin

            initials = "".join(lazy_pinyin(matter.name, style=Style.FIRST_LETTER))  # g t g s h s l d j
            for n in range(1, len(initials) + 1):
                type_text(intake.search, initials[n - 1])
                if intake.matters and intake.matters[0].code == matter.code:
                    break
            press(intake.search, "Return")
            pump(lambda: intake.matter is not None)
            press(intake.search, "F7")
            pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理" and not intake.busy)
            press(intake.search, "F9")
            result = pump(lambda: win.view if isinstance(win.view, ResultView) else None)
            pump(lambda: "申请人评价" in result.rating.cget("text"))
            press(result.home_button, "Return")
            pump(lambda: isinstance(win.view, HomeView))
        finally:
            win.close()
            server.stop()
        print("standard intake (card, 个体工商户设立登记, all materials, accept, rating, back home)")
        print(f"  keystrokes: {len(keys)}  ({' '.join(keys)})")
        print(f"  window round-trips (tasks off the Tk thread): {len(trips)}")
        counts: dict[str, int] = {}
        for name in trips:
            counts[name] = counts.get(name, 0) + 1
        print("  " + ", ".join(f"{k} ×{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
